"""What the public's forms are made of (guidance/public/forms.py): each form copy's signed one-time
token, the limits stated beside each box and checked when sent, the fields built on them, the
honeypot every public form carries, and details shown back masked."""

import datetime
import time
import uuid

from crispy_forms_gds.layout import (
    Div,
    Field,
    Size,
)
from django import forms
from django.core import signing, validators
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils.html import conditional_escape, format_html

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
