"""The portal's data, defined in each job's package and gathered here, where Django looks for the
app's models. Personal data (name, email, organisation, source URL) lives on Response, and the optional
equality monitoring answers in EqualityAnswers beside it.

- consultations/models.py: Document, Section, SectionLink, Consultation, DateChange, Question,
  Option, PreviewLink, SupportingDocument
- responses/models.py: Response, Comment, ChosenOption, Submission, SavedForm, LimitCounter
- moderation/models.py: ModerationEvent, StaffNote, Report, CampaignKey
- analysis/models.py: Theme, Quote, ExportRecord, SuggestionRun, ThemeSuggestion
- outcomes/models.py: Outcome
- privacy/models.py: Erasure
- equality/models.py: EqualityAnswers (personal data too, kept apart from the response)
- mail/models.py: QueuedEmail
- events/models.py: Event, ChatMessage, EventSignUp
- stories/models.py: Story, StoryItem, StoryEdit
- subscriptions/models.py: Subscriber (an email address: personal data), Subscription, Announcement, Told
"""

from guidance.analysis.models import ExportRecord, Quote, SuggestionRun, Theme, ThemeSuggestion
from guidance.consultations.models import (
    Consultation,
    ConsultationQuerySet,
    DateChange,
    Document,
    Option,
    PreviewLink,
    Question,
    Section,
    SectionLink,
    SupportingDocument,
    new_key,
    supporting_document_path,
)
from guidance.equality.models import EqualityAnswers
from guidance.events.models import ChatMessage, Event, EventSignUp
from guidance.mail.models import QueuedEmail
from guidance.moderation.models import CampaignKey, ModerationEvent, Report, StaffNote
from guidance.outcomes.models import Outcome
from guidance.privacy.models import Erasure
from guidance.responses.models import (
    DECISION_TIME,
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    ChosenOption,
    Comment,
    CommentQuerySet,
    LimitCounter,
    ModerationReason,
    Response,
    ResponseQuerySet,
    SavedForm,
    Submission,
    new_reference,
    normalise_reference,
)
from guidance.stories.models import Story, StoryEdit, StoryItem
from guidance.subscriptions.models import Announcement, Subscriber, Subscription, Told

__all__ = [
    "Announcement",
    "Subscriber",
    "Subscription",
    "Told",
    "DECISION_TIME",
    "REFERENCE_ALPHABET",
    "REFERENCE_LENGTH",
    "CampaignKey",
    "ChosenOption",
    "ChatMessage",
    "Comment",
    "CommentQuerySet",
    "Consultation",
    "ConsultationQuerySet",
    "DateChange",
    "Document",
    "EqualityAnswers",
    "Event",
    "EventSignUp",
    "SavedForm",
    "Story",
    "StoryEdit",
    "StoryItem",
    "Erasure",
    "ExportRecord",
    "LimitCounter",
    "ModerationEvent",
    "ModerationReason",
    "Option",
    "Outcome",
    "PreviewLink",
    "QueuedEmail",
    "Quote",
    "Question",
    "Report",
    "Response",
    "ResponseQuerySet",
    "Section",
    "SectionLink",
    "StaffNote",
    "Submission",
    "SupportingDocument",
    "SuggestionRun",
    "Theme",
    "ThemeSuggestion",
    "new_key",
    "new_reference",
    "normalise_reference",
    "supporting_document_path",
]
