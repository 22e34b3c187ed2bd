"""The consultation and its documents: a document in sections, each version linked to the one it
revises; the consultation with its questions and their options; preview links and supporting
documents."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from guidance.consultations.licences import LICENCE_URLS, Licence
from guidance.consultations.markdown import check_markdown, render_markdown
from guidance.responses import text as text_rules


class Document(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=100, unique=True, help_text="Used in web addresses. Letters, numbers and hyphens."
    )
    version_label = models.CharField(
        max_length=100, blank=True, help_text="How the organisation names this version, such as “Draft, 2017”."
    )
    published_on = models.DateField(null=True, blank=True, help_text="When this version was published, if known.")
    source_url = models.URLField(blank=True, help_text="Link to the original file (PDF or web page), if there is one.")
    revises = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        help_text="The version this one revises: after a consultation, the version that was consulted on.",
    )
    links_confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When staff confirmed which earlier sections each section comes from (SectionLink).",
    )
    links_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class Section(models.Model):
    """One numbered part of a document. A section numbered "2.3" is the third sub-section of
    section 2: the two-part number is the whole hierarchy, so there is exactly one level of
    sub-sections and no parent pointer to keep in step."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="sections")
    major = models.PositiveSmallIntegerField(help_text="The section's number: 2 for section 2 and for 2.3.")
    minor = models.PositiveSmallIntegerField(
        default=0, help_text="0 for a top-level section; 3 for sub-section 2.3, listed under section 2."
    )
    part = models.CharField(
        max_length=100,
        blank=True,
        help_text="Optional heading that groups consecutive sections, such as “Key principles”.",
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, help_text="Used in web addresses; unique within the document.")
    body = models.TextField(
        blank=True,
        help_text="Markdown: leave a blank line before a list, or its lines stay in the paragraph above. "
        "Rendered as HTML with anything unsafe (scripts, event handlers) removed.",
    )

    class Meta:
        ordering = ["document", "major", "minor"]
        constraints = [
            models.UniqueConstraint(fields=["document", "major", "minor"], name="section_number_unique"),
            models.UniqueConstraint(fields=["document", "slug"], name="section_slug_unique"),
            models.CheckConstraint(condition=Q(major__gte=1), name="section_major_from_one"),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    @property
    def number(self):
        return f"{self.major}.{self.minor}" if self.minor else str(self.major)

    @property
    def is_subsection(self):
        return self.minor > 0

    @cached_property
    def body_html(self):
        return render_markdown(self.body)

    def clean(self):
        errors = {}
        try:
            # A body the public pages could only show as plain text (guidance/consultations/markdown.py).
            check_markdown(self.body)
        except ValidationError as error:
            errors["body"] = error.messages
        if (
            self.minor
            and self.document_id
            and not Section.objects.filter(document_id=self.document_id, major=self.major, minor=0).exists()
        ):
            errors["minor"] = f"Add section {self.major} before its sub-section {self.number}."
        if errors:
            raise ValidationError(errors)


class SectionLink(models.Model):
    """One section of a new version comes (in part) from one section of the version it revises.
    A section renamed or rewritten has one link; a section split in two gives two sections linked
    to the same earlier one; sections merged give one section linked to each. A section with no
    link is new; an earlier section that no section links to was removed. Proposed by
    guidance/consultations/versions.py, saved only as staff confirm or correct them."""

    later = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="earlier_links")
    earlier = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="later_links")

    class Meta:
        ordering = ["later", "earlier"]
        constraints = [models.UniqueConstraint(fields=["later", "earlier"], name="section_link_unique")]

    def __str__(self):
        return f"{self.later} comes from {self.earlier}"


class ConsultationQuerySet(models.QuerySet):
    def public(self):
        """What the public may see: published consultations, never drafts. Every public page
        (lists, the sitemap, a consultation's own pages) reads consultations through this method."""
        return self.exclude(publication=Consultation.Publication.DRAFT)

    def open(self, now=None):
        now = now or timezone.now()
        return self.filter(opens_at__lte=now, closes_at__gt=now)

    def upcoming(self, now=None):
        return self.filter(opens_at__gt=now or timezone.now())

    def closed(self, now=None):
        return self.filter(closes_at__lte=now or timezone.now())

    def in_list_order(self, now=None):
        """Open consultations first (closing soonest first), then upcoming, then closed (latest first)."""
        now = now or timezone.now()
        rank = Case(
            When(opens_at__lte=now, closes_at__gt=now, then=Value(0)),
            When(opens_at__gt=now, then=Value(1)),
            default=Value(2),
        )
        return self.alias(rank=rank).order_by("rank", "closes_at")


