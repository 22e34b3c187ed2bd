"""The forms of a respondent's own response (guidance/public/own_response.py): changing a comment or
an answer, their choices, and the address to email a link to continue to."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms

from guidance.models import Response
from guidance.public.form_fields import (
    MAX_COMMENT_LENGTH,
    ShownTextBoundField,
    clean_answer,
    counted,
    email_field,
    long_text_field,
    question_fields,
)
from guidance.public.forms import NOTIFY_LABEL


class ChangeCommentForm(forms.Form):
    """New text for one of the respondent's comments on a section, or their answer to a question
    (the question's own fields, as the questions form asks it)."""

    bound_field_class = ShownTextBoundField

    def __init__(self, *args, comment, **kwargs):
        super().__init__(*args, **kwargs)
        self.comment = comment
        if comment.question_id:
            fields, layout = question_fields(comment.question)
            self.fields.update(fields)
            for field in fields.values():
                field.required = False
        else:
            self.fields["comment"] = long_text_field(
                label="Your comment",
                hint="What you write here replaces what you sent before.",
                required=True,
                required_message="Enter your comment, or withdraw it instead",
                what="Your comment",
                then="Shorten it, or send the rest in another comment",
            )
            layout = [counted("comment", MAX_COMMENT_LENGTH, label_size=Size.MEDIUM, rows=10)]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> has the token
        self.helper.layout = Layout(*layout, Submit("submit", "Save the change"))

    def clean(self):
        cleaned = super().clean()
        self.answer = None
        if self.comment.question_id:
            self.answer = clean_answer(self, self.comment.question)
            if self.answer is not None and not self.answer:
                self.add_error(f"answer_{self.comment.question_id}", "Enter your answer, or withdraw it instead")
        return cleaned

    def new_text(self):
        """The new comment (a string) or answer (a guidance.responses.answers.Answer)."""
        if self.comment.question_id:
            return self.answer
        return self.cleaned_data.get("comment", "")


class ChoicesForm(forms.Form):
    """The respondent's publication choice, and whether they are told what happened."""

    consent = forms.ChoiceField(
        label="Can we publish your response?",
        help_text="This applies to everything in your response. Not publishing, or publishing without your name, "
        "applies at once. If you choose to publish your name, a moderator reads it first: your published "
        "comments are hidden until then. We never publish your email address.",
        choices=Response.Consent.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether we can publish your response"},
    )
    notify = forms.BooleanField(label=NOTIFY_LABEL, help_text="At most one email a day.", required=False)

    def __init__(self, *args, has_email, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_email = has_email
        if not has_email:
            del self.fields["notify"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.radios("consent", legend_size=Size.MEDIUM),
            *([Field.checkbox("notify", small=True)] if has_email else []),
            Submit("submit", "Save your choices"),
        )


class LinkForm(forms.Form):
    """The address to email a link to continue the response to. With `known` (the response's own
    address, masked: this page may be open on a shared computer) it may be left empty to use that."""

    email = email_field(
        label="Email address",
        help_text="We will email you a link that opens your response on any device.",
    )

    def __init__(self, *args, known="", main_action=False, **kwargs):
        super().__init__(*args, **kwargs)
        if known:
            self.fields["email"].required = False
            self.fields["email"].help_text = f"Leave this empty to send it to {known}, the address you gave."
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        button = "" if main_action else "govuk-button--secondary"
        self.helper.layout = Layout(Field.text("email"), Submit("submit", "Email me a link", css_class=button))


class LostLinkForm(forms.Form):
    """The address a respondent gave, to send links to their responses to (guidance/mail/emails.py
    send_links_to_address)."""

    email = email_field(
        label="Email address",
        help_text="The address you gave when you responded or saved your response.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Field.text("email"), Submit("submit", "Send me a link"))


def answer_initial(comment):
    """A stored answer as the values of its question's fields, to change it."""
    name = f"answer_{comment.question_id}"
    question = comment.question
    if not question.has_options:
        return {name: comment.text}
    chosen = [str(pk) for pk in comment.options.values_list("pk", flat=True)]
    initial = {
        name: chosen if question.kind == question.Kind.SEVERAL_CHOICES else next(iter(chosen), ""),
        f"{name}_other": comment.other_text,
    }
    if question.explain_label:
        initial[f"{name}_text"] = comment.text
    return initial
