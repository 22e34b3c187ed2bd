"""The form to sign up to an event (guidance/public/events.py): a name, an email address, and any
access needs, in the person's own words."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms

from guidance.models import EventSignUp
from guidance.public.form_fields import HoneypotForm, PlainTextField, counted, email_field, too_long
from guidance.responses import text

NAME_LENGTH = EventSignUp._meta.get_field("name").max_length
# A few sentences: what someone needs to take part, not a medical history.
ACCESS_NEEDS_LENGTH = 1_000


class SignUpForm(HoneypotForm):
    name = PlainTextField(
        rules=text.check_name,
        label="Your name",
        help_text=f"So that the organisers know who is coming. Up to {NAME_LENGTH} characters.",
        max_length=NAME_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name", "dir": "auto"}),
        error_messages={"required": "Enter your name", "max_length": too_long("Your name", NAME_LENGTH)},
    )
    email = email_field(
        label="Email address",
        help_text="We email you to confirm, with a link to cancel, and the day before the event.",
    )
    access_needs = PlainTextField(
        label="Access needs (optional)",
        help_text="Anything that would help you take part: for example a hearing loop, captions, "
        "step-free access, breaks, or help with travel costs. Only the organisers read it.",
        required=False,
        max_length=ACCESS_NEEDS_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        error_messages={"max_length": too_long("Your access needs", ACCESS_NEEDS_LENGTH, "Shorten them")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> has the token
        self.helper.layout = Layout(
            Field.text("name"),
            Field.text("email"),
            counted("access_needs", ACCESS_NEEDS_LENGTH, rows=3),
            self.honeypot_layout(),
        )  # the button is the template's, after the privacy notice
