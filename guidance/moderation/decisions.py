"""Moderation: the one place a comment's status changes.

A small state machine. `decide` performs a transition for one comment or ten thousand: it locks
the rows, refuses the whole batch if any comment may not make that move, then sets the status
with one UPDATE and records one ModerationEvent per comment with one INSERT, in one transaction.
The admin's actions and buttons, the moderation screen (`decide_as_shown`) and public reports
(through `report_comment`) all come here. Every decision made on a page says which version of
each comment the page showed (the id of its last event, `with_last_event`), and is refused,
changing nothing, if any has changed since (`check_as_shown`): someone decided, or the respondent
changed or withdrew it.

The moderation screen also claims each comment it shows for a few minutes (`claim_next`), keeps
reported comments published once reviewed (`keep_published`), redacts words of a comment and
publishes the rest (`redact_and_publish`, the text checked by guidance/moderation/redaction.py)
and takes private staff notes.

What a respondent does to their own comments is in guidance/moderation/by_respondent.py, recorded
in the same history.
"""

import contextlib
import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from guidance.consultations.changed import public_pages_changed
from guidance.events import live
from guidance.models import ChatMessage, Comment, ModerationEvent, ModerationReason, Report, StaffNote
from guidance.moderation import campaigns, redaction, words
from guidance.privacy.personal_data import may_see_personal_data
from guidance.staff import roles
from guidance.staff.members import display_name

Status = Comment.Status

# Which status may follow which. Anything not listed (including "approve what is already
# approved") is refused, so a decision always changes something and always leaves an event.
ALLOWED = {
    Status.PENDING: {Status.APPROVED, Status.REJECTED, Status.SPAM},
    Status.APPROVED: {Status.PENDING},
    Status.REJECTED: {Status.PENDING},
    Status.SPAM: {Status.PENDING},
    # The respondent took it back: nothing a moderator decides can follow.
    Status.WITHDRAWN: set(),
}
# What a respondent may change the text of, until the close: a comment waiting for a decision, or
# one that was published or not published (the new text goes back to pending). Not spam.
MAY_CHANGE_TEXT = {Status.PENDING, Status.APPROVED, Status.REJECTED}
# What a moderator may redact: a comment waiting for a decision (published once redacted), or a
# published one (a report pointed at a phone number, say), which stays published.
MAY_REDACT = {Status.PENDING, Status.APPROVED}
# Why words are redacted: the reasons for a rejection that can apply to a few words.
REDACTION_REASONS = [ModerationReason.PERSONAL, ModerationReason.OFFENSIVE, ModerationReason.OTHER]


class ModerationError(ValueError):
    """A decision that may not be made; nothing was changed."""


class CopyRefused(ModerationError):
    """A redacted copy that changes more than the words it hides (guidance/moderation/redaction.py)."""


