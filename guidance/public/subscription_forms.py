"""The form to subscribe to consultations by email (guidance/public/subscribing.py)."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms

from guidance.public.form_fields import email_field


def choices_for(consultation, organisations):
    """What may be chosen: for one consultation, all of its organisation's or only it; otherwise
    each organisation's. Values: "all:<organisation>" or "one:<slug>"."""
    if consultation is not None:
        return [
            (f"all:{consultation.organisation}", f"All of {consultation.organisation}'s consultations"),
            (f"one:{consultation.slug}", f"Only this consultation: {consultation.title}"),
        ]
    return [(f"all:{name}", f"All of {name}'s consultations") for name in organisations]


class SubscribeForm(forms.Form):
    about = forms.ChoiceField(
        label="What do you want to hear about?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what you want to hear about",
            "invalid_choice": "Select one of the options listed",
        },
    )
    email = email_field(
        label="Email address",
        help_text="We will email you a link to confirm. Nothing else is sent until you do.",
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["about"].choices = choices
        if len(choices) == 1:
            self.fields["about"].initial = choices[0][0]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> has the token
        self.helper.layout = Layout(
            Field.radios("about", legend_size=Size.MEDIUM),
            Field.text("email"),
            Submit("submit", "Subscribe"),
        )
