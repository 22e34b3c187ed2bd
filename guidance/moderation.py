"""Moderation: the one place a comment's status changes.

A small state machine. `decide` performs a transition for one comment or ten thousand: it locks
the rows, refuses the whole batch if any comment may not make that move, then sets the status
with one UPDATE and records one ModerationEvent per comment with one INSERT, in one transaction.
The admin's actions and buttons, and public reports (through `report_comment`), all come here.
"""

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from guidance.models import Comment, ModerationEvent, ModerationReason, Report

Status = Comment.Status

# Which status may follow which. Anything not listed (including "approve what is already
# approved") is refused, so a decision always changes something and always leaves an event.
ALLOWED = {
    Status.PENDING: {Status.APPROVED, Status.REJECTED, Status.SPAM},
    Status.APPROVED: {Status.PENDING},
    Status.REJECTED: {Status.PENDING},
    Status.SPAM: {Status.PENDING},
}


class ModerationError(ValueError):
    """A decision that may not be made; nothing was changed."""


def decide(comments, to_status, *, by, reason_code="", reason=""):
    """Move every comment in `comments` (a queryset) to `to_status` and return how many moved.

    `by` is the member of staff deciding, or None for the system. Rejection needs a reason_code
    from ModerationReason, and "other" needs the reason in words. Raises ModerationError, having
    changed nothing, if any comment may not move to `to_status`.
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
            .values_list("pk", "status")
        )
        refused = [status for _, status in current if to_status not in ALLOWED[Status(status)]]
        if refused:
            raise ModerationError(_refusal(refused, to_status))
        if not current:
            return 0

        now = timezone.now()
        pks = [pk for pk, _ in current]
        _record_events(pks, to_status, by=by, at=now, reason_code=reason_code, reason=reason)
        Comment.objects.filter(pk__in=pks).update(
            status=to_status, moderated_by=by, moderated_at=now, reason_code=reason_code, reason=reason
        )
    return len(current)


def _record_events(pks, to_status, *, by, at, reason_code, reason):
    """Write one ModerationEvent per comment with one INSERT … SELECT, taking each comment's
    from-status from its (locked, not yet updated) row. The same rows as Python objects through
    bulk_create took most of the time of a 10,000-comment decision (bench/moderation.py)."""
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
    parts = [f"{n} {'is' if n == 1 else 'are'} {Status(status).label.lower()}" for status, n in sorted(counts.items())]
    return (
        f"Nothing was changed: of the selected comments, {', '.join(parts)}, "
        f"and cannot be moved to {to_status.label.lower()}."
    )


def report_comment(comment, reason, details=""):
    """Store a member of the public's report on a comment. When an approved comment gathers
    settings.REPORTS_BEFORE_REVIEW reports since its last decision, it goes back to pending
    (hidden from the public) as a decision of the system. Returns the Report."""
    if reason not in Report.Reason.values:
        raise ModerationError(f"“{reason}” is not one of the reasons for a report.")
    threshold = getattr(settings, "REPORTS_BEFORE_REVIEW", 3)
    with transaction.atomic():
        # Locking the comment makes simultaneous reports count one after another, so exactly
        # one of them triggers the return to pending.
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        report = Report.objects.create(comment=comment, reason=reason, details=details.strip())
        if comment.status == Status.APPROVED:
            since_decision = comment.reports.all()
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
