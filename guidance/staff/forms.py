"""The staff pages' forms. They only validate; the pages act on what they return."""

from django import forms

from guidance.exports import Layout
from guidance.models import Comment, ModerationReason, Response, Theme
from guidance.retention import REMOVED_TEXT

MAX_IMPORT_BYTES = 5 * 1024 * 1024


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
    seen_event_id = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
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

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB. Split it into smaller files.")
        return upload


class ExportForm(forms.Form):
    """The export's options: the moderation queue's filters, the layout and personal data. Used by
    the export page and, to validate its options, by the export_responses command."""

    layout = forms.ChoiceField(choices=Layout.CHOICES, initial=Layout.COMMENTS)
    status = forms.ChoiceField(choices=[("", "Any status"), *Comment.Status.choices], required=False)
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

    def filters(self):
        """The chosen filters as plain strings, as recorded in the ExportRecord."""
        return {name: str(self.cleaned_data[name]) for name in self.FILTERS if self.cleaned_data.get(name)}


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
