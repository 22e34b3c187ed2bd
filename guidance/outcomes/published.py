"""What the public overview shows after a consultation closes: the outcome ("you said, we did")
for the consultation and per section or question, and moderation statistics — how many
responses and comments were received, how many published, and how many not published, by
reason, and how the answers to each choice question were spread (guidance/responses/answers.py).
templates/includes/outcome.html displays public_outcome(consultation). The outcome's words
appear once the outcome is published (guidance/consultations/publishing.py); the figures from the close.

"Published" is decided in one place, Comment.objects.published(); these figures count through
it, so they always match what the public can see.
"""

from django.db.models import Count, Q
from django.utils import timezone

from guidance.consultations.markdown import render_markdown
from guidance.models import Comment, Consultation, ModerationReason, Outcome, Response
from guidance.responses import answers


def moderation_statistics(consultation):
    """Counts for the public overview, in two queries. `not_published` lists (reason, count)
    for every reason that applies to at least one comment."""
    published = Q(pk__in=Comment.objects.published().filter(consultation=consultation).values("pk"))
    rejected = Q(status=Comment.Status.REJECTED)

    def rejected_for(reason):
        # A rejection recorded without a reason code counts as "Other".
        if reason == ModerationReason.OTHER:
            return rejected & (Q(reason_code=reason) | Q(reason_code=""))
        return rejected & Q(reason_code=reason)

    # What respondents withdrew is left out of every public figure, as if never sent.
    counts = (
        Comment.objects.filter(consultation=consultation)
        .not_withdrawn()
        .aggregate(
            received=Count("pk"),
            published=Count("pk", filter=published),
            responses_published=Count("response", filter=published, distinct=True),
            pending=Count("pk", filter=Q(status=Comment.Status.PENDING)),
            spam=Count("pk", filter=Q(status=Comment.Status.SPAM)),
            held_back=Count("pk", filter=Q(status=Comment.Status.APPROVED) & ~published),
            **{f"rejected_{reason.value}": Count("pk", filter=rejected_for(reason)) for reason in ModerationReason},
        )
    )
    not_published = [
        (f"Rejected: {reason.label.lower()}", counts[f"rejected_{reason.value}"]) for reason in ModerationReason
    ]
    not_published += [
        ("Spam", counts["spam"]),
        ("Approved, but the respondent asked us not to publish it", counts["held_back"]),
        ("Not moderated yet", counts["pending"]),
    ]
    return {
        "responses_received": Response.objects.counted().filter(consultation=consultation).count(),
        "responses_published": counts["responses_published"],
        "comments_received": counts["received"],
        "comments_published": counts["published"],
        "comments_not_published": counts["received"] - counts["published"],
        "not_published": [(reason, n) for reason, n in not_published if n],
    }


def has_published_outcome(consultation, now=None):
    """True once the public can read the consultation's outcome: it has closed, and staff have
    published the outcome (guidance/consultations/publishing.py) they wrote for it as a whole or for a section or
    question."""
    if consultation.state_at(now or timezone.now()) != Consultation.State.CLOSED:
        return False
    if not consultation.outcome_is_published:
        return False
    return bool(consultation.outcome.strip()) or Outcome.objects.filter(consultation=consultation).exists()


def public_outcome(consultation, now=None):
    """Everything templates/includes/outcome.html shows, or None while the consultation is not
    closed (the include then shows nothing). The outcome's words only once it is published
    (guidance/consultations/publishing.py); before that, the figures and a note that it is being written."""
    if consultation.state_at(now or timezone.now()) != Consultation.State.CLOSED:
        return None
    statistics = {**moderation_statistics(consultation), "choices": answers.option_counts(consultation)}
    if not consultation.outcome_is_published:
        return {"text_html": "", "items": [], "statistics": statistics}
    outcomes = (
        Outcome.objects.filter(consultation=consultation)
        .filter(Q(section__isnull=False) | Q(question__isnull=False))
        .select_related("section", "question")
    )
    items = sorted(
        (
            (
                (0, outcome.section.major, outcome.section.minor)
                if outcome.section_id
                else (1, outcome.question.position, 0),
                f"Section {outcome.section.number}: {outcome.section.title}"
                if outcome.section_id
                else f"Question {outcome.question.position}: {outcome.question.text}",
                render_markdown(outcome.text),
            )
            for outcome in outcomes
        ),
    )
    return {
        "text_html": render_markdown(consultation.outcome) if consultation.outcome.strip() else "",
        "items": [{"heading": heading, "html": html} for _, heading, html in items],
        "statistics": statistics,
    }


def target_outcomes(consultation, now=None):
    """The outcome of each section and question that has one, as HTML keyed by ("section", pk) or
    ("question", pk), for the section page and the published responses: one query, and empty
    while the consultation is not closed."""
    if (
        consultation.state_at(now or timezone.now()) != Consultation.State.CLOSED
        or not consultation.outcome_is_published
    ):
        return {}
    return {
        ("section", section_id) if section_id else ("question", question_id): render_markdown(text)
        for section_id, question_id, text in Outcome.objects.filter(consultation=consultation)
        .filter(Q(section__isnull=False) | Q(question__isnull=False))
        .values_list("section_id", "question_id", "text")
    }


def attach_replies(consultation, comments, now=None):
    """Set `reply` on each of the consultation's comments: the staff's answer to it (an Outcome on
    the comment, with its text as text_html), once the outcome is published; None before that or
    without one. One query for them all, none while the outcome is not published."""
    comments = list(comments)
    replies = {}
    if comments and has_published_outcome(consultation, now):
        for outcome in Outcome.objects.filter(consultation=consultation, comment__in=[c.pk for c in comments]):
            outcome.text_html = render_markdown(outcome.text)
            replies[outcome.comment_id] = outcome
    for comment in comments:
        comment.reply = replies.get(comment.pk)
    return comments
