"""Suggested themes and code by example: the engine (engines.py) proposes, an analyst decides.

Nothing here codes a comment on its own. Suggesting themes groups the approved comments of a
consultation, a section or a question; an analyst accepts a group (a new Theme, named as they
choose), merges two or discards one. Accepting only *suggests* the theme for the group's comments
(ThemeSuggestion, state "suggested"); each is coded (Comment.themes, through themes.add_theme, the
one write that codes) when an analyst confirms it, or removed. Code by example suggests a theme
with three or more coded comments for the uncoded comments most like them, the same way.

Up to THEME_SUGGESTIONS_IN_REQUEST_LIMIT comments are grouped in the request; more are left as a
waiting SuggestionRun, which the worker (manage.py run_worker) takes and works out, saying how far
it has got in the run's progress.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from guidance.analysis import engines
from guidance.analysis.models import SuggestionRun, Theme, ThemeSuggestion
from guidance.analysis.themes import add_theme
from guidance.models import Comment

logger = logging.getLogger(__name__)

DEFAULT_COUNT = 8
COUNTS = range(2, 31)
REPRESENTATIVES = 3
EXAMPLES_NEEDED = 3
# Code by example suggests a theme for at most this many comments at a time, those most like its
# examples: enough for a sitting, few enough to read.
MOST_BY_EXAMPLE = 200
# A run the worker took this long ago and never finished (the worker was stopped): taken again.
STALLED = datetime.timedelta(minutes=30)


class SuggestionRefused(ValueError):
    """What an analyst asked for cannot be done; the message says why, in words for them."""


def comments_to_group(consultation, section=None, question=None):
    """The comments suggestions are made from: approved (whether or not the respondent agreed to
    publication: analysts read them all), with words, on the consultation or the one part."""
    comments = Comment.objects.filter(consultation=consultation, status=Comment.Status.APPROVED).exclude(text="")
    if section is not None:
        comments = comments.filter(section=section)
    if question is not None:
        comments = comments.filter(question=question)
    return comments.order_by("pk")


def compute_suggestions(comments, count, progress=lambda words: None):
    """Group the comments: a list of suggestions, largest first, each {"number", "name",
    "key_phrases", "comment_ids", "representative_ids", "status", "theme_id"}. Writes nothing."""
    progress("Reading the comments")
    ids, texts = [], []
    for pk, text in comments.values_list("pk", "text").iterator(chunk_size=2000):
        ids.append(pk)
        texts.append(text)
    groups = engines.suggest_groups(texts, count, progress=progress)
    return [
        {
            "number": number,
            "name": engines.name_of(group["key_phrases"]),
            "key_phrases": group["key_phrases"],
            "comment_ids": [ids[i] for i in group["members"]],
            "representative_ids": [ids[i] for i in group["representatives"][:REPRESENTATIVES]],
            "status": "open",
            "theme_id": None,
        }
        for number, group in enumerate(groups, start=1)
    ]


def request_suggestions(consultation, *, section=None, question=None, count=DEFAULT_COUNT, by=None):
    """Record a request for suggested themes and, with few enough comments, work it out now.
    Checks the engine's settings first, so a misconfigured engine is said at once."""
    if count not in COUNTS:
        raise SuggestionRefused(f"Ask for between {COUNTS[0]} and {COUNTS[-1]} themes.")
    using = engines.engine()
    comments = comments_to_group(consultation, section, question)
    how_many = comments.count()
    if how_many < 2:
        raise SuggestionRefused("There are not enough approved comments with words to group: at least 2 are needed.")
    run = SuggestionRun.objects.create(
        consultation=consultation,
        section=section,
        question=question,
        count=count,
        engine=using.name,
        comment_count=how_many,
        requested_by=by,
    )
    if how_many <= settings.THEME_SUGGESTIONS_IN_REQUEST_LIMIT:
        work_out(run)
    return run


def work_out(run):
    """Work out a run's suggestions, saying how far it has got as it goes. A failure is recorded
    on the run (and logged) rather than raised: the analyst sees it on the run's page."""

    def progress(words):
        SuggestionRun.objects.filter(pk=run.pk).update(progress=words)

    SuggestionRun.objects.filter(pk=run.pk).update(state=SuggestionRun.State.RUNNING, started_at=timezone.now())
    comments = comments_to_group(run.consultation, run.section, run.question)
    try:
        suggestions = compute_suggestions(comments, run.count, progress=progress)
    except Exception:
        logger.exception("Suggested themes: run %s failed", run.pk)
        run.state, run.progress = (
            SuggestionRun.State.FAILED,
            "Something went wrong: ask again, or tell an administrator.",
        )
    else:
        run.state, run.progress, run.suggestions = SuggestionRun.State.DONE, "", suggestions
        run.comment_count = sum(len(suggestion["comment_ids"]) for suggestion in suggestions)
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "progress", "suggestions", "comment_count", "finished_at"])
    return run


