"""The public's forms: a comment on a section, answers to the consultation's questions, a report
on a published comment, and a respondent's own changes to their response.

The first two end with the same respondent details, and either can be saved unsent to finish
later (for_later=True: nothing is required, the text rules still hold). The error messages follow the
GOV.UK Design System's wording: say what went wrong and how to fix it, in plain English.
"""

import datetime
import time
import uuid

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
from django.core import signing, validators
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.boundfield import BoundField
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html

from guidance.models import Report, Response
from guidance.responses import answers, text

# Every limit on what people write is said beside its box and checked when the form is sent: the
# box itself takes any length, so that a text pasted in is never cut short without a word, and a
# text over the limit comes back whole, with an error saying by how much (PlainTextField).
MAX_COMMENT_LENGTH = 10_000
# The words given for "Other, please say": a few words, a sentence at most.
MAX_OTHER_LENGTH = 500
# A name or an organisation's name.
MAX_NAME_LENGTH = 200
NAME_LIMIT_HINT = f"Up to {MAX_NAME_LENGTH} characters."

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


# A copy of a form's one-time token: a random id (the Submission's form_token: sending the same copy
# twice stores it once) and when the form was opened (a form opened before the close may be sent for
# CLOSE_GRACE_MINUTES after it), signed, so that a browser can neither choose the one nor change the other.
FORM_COPY_SALT = "guidance.public.form-token"


def new_form_token():
    return signing.dumps({"u": uuid.uuid4().hex, "t": int(time.time())}, salt=FORM_COPY_SALT)


def read_form_token(value):
    """(the token's id, when its form was opened) for one of our tokens; None otherwise. A plain id,
    from a page loaded before tokens carried their time, gives no time."""
    value = str(value or "")
    try:
        data = signing.loads(value, salt=FORM_COPY_SALT)
        return uuid.UUID(data["u"]), datetime.datetime.fromtimestamp(int(data["t"]), tz=datetime.UTC)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        pass
    try:
        return uuid.UUID(value), None
    except ValueError:
        return None


def is_token(value):
    return read_form_token(value) is not None


class StatedLimit:
    """For a field with a max_length: no maxlength attribute on its box, which would make the
    browser cut a pasted text short without a word. The limit is said beside the box instead, and
    checked when the form is sent."""

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


def too_long(what, limit, then="Shorten it"):
    """The error for a text over its limit, which says the limit and how long the text is."""
    return f"{what} must be {limit:,} characters or fewer: you have written %(length)s. {then}"


def within(limit):
    """Refuses a text longer than `limit` as its writer counts it (text.length), with the code and
    values of Django's own length error, and the length as people write numbers (%(length)s)."""

    def check(value):
        found = text.length(value)
        if found > limit:
            raise ValidationError(
                "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
                code="max_length",
                params={"limit_value": limit, "show_value": found, "length": f"{found:,}"},
            )

    return check


class PlainTextField(StatedLimit, forms.CharField):
    """A CharField that keeps the portal's text rules (guidance/responses/text.py): `rules` is
    text.check_long_text (the default) or text.check_name, and text made only of spaces and
    invisible characters counts as empty. Its max_length is a limit said and checked, never
    enforced by the browser (StatedLimit); give it a "max_length" error message from too_long()."""

    def __init__(self, *args, rules=text.check_long_text, **kwargs):
        super().__init__(*args, **kwargs)
        # Django's own null-character validator would speak first with a technical message, and
        # its length validator counts a line break as two characters, where the writer sees one.
        self.validators = [
            v
            for v in self.validators
            if not isinstance(v, (validators.ProhibitNullCharactersValidator, validators.MaxLengthValidator))
        ]
        self.validators.insert(0, rules)
        if self.max_length is not None:
            self.validators.append(within(self.max_length))

    def to_python(self, value):
        return text.tidy(super().to_python(value))


class EmailAddressField(StatedLimit, forms.EmailField):
    pass


def long_text_field(label, hint, required, required_message="", what="Your answer", then="Shorten it"):
    """A box for a comment or an answer in words, up to MAX_COMMENT_LENGTH characters (laid out
    with counted())."""
    return PlainTextField(
        label=label,
        help_text=hint,
        required=required,
        max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
        error_messages={"required": required_message, "max_length": too_long(what, MAX_COMMENT_LENGTH, then)},
    )


def counted(name, limit, label_size=Size.SMALL, rows=None):
    """The layout of a box that says its limit and counts the characters as the person types (GOV.UK's
    character count: templates/gds/layout/character_count.html). Without JavaScript the limit is
    said under the box, and a longer text is refused when the form is sent, with the text kept."""
    context = {"label_size": Size.for_label(label_size), "max_characters": limit, "limit_in_words": f"{limit:,}"}
    return Field(name, template="gds/layout/character_count.html", context=context, **({"rows": rows} if rows else {}))


def email_field(label, help_text, required=True):
    """An email address, wherever one is asked for."""
    return EmailAddressField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=254,
        # An address may have letters of any script in its domain, so Django's own check lets
        # through the characters that reverse how text displays; and forms of address that mail
        # sending changes or refuses (text.check_email_address).
        validators=[text.check_name, text.check_email_address],
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Your email address must be 254 characters or fewer",
        },
    )