def decide(comments, to_status, *, by, reason_code="", reason="", shown=None):
    """Move every comment in `comments` (a queryset) to `to_status` and return how many moved.

    `by` is the member of staff deciding, or None for the system. Rejection needs a reason_code
    from ModerationReason, and "other" needs the reason in words. A decision made on a page gives
    `shown`, {comment id: the id of its last event the page showed, 0 for none}, for every comment
    (with_last_event), and is refused if any has changed since (check_as_shown). Raises
    ModerationError, having changed nothing, if any comment may not move to `to_status`.
    """
    to_status = Status(to_status)
    reason = reason.strip()
    if reason_code and reason_code not in ModerationReason.values:
        raise ModerationError(f"“{reason_code}” is not one of the reasons for a decision.")
    if to_status == Status.REJECTED and not reason_code:
        raise ModerationError("Choose why the comments are rejected.")
    if reason_code == ModerationReason.OTHER and not reason:
        raise ModerationError("Say why, in words, when the reason is “Other”.")

    with transaction.atomic():
        # Lock the rows in a fixed order, so two moderators deciding on overlapping batches
        # queue rather than deadlock, and nothing changes a status between our read and write.
        current = list(
            Comment.objects.select_for_update()
            .filter(pk__in=comments.values("pk"))
            .order_by("pk")
            .values_list("pk", "status", "consultation_id", "section_id")
        )
        if shown is not None:
            check_as_shown([pk for pk, *_ in current], shown)
        refused = [status for _, status, *_ in current if to_status not in ALLOWED[Status(status)]]
        if refused:
            raise ModerationError(_refusal(refused, to_status))
        if not current:
            return 0

        now = timezone.now()
        pks = [pk for pk, *_ in current]
        _record_events(pks, to_status, by=by, at=now, reason_code=reason_code, reason=reason)
        Comment.objects.filter(pk__in=pks).update(
            status=to_status, moderated_by=by, moderated_at=now, reason_code=reason_code, reason=reason
        )
        # A reply in a chat hour is shown or hidden with its comment (guidance/events/live.py).
        live.follow_decisions(pks, to_status, by=by, at=now)
        if by is not None and to_status == Status.APPROVED:
            # A moderator who publishes a comment has weighed the public's reports on it.
            Report.objects.filter(comment_id__in=pks, reviewed_at__isnull=True).update(reviewed_at=now, reviewed_by=by)
        # Answers to questions alone (a chat hour's replies) change no section page.
        public_pages_changed(
            consultations={consultation for _, _, consultation, _ in current},
            section_pages=any(section for *_, section in current),
        )
    return len(current)


def _record_events(pks, to_status, *, by, at, reason_code, reason):
    """Write one ModerationEvent per comment with one INSERT … SELECT, taking each comment's
    from-status from its (locked, not yet updated) row: the same rows as Python objects through
    bulk_create would cost most of a large decision's time."""
    qn = connection.ops.quote_name
    event, comment = ModerationEvent._meta, Comment._meta
    columns = ", ".join(
        qn(event.get_field(name).column)
        for name in ["comment", "from_status", "to_status", "by", "at", "reason_code", "reason"]
    )
    placeholders = ", ".join(["%s"] * len(pks))
    # Only identifiers from the models' metadata and placeholders go into the text; values are parameters.
    sql = (
        f"INSERT INTO {qn(event.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {qn(comment.pk.column)}, {qn(comment.get_field('status').column)}, %s, %s, %s, %s, %s "
        f"FROM {qn(comment.db_table)} WHERE {qn(comment.pk.column)} IN ({placeholders})"
    )
    params = [to_status.value, by.pk if by else None, connection.ops.adapt_datetimefield_value(at), reason_code, reason]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *pks])


def _refusal(refused_statuses, to_status):
    counts = {}
    for status in refused_statuses:
        counts[status] = counts.get(status, 0) + 1
    parts = [
        f"{n} {'is' if n == 1 else 'are'} "
        + (f"{words.done(status)} by the respondent" if status == Status.WITHDRAWN else words.label(status).lower())
        for status, n in sorted(counts.items())
    ]
    return (
        f"Nothing was changed: of the selected comments, {', '.join(parts)}, "
        f"and cannot be moved to {to_status.label.lower()}."
    )


