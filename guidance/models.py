"""The consultation portal's data: a draft document in sections, a consultation on it, and the
public's responses, each cut into comments that staff moderate, theme and export.

Personal data (name, email, organisation) lives on Response and nowhere else.
"""

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Exists, ExpressionWrapper, F, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

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

    objects = ConsultationQuerySet.as_manager()

    # True on a draft shown as a preview (guidance/public/views.py get_consultation): its pages say
    # "Preview", it shows as open, and its forms store nothing. Never stored.
    previewing = False

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
    def is_draft(self):
        return self.publication == self.Publication.DRAFT

    @property
    def outcome_is_published(self):
        return self.publication == self.Publication.OUTCOME_PUBLISHED

    def state_at(self, now):
        if self.previewing:
            # A preview (guidance/consultations/previews.py) shows the consultation as it will be while open,
            # forms and all, whatever its dates: nothing sent from it is stored.
            return self.State.OPEN
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


# Letters and digits that cannot be mistaken for one another when read aloud, handwritten or
# typed from a printout: no 0/O, 1/I/L, 5/S, 2/Z, 8/B, U/V.
REFERENCE_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
REFERENCE_LENGTH = 8


def new_key():
    return secrets.token_hex(16)


def new_reference():
    """A reference such as "K7MC-4XPA": 23^8, about 78 billion, so collisions are negligible and
    the unique constraint catches the rest."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{chars[:4]}-{chars[4:]}"


def normalise_reference(text):
    """'k7mc 4xpa', 'K7MC4XPA' and 'K7MC-4XPA' all mean K7MC-4XPA; anything else is not a reference (None)."""
    chars = "".join(char for char in text.upper() if char not in " -")
    if len(chars) != REFERENCE_LENGTH or any(char not in REFERENCE_ALPHABET for char in chars):
        return None
    return f"{chars[:4]}-{chars[4:]}"


class ResponseQuerySet(models.QuerySet):
    def sent(self):
        """Responses with something sent: not those holding only forms saved to finish later."""
        return self.filter(submitted_at__isnull=False)

    def counted(self):
        """What the figures count as a response: sent, and not withdrawn by the respondent."""
        return self.sent().filter(withdrawn_at__isnull=True)


class Response(models.Model):
    """Everything one person sends to one consultation, through one channel: online, all they send
    from one browser (or through their link to continue), in any number of forms and visits, under
    one reference. The only place personal data lives."""

    # What identifies a respondent. Every staff surface obeys this one list (guidance/privacy/personal_data.py):
    # without the view_personal_data permission these fields are not shown, filtered, searched,
    # sorted or exported; retention and erasure blank them. A field added later that identifies
    # someone belongs here.
    PERSONAL_DATA_FIELDS = ("name", "email", "organisation", "source_url")

    class Channel(models.TextChoices):
        ONLINE = "online", "Online"
        EMAIL = "email", "Email"
        POST = "post", "Post"
        EVENT = "event", "Event"
        SOCIAL_MEDIA = "social_media", "Social media"

    class RespondentType(models.TextChoices):
        PUBLIC = "public", "Member of the public"
        PATIENT = "patient", "Patient or service user"
        CARER = "carer", "Carer"
        RESEARCHER = "researcher", "Researcher"
        PROFESSIONAL = "professional", "Health or social care professional"
        ORGANISATION = "organisation", "On behalf of an organisation"
        OTHER = "other", "Other"

    class Consent(models.TextChoices):
        PUBLISH_NAMED = "named", "Publish with my name"
        PUBLISH_ANONYMOUS = "anonymous", "Publish without my name"
        DO_NOT_PUBLISH = "private", "Do not publish"

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="responses")
    reference = models.CharField(max_length=9, unique=True, default=new_reference, editable=False)
    channel = models.CharField(max_length=16, choices=Channel, default=Channel.ONLINE)
    respondent_type = models.CharField(max_length=16, choices=RespondentType)
    # The text rules (guidance/responses/text.py) hold here too, so a response typed in by staff in the
    # admin is checked as the public's forms check theirs.
    name = models.CharField(max_length=200, blank=True, validators=[text_rules.check_name, text_rules.check_not_blank])
    email = models.EmailField(blank=True, validators=[text_rules.check_name, text_rules.check_email_address])
    organisation = models.CharField(
        max_length=200, blank=True, validators=[text_rules.check_name, text_rules.check_not_blank]
    )
    consent = models.CharField(
        "publication choice", max_length=16, choices=Consent, help_text="What the respondent agreed may be published."
    )
    # Empty while the response holds only forms saved to finish later (Draft): nothing sent yet.
    submitted_at = models.DateTimeField(
        default=timezone.now,
        null=True,
        blank=True,
        help_text="When its first comment or answer was sent or, offline, received.",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The member of staff who typed in a response received offline.",
    )
    source_url = models.URLField(
        "source URL", blank=True, help_text="Where an imported response was found, such as a tweet."
    )
    # A fingerprint of the imported row this response came from, so importing a file twice adds nothing.
    import_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the personal data was removed, under retention or on request.",
    )
    # What the respondent chose and did themselves (guidance/responses/respondents.py).
    withdrawn_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the respondent withdrew the whole response: nothing of it is public or exported by default.",
    )
    # Defaults in the database too, for rows written with SQL (bench/, imports of old data).
    notify = models.BooleanField(
        "email me what happened",
        default=False,
        db_default=False,
        editable=False,
        help_text="The respondent asked to be emailed when their comments are published or not, and when the "
        "outcome is published.",
    )
    notified_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the last email saying what happened was queued."
    )
    outcome_notified_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the email saying the outcome is published was queued."
    )
    # Part of every link to continue this response (guidance/responses/respondents.py): adding one revokes them all.
    link_version = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # A keyed hash of the browser that started it, and when: forms that browser sends at the same
    # moment, before it has learned which response is its own, join this one (guidance/responses/submissions.py).
    started_by = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        permissions = [
            (
                "view_personal_data",
                "Can see respondents' personal data: names, email addresses, organisations and source URLs",
            ),
            ("export_responses", "Can export responses to CSV"),
        ]
        indexes = [
            models.Index(fields=["consultation", "submitted_at"], name="response_consultation_date"),
            models.Index(fields=["started_by"], name="response_started_by", condition=~Q(started_by="")),
        ]

    def __str__(self):
        return self.reference

    def clean(self):
        # Each comment keeps a copy of its response's consultation (Comment.consultation), and its
        # section or question belongs to that consultation, so once a response has comments its
        # consultation is fixed (docs/data-model.md).
        if self.pk and self.consultation_id and self.comments.exists():
            stored = Response.objects.filter(pk=self.pk).values_list("consultation_id", flat=True).first()
            if stored is not None and stored != self.consultation_id:
                raise ValidationError(
                    {
                        "consultation": "This response already has comments on this consultation's draft and "
                        "questions, so it cannot move to another consultation. Enter it again under the right "
                        "consultation, and ask a moderator to reject these comments as a duplicate."
                    }
                )

    @property
    def public_name(self):
        """The name the public may see: only with "publish with my name"."""
        if self.consent == self.Consent.PUBLISH_NAMED and self.name:
            return self.name
        return "Anonymous"


class Theme(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, help_text="What belongs under this theme, so coders apply it alike.")

    class Meta:
        ordering = ["consultation", "name"]
        constraints = [models.UniqueConstraint(fields=["consultation", "name"], name="theme_name_unique")]

    def __str__(self):
        return self.name


class ModerationReason(models.TextChoices):
    """Why a comment is not published: the short list moderators choose from."""

    OFFENSIVE = "offensive", "Offensive or abusive"
    PERSONAL = "personal", "Contains personal information"
    OFF_TOPIC = "off_topic", "Off topic"
    DUPLICATE = "duplicate", "Duplicate"
    OTHER = "other", "Other"


class CommentQuerySet(models.QuerySet):
    def published(self):
        """What the public may see: approved, and the respondent agreed to publication.
        Every public page reads comments through this method and no other."""
        return self.filter(status=Comment.Status.APPROVED).exclude(response__consent=Response.Consent.DO_NOT_PUBLISH)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def reported(self):
        """Published comments with public reports no moderator has looked at yet."""
        unreviewed = Report.objects.filter(comment=OuterRef("pk"), reviewed_at__isnull=True)
        return self.filter(status=Comment.Status.APPROVED).filter(Exists(unreviewed))

    def decided(self):
        return self.filter(status__in=[Comment.Status.APPROVED, Comment.Status.REJECTED, Comment.Status.SPAM])

    def not_withdrawn(self):
        """What the analysis counts and exports by default: all but what respondents withdrew."""
        return self.exclude(status=Comment.Status.WITHDRAWN)

    def unclaimed(self, by, now=None):
        """Comments nobody but `by` is looking at on the moderation screen now (guidance/moderation/decisions.py)."""
        now = now or timezone.now()
        return self.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now) | Q(claimed_by=by))


# How long a comment waited for its decision: the dashboard's median orders decided comments by
# this, and an index of Comment holds it, so both must use this one expression.
DECISION_TIME = ExpressionWrapper(F("moderated_at") - F("created_at"), output_field=models.DurationField())


class Comment(models.Model):
    """One piece of text on exactly one target, a section or a question: the unit of moderation,
    theming and export."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"
        # The respondent took it back (guidance/moderation/decisions.py, withdraw): never public, no longer
        # offered for a decision, left out of the figures and of exports unless asked for.
        WITHDRAWN = "withdrawn", "Withdrawn"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="comments")
    # A copy of response.consultation, so the queue and the dashboard filter and count a
    # consultation's comments by status and date from one index, without a join.
    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="comments")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, null=True, blank=True, related_name="comments")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, null=True, blank=True, related_name="comments")
    # The comment, or the answer to a free-text question, or the "Please explain" of a choice
    # question (then it may be empty: the answer is its options).
    text = models.TextField(blank=True, validators=[text_rules.check_long_text])
    # An answer to a choice or agreement question: the options chosen, and the respondent's words
    # when one of them is "Other, please say" (guidance/responses/answers.py).
    options = models.ManyToManyField("Option", through="ChosenOption", blank=True, related_name="answers")
    # A default in the database too, as for the other fields added since the first release: rows
    # written by SQL of its own (the benchmarks' seeding, an operator's repair) need not name it.
    other_text = models.TextField(
        "other, in their words",
        blank=True,
        default="",
        db_default="",
        validators=[text_rules.check_long_text],
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING, editable=False)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True, editable=False)
    reason_code = models.CharField(max_length=16, choices=ModerationReason, blank=True, editable=False)
    reason = models.TextField(blank=True, editable=False, help_text="Why it was rejected or marked as spam.")
    themes = models.ManyToManyField(Theme, blank=True, related_name="comments")
    group = models.BigIntegerField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text="Comments with the same or near-identical text (a campaign) share a group number.",
    )
    # Who is looking at this comment on the moderation screen, until when: nobody else is shown it
    # meanwhile, so two moderators working one queue do not read the same comment.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    # The status the respondent was last told of (guidance/mail/notifications.py), when they asked to be
    # told: a decision since then goes in their next email.
    notified_status = models.CharField(max_length=16, blank=True, default="", db_default="", editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        permissions = [("moderate_comment", "Can approve, reject or reopen comments")]
        constraints = [
            # Exactly one target: a comment on nothing, or on two things at once, cannot be
            # moderated, counted or exported correctly, so the database refuses it.
            models.CheckConstraint(
                condition=Q(section__isnull=False, question__isnull=True)
                | Q(section__isnull=True, question__isnull=False),
                name="comment_has_exactly_one_target",
            )
        ]
        indexes = [
            models.Index(fields=["section", "status", "created_at"], name="comment_section_status_date"),
            models.Index(fields=["question", "status", "created_at"], name="comment_question_status_date"),
            models.Index(fields=["consultation", "status", "created_at"], name="comment_consult_status_date"),
            # The moderation queue across every consultation: pending, oldest first.
            models.Index(fields=["status", "created_at"], name="comment_status_date"),
            # The moderation screen's "recently decided".
            models.Index(
                fields=["consultation", "-moderated_at"],
                name="comment_consult_decided",
                condition=Q(status__in=["approved", "rejected", "spam"]),
            ),
            # The dashboard (guidance/analysis/dashboard.py) counts from these three alone (index-only scans,
            # docs/performance.md): comments by status and target; theme links by target, merge-
            # joined in comment order; decided comments in order of their time to decision, for the
            # median (the two dates are in the key so PostgreSQL can read the index alone).
            models.Index(
                fields=["consultation", "status", "section", "question"], name="comment_consult_status_target"
            ),
            models.Index(fields=["consultation", "id", "section", "question"], name="comment_consult_id_target"),
            models.Index(
                F("consultation"),
                DECISION_TIME,
                F("created_at"),
                F("moderated_at"),
                name="comment_consult_decision_time",
                condition=Q(status__in=["approved", "rejected", "spam"]),
            ),
        ]

    def __str__(self):
        return f"{self.response.reference}: {self.target_label}"

    @property
    def target(self):
        return self.section or self.question

    @property
    def target_label(self):
        if self.section_id:
            return f"Section {self.section.number}"
        return self.question.number

    def clean(self):
        # Only an answer that chose options may be without words: its options are the answer. (The
        # admin's forms for responses received offline take words only, so there they are needed.)
        if not (self.pk and self.question_id and self.options.exists()):
            if not self.text.strip():
                raise ValidationError({"text": "Enter what they wrote."})
            try:
                text_rules.check_not_blank(self.text)
            except ValidationError as error:
                raise ValidationError({"text": error.messages}) from None

    def reading_order(self):
        """Where the comment comes in the draft's reading order, comments on sections (in the draft's
        order) before answers (in the questions' order), oldest first on each: a key for sorting the
        handful of comments of one response, with section and question already read."""
        if self.section_id:
            return (0, self.section.major, self.section.minor, self.created_at, self.pk)
        return (1, self.question.position, 0, self.created_at, self.pk)

    def get_public_url(self):
        """Where the comment is shown once published: its section's page, or the published responses."""
        if self.section_id:
            return reverse("guidance:section", args=[self.consultation.slug, self.section.slug])
        return reverse("guidance:published", args=[self.consultation.slug])


class ChosenOption(models.Model):
    """An option chosen in one answer. An option that has been chosen cannot be deleted, so no
    answer loses what it said."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    option = models.ForeignKey(Option, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "option"], name="chosen_option_unique")]
        # The dashboard and the outcome count answers per option from this index alone.
        indexes = [models.Index(fields=["option", "comment"], name="chosen_option_option")]

    def __str__(self):
        return f"{self.comment_id}: {self.option_id}"


class ModerationEvent(models.Model):
    """Append-only record of one decision on one comment: a change of status, or (from and to
    both "approved") keeping a reported comment published; or of what the respondent did to it
    (by_respondent): changing its text, the earlier text kept here, or withdrawing it. Nothing
    edits or deletes these, but an erasure of the comments' text."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=Comment.Status)
    to_status = models.CharField(max_length=16, choices=Comment.Status)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the system made the change, for example after public reports.",
    )
    at = models.DateTimeField(default=timezone.now)
    reason_code = models.CharField(max_length=16, choices=ModerationReason, blank=True)
    reason = models.TextField(blank=True)
    # Defaults in the database too: decide() writes its events with one INSERT … SELECT of its own.
    by_respondent = models.BooleanField(
        default=False,
        db_default=False,
        help_text="The respondent did this: changed the comment's text, or withdrew it.",
    )
    earlier_text = models.TextField(
        blank=True, default="", db_default="", help_text="The text the respondent replaced, when they changed it."
    )

    class Meta:
        ordering = ["comment", "at", "pk"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"

    @property
    def is_change_of_text(self):
        return self.by_respondent and bool(self.earlier_text)

    # The reason recorded when a respondent's change of the name to publish under sends their
    # published comments back to a moderator (guidance/moderation/decisions.py, name_to_publish_changed).
    NAME_CHANGED = "The name to publish it under changed: a moderator reads the name before it is public."

    @property
    def is_change_of_name(self):
        return self.by_respondent and self.reason == self.NAME_CHANGED

    @property
    def description(self):
        """What happened, for the comment's history: "approved", "kept published", "text changed
        by the respondent", "withdrawn by the respondent"."""
        if self.is_change_of_text:
            return "text changed by the respondent" + (
                ", back to pending" if self.from_status != self.to_status else ""
            )
        if self.is_change_of_name:
            return "name to publish it under changed by the respondent" + (
                ", back to pending" if self.from_status != self.to_status else ""
            )
        if self.by_respondent:
            return f"{self.get_to_status_display().lower()} by the respondent"
        if self.from_status == self.to_status:
            return "kept published"
        return self.get_to_status_display().lower()


class StaffNote(models.Model):
    """A moderator's private note on a comment, kept in its history. Never public; exported only
    with personal data, since a note may say who someone is."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="notes")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField(help_text="Staff only. For example: “Checked with the team: keep, it names no one.”")

    class Meta:
        ordering = ["comment", "at", "pk"]

    def __str__(self):
        return f"Note by {self.by} ({self.at:%d %b %Y %H:%M})"


class Report(models.Model):
    """A member of the public flags a published comment."""

    class Reason(models.TextChoices):
        OFFENSIVE = "offensive", "It is offensive or abusive"
        PERSONAL = "personal", "It contains someone's personal information"
        SPAM = "spam", "It is spam or advertising"
        OFF_TOPIC = "off_topic", "It is off topic"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=16, choices=Reason)
    details = models.TextField(blank=True, validators=[text_rules.check_long_text])
    created_at = models.DateTimeField(default=timezone.now)
    # A moderator looked at the reported comment and kept it published (or took it down, which
    # the comment's history records): the report no longer puts it on the "reported" list.
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_reason_display()} ({self.created_at:%d %b %Y})"


class ExportRecord(models.Model):
    """Who exported what, and when: exports can carry personal data, so each one is recorded."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="exports")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for an export made with the export_responses command.",
    )
    at = models.DateTimeField(default=timezone.now)
    layout = models.CharField(max_length=16)
    filters = models.JSONField(default=dict, blank=True)
    row_count = models.PositiveIntegerField()
    with_personal_data = models.BooleanField()

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.consultation} ({self.at:%d %b %Y %H:%M})"