class ShownTextBoundField(BoundField):
    """Shows a refused control character as \ufffd, as browsers would: HTML may not contain them."""

    def value(self):
        value = super().value()
        return text.CONTROL_CHARACTERS.sub("\ufffd", value) if isinstance(value, str) else value


class HoneypotForm(forms.Form):
    """Every public form's honeypot: a field hidden from people (by CSS, and from screen
    readers) that bots fill in. A form with it filled looks like success and stores nothing."""

    bound_field_class = ShownTextBoundField

    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    @property
    def is_spam(self):
        """True when the honeypot field was filled in: a person never sees it."""
        return bool(self.data.get("website", "").strip())

    def honeypot_layout(self):
        return Div(Field.text("website"), css_class="portal-honeypot")


def masked(value):
    """A name or email address shown back only as far as its owner needs to recognise it:
    "Alice Carer" as "A••• C•••", "alice@example.com" as "a•••@example.com"."""
    value = str(value or "")
    if "@" in value:
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}•••@{domain}"
    return " ".join(f"{word[:1]}•••" for word in value.split())


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


def question_field_names(question):
    """The fields of one question: its answer, then the words for "Other" and the explanation
    where it has them."""
    name = f"answer_{question.pk}"
    names = [name]
    if any(option.is_other for option in answers.offered_options(question)):
        names.append(f"{name}_other")
    if question.has_options and question.explain_label:
        names.append(f"{name}_text")
    return names


def question_fields(question):
    """The fields that take an answer to `question` ({name: field}) and their layout: a text box;
    radio buttons or checkboxes of its options, with a box for the words of "Other" when it offers
    one; and its explanation box when it has one."""
    name = f"answer_{question.pk}"
    # crispy-forms-gds marks labels safe, so escape the question's own text here.
    label = format_html(
        "{}. {}{}", question.number, conditional_escape(question.text), " (required)" if question.required else ""
    )
    hint = conditional_escape(question.hint)
    if not question.has_options:
        field = long_text_field(
            label=label, hint=hint, required=False, what=f"Your answer to question {question.position}"
        )
        return {name: field}, [counted(name, MAX_COMMENT_LENGTH, rows=10)]
    fields = {}
    options = answers.offered_options(question)
    choices = [(str(option.pk), option.label) for option in options]
    invalid = {"invalid_choice": "Choose from the answers listed", "invalid_list": "Choose from the answers listed"}
    several = question.kind == question.Kind.SEVERAL_CHOICES
    field_class, widget, shown_as = (
        (forms.MultipleChoiceField, forms.CheckboxSelectMultiple, Field.checkboxes)
        if several
        else (forms.ChoiceField, forms.RadioSelect, Field.radios)
    )
    fields[name] = field_class(
        label=label, help_text=hint, choices=choices, required=False, widget=widget, error_messages=invalid
    )
    layout = [shown_as(name, legend_size=Size.SMALL)]
    if any(option.is_other for option in options):
        fields[f"{name}_other"] = PlainTextField(
            label=format_html("If you chose “{}”, say what (question {})", answers.OTHER_LABEL, question.position),
            required=False,
            max_length=MAX_OTHER_LENGTH,
            widget=forms.TextInput(attrs={"dir": "auto"}),
            error_messages={
                "max_length": too_long(f"Your other answer to question {question.position}", MAX_OTHER_LENGTH)
            },
        )
        layout.append(counted(f"{name}_other", MAX_OTHER_LENGTH))
    if question.explain_label:
        fields[f"{name}_text"] = long_text_field(
            # Escaped here, as every label and hint from the database: crispy-forms-gds marks them safe.
            label=format_html("{} (question {}, optional)", question.explain_label, question.position),
            hint="",
            required=False,
            what=f"What you wrote under “{question.explain_label}” (question {question.position})",
        )
        layout.append(counted(f"{name}_text", MAX_COMMENT_LENGTH, rows=4))
    return fields, [Div(*layout, css_class="portal-question")]


def clean_answer(form, question):
    """The guidance.responses.answers.Answer that `form` (cleaned) sent for `question`; None, with the error
    added to the form, when it is not an answer the question takes."""
    name = f"answer_{question.pk}"
    if any(field in form.errors for field in question_field_names(question)):
        return None
    sent = form.data.getlist(name) if hasattr(form.data, "getlist") else [form.data.get(name)]
    if question.kind in (question.Kind.ONE_CHOICE, question.Kind.AGREEMENT) and len(sent) > 1:
        # Radio buttons send one value; two is a form that was tampered with.
        form.add_error(name, "Choose one answer")
        return None
    cleaned = form.cleaned_data
    chosen = cleaned.get(name) if question.has_options else None
    try:
        return answers.make_answer(
            question,
            option_ids=([chosen] if isinstance(chosen, str) else chosen) if chosen else (),
            other=cleaned.get(f"{name}_other", ""),
            text=cleaned.get(f"{name}_text" if question.has_options else name, ""),
        )
    except answers.AnswerRefused as refusal:
        field = {"options": name, "other": f"{name}_other", "text": f"{name}_text"}[refusal.part]
        form.add_error(field if field in form.fields else name, refusal.message)
        return None


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
