"""Quotes for the report: published comments staff shortlist as quotable, read back per section,
question and theme, and exported as CSV with each respondent's publication choice honoured.

The shortlist reads through Comment.objects.published(), the one place deciding what the public may
see: a comment withdrawn, unpublished, or whose respondent chose "Do not publish" is never on it
nor in its file, whatever its Quote row says. The row stays, so a comment published again is back.
"""

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from guidance.analysis.exports import LIST_SEPARATOR, export_filename, record_export, select_comments, table_csv
from guidance.models import Comment, Quote, Response
from guidance.moderation.by_respondent import name_to_publish

log = logging.getLogger(__name__)

# The layout an export of the shortlist is recorded under (ExportRecord.layout).
LAYOUT = "quotes"
HEADER = [
    "Target type",
    "Target number",
    "Target title",
    "Quote",
    "Attributed to",
    "Themes",
    "Response reference",
    "Shortlisted at",
    "Shortlisted by",
]
RESPONDENT_TYPE_LABELS = dict(Response.RespondentType.choices)


def quotable(comments):
    """Those of `comments` that may be shortlisted: published, with words to quote (an answer that
    only chose options has none)."""
    return comments.published().exclude(text="")


def mark_quotable(comments, *, by, now=None):
    """Shortlist each of `comments` that may be quoted (quotable) and is not shortlisted yet,
    recording who and when. Returns how many were added."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(quotable(comments).filter(quote__isnull=True).order_by("pk").values_list("pk", flat=True))
        # Two members of staff marking the same comment at once: the second's row is left out.
        Quote.objects.bulk_create(
            [Quote(comment_id=pk, marked_by=by, marked_at=now) for pk in ids], ignore_conflicts=True
        )
    if ids:
        log.info("quotes marked", extra={"by": by.pk if by else None, "comments": ids})
    return len(ids)


def unmark(comments, *, by):
    """Take each of `comments` off the shortlist. Returns how many were on it. Who took them off is
    logged: the shortlist keeps only who added what is on it."""
    with transaction.atomic():
        quotes = Quote.objects.filter(comment__in=comments.order_by().values("pk"))
        ids = list(quotes.order_by("comment_id").values_list("comment_id", flat=True))
        quotes.delete()
    if ids:
        log.info("quotes unmarked", extra={"by": by.pk if by else None, "comments": ids})
    return len(ids)


def shortlist(consultation, filters=None):
    """The consultation's shortlisted comments that are published now, in the draft's reading order
    (sections, then questions), oldest first on each. `filters` as the export page's: "target" (a
    section number such as 2.1, or Q3) and "theme" (its name)."""
    chosen = {key: value for key, value in (filters or {}).items() if key in ("target", "theme") and value}
    comments = select_comments(consultation, {**chosen, "status": [Comment.Status.APPROVED]})
    return (
        comments.published()
        .filter(quote__isnull=False)
        .select_related("response", "section", "question", "quote__marked_by")
        .prefetch_related("themes")
        .order_by(
            F("section__major").asc(nulls_last=True),
            F("section__minor").asc(nulls_last=True),
            F("question__position").asc(nulls_last=True),
            "created_at",
            "pk",
        )
    )


def attribution(response):
    """How a quote is credited, as the respondent chose: the published name, or, without one, only
    the kind of respondent ("Carer")."""
    return name_to_publish(response) or RESPONDENT_TYPE_LABELS.get(response.respondent_type, "Respondent")


def target_cells(comment):
    if comment.section_id:
        return ["Section", comment.section.number, comment.section.title]
    return ["Question", comment.question.number, comment.question.text]


def quotes_csv(consultation, *, by, filters=None):
    """Record the export of the shortlist (as every export is recorded), then return the file and its
    name: the same spreadsheet-safe CSV as every export (guidance/analysis/exports.py)."""
    filters = {key: value for key, value in (filters or {}).items() if key in ("target", "theme") and value}
    quotes = shortlist(consultation, filters)
    record_export(consultation, by=by, layout=LAYOUT, filters=filters, with_personal_data=False, comments=quotes)
    rows = [
        [
            *target_cells(comment),
            comment.text,
            attribution(comment.response),
            LIST_SEPARATOR.join(sorted(theme.name for theme in comment.themes.all())),
            comment.response.reference,
            timezone.localtime(comment.quote.marked_at).isoformat(timespec="seconds"),
            comment.quote.marked_by.get_username() if comment.quote.marked_by else "",
        ]
        for comment in quotes
    ]
    # table_csv neutralises every text cell (a quote starting with "=" stays text).
    return table_csv(HEADER, rows), export_filename(consultation, what="quotes")