def take_waiting_run():
    """For the worker: the oldest run waiting (or left unfinished by a stopped worker), now marked
    as taken, or None. Taken with one conditional update, so two workers never take the same run."""
    now = timezone.now()
    due = Q(state=SuggestionRun.State.WAITING) | Q(state=SuggestionRun.State.RUNNING, started_at__lt=now - STALLED)
    for run in SuggestionRun.objects.filter(due).order_by("requested_at", "pk")[:5]:
        taken = SuggestionRun.objects.filter(due, pk=run.pk).update(state=SuggestionRun.State.RUNNING, started_at=now)
        if taken:
            run.refresh_from_db()
            return run
    return None


def work_out_waiting():
    """For the worker: work out every waiting run, one after another. Returns how many."""
    done = 0
    while (run := take_waiting_run()) is not None:
        work_out(run)
        done += 1
    return done


def suggestion_in(run, number, *, status="open"):
    for suggestion in run.suggestions:
        if suggestion["number"] == number and suggestion["status"] == status:
            return suggestion
    raise SuggestionRefused("That suggestion is no longer open: it was accepted, merged or discarded meanwhile.")


def locked(run):
    return SuggestionRun.objects.select_for_update().get(pk=run.pk)


def accept_suggestion(run, number, name, by=None):
    """A new theme named `name`, suggested (not yet coded) for the suggestion's comments that are
    still approved. Returns the theme."""
    name = " ".join(name.split())
    if not name:
        raise SuggestionRefused("Give the theme a name.")
    if len(name) > Theme._meta.get_field("name").max_length:
        raise SuggestionRefused("A theme's name can have at most 100 characters.")
    with transaction.atomic():
        run = locked(run)
        suggestion = suggestion_in(run, number)
        if Theme.objects.filter(consultation=run.consultation, name__iexact=name).exists():
            raise SuggestionRefused(f"This consultation already has a theme called “{name}”: choose another name.")
        theme = Theme.objects.create(consultation=run.consultation, name=name)
        still_approved = comments_to_group(run.consultation).filter(pk__in=suggestion["comment_ids"])
        ThemeSuggestion.objects.bulk_create(
            [
                ThemeSuggestion(theme=theme, comment_id=pk, origin=ThemeSuggestion.Origin.GROUPING)
                for pk in still_approved.values_list("pk", flat=True)
            ],
            batch_size=1000,
        )
        suggestion.update(status="accepted", theme_id=theme.pk, name=name)
        run.save(update_fields=["suggestions"])
    return theme


def merge_suggestions(run, first, second):
    """Two open suggestions become one, with both's comments, key phrases and representatives.
    Returns the new suggestion's number."""
    if first == second:
        raise SuggestionRefused("Choose two different suggestions to merge.")
    with transaction.atomic():
        run = locked(run)
        one, other = suggestion_in(run, first), suggestion_in(run, second)
        phrases = list(dict.fromkeys(interleave(one["key_phrases"], other["key_phrases"])))[:4]
        merged = {
            "number": max(suggestion["number"] for suggestion in run.suggestions) + 1,
            "name": engines.name_of(phrases),
            "key_phrases": phrases,
            "comment_ids": sorted({*one["comment_ids"], *other["comment_ids"]}),
            "representative_ids": interleave(one["representative_ids"], other["representative_ids"])[:REPRESENTATIVES],
            "status": "open",
            "theme_id": None,
            "merged_from": [first, second],
        }
        one["status"] = other["status"] = "merged"
        run.suggestions.append(merged)
        run.save(update_fields=["suggestions"])
    return merged["number"]


def interleave(first, second):
    mixed = []
    for index in range(max(len(first), len(second))):
        mixed.extend(items[index] for items in (first, second) if index < len(items))
    return mixed


def discard_suggestion(run, number):
    with transaction.atomic():
        run = locked(run)
        suggestion_in(run, number)["status"] = "discarded"
        run.save(update_fields=["suggestions"])


