"""What the public sends: a response (the only place personal data lives), cut into comments on
sections and answers to questions, each moderated, themed and exported alone; the forms sent and
saved; the limits' counters."""

import secrets

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from guidance.analysis.models import Theme
from guidance.consultations.models import Consultation, Option, Question, Section
from guidance.responses import search
from guidance.responses import text as text_rules

# Letters and digits that cannot be mistaken for one another when read aloud, handwritten or
# typed from a printout: no 0/O, 1/I/L, 5/S, 2/Z, 8/B, U/V.
REFERENCE_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"


REFERENCE_LENGTH = 8


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
        CHAT = "chat", "Chat hour on this site"

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
    # Empty while the response holds only forms saved to finish later (SavedForm): nothing sent yet.
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
            # Every public read of comments joins each to its response for the publication choice
            # (Comment.objects.published()), and the published page's filter by kind of
            # respondent; with both in the key PostgreSQL reads this index alone, not the table.
            models.Index(fields=["id", "consent", "respondent_type"], name="response_published_by_type"),
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


class ModerationReason(models.TextChoices):
    """Why a comment is not published: the short list moderators choose from."""

    OFFENSIVE = "offensive", "Offensive or abusive"
    PERSONAL = "personal", "Contains personal information"
    OFF_TOPIC = "off_topic", "Off topic"
    DUPLICATE = "duplicate", "Duplicate"
    OTHER = "other", "Other"


class CommentQuerySet(models.QuerySet):
    # A search's matches are ranked, best first, up to this many; beyond it, newest first (search).
    SEARCH_RANKED_AT_MOST = 1_000

    def published(self):
        """What the public may see: approved, and the respondent agreed to publication.
        Every public page reads comments through this method and no other."""
        return self.filter(status=Comment.Status.APPROVED).exclude(response__consent=Response.Consent.DO_NOT_PUBLISH)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def reported(self):
        """Published comments with public reports no moderator has looked at yet."""
        # Looked up by name: guidance/moderation/models.py builds on this module.
        report = apps.get_model("guidance", "Report")
        unreviewed = report.objects.filter(comment=OuterRef("pk"), reviewed_at__isnull=True)
        return self.filter(status=Comment.Status.APPROVED).filter(Exists(unreviewed))

    def decided(self):
        return self.filter(status__in=[Comment.Status.APPROVED, Comment.Status.REJECTED, Comment.Status.SPAM])

    def not_withdrawn(self):
        """What the analysis counts and exports by default: all but what respondents withdrew."""
        return self.exclude(status=Comment.Status.WITHDRAWN)

    def search(self, text, *, ranked=True, many=None):
        """The comments whose words match `text`, typed as into a web search engine, best match
        first; when more than SEARCH_RANKED_AT_MOST match, newest first instead (the one order
        the database can give a page of without reading every match: see docs/analysis.md,
        "Search"). On PostgreSQL, full-text search in English: "pay" finds "pays" and "paying", "in
        quotes" finds the phrase, -word leaves out comments with it, "or" between words finds
        either; read from the stored words and GIN index of migration 0026 (StoredSearchVector).
        Elsewhere (SQLite, for development) a simpler match: every word, or phrase in quotes, as
        typed, anywhere in the text, in any case; no stemming, so no ranking: oldest first.
        ranked=False: the matches in no particular order, asking nothing yet, to count them.
        many: whether more than SEARCH_RANKED_AT_MOST match, when the caller has counted them
        already (the question then costs no second read of the matches)."""
        return search.matching(self, text, ranked_at_most=self.SEARCH_RANKED_AT_MOST if ranked else None, many=many)

    def more_than(self, count):
        """Whether more than `count` rows are in the queryset: reads count + 1 of them at most."""
        return self.order_by().values("pk")[: count + 1].count() > count

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
        # The respondent took it back (guidance/moderation/by_respondent.py, withdraw): never public,
        # never offered for a decision, left out of the figures and of exports unless asked for.
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
    # When the comment was compared with the others on its section or question to find its
    # near-copies (guidance/moderation/campaigns.py): by the worker, within seconds of its
    # arrival or of a change of its words, or by "Find campaigns".
    # Empty: not compared yet, so nobody may say that no other comment is like it.
    compared_at = models.DateTimeField(null=True, blank=True, editable=False)
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
            # The dashboard (guidance/analysis/dashboard.py) counts from these three alone, as
            # index-only scans: comments by status and target; theme links by target, merge-joined
            # in comment order; decided comments in order of their time to decision, for the median
            # (the two dates are in the key so PostgreSQL can read the index alone).
            models.Index(
                fields=["consultation", "status", "section", "question"], name="comment_consult_status_target"
            ),
            models.Index(fields=["consultation", "id", "section", "question"], name="comment_consult_id_target"),
            # The open data API's list of published comments (guidance/public/api/), a page at a time
            # in id order from where the last page ended (keyset), however many a consultation has.
            models.Index(
                fields=["consultation", "id"],
                name="comment_consult_approved_id",
                condition=Q(status="approved"),
            ),
            models.Index(
                F("consultation"),
                DECISION_TIME,
                F("created_at"),
                F("moderated_at"),
                name="comment_consult_decision_time",
                condition=Q(status__in=["approved", "rejected", "spam"]),
            ),
            # The worker's round finds the few comments not compared yet among all of them, oldest
            # first, every second (guidance/moderation/campaigns.py group_waiting).
            models.Index(fields=["id"], name="comment_waiting_comparison", condition=Q(compared_at__isnull=True)),
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
        # Only an answer that chose options may be without words: its options are the answer. A
        # form that takes an answer's options (the admin's, for responses received offline) says
        # which it was given in chosen_options before it is validated; otherwise the stored ones count.
        chosen = getattr(self, "chosen_options", None)
        if chosen is None:
            chosen = bool(self.pk and self.question_id and self.options.exists())
        if not chosen:
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


class SavedForm(models.Model):
    """A form saved to finish later ("Save and come back later"): what was typed in its comment or
    answer fields, as the form's own field names and values, so any kind of answer is kept alike.
    Never public, never exported, never moderated; deleted when the form is sent, and by the
    retention job once the consultation has closed. The respondent's details are on the response."""

    QUESTIONS = "questions"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="saved_forms")
    # "questions" for the questions form; "section-<id>" for a section's comment form.
    form_key = models.CharField(max_length=40)
    section = models.ForeignKey(Section, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    values = models.JSONField(default=dict)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The table keeps the name it was made with (the model was called Draft).
        db_table = "guidance_draft"
        ordering = ["response", "form_key"]
        constraints = [models.UniqueConstraint(fields=["response", "form_key"], name="draft_one_per_form")]

    def __str__(self):
        return f"{self.response.reference}: {self.form_key}"

    @staticmethod
    def key_for(section=None):
        return f"section-{section.pk}" if section is not None else SavedForm.QUESTIONS


class LimitCounter(models.Model):
    """The places one client (or one receipt address) has taken under one limit in one window,
    such as responses from one IP address this hour. guidance.responses.ratelimit takes and gives back
    places; the key holds a keyed hash of the address, never the address itself."""

    key = models.CharField(max_length=100, primary_key=True, help_text="What is counted, whose, and which window.")
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True, help_text="When the window ends; the row is deleted after.")

    def __str__(self):
        return f"{self.key}: {self.count}"