class Consultation(models.Model):
    class State(models.TextChoices):
        UPCOMING = "upcoming", "Not open yet"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Publication(models.TextChoices):
        """Where the consultation is in its life, moved forward only by guidance/consultations/publishing.py. A
        draft is seen by staff and by colleagues with a preview link, never by the public; once
        published its dates decide its state (State above); then its outcome is published."""

        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        OUTCOME_PUBLISHED = "outcome", "Outcome published"

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="consultations")
    # In the subject of every email about it: one line, as a respondent's name is (guidance/responses/text.py).
    title = models.CharField(max_length=200, validators=[text_rules.check_name, text_rules.check_not_blank])
    slug = models.SlugField(
        max_length=100, unique=True, help_text="Used in web addresses. Letters, numbers and hyphens."
    )
    organisation = models.CharField(
        max_length=200,
        validators=[text_rules.check_name, text_rules.check_not_blank],
        help_text="Who is consulting, as the public knows them.",
    )
    summary = models.TextField(help_text="A few plain-English sentences: what is proposed and whose views are wanted.")
    opens_at = models.DateTimeField(help_text="UK time. Responses are accepted from this moment.")
    closes_at = models.DateTimeField(help_text="UK time. Responses are refused from this moment.")
    contact_email = models.EmailField(
        blank=True,
        validators=[text_rules.check_name, text_rules.check_email_address],
        help_text="Where people can send a response or ask a question.",
    )
    event_note = models.TextField(
        blank=True,
        help_text="Another way to take part, such as an event or a hashtag, named without its date: "
        "“#Qcopro tweetchat, run with the Health Foundation's Q community”. Shown under “Other ways to take part”.",
    )
    event_starts_at = models.DateTimeField(
        null=True, blank=True, help_text="UK time. When the event starts, if it has a date: the page says when it is."
    )
    event_ends_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="UK time. When the event is over (its start, if empty). From then on it is no longer offered "
        "as a way to take part, and the page lists it under “Past events”.",
    )
    outcome = models.TextField(blank=True, help_text="After the close: what was heard and what changed (Markdown).")
    retention_months = models.PositiveSmallIntegerField(
        default=12,
        help_text="Months after the close that respondents' personal data is kept before it is anonymised.",
    )
    # Keys of guidance/equality/questions.py: the optional questions asked after a response is sent.
    equality_questions = models.JSONField(
        "equality monitoring questions",
        default=list,
        blank=True,
        help_text="Optional questions about the respondent, asked after they send their response. Answers are "
        "personal data, reported only in aggregate.",
    )
    publication = models.CharField(
        max_length=16, choices=Publication, default=Publication.DRAFT, editable=False, db_index=True
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    outcome_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    outcome_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    # One more each time something the public pages show of it changes (a decision on a comment, an
    # edit, an erasure, publishing: guidance/consultations/changed.py). Every server process keeps
    # those pages under this number, so the next view after a change reads afresh, on every copy.
    content_version = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # Moves on with content_version, but for a change no section page shows (a decision on answers
    # to questions alone, such as a chat hour's replies): the section pages are kept under this, so
    # a chat hour approving replies every second does not have them rendered again at every view.
    section_pages_version = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # When content_version last moved on: the open data API's Last-Modified (guidance/public/api/).
    content_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    licence = models.CharField(
        "licence of the published responses",
        max_length=16,
        choices=Licence,
        default=Licence.OGL_3,
        db_default=Licence.OGL_3,
        help_text="The licence the published responses are offered under as open data (downloads and the API).",
    )

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at"]
        permissions = [("publish_consultation", "Can publish consultations and their outcomes")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="consultation_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(event_ends_at__isnull=True)
                | Q(event_starts_at__isnull=False, event_ends_at__gte=models.F("event_starts_at")),
                name="consultation_event_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("guidance:consultation", kwargs={"slug": self.slug})

    @property
    def is_public(self):
        return self.publication != self.Publication.DRAFT

    @property
    def licence_url(self):
        return LICENCE_URLS[self.licence]

    @property
    def is_draft(self):
        return self.publication == self.Publication.DRAFT

    @property
    def outcome_is_published(self):
        return self.publication == self.Publication.OUTCOME_PUBLISHED

    def state_at(self, now):
        """Where its dates put it at `now`. What a visitor may do follows guidance/consultations/access.py."""
        if now < self.opens_at:
            return self.State.UPCOMING
        if now < self.closes_at:
            return self.State.OPEN
        return self.State.CLOSED

    @property
    def state(self):
        return self.state_at(timezone.now())

    def get_state_display(self):
        return self.State(self.state).label

    def get_stage_display(self):
        """For staff: "Draft", or the state a published consultation is in, or "Outcome published"."""
        if self.is_draft:
            return self.Publication.DRAFT.label
        if self.outcome_is_published:
            return self.Publication.OUTCOME_PUBLISHED.label
        return f"Published: {self.State(self.state_at(timezone.now())).label.lower()}"

    @property
    def is_open(self):
        return self.state == self.State.OPEN

    @property
    def event_is_over(self):
        """True once a dated event has ended: it is then history, not a way to take part."""
        over_at = self.event_ends_at or self.event_starts_at
        return bool(over_at) and over_at <= timezone.now()

    def clean(self):
        if self.outcome:
            try:
                check_markdown(self.outcome)
            except ValidationError as error:
                raise ValidationError({"outcome": error.messages}) from None
        if self.event_ends_at and not self.event_starts_at:
            raise ValidationError({"event_starts_at": "Give the start of the event as well as its end."})
        if self.event_ends_at and self.event_starts_at and self.event_ends_at < self.event_starts_at:
            raise ValidationError({"event_ends_at": "The event must end after it starts."})


class DateChange(models.Model):
    """A change to the dates of a published consultation: who made it, when, from what to what, and
    whether it opened, closed or reopened the consultation. Written by guidance/consultations/dates.py
    in the transaction that saves the dates, shown in the consultation's history, never edited."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="date_changes")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opens_at_before = models.DateTimeField()
    opens_at_after = models.DateTimeField()
    closes_at_before = models.DateTimeField()
    closes_at_after = models.DateTimeField()
    # Where the dates put it when they were changed, before and after.
    state_before = models.CharField(max_length=16, choices=Consultation.State)
    state_after = models.CharField(max_length=16, choices=Consultation.State)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"Dates of {self.consultation_id} changed at {self.changed_at:%Y-%m-%d %H:%M}"


class Question(models.Model):
    """One of a consultation's questions. What it offers (its kind and options) and what an answer
    to it may hold are in guidance/responses/answers.py."""

    class Kind(models.TextChoices):
        TEXT = "text", "Free text"
        ONE_CHOICE = "one", "One choice (radio buttons)"
        SEVERAL_CHOICES = "several", "Several choices (checkboxes)"
        AGREEMENT = "agreement", "Agreement scale (Strongly agree to Strongly disagree, and Don't know)"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(help_text="1 for the first question; shown as Q1.")
    text = models.TextField()
    hint = models.CharField(max_length=300, blank=True, help_text="Plain-English help shown under the question.")
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.TEXT)
    required = models.BooleanField(
        default=False,
        help_text="Respondents must answer it to send their answers. Otherwise optional (they answer at least one).",
    )
    explain_label = models.CharField(
        "explanation box",
        max_length=200,
        blank=True,
        help_text="For a choice or agreement question: the label of an optional free-text box under it, such as "
        "“Please explain” or “If so, what went well?”. Empty: no box.",
    )

    class Meta:
        ordering = ["consultation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "position"], name="question_position_unique"),
            models.CheckConstraint(condition=Q(position__gte=1), name="question_position_from_one"),
        ]

    def __str__(self):
        return f"{self.number}. {self.text}"

    @property
    def number(self):
        return f"Q{self.position}"

    @property
    def has_options(self):
        return self.kind != self.Kind.TEXT


class Option(models.Model):
    """One answer a choice or agreement question offers. The agreement scale's options are fixed
    (guidance/responses/answers.py keeps them in step); "Other, please say" is an option too (is_other), the
    respondent's words going to Comment.other_text."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=200)
    is_other = models.BooleanField(default=False)

    class Meta:
        ordering = ["question", "position"]
        constraints = [models.UniqueConstraint(fields=["question", "position"], name="option_position_unique")]

    def __str__(self):
        return self.label


def new_key():
    return secrets.token_hex(16)


class PreviewLink(models.Model):
    """A link to a draft consultation for colleagues without a staff account: signed, read-only,
    valid until expires_at unless revoked (guidance/consultations/previews.py)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="preview_links")
    # What the link's token names: random, so that a link says nothing of how many were made.
    key = models.CharField(max_length=32, default=new_key, editable=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Preview link for {self.consultation} ({self.created_at:%d %b %Y})"

    def is_valid(self, now=None):
        return self.revoked_at is None and (now or timezone.now()) < self.expires_at


def supporting_document_path(document, filename):
    """Where a file is stored: a random name with the extension of its type as checked, so nothing
    of the name it was uploaded with reaches the storage (guidance/consultations/supporting.py)."""
    return f"supporting/{document.consultation_id}/{secrets.token_hex(16)}.{document.file_type}"


class SupportingDocument(models.Model):
    """A file that goes with a consultation (the full draft as a PDF, an easy-read version, an
    impact assessment), listed on its overview. Its type is checked from its content when it is
    uploaded (guidance/consultations/supporting.py) and it is stored through Django's storage API."""

    class FileType(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word document"
        ODT = "odt", "OpenDocument text"
        TXT = "txt", "Plain text"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="supporting_documents")
    title = models.CharField(max_length=200, help_text="What it is, as the public will read it: “Full draft”.")
    file = models.FileField(upload_to=supporting_document_path, max_length=200)
    file_type = models.CharField(max_length=8, choices=FileType, editable=False)
    size = models.PositiveBigIntegerField(editable=False)
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        ordering = ["consultation", "uploaded_at", "pk"]

    def __str__(self):
        return self.title

    @property
    def type_label(self):
        return {"docx": "DOCX", "odt": "ODT", "txt": "text"}.get(self.file_type, self.get_file_type_display())