def waiting_for_review(theme):
    """A theme's suggestions an analyst has not decided on, for comments still approved: those
    from a suggested theme first, then by example, least sure first."""
    return (
        ThemeSuggestion.objects.filter(
            theme=theme, state=ThemeSuggestion.State.SUGGESTED, comment__status=Comment.Status.APPROVED
        )
        .select_related("comment__section", "comment__question")
        .order_by("-origin", "confidence", "comment_id")
    )


def confirm_suggestions(theme, comment_ids, by=None):
    """Code the comments with the theme (themes.add_theme) where it was suggested for them.
    Returns how many were confirmed."""
    with transaction.atomic():
        chosen = waiting_for_review(theme).filter(comment_id__in=comment_ids)
        ids = list(chosen.values_list("comment_id", flat=True))
        add_theme(Comment.objects.filter(pk__in=ids), theme)
        ThemeSuggestion.objects.filter(theme=theme, comment_id__in=ids).update(
            state=ThemeSuggestion.State.CONFIRMED, decided_by=by, decided_at=timezone.now()
        )
    return len(ids)


def refuse_suggestions(theme, comment_ids, by=None):
    """The theme does not fit these comments: not suggested for them again. Returns how many."""
    with transaction.atomic():
        ids = list(waiting_for_review(theme).filter(comment_id__in=comment_ids).values_list("comment_id", flat=True))
        ThemeSuggestion.objects.filter(theme=theme, comment_id__in=ids).update(
            state=ThemeSuggestion.State.REFUSED, decided_by=by, decided_at=timezone.now()
        )
    return len(ids)


def coded_comments(theme):
    return theme.comments.filter(status=Comment.Status.APPROVED).exclude(text="")


def suggest_by_example(theme):
    """Suggest the theme for the uncoded comments most like its coded ones: the engine learns
    every theme of the consultation with three or more coded comments (and, as "not this theme",
    the comments this theme was removed from), and the theme is suggested for the uncoded comments
    it finds most likely to be this theme's (sharing something with it), at most MOST_BY_EXAMPLE,
    each with how sure it is.
    Replaces the theme's earlier suggestions by example not yet decided. Returns how many."""
    if coded_comments(theme).count() < EXAMPLES_NEEDED:
        raise SuggestionRefused(
            f"Code at least {EXAMPLES_NEEDED} approved comments with “{theme}” first: they are the examples."
        )
    themes = (
        Theme.objects.filter(consultation=theme.consultation)
        .annotate(coded=Count("comments", filter=Q(comments__status=Comment.Status.APPROVED) & ~Q(comments__text="")))
        .filter(coded__gte=EXAMPLES_NEEDED)
    )
    example_texts, example_labels = [], []
    for pk in themes.values_list("pk", flat=True):
        for text in coded_comments(Theme(pk=pk)).order_by("pk").values_list("text", flat=True):
            example_texts.append(text)
            example_labels.append(pk)
    refused = ThemeSuggestion.objects.filter(theme=theme, state=ThemeSuggestion.State.REFUSED)
    for text in (
        comments_to_group(theme.consultation).filter(pk__in=refused.values("comment_id")).values_list("text", flat=True)
    ):
        example_texts.append(text)
        example_labels.append(0)
    decided = ThemeSuggestion.objects.filter(theme=theme).exclude(
        state=ThemeSuggestion.State.SUGGESTED, origin=ThemeSuggestion.Origin.EXAMPLE
    )
    candidates = (
        comments_to_group(theme.consultation)
        .filter(themes__isnull=True)
        .exclude(pk__in=decided.values("comment_id"))
        .values_list("pk", "text")
    )
    ids, texts = [], []
    for pk, text in candidates:
        ids.append(pk)
        texts.append(text)
    likely = [
        (confidence, pk)
        for pk, (label, confidence) in zip(
            ids, engines.code_by_example(example_texts, example_labels, texts), strict=True
        )
        if label == theme.pk and confidence > 0
    ]
    likely = sorted(likely, key=lambda pair: (-pair[0], pair[1]))[:MOST_BY_EXAMPLE]
    with transaction.atomic():
        ThemeSuggestion.objects.filter(
            theme=theme, state=ThemeSuggestion.State.SUGGESTED, origin=ThemeSuggestion.Origin.EXAMPLE
        ).delete()
        ThemeSuggestion.objects.bulk_create(
            [
                ThemeSuggestion(
                    theme=theme, comment_id=pk, origin=ThemeSuggestion.Origin.EXAMPLE, confidence=round(confidence, 4)
                )
                for confidence, pk in likely
            ],
            batch_size=1000,
        )
    return len(likely)
