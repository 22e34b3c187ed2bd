"""The optional equality monitoring questions (guidance/equality/questions.py) as a form: GOV.UK
radios, every question optional."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms


class AboutYouForm(forms.Form):
    def __init__(self, *args, asked, **kwargs):
        super().__init__(*args, **kwargs)
        for characteristic in asked:
            self.fields[characteristic.key] = forms.ChoiceField(
                label=characteristic.question,
                help_text=characteristic.hint,
                choices=characteristic.options,
                widget=forms.RadioSelect,
                required=False,
                error_messages={"invalid_choice": "Choose one of the answers listed, or leave this question"},
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> has the token
        self.helper.layout = Layout(
            *(Field.radios(key, legend_size=Size.SMALL) for key in self.fields),
            Submit("submit", "Send these answers"),
        )
