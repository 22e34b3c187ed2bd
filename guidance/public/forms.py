"""The public's forms: a comment on a section, answers to the consultation's questions, a report
on a published comment, and a respondent's own changes to their response.

The first two end with the same respondent details, and either can be saved unsent to finish
later (for_later=True: nothing is required, the text rules still hold). The error messages follow the
GOV.UK Design System's wording: say what went wrong and how to fix it, in plain English.
"""

from crispy_forms.utils import TEMPLATE_PACK
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    HTML,
    ConditionalQuestion,
    ConditionalRadios,
    Div,
    Field,
    Fieldset,
    Layout,
    Size,
    Submit,
)
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.template.loader import render_to_string
from django.utils.html import format_html

from guidance.models import Report, Response
from guidance.public.form_fields import (
    MAX_COMMENT_LENGTH,
    MAX_NAME_LENGTH,
    NAME_LIMIT_HINT,
    HoneypotForm,
    PlainTextField,
    clean_answer,
    counted,
    email_field,
    is_token,
    long_text_field,
    masked,
    new_form_token,
    question_field_names,
    question_fields,
    read_form_token,
    too_long,
)
from guidance.responses import text

# The respondent's details, stored on their response and remembered for their next form.
REMEMBERED_FIELDS = ["name", "email", "respondent_type", "organisation", "consent", "notify"]
# The details that say who someone is. A form never shows them back in full (the browser may be a
# library's or a family's, and the next person at it someone else): they are shown masked, their
# fields left empty, and an empty one keeps what was remembered.
IDENTIFYING_FIELDS = ("name", "email", "organisation")
# The fields of a respondent's form that are not their comment or answers.
DETAILS_FIELDS = {*REMEMBERED_FIELDS, "privacy_agreed", "same_person", "form_token", "website"}
SOMEONE_ELSE = "someone_else"

# The name of the button that saves a form to finish later instead of sending it.
SAVE = "save"
NOTIFY_LABEL = "Email me when my comments are published or not, and when the outcome is published"


ANSWER_ONE_MESSAGE = "Answer at least one question"
BROKEN_FORM_MESSAGE = (
    "Something went wrong with this form, so nothing was saved. Check what you wrote below and send it again"
)
ALREADY_SENT_MESSAGE = (
    "This copy of the form had already been sent, so nothing new was saved. "
    "To send what is below as a new response, check it and send it again"
)