def report_comment(comment, reason, details=""):
    """Store a member of the public's report on a comment. An approved comment that gathers
    settings.REPORTS_BEFORE_REVIEW reports since its last decision goes back to pending (hidden from
    the public) as a decision of the system, unless a moderator has already reviewed reports on it
    and kept it, or published it again: then reports only put it on the moderators' "Reported" list,
    so that a few people cannot take down, again and again, what a moderator decided may stand.
    Returns the Report."""
    if reason not in Report.Reason.values:
        raise ModerationError(f"“{reason}” is not one of the reasons for a report.")
    threshold = getattr(settings, "REPORTS_BEFORE_REVIEW", 3)
    with transaction.atomic():
        # Locking the comment makes simultaneous reports count one after another, so exactly
        # one of them triggers the return to pending.
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        report = Report.objects.create(comment=comment, reason=reason, details=details.strip())
        if comment.status == Status.APPROVED and not comment.reports.filter(reviewed_at__isnull=False).exists():
            # Reports a moderator has read and kept the comment published despite do not count.
            since_decision = comment.reports.filter(reviewed_at__isnull=True)
            if comment.moderated_at:
                since_decision = since_decision.filter(created_at__gte=comment.moderated_at)
            count = since_decision.count()
            if count >= threshold:
                decide(
                    Comment.objects.filter(pk=comment.pk),
                    Status.PENDING,
                    by=None,
                    reason=f"Returned for review after {count} reports from the public.",
                )
    return report


# The moderation screen: one comment at a time, each claimed for a short while by the moderator
# reading it, so that two moderators working one queue never read the same comment at once.

CLAIM = datetime.timedelta(minutes=5)


class StaleDecision(ModerationError):
    """The history of comments moved on after a page showed them (a decision, or the respondent
    changed or withdrew one): no decision was made. `events` are the last event of each comment
    that changed, `decided` how many comments the decision was on."""

    def __init__(self, events, decided=1):
        self.events, self.decided = events, decided
        super().__init__(self.message_for(None))

    def message_for(self, user, named=False):
        """Who did what, and when: "Sam Patel approved this comment at 10:02 on 3 March, after it
        was shown to you. Your decision was not made." Each comment is named (comment 12, response
        K7MC-4XPA) when the decision was on several, or when asked: a list shows many."""
        if self.decided == 1 and not named:
            if not self.events:
                return "This comment changed after it was shown to you. Your decision was not made."
            return f"{self.said(self.events[0], user)}, after it was shown to you. Your decision was not made."
        if self.decided == 1:
            return f"{self.said(self.events[0], user, named=True)}, after it was shown to you. Nothing was changed."
        count = len(self.events)
        said = " ".join(f"{self.said(event, user, named=True)}." for event in self.events)
        return (
            f"Nothing was changed: {count} of the {self.decided} comments changed after they were shown to you. "
            f"{said} Read {'it' if count == 1 else 'them'} again before deciding."
        )

    @staticmethod
    def said(event, user, named=False):
        if event.by_respondent:
            who = "The respondent"
        elif event.by is None:
            who = "The system"
        elif user is not None and event.by_id == user.pk:
            who = "You"
        else:
            who = display_name(event.by)
        it = f"comment {event.comment_id} (response {event.comment.response.reference})" if named else "this comment"
        if event.is_change_of_text:
            what = f"changed the text of {it}"
        elif event.is_change_of_name:
            what = f"changed the name to publish {it} under"
        elif event.redacted:
            what = words.REDACTED_TO.format(it=it)
        elif event.from_status == event.to_status:
            what = f"reviewed the reports on {it} and kept it published"
        else:
            what = words.done_to(event.to_status, it)
        return f"{who} {what} at {timezone.localtime(event.at):%H:%M on %-d %B}"


def with_last_event(comments):
    """The comments (a queryset) with last_event_id: the id of the last event in each one's history,
    None if it has none. A page that shows comments to decide on sends it back with the decision
    (check_as_shown)."""
    last = ModerationEvent.objects.filter(comment=OuterRef("pk")).order_by("-at", "-pk").values("pk")[:1]
    return comments.annotate(last_event_id=Subquery(last))


