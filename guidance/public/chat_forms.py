"""The form that posts a reply in a chat hour (guidance/public/chat.py): the reply, a name to show,
and the same "about you" choices, publication choice and privacy notice as a response's forms,
taken from RespondentDetailsForm itself. No email address: a chat reply has no receipt."""

from crispy_forms_gds.layout import HTML, ConditionalQuestion, ConditionalRadios, Field, Fieldset, Layout, Size, Submit
from django import forms

from guidance.models import Response
from guidance.public.form_fields import PlainTextField, counted, too_long, within
from guidance.public.forms import RespondentDetailsForm
from guidance.responses import text

# A chat reply is a few sentences; a longer answer belongs in the questions form.
MAX_REPLY_LENGTH = 1_000
# ChatMessage.display_name's length.
MAX_DISPLAY_NAME_LENGTH = 100
CHAT_FIELDS = ["reply", "name", "respondent_type", "organisation", "consent", "privacy_agreed", "website"]


class ChatReplyForm(RespondentDetailsForm):
    """A reply to the question put. `held`: the details of the chat response this browser holds,
    filled in; the privacy agreement is asked once a browser session, as on the response forms."""

    reply = PlainTextField(
        label="Your reply",
        help_text="Reply to the question above. Do not include anyone's personal details.",
        max_length=MAX_REPLY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        error_messages={
            "required": "Enter your reply",
            "max_length": too_long("Your reply", MAX_REPLY_LENGTH, "Shorten it, or send the rest in another reply"),
        },
    )

    def __init__(self, *args, held=None, **kwargs):
        super().__init__(*args, remembered=None, **kwargs)
        for name in [name for name in self.fields if name not in CHAT_FIELDS]:
            del self.fields[name]
        name = self.fields["name"]
        name.label = "Your name in the chat (optional)"
        name.help_text = (
            "Shown beside your replies only if you choose “Publish with my name” below. "
            f"Up to {MAX_DISPLAY_NAME_LENGTH} characters."
        )
        name.max_length = MAX_DISPLAY_NAME_LENGTH
        name.validators = [text.check_name, within(MAX_DISPLAY_NAME_LENGTH)]
        name.error_messages["max_length"] = too_long("Your name", MAX_DISPLAY_NAME_LENGTH)
        self.fields["consent"].label = "Can we publish your replies?"
        self.fields["consent"].help_text = (
            "A moderator reads every reply. Replies you ask us not to publish are never shown in the chat, "
            "but they still count as answers."
        )
        if held and not self.is_bound:
            self.initial.update(held)
        self.order_fields(CHAT_FIELDS)
        respondent_types = [
            ConditionalQuestion(label, Field.text("organisation"))
            if value == Response.RespondentType.ORGANISATION
            else label
            for value, label in Response.RespondentType.choices
        ]
        agreement = (
            HTML('{% include "includes/privacy_agreed_before.html" %}')
            if self.privacy_agreed_before
            else Field.checkbox("privacy_agreed")
        )
        self.helper.layout = Layout(
            counted("reply", MAX_REPLY_LENGTH, label_size=Size.MEDIUM, rows=4),
            Fieldset(
                Field.text("name"),
                ConditionalRadios("respondent_type", *respondent_types),
                Field.radios("consent", legend_size=Size.SMALL, small=True),
                agreement,
                self.honeypot_layout(),
                legend="About you",
                legend_size=Size.MEDIUM,
            ),
            Submit("submit", "Send reply"),
        )

    def details(self):
        """The reply's author's details, as their chat response's fields."""
        return {name: self.cleaned_data[name] for name in ("name", "respondent_type", "organisation", "consent")}


def held_details(response):
    """What a chat response holds, to fill the next reply's form in with."""
    if response is None:
        return None
    return {name: getattr(response, name) for name in ("name", "respondent_type", "organisation", "consent")}