class Outcome(models.Model):
    """After the close, what the organisation did about what it heard ("we did"): on one section
    or question, on one theme (wherever its comments are), or in answer to one comment. The
    outcome for the consultation as a whole is Consultation.outcome. Public once the outcome is
    published (guidance/consultations/publishing.py), like the rest of it."""

    class Kind(models.TextChoices):
        CHANGED = "changed", "We changed the text"
        COVERED = "covered", "Already covered"
        OUT_OF_SCOPE = "out_of_scope", "Out of scope"
        LATER = "later", "We will consider it later"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="outcomes")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, null=True, blank=True, related_name="outcome")
    theme = models.ForeignKey("Theme", on_delete=models.CASCADE, null=True, blank=True, related_name="outcomes")
    comment = models.ForeignKey("Comment", on_delete=models.CASCADE, null=True, blank=True, related_name="outcomes")
    kind = models.CharField(
        max_length=16,
        choices=Kind,
        blank=True,
        help_text="What became of it, in a word the public can scan. Optional on a section or question.",
    )
    text = models.TextField(help_text="“You said, we did”, in Markdown.")
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    written_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(section__isnull=False, question__isnull=True, theme__isnull=True, comment__isnull=True)
                | Q(section__isnull=True, question__isnull=False, theme__isnull=True, comment__isnull=True)
                | Q(section__isnull=True, question__isnull=True, theme__isnull=False, comment__isnull=True)
                | Q(section__isnull=True, question__isnull=True, theme__isnull=True, comment__isnull=False),
                name="outcome_has_exactly_one_target",
            ),
            models.UniqueConstraint(fields=["consultation", "section"], name="outcome_section_unique"),
            models.UniqueConstraint(fields=["consultation", "question"], name="outcome_question_unique"),
            models.UniqueConstraint(fields=["consultation", "theme"], name="outcome_theme_unique"),
            models.UniqueConstraint(fields=["comment"], name="outcome_comment_unique"),
        ]

    def __str__(self):
        target = self.section or self.question or self.theme or self.comment
        return f"Outcome for {target}"

    def save(self, *args, **kwargs):
        # However it is written (the admin, guidance/outcomes/replies.py, a command), an outcome is on this
        # consultation's own things: the public outcome page shows their titles.
        if problems := self.target_problems():
            raise ValidationError(list(problems.values()))
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        problems = self.target_problems()
        try:
            check_markdown(self.text)
        except ValidationError as error:
            problems["text"] = error.messages
        if problems:
            raise ValidationError(problems)

    def target_problems(self):
        """{field: message} for a target that is not this consultation's: a section of another
        document than the one consulted on, another consultation's question, theme or comment."""
        try:
            consultation = self.consultation
        except Consultation.DoesNotExist:
            return {}  # nothing to compare with yet; the database refuses an outcome without one
        problems = {}
        if self.section_id and self.section.document_id != consultation.document_id:
            problems["section"] = "This section is not in the version of the document consulted on."
        if self.question_id and self.question.consultation_id != consultation.pk:
            problems["question"] = "This question belongs to another consultation."
        if self.theme_id and self.theme.consultation_id != consultation.pk:
            problems["theme"] = "This theme belongs to another consultation."
        if self.comment_id and self.comment.consultation_id != consultation.pk:
            problems["comment"] = "This comment was made on another consultation."
        return problems