def claim_next(comments, moderator, *, now=None, passed=()):
    """The comment `moderator` should read next from `comments` (a queue, in its order), claimed
    for them until CLAIM from now; None when the queue is empty. Their own claim comes first, so
    reloading the page shows the same comment; `passed` are comments they chose to skip."""
    now = now or timezone.now()
    with transaction.atomic():
        mine = comments.filter(claimed_by=moderator, claimed_until__gt=now).exclude(pk__in=passed)
        candidates = comments.unclaimed(moderator, now).exclude(pk__in=passed)
        # SKIP LOCKED: two moderators asking at the same moment take different comments.
        comment = (
            mine.select_for_update(skip_locked=True, of=("self",)).first()
            or candidates.select_for_update(skip_locked=True, of=("self",)).first()
        )
        if comment is not None:
            Comment.objects.filter(pk=comment.pk).update(claimed_by=moderator, claimed_until=now + CLAIM)
            comment.claimed_by, comment.claimed_until = moderator, now + CLAIM
    return comment


def release_claim(comment_id, moderator):
    Comment.objects.filter(pk=comment_id, claimed_by=moderator).update(claimed_by=None, claimed_until=None)


def check_as_shown(comment_ids, shown):
    """Refuse a decision on the comments `comment_ids` (locked by the caller) made from a page that
    showed each one's history up to the event shown[id] (0: none), if the history of any has moved
    on since: StaleDecision, naming each one. A page that does not say what it showed of one of
    them, or gives an id that was never one of its events, is not a page the portal sent: refused
    as a ModerationError (taking it for a page shown before anything changed would decide on what
    nobody saw)."""
    if any(pk not in shown for pk in comment_ids):
        raise ModerationError(
            "Nothing was changed: the page did not say which version of each comment it showed. "
            "Reload it and decide again."
        )
    last = dict(with_last_event(Comment.objects.filter(pk__in=comment_ids)).values_list("pk", "last_event_id"))
    changed = [pk for pk in comment_ids if (last[pk] or 0) != shown[pk]]
    if not changed:
        return
    claimed = [(shown[pk], pk) for pk in changed if shown[pk]]
    events_of = dict(
        ModerationEvent.objects.filter(pk__in=[event for event, _ in claimed]).values_list("pk", "comment")
    )
    if any(events_of.get(event) != pk for event, pk in claimed):
        noun = "comment's" if len(comment_ids) == 1 else "comments'"
        raise ModerationError(f"This page does not match the {noun} history. Reload it and decide again.")
    events = ModerationEvent.objects.filter(pk__in=[last[pk] for pk in changed]).select_related(
        "by", "comment__response"
    )
    raise StaleDecision(list(events.order_by("comment_id")), decided=len(comment_ids))


