"""The portal's data, defined in each job's package and gathered here, where Django looks for the
app's models. Personal data (name, email, organisation, source URL) lives on Response alone.

- consultations/models.py: Document, Section, SectionLink, Consultation, DateChange, Question,
  Option, PreviewLink, SupportingDocument
- responses/models.py: Response, Comment, ChosenOption, Submission, SavedForm, LimitCounter
- moderation/models.py: ModerationEvent, StaffNote, Report
- analysis/models.py: Theme, ExportRecord
- outcomes/models.py: Outcome
- privacy/models.py: Erasure
- mail/models.py: QueuedEmail
"""

from guidance.analysis.models import ExportRecord, Theme
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
from guidance.mail.models import QueuedEmail
from guidance.moderation.models import ModerationEvent, Report, StaffNote
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

__all__ = [
    "DECISION_TIME",
    "REFERENCE_ALPHABET",
    "REFERENCE_LENGTH",
    "ChosenOption",
    "Comment",
    "CommentQuerySet",
    "Consultation",
    "ConsultationQuerySet",
    "DateChange",
    "Document",
    "SavedForm",
    "Erasure",
    "ExportRecord",
    "LimitCounter",
    "ModerationEvent",
    "ModerationReason",
    "Option",
    "Outcome",
    "PreviewLink",
    "QueuedEmail",
    "Question",
    "Report",
    "Response",
    "ResponseQuerySet",
    "Section",
    "SectionLink",
    "StaffNote",
    "Submission",
    "SupportingDocument",
    "Theme",
    "new_key",
    "new_reference",
    "normalise_reference",
    "supporting_document_path",
]