class RespondentDetailsForm(HoneypotForm):
    """Who is responding, and what they agree to. Asked on every form. With `remembered` (the details
    this browser last sent, guidance/public/visitors.py remembered_details) they show as a short
    summary, the identifying ones masked, with the fields folded away under "Change your details":
    an identifying field left empty keeps what was remembered, and one changed asks whether this is
    the same person (someone else starts a new response of their own: the view's job). With
    privacy_agreed=True (agreed earlier in the session) the privacy agreement is not asked again."""

    name = PlainTextField(
        rules=text.check_name,
        label="Your name (optional)",
        help_text=f"We only publish your name if you choose “Publish with my name” below. {NAME_LIMIT_HINT}",
        required=False,
        max_length=MAX_NAME_LENGTH,
        widget=forms.TextInput(attrs={"dir": "auto"}),
        error_messages={"max_length": too_long("Your name", MAX_NAME_LENGTH)},
    )
    email = email_field(
        label="Email address (optional)",
        help_text="Give your email address if you want a receipt. We never publish it.",
        required=False,
    )
    notify = forms.BooleanField(
        label=NOTIFY_LABEL,
        help_text="At most one email a day. Every email has a link to stop them.",
        required=False,
    )
    respondent_type = forms.ChoiceField(
        label="I am responding as",
        help_text="Choose the one that fits best. This helps us understand who has responded. "
        "It is shown beside your comment even when it is anonymous.",
        choices=Response.RespondentType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how you are responding"},
    )
    organisation = PlainTextField(
        rules=text.check_name,
        label="Name of your organisation",
        help_text=f"Only if you are responding on behalf of an organisation. {NAME_LIMIT_HINT}",
        required=False,
        max_length=MAX_NAME_LENGTH,
        widget=forms.TextInput(attrs={"dir": "auto"}),
        error_messages={"max_length": too_long("The name of your organisation", MAX_NAME_LENGTH)},
    )
    consent = forms.ChoiceField(
        label="Can we publish your response?",
        help_text="A moderator reads every response before anything is published. We never publish your email address.",
        choices=Response.Consent.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether we can publish your response"},
    )
    privacy_agreed = forms.BooleanField(
        label="I agree to my response being used as the privacy notice describes",
        error_messages={"required": "Confirm that you agree to the privacy notice"},
    )
    same_person = forms.ChoiceField(
        label="If you have changed the name or email address, are you the same person?",
        help_text="On a shared computer, choose “someone else”, so that your response is kept apart.",
        choices=[
            ("same", "Yes, I am changing my own details"),
            (SOMEONE_ELSE, "No, I am someone else: start a new response for me"),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    # The one-time token of this copy of the form: sending it twice stores one response. The
    # templates render it beside the CSRF token, outside the crispy layout, so that the rest of a
    # blank form is the same HTML for everyone and can be rendered once (templates/guidance/section.html).
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, privacy_url="", remembered=None, privacy_agreed=False, for_later=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.remembered = dict(remembered or {})
        self.masked = {name: masked(self.remembered.get(name)) for name in IDENTIFYING_FIELDS}
        # Details kept from a form saved for later may lack what a sent form needs: then the fields
        # are shown open under the summary, not folded away.
        self.remembered_complete = all(self.remembered.get(name) for name in ("respondent_type", "consent"))
        if self.remembered:
            for name, value in self.remembered.items():
                if name not in IDENTIFYING_FIELDS:
                    self.initial.setdefault(name, value)
            for name in IDENTIFYING_FIELDS:
                if self.remembered.get(name):
                    self.fields[name].help_text = f"Leave this empty to keep “{self.masked[name]}”." + (
                        f" {NAME_LIMIT_HINT}" if name != "email" else ""
                    )
        else:
            del self.fields["same_person"]
        self.privacy_agreed_before = privacy_agreed
        self.fields["privacy_agreed"].required = not privacy_agreed
        # Saved to finish later: nothing is required yet, but what is there must be right.
        self.for_later = for_later
        if for_later:
            for field in self.fields.values():
                field.required = False
        self.privacy_url = privacy_url
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["organisation"].widget.attrs["autocomplete"] = "organization"
        if privacy_url:
            self.fields["privacy_agreed"].help_text = format_html(
                'The <a class="govuk-link" href="{}">privacy notice</a> explains how we use and keep your details.',
                privacy_url,
            )
        self.token_was_broken = False
        if self.is_bound and not is_token(self.data.get("form_token")):
            # A form that lost its token still works; it just gets a fresh one. A token that is
            # not one (changed by hand, or mangled on the way) gets an error the respondent can
            # act on, and the form shown again gets a fresh one, so sending it again works.
            self.token_was_broken = bool(self.data.get("form_token"))
            self.renew_token()
        if not self.is_bound and not self.initial.get("form_token"):
            self.initial["form_token"] = new_form_token()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> has the token
        self.helper.label_size = Size.SMALL
        self.helper.legend_size = Size.SMALL

    def renew_token(self):
        self.data = self.data.copy()
        self.data["form_token"] = new_form_token()

    @property
    def token_id(self):
        """The id of this copy's one-time token (a fresh one if it came without)."""
        return read_form_token(self.data.get("form_token"))[0]

    def refuse_token(self):
        """This copy of the form was already used to send something else (FormAlreadySent):
        say so, and give the form shown again a fresh token so the respondent can send it."""
        self.renew_token()
        self.add_error(None, ALREADY_SENT_MESSAGE)

    def identity_changed(self):
        """A name or email address typed that is not the remembered one."""
        typed = {name: str(self.data.get(name, "")).strip() for name in ("name", "email")}
        return (typed["name"] and typed["name"].casefold() != str(self.remembered.get("name", "")).casefold()) or (
            typed["email"] and typed["email"].casefold() != str(self.remembered.get("email", "")).casefold()
        )

    def clean(self):
        cleaned = super().clean()
        if self.token_was_broken:
            self.add_error(None, BROKEN_FORM_MESSAGE)
        if self.remembered:
            if self.identity_changed() and not cleaned.get("same_person"):
                self.add_error(
                    "same_person",
                    "Select whether you are the person whose details were shown, or someone else",
                )
            for name in IDENTIFYING_FIELDS:
                if name in cleaned and not cleaned[name]:
                    cleaned[name] = self.remembered.get(name) or ""
        if cleaned.get("respondent_type") not in (None, "", Response.RespondentType.ORGANISATION):
            cleaned["organisation"] = ""  # given, then another kind of respondent chosen
        if (
            not self.for_later
            and cleaned.get("respondent_type") == Response.RespondentType.ORGANISATION
            and not cleaned.get("organisation")
        ):
            self.add_error("organisation", "Enter the name of the organisation you are responding for")
        if cleaned.get("notify") and not cleaned.get("email") and "email" not in self.errors:
            self.add_error("email", "Enter your email address, so that we can tell you what happened to your comments")
        if self.for_later and not any(self.values_to_keep().values()):
            self.add_error(None, "There is nothing to save yet. Write your comment or an answer first")
        return cleaned

    def answer_field_names(self):
        """The fields that hold the comment or answers: every field but the respondent's details.
        A form saved for later keeps these, whatever kind of answer they take."""
        return [name for name in self.fields if name not in DETAILS_FIELDS]

    def values_to_keep(self):
        """What was typed in the comment or answer fields, as the widgets read it from the form
        (a list for a field of several choices), to show in the form again as it was."""
        values = {}
        for name in self.answer_field_names():
            value = self.fields[name].widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            values[name] = text.tidy(value) if isinstance(value, str) else value
        return values

    def details_layout(self):
        # The organisation's name is revealed under "On behalf of an organisation" (shown anyway
        # without JavaScript: templates/gds/layout/conditional_question.html).
        respondent_types = [
            ConditionalQuestion(label, Field.text("organisation"))
            if value == Response.RespondentType.ORGANISATION
            else label
            for value, label in Response.RespondentType.choices
        ]
        details = [
            Field.text("name"),
            Field.text("email"),
            Field.checkbox("notify", small=True),
            ConditionalRadios("respondent_type", *respondent_types),
            Field.radios("consent", legend_size=Size.SMALL, small=True),
        ]
        if self.remembered:
            details.append(Field.radios("same_person", legend_size=Size.SMALL, small=True))
            changing = self.is_bound and (self.identity_changed() or self.data.get("same_person"))
            if not changing and not any(name in self.errors for name in [*REMEMBERED_FIELDS, "same_person"]):
                details = [
                    HTML('{% include "includes/remembered_details.html" %}'),
                    Div(*details, template="includes/change_details.html", open=not self.remembered_complete),
                ]
        agreement = (
            HTML('{% include "includes/privacy_agreed_before.html" %}')
            if self.privacy_agreed_before
            else Field.checkbox("privacy_agreed")
        )
        return Fieldset(
            *details,
            agreement,
            self.honeypot_layout(),
            legend="About you",
            css_class="govuk-fieldset",
            legend_size=Size.MEDIUM,
        )

    def details(self):
        """The cleaned respondent details, as Response fields. A form saved for later keeps only those given."""
        details = {name: self.cleaned_data[name] for name in REMEMBERED_FIELDS}
        if self.for_later:
            details = {name: value for name, value in details.items() if value not in ("", None)}
        return details

    def buttons(self, send_label):
        """Send, and save to finish later: two submit buttons, so no JavaScript is needed. Send
        comes first, so that Enter in a field sends, as it always has."""
        return Div(
            Submit("submit", send_label),
            Submit(SAVE, "Save and come back later", css_class="govuk-button--secondary"),
            css_class="govuk-button-group",
        )


class CommentForm(RespondentDetailsForm):
    """A comment on one section of the draft."""

    comment = long_text_field(
        label="Your comment",
        hint="Tell us what you think: what works, what is missing or what should change.",
        required=True,
        required_message="Enter your comment",
        what="Your comment",
        then="Shorten it, or send the rest in another comment",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["comment"])
        self.helper.layout = Layout(
            counted("comment", MAX_COMMENT_LENGTH, label_size=Size.MEDIUM, rows=10),
            self.details_layout(),
            self.buttons("Send comment"),
        )


class AnswersGroup(Div):
    """The questions of the questions form together (templates/includes/your_answers.html), under
    one heading, where an error about them all is shown: its template is given the form too."""

    template = "includes/your_answers.html"

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        fields = self.get_rendered_fields(form, context, template_pack, **kwargs)
        return render_to_string(self.template, {"div": self, "fields": fields, "form": form})


class QuestionsForm(RespondentDetailsForm):
    """Answers to the consultation's questions: each optional unless the question is required, and
    at least one answered (unless the form is saved to finish later). Each question's fields follow
    its kind (question_fields below; guidance/responses/answers.py decides what an answer may hold)."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        answer_layout = []
        for question in self.questions:
            fields, layout = question_fields(question)
            self.fields.update(fields)
            answer_layout += layout
        self.order_fields([name for question in self.questions for name in question_field_names(question)])
        self.helper.layout = Layout(
            AnswersGroup(*answer_layout),
            self.details_layout(),
            self.buttons("Send answers"),
        )

    @property
    def required_count(self):
        return sum(question.required for question in self.questions)

    def clean(self):
        cleaned = super().clean()
        self.answered = []
        if self.for_later:
            # Kept as typed (values_to_keep), to be checked when it is sent.
            return cleaned
        for question in self.questions:
            answer = clean_answer(self, question)
            if answer:
                self.answered.append((question, answer))
        question_errors = any(field in self.errors for field in self.answer_field_names())
        if self.questions and not self.answered and not question_errors:
            # About the questions together, not the first one: shown on the group of them, and
            # linked from the error summary to the first (templates/includes/your_answers.html).
            self.add_error(None, ValidationError(ANSWER_ONE_MESSAGE, code="no_answer"))
        return cleaned

    @property
    def no_answer_error(self):
        """The error on the questions together, when none was answered; "" otherwise."""
        errors = self.errors.as_data().get(NON_FIELD_ERRORS, []) if self.is_bound else []
        return next((error.messages[0] for error in errors if error.code == "no_answer"), "")

    def answers(self):
        """(question, guidance.responses.answers.Answer) for each question answered, in order."""
        return list(self.answered)


# One question's answer, wherever it is asked: the questions form, and a respondent changing their
# answer on their response's page.


class ReportForm(HoneypotForm):
    """A member of the public reports a published comment: why, and optionally more in words.
    Nothing about the reporter is asked or stored."""

    reason = forms.ChoiceField(
        label="Why are you reporting this comment?",
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select why you are reporting this comment",
            "invalid_choice": "Select one of the reasons listed",
        },
    )
    details = PlainTextField(
        label="Tell us more (optional)",
        help_text="Anything that helps the moderator decide. Do not include your own name or contact details.",
        required=False,
        max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        error_messages={"max_length": too_long("Your details", MAX_COMMENT_LENGTH, "Shorten them")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> has the token
        self.helper.layout = Layout(
            Field.radios("reason", legend_size=Size.MEDIUM),
            counted("details", MAX_COMMENT_LENGTH, rows=4),
            self.honeypot_layout(),
            Submit("submit", "Send report"),
        )
        self.order_fields(["reason", "details"])