def decide_as_shown(comment_id, to_status, *, by, seen_event_id, reason_code="", reason=""):
    """One comment's decision from the moderation screen, refused (StaleDecision) if its history
    has moved on since it was shown: `seen_event_id` is the id of its last event then (0 if none)."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment_id)
        decide(
            Comment.objects.filter(pk=comment_id),
            to_status,
            by=by,
            reason_code=reason_code,
            reason=reason,
            shown={comment_id: seen_event_id},
        )
        Comment.objects.filter(pk=comment_id).update(claimed_by=None, claimed_until=None)
        # The screen showed its reports: whatever was decided, they have been seen, so a comment
        # approved again after the public's reports hid it is not listed as reported once more.
        comment.reports.filter(reviewed_at__isnull=True).update(reviewed_at=timezone.now(), reviewed_by=by)


def keep_published(comment_id, *, by, seen_event_id):
    """A moderator read a reported comment and keeps it published: its reports are marked as
    reviewed (it leaves the "reported" list), recorded in its history as an event that changes
    no status. Refused like a decision if someone got there first."""
    now = timezone.now()
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment_id)
        check_as_shown([comment.pk], {comment.pk: seen_event_id})
        if comment.status != Status.APPROVED:
            raise ModerationError(
                f"Only a published comment can be kept published; this one is {Status(comment.status).label.lower()}."
            )
        reviewed = comment.reports.filter(reviewed_at__isnull=True).update(reviewed_at=now, reviewed_by=by)
        if not reviewed:
            raise ModerationError("This comment has no reports waiting for review.")
        ModerationEvent.objects.create(
            comment=comment,
            from_status=Status.APPROVED,
            to_status=Status.APPROVED,
            by=by,
            at=now,
            reason=f"Kept published after reviewing {reviewed} report{'' if reviewed == 1 else 's'}.",
        )
        Comment.objects.filter(pk=comment_id).update(claimed_by=None, claimed_until=None)
    return reviewed


def redact_and_publish(comment_id, copy, *, by, seen_event_id, reason_code, reason=""):
    """Replace words of one comment with "[redacted]" and publish the rest, from the redaction
    page of the moderation screen. `copy` is the comment as the moderator edited it, checked by
    guidance.moderation.redaction.redacted_text: only words replaced by the marker. The original
    is kept in the comment's history, in an event of its own (redacted, earlier_text: only staff
    allowed to see personal data read it, may_read_redacted). A pending comment is then approved
    through decide, in the same transaction; a published one stays published, its reports
    reviewed. Refused like a decision (StaleDecision) if its history moved on since it was shown,
    and with a ModerationError, changing nothing, if the copy changes anything else. Returns the
    text now stored."""
    reason = reason.strip()
    if reason_code not in REDACTION_REASONS:
        raise ModerationError("Choose why the words are redacted.")
    if reason_code == ModerationReason.OTHER and not reason:
        raise ModerationError("Say why, in words, when the reason is “Other”.")
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment_id)
        check_as_shown([comment.pk], {comment.pk: seen_event_id})
        if comment.status not in MAY_REDACT:
            status = words.label(comment.status).lower()
            raise ModerationError(f"Only a pending or published comment can be redacted; this one is {status}.")
        try:
            text = redaction.redacted_text(comment.text, copy)
        except redaction.RedactionError as error:
            raise CopyRefused(str(error)) from None
        event = ModerationEvent.objects.create(
            comment=comment,
            from_status=comment.status,
            to_status=comment.status,
            by=by,
            reason_code=reason_code,
            reason=reason,
            earlier_text=comment.text,
            redacted=True,
        )
        Comment.objects.filter(pk=comment.pk).update(text=text)
        # Grouped by what the public will read; the worker gives it keys of these words alone.
        campaigns.compare_again(comment.pk)
        if comment.status == Status.PENDING:
            decide_as_shown(comment.pk, Status.APPROVED, by=by, seen_event_id=event.pk)
        else:
            # Already public: the public pages show the redacted text at once.
            comment.reports.filter(reviewed_at__isnull=True).update(reviewed_at=event.at, reviewed_by=by)
            Comment.objects.filter(pk=comment.pk).update(claimed_by=None, claimed_until=None)
            public_pages_changed(consultations=[comment.consultation_id])
            live.messages_changed(ChatMessage.objects.filter(comment_id=comment.pk), at=event.at)
    return text


def may_read_redacted(user):
    """The original of a redacted comment holds what a moderator hid from the public, often
    someone's phone number or address: only staff allowed to see personal data read it."""
    return may_see_personal_data(user)


def may_read_notes(user):
    """Staff notes are read by those who moderate (they write them for each other) and by those
    allowed to see personal data, since a note may say who someone is; nobody else, and never
    the public. An export holds them only when made with personal data."""
    return user.has_perm(roles.MODERATE) or may_see_personal_data(user)


def add_note(comment, *, by, text):
    """A private staff note on a comment, kept in its history."""
    text = text.strip()
    if not text:
        raise ModerationError("Write the note before adding it.")
    return StaffNote.objects.create(comment=comment, by=by, text=text)


@contextlib.contextmanager
def reading_reported():
    """A transaction in which the "reported" queue (Comment.objects.reported()) is read from the
    few unreviewed reports, looking up each one's comment by its id. PostgreSQL's default costs
    assume a spinning disk, and make it read every approved comment of the consultation instead."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL random_page_cost = 1.1")
        yield
