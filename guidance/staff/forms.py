"""The staff pages' forms but authoring's (guidance/staff/authoring_forms.py): moderation, analysis,
export, erasure, import and sign-in. They only validate; the pages act on what they return."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm

from guidance.analysis.exports import DEFAULT_STATUSES, Layout
from guidance.models import (
    Comment,
    ModerationReason,
    Response,
    Theme,
)
from guidance.moderation import redaction
from guidance.moderation.decisions import REDACTION_REASONS
from guidance.privacy.retention import REMOVED_TEXT
from guidance.responses import text as text_rules
from guidance.responses.text import whole_number

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class WholeNumberField(forms.IntegerField):
    """A whole number written in the digits 0 to 9 only (guidance.responses.text.whole_number): IntegerField
    also reads "٠" and "３" as numbers."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = whole_number(str(value))
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class ReasonForm(forms.Form):
    """Why comments are rejected (a reason from the list is required) or marked as spam."""

    reason_code = forms.ChoiceField(
        label="Reason", choices=ModerationReason.choices, widget=forms.RadioSelect, required=False
    )
    reason = forms.CharField(
        label="Details",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Optional, except when the reason is “Other”. Staff see this; the public does not.",
    )

    def __init__(self, *args, to_status, **kwargs):
        super().__init__(*args, **kwargs)
        self.to_status = to_status
        if to_status == Comment.Status.REJECTED:
            self.fields["reason_code"].required = True
        else:
            del self.fields["reason_code"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason_code") == ModerationReason.OTHER and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why, in words, when the reason is “Other”.")
        return cleaned


class ScreenDecisionForm(forms.Form):
    """A decision on the moderation screen: one button each. Rejecting needs a reason from the
    list, and "Other" needs words."""

    KEEP = "keep"
    decision = forms.ChoiceField(
        choices=[
            (Comment.Status.APPROVED, "Approve"),
            (Comment.Status.REJECTED, "Reject"),
            (Comment.Status.SPAM, "Spam"),
            (Comment.Status.PENDING, "Return to pending"),
            (KEEP, "Keep published"),
        ],
        error_messages={"required": "Choose a decision.", "invalid_choice": "Choose one of the decisions shown."},
    )
    # The id of the comment's last event when it was shown (0 if none): a decision made since
    # by someone else is not overwritten.
    seen_event_id = WholeNumberField(widget=forms.HiddenInput)
    reason_code = forms.ChoiceField(
        label="Why reject it?",
        choices=ModerationReason.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose one of the reasons listed."},
    )
    reason = forms.CharField(
        label="Details (staff only)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when the reason is “Other”. The public never sees this.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == Comment.Status.REJECTED and not cleaned.get("reason_code"):
            self.add_error("reason_code", "Choose why the comment is rejected.")
        if cleaned.get("reason_code") == ModerationReason.OTHER and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why, in words, when the reason is “Other”.")
        if cleaned.get("decision") not in (Comment.Status.REJECTED, Comment.Status.SPAM):
            # A reason ticked before choosing Approve is not recorded with the approval.
            cleaned["reason_code"], cleaned["reason"] = "", ""
        return cleaned


class RedactForm(forms.Form):
    """Words of a comment hidden before it is published: the comment as it will be published (the
    words to hide replaced by "[redacted]", checked by guidance/moderation/redaction.py when the
    redaction is made) and why."""

    text = forms.CharField(
        label="The comment as it will be published",
        strip=False,  # compared with the comment as written: guidance/moderation/redaction.py
        widget=forms.Textarea(attrs={"rows": 10, "dir": "auto", "spellcheck": "false"}),
        help_text=f"Replace each word or phrase to hide with {redaction.MARKER}. Change nothing else.",
        error_messages={"required": f"Enter the comment, with the words to hide replaced by {redaction.MARKER}."},
    )
    reason_code = forms.ChoiceField(
        label="Why redact it?",
        choices=[(code, ModerationReason(code).label) for code in REDACTION_REASONS],
        widget=forms.RadioSelect,
        initial=ModerationReason.PERSONAL,
        error_messages={
            "required": "Choose why the words are redacted.",
            "invalid_choice": "Choose one of the reasons listed.",
        },
    )
    reason = forms.CharField(
        label="Details (staff only)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=(
            "Needed when the reason is “Other”. For example: “A neighbour's phone number”. The public never sees this."
        ),
    )
    # The id of the comment's last event when this page showed it (0 if none).
    seen_event_id = WholeNumberField(widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason_code") == ModerationReason.OTHER and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Say why, in words, when the reason is “Other”.")
        return cleaned


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Add a private note",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in this comment's history for staff. Never shown to the public.",
        error_messages={"required": "Write the note before adding it."},
    )


