"""A consultation's published responses as open data: one record per published comment or answer,
the same for the CSV and JSON downloads (guidance/public/downloads.py) and the API
(guidance/public/api/), with what each field means (FIELDS, which the data dictionary page lists).

A record holds what the published responses page shows of a comment and nothing more: it reads
comments only through Comment.objects.published() (published_search.matching), the name by the
page's own rule (Response.public_name: only with "publish with my name"), never an email address
or an organisation (the page shows neither), and the official reply and the themes only once the
outcome is published, as the page does.
"""

import dataclasses
from itertools import islice

from django.db.models import F
from django.utils import timezone

from guidance.models import Comment, Outcome, Response
from guidance.outcomes.published import attach_replies, has_published_outcome
from guidance.responses import answers

# Records are read in batches of this many, each batch's options, replies and themes in one query
# each: memory stays flat however many comments a consultation has.
BATCH = 1000


@dataclasses.dataclass(frozen=True)
class Field:
    name: str  # in JSON
    column: str  # in the CSV's header
    meaning: str
    values: str


FIELDS = [
    Field("id", "Comment ID", "The comment's own number on this site. It never changes.", "A whole number"),
    Field(
        "section",
        "Section",
        "The number of the section of the draft the comment is on.",
        "Such as 2 or 2.1; empty for an answer to a question",
    ),
    Field("section_title", "Section title", "The title of that section.", "Text; empty for an answer"),
    Field(
        "question",
        "Question",
        "The number of the question answered.",
        "Such as Q1; empty for a comment on a section",
    ),
    Field("question_text", "Question text", "What the question asked.", "Text; empty for a comment on a section"),
    Field(
        "answers",
        "Answers chosen",
        "The answers the person chose, in words, for a question with answers to choose from.",
        "The question's own answers (see the API's questions); in the CSV separated by “; ”; empty if none",
    ),
    Field(
        "other",
        "Other answer",
        "What the person wrote when they chose “Other”.",
        "Text; empty if they did not choose “Other”",
    ),
    Field(
        "text",
        "Text",
        "The comment, or the answer to a question in the person's own words.",
        "Text; may be empty for an answer that only chose from a list",
    ),
    Field(
        "respondent_type",
        "Respondent type code",
        "Who the person said they were responding as, as a code.",
        ", ".join(Response.RespondentType.values),
    ),
    Field(
        "respondent_type_label",
        "Responding as",
        "Who the person said they were responding as, in words.",
        "; ".join(Response.RespondentType.labels),
    ),
    Field(
        "name",
        "Name",
        "The person's name, only if they agreed to publish their comments with their name.",
        "Text, or “Anonymous”",
    ),
    Field(
        "sent_at",
        "Sent at",
        "When the comment was sent, in UK time.",
        "A date and time in ISO 8601 form, such as 2026-03-01T14:05:00+00:00",
    ),
    Field(
        "reply_kind",
        "Our response: kind",
        "What the organisation did about the comment, once it published its outcome.",
        "Empty, or one of: " + "; ".join(Outcome.Kind.labels),
    ),
    Field(
        "reply",
        "Our response",
        "The organisation's reply to the comment, once it published its outcome.",
        "Text in Markdown; empty if there is none",
    ),
    Field(
        "themes",
        "Themes",
        "The themes the organisation's analysts found in the comment, once the outcome is published.",
        "The consultation's themes; in the CSV separated by “; ”; empty before the outcome is published",
    ),
]
HEADER = [field.column for field in FIELDS]
# How a list is written in one CSV cell, as in the staff's exports.
LIST_SEPARATOR = "; "


def in_page_order(comments, filters):
    """The order of the published responses page: without a search, comments on each section in the
    draft's order, then answers to each question, newest first on each; a search keeps its own
    (best match first)."""
    if filters.q:
        return comments
    return comments.order_by(
        F("section__major").asc(nulls_last=True),
        "section__minor",
        "question__position",
        "-created_at",
        "-pk",
    )


def records(consultation, comments, now=None):
    """A record (dict, FIELDS' names) for each of these published comments, read with their
    response, section and question: their options, replies and themes in one query each."""
    now = now or timezone.now()
    comments = answers.with_chosen_options(comments)
    attach_replies(consultation, comments, now)
    themes = {}
    if has_published_outcome(consultation, now):
        through = Comment.themes.through.objects.filter(comment_id__in=[comment.pk for comment in comments])
        for comment_id, name in through.order_by("theme__name").values_list("comment_id", "theme__name"):
            themes.setdefault(comment_id, []).append(name)
    return [record(comment, themes.get(comment.pk, [])) for comment in comments]


def record(comment, themes):
    answer = answers.stored_answer(comment)
    reply = getattr(comment, "reply", None)
    return {
        "id": comment.pk,
        "section": comment.section.number if comment.section_id else "",
        "section_title": comment.section.title if comment.section_id else "",
        "question": comment.question.number if comment.question_id else "",
        "question_text": comment.question.text if comment.question_id else "",
        "answers": [option.label for option in answer.options],
        "other": answer.other if any(option.is_other for option in answer.options) else "",
        "text": answer.text,
        "respondent_type": comment.response.respondent_type,
        "respondent_type_label": comment.response.get_respondent_type_display(),
        "name": comment.response.public_name,
        "sent_at": timezone.localtime(comment.created_at).isoformat(timespec="seconds"),
        "reply_kind": reply.get_kind_display() if reply and reply.kind else "",
        "reply": reply.text if reply else "",
        "themes": themes,
    }


def all_records(consultation, comments, now=None):
    """Records of every comment of the queryset, read BATCH at a time as they are written out."""
    rows = comments.select_related("response", "section", "question").iterator(chunk_size=BATCH)
    while batch := list(islice(rows, BATCH)):
        yield from records(consultation, batch, now)


def csv_row(record):
    return [LIST_SEPARATOR.join(value) if isinstance(value, list) else value for value in record.values()]


def metadata(consultation, site_url):
    """What the JSON download says of itself: whose data, under which licence, from where."""
    return {
        "consultation": consultation.title,
        "organisation": consultation.organisation,
        "url": site_url + consultation.get_absolute_url(),
        "licence": {"name": consultation.get_licence_display(), "url": consultation.licence_url},
        "fields": {field.name: field.meaning for field in FIELDS},
    }