class Erasure(models.Model):
    """Audit record of personal data removed, by the retention job or on a person's request."""

    class Scope(models.TextChoices):
        PERSONAL_DATA = "personal", "Personal data"
        PERSONAL_DATA_AND_TEXT = "personal_text", "Personal data and the text of comments"

    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the daily retention job did it.",
    )
    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="erasures")
    scope = models.CharField(max_length=16, choices=Scope)
    response_count = models.PositiveIntegerField()
    references = models.TextField(blank=True, help_text="The references of the responses affected.")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.get_scope_display()}: {self.response_count} responses ({self.at:%d %b %Y})"


class LimitCounter(models.Model):
    """The places one client (or one receipt address) has taken under one limit in one window,
    such as responses from one IP address this hour. guidance.responses.ratelimit takes and gives back
    places; the key holds a keyed hash of the address, never the address itself."""

    key = models.CharField(max_length=100, primary_key=True, help_text="What is counted, whose, and which window.")
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True, help_text="When the window ends; the row is deleted after.")

    def __str__(self):
        return f"{self.key}: {self.count}"


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


class Submission(models.Model):
    """One form sent: the comments and answers a respondent sent together, added to their response.
    Each copy of a form carries a one-time token: a second arrival of the same form (a double
    click, or back and resubmit) finds this row and stores nothing new (guidance/responses/submissions.py)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="submissions")
    form_token = models.UUIDField(unique=True)
    fingerprint = models.CharField(
        max_length=64, help_text="A hash of what the form sent, to tell the same form sent again from another."
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["response", "sent_at", "pk"]

    def __str__(self):
        return f"{self.response.reference} ({self.sent_at:%d %b %Y %H:%M})"


class Draft(models.Model):
    """A form saved to finish later ("Save and come back later"): what was typed in its comment or
    answer fields, as the form's own field names and values, so any kind of answer is kept alike.
    Never public, never exported, never moderated; deleted when the form is sent, and by the
    retention job once the consultation has closed. The respondent's details are on the response."""

    QUESTIONS = "questions"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="drafts")
    # "questions" for the questions form; "section-<id>" for a section's comment form.
    form_key = models.CharField(max_length=40)
    section = models.ForeignKey(Section, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    values = models.JSONField(default=dict)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["response", "form_key"]
        constraints = [models.UniqueConstraint(fields=["response", "form_key"], name="draft_one_per_form")]

    def __str__(self):
        return f"{self.response.reference}: {self.form_key}"

    @staticmethod
    def key_for(section=None):
        return f"section-{section.pk}" if section is not None else Draft.QUESTIONS


class QueuedEmail(models.Model):
    """One email to a respondent, recorded in the same transaction as what caused it, and sent by
    the worker (guidance/mail/mailqueue.py) with retries: the queue is this table. Its recipient is
    fixed when it is queued, so a later change of address on the response never redirects it; an
    erasure or withdrawal before sending cancels it and forgets the address. It holds no text: a
    receipt lists the comments its form sent (payload), read when it is built."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        LINK = "link", "Link to continue"
        NOTIFICATION = "notification", "What happened to the response"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Given up"
        CANCELLED = "cancelled", "Not sent: cancelled, or nothing left to send"

    kind = models.CharField(max_length=16, choices=Kind)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="emails")
    to = models.EmailField(
        blank=True, help_text="The address it goes to, fixed when it was queued; blank once cancelled or erased."
    )
    payload = models.JSONField(default=dict, blank=True, help_text="What the email is about: ids, never text.")
    # The Message-ID's own part: random, so that it says nothing of how many emails went before.
    uid = models.UUIDField(default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=16, choices=Status, default=Status.WAITING)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # The worker sending it, and until when it is held for that worker unless it says it is alive.
    held_by = models.CharField(max_length=100, blank=True, default="")
    held_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=100, blank=True, help_text="The kind of error of the last attempt.")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # /healthz: what is waiting, oldest first, and what failed lately.
            models.Index(
                fields=["status", "created_at"],
                name="queuedemail_unsent",
                condition=Q(status__in=["waiting", "sending", "failed"]),
            ),
            # The worker's round: what is due, soonest first.
            models.Index(fields=["next_attempt_at"], name="queuedemail_due", condition=Q(status="waiting")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.response.reference} ({self.get_status_display().lower()})"