class ApplyThemeForm(forms.Form):
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        help_text="Analysts add and describe themes under Themes.",
    )

    def __init__(self, consultation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.filter(consultation=consultation)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "UTF-8 CSV. The header row names received_at, channel, author and text, and optionally target "
            "(such as 2.3 or Q4) and source_url. Nothing is saved until you confirm on the next page."
        ),
    )

    def __init__(self, *args, events=None, **kwargs):
        super().__init__(*args, **kwargs)
        # A tweetchat's transcript can be an event's messages too, to make its story from
        # (guidance/stories/transcripts.py): offered when the consultation has events.
        if events is not None and events.exists():
            self.fields["event"] = forms.ModelChoiceField(
                queryset=events,
                required=False,
                label="These are the messages of event",
                empty_label="None: not an event's messages",
                help_text="Optional. Each row imported also becomes a message of that event, to make its story from.",
            )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB. Split it into smaller files.")
        return upload


class ExportForm(forms.Form):
    """The export's options: the moderation queue's filters, the layout and personal data. Used by
    the export page and, to validate its options, by the export_responses command."""

    layout = forms.ChoiceField(choices=Layout.CHOICES, initial=Layout.COMMENTS)
    status = forms.MultipleChoiceField(
        label="Statuses",
        choices=[
            (Comment.Status.PENDING, "Pending"),
            (Comment.Status.APPROVED, "Approved (published)"),
            (Comment.Status.REJECTED, "Rejected"),
            (Comment.Status.SPAM, "Spam"),
            (Comment.Status.WITHDRAWN, "Withdrawn by the respondent"),
        ],
        initial=DEFAULT_STATUSES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "The comments with these statuses. None ticked: pending, approved and rejected. Without personal data, "
            "a comment rejected as containing personal information is exported without its words."
        ),
        error_messages={
            "invalid_choice": "“%(value)s” is not a status: choose pending, approved, rejected, spam or withdrawn."
        },
    )
    target = forms.ChoiceField(
        label="Section or question",
        required=False,
        help_text="A section number such as 2.3 (not its sub-sections) or a question such as Q4.",
    )
    respondent_type = forms.ChoiceField(
        choices=[("", "Any respondent type"), *Response.RespondentType.choices], required=False
    )
    channel = forms.ChoiceField(choices=[("", "Any channel"), *Response.Channel.choices], required=False)
    submitted_from = forms.DateField(required=False, help_text="UK date, included. For example 2026-01-31.")
    submitted_to = forms.DateField(required=False, help_text="UK date, included.")
    theme = forms.ChoiceField(required=False)
    with_personal_data = forms.BooleanField(
        required=False,
        label="With personal data",
        help_text=(
            "Adds each respondent's name, email address, organisation and source URL and, with one row per comment, "
            "moderators' private notes."
        ),
    )

    FILTERS = ["status", "target", "respondent_type", "channel", "submitted_from", "submitted_to", "theme"]

    def __init__(self, consultation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.consultation = consultation
        sections = consultation.document.sections.all()
        questions = consultation.questions.all()
        self.fields["target"].choices = [
            ("", "Any section or question"),
            *[(section.number, f"Section {section}") for section in sections],
            *[(question.number, f"{question.number}. {question.text[:80]}") for question in questions],
        ]
        self.fields["theme"].choices = [("", "Any theme")] + [
            (theme.name, theme.name) for theme in consultation.themes.all()
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("submitted_from"), cleaned.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", "The end date must be the same as or after the start date.")
        return cleaned

    def clean_status(self):
        # None ticked: the default, recorded as the statuses it is, in the order they are offered.
        chosen = set(self.cleaned_data["status"] or DEFAULT_STATUSES)
        return [status for status, _ in self.fields["status"].choices if status in chosen]

    def filters(self):
        """The chosen filters as plain strings, as recorded in the ExportRecord: the statuses
        separated by commas."""
        return {
            name: ",".join(value) if isinstance(value, list) else str(value)
            for name in self.FILTERS
            if (value := self.cleaned_data.get(name))
        }


class QuoteFilterForm(forms.Form):
    """The quotes shortlist's choice of section or question and theme, in the export's own terms
    (a section number or Q3, a theme's name), so its file records them as the export does."""

    target = forms.ChoiceField(label="Section or question", required=False)
    theme = forms.ChoiceField(required=False)

    def __init__(self, consultation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        export_form = ExportForm(consultation)
        self.fields["target"].choices = export_form.fields["target"].choices
        self.fields["theme"].choices = export_form.fields["theme"].choices
        self.fields["target"].error_messages["invalid_choice"] = "Choose a section or question of this consultation."
        self.fields["theme"].error_messages["invalid_choice"] = "Choose one of this consultation's themes."

    def filters(self):
        return {name: self.cleaned_data[name] for name in ("target", "theme") if self.cleaned_data.get(name)}


class FindResponseForm(forms.Form):
    query = forms.CharField(
        label="Reference or email address",
        max_length=254,
        help_text="A reference such as K7MC-4XPA (with or without the hyphen), or the email address the person gave.",
    )


class EraseForm(forms.Form):
    include_text = forms.BooleanField(
        required=False,
        label="Also remove what they wrote",
        help_text=f"Each of their comments and answers is replaced with “{REMOVED_TEXT}”.",
    )
    reason = forms.CharField(
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded in the audit trail. For example: “Asked by email on 3 March 2027”.",
    )


class StaffSignInForm(AdminAuthenticationForm):
    """The admin's sign-in form, refusing a username longer than any account can have.

    Django's form gives the username box a maxlength but does not check it, so a longer username
    went on to authenticate() and into django-axes' record of failed sign-ins, whose column holds
    255 characters: PostgreSQL refused the row and the page failed. No account has a username
    longer than the User model allows, so such a sign-in can only fail: it is refused as a wrong
    username or password before anything is checked or recorded."""

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and len(username) > self.username_field.max_length:
            raise self.get_invalid_login_error()
        return super().clean()


class SignInCodeForm(forms.Form):
    """The 6-digit code an authenticator app shows. Spaces are let through: some apps show the
    code as two groups of three."""

    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code your authenticator app shows."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError("Enter the 6 digits your authenticator app shows, such as 123456.")
        return code


class BreakdownForm(forms.Form):
    """What to break down and by what (guidance/analysis/breakdowns.py): the choices this consultation
    has, the equality characteristics only for staff who may see personal data."""

    target = forms.ChoiceField(
        label="Break down",
        error_messages={
            "required": "Choose what to break down.",
            "invalid_choice": "“%(value)s” is not something this consultation's figures can be broken down for.",
        },
    )
    by = forms.ChoiceField(
        label="Group by",
        error_messages={
            "required": "Choose what to group the responses by.",
            "invalid_choice": "“%(value)s” is not something you can group this consultation's responses by.",
        },
    )

    def __init__(self, *args, targets, groupings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets
        self.fields["by"].choices = groupings


class HostMessageForm(forms.Form):
    """A chat hour's host posts a short message of their own (guidance/staff/chat.py)."""

    text = forms.CharField(
        label="Your message",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[text_rules.check_long_text, text_rules.check_not_blank],
        error_messages={"required": "Write the message first.", "max_length": "Keep it to 500 characters."},
    )


class PutQuestionForm(forms.Form):
    """Which of the consultation's questions the host puts next."""

    question = WholeNumberField(widget=forms.HiddenInput)
