"""What respondents do to their own comments, recorded in each comment's history as by the
respondent (guidance/responses/respondents.py checks whose and when): changing its text (the earlier
text kept; a comment that was decided goes back to pending), withdrawing it (no decision can follow),
and changing the name it would be published under, which a moderator reads first. A moderator whose
page showed the comment before any of these is refused, as for a decision made since
(decisions.StaleDecision).
"""

from django.db import transaction
from django.utils import timezone

from guidance.consultations.changed import consultations_of_comments, public_pages_changed
from guidance.models import Comment, ModerationEvent
from guidance.moderation import campaigns
from guidance.moderation.decisions import MAY_CHANGE_TEXT, ModerationError
from guidance.responses import answers

Status = Comment.Status


def change_text(comment_id, text, *, now=None):
    """The respondent's new text for their comment, or their new answer (a guidance.responses.answers.Answer:
    its text, words for "Other" and options). The earlier one is kept in the event, in words; a
    comment that was decided goes back to pending for a moderator to read the new one. Returns
    True if it changed (the same again changes nothing)."""
    now = now or timezone.now()
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment_id)
        if comment.status not in MAY_CHANGE_TEXT:
            raise ModerationError(f"A comment that is {Status(comment.status).label.lower()} cannot be changed.")
        earlier = answers.stored_answer(comment)
        if answers.comparable(earlier) == answers.comparable(text):
            return False
        ModerationEvent.objects.create(
            comment=comment,
            from_status=comment.status,
            to_status=Status.PENDING,
            by=None,
            by_respondent=True,
            at=now,
            earlier_text=str(earlier),
        )
        answers.replace_options(comment, text)
        # Its decision was about the earlier text: a moderator reads the new one afresh, and the
        # respondent (if they asked) is told of the decision on it.
        public_pages_changed(consultations=[comment.consultation_id])
        Comment.objects.filter(pk=comment.pk).update(
            **answers.comment_fields(text),
            status=Status.PENDING,
            reason_code="",
            reason="",
            claimed_by=None,
            claimed_until=None,
            notified_status="",
        )
        if answers.as_answer(text).text != earlier.text:
            # Its campaign was found by its earlier words.
            campaigns.compare_again(comment.pk)
    return True


def name_to_publish(response):
    """The name that publishing the response's comments would show, or None (shown as "Anonymous")."""
    if response.consent == response.Consent.PUBLISH_NAMED and response.name:
        return response.name
    return None


def shown_as(response):
    """What the public sees of the response beside its comments: whether they are published at all,
    and under which name."""
    return response.consent == response.Consent.DO_NOT_PUBLISH, name_to_publish(response)


def publication_changed(response, before, *, now=None):
    """The respondent changed their details or publication choice (`before`, from shown_as, is how
    their comments were shown): a name they now want published goes to a moderator first
    (name_to_publish_changed), and the public pages show the rest at once. In the caller's transaction."""
    if shown_as(response) == before:
        return
    name_to_publish_changed(response, before[1], now=now)
    if Comment.objects.filter(response=response, status=Status.APPROVED).exists():
        public_pages_changed(consultations=[response.consultation_id])


def name_to_publish_changed(response, before, *, now=None):
    """The respondent changed what their comments would be published under (`before`, from
    name_to_publish, is what it was). A name is moderated content: when the new one would show a
    name (a new name, or "Publish with my name" chosen), their published comments go back to
    pending until a moderator has seen it, as after a change of text, and the change is recorded in
    the history of those still pending, so that a decision made on a screen that showed the earlier
    name is refused (StaleDecision). Nothing is needed when a name is taken away. In the caller's
    transaction. Returns how many comments went back to pending."""
    after = name_to_publish(response)
    if after is None or after == before:
        return 0
    now = now or timezone.now()
    affected = list(
        Comment.objects.select_for_update()
        .filter(response=response, status__in=[Status.APPROVED, Status.PENDING])
        .order_by("pk")
        .values_list("pk", "status")
    )
    ModerationEvent.objects.bulk_create(
        ModerationEvent(
            comment_id=pk,
            from_status=status,
            to_status=Status.PENDING,
            by=None,
            by_respondent=True,
            at=now,
            reason=ModerationEvent.NAME_CHANGED,
        )
        for pk, status in affected
    )
    approved = [pk for pk, status in affected if status == Status.APPROVED]
    Comment.objects.filter(pk__in=approved).update(
        status=Status.PENDING, claimed_by=None, claimed_until=None, notified_status=""
    )
    if approved:
        public_pages_changed(consultations=[response.consultation_id])
    return len(approved)


def withdraw(comments, *, now=None):
    """The respondent withdraws these comments (a queryset): not public, no decision can follow,
    out of the figures and exports by default, kept with their history. Their themes are removed,
    so that the analysis no longer counts them. Returns how many were withdrawn."""
    now = now or timezone.now()
    with transaction.atomic():
        current = list(
            Comment.objects.select_for_update()
            .filter(pk__in=comments.values("pk"))
            .exclude(status=Status.WITHDRAWN)
            .order_by("pk")
            .values_list("pk", "status")
        )
        if not current:
            return 0
        pks = [pk for pk, _ in current]
        ModerationEvent.objects.bulk_create(
            ModerationEvent(
                comment_id=pk, from_status=status, to_status=Status.WITHDRAWN, by=None, by_respondent=True, at=now
            )
            for pk, status in current
        )
        Comment.objects.filter(pk__in=pks).update(status=Status.WITHDRAWN, claimed_by=None, claimed_until=None)
        public_pages_changed(consultations=consultations_of_comments(pks))
        Comment.themes.through.objects.filter(comment_id__in=pks).delete()
    return len(pks)
