"""Searching and filtering a consultation's published responses (the published page): what the
address asks for, checked against what the page offers, the comments that match, and how many
each filter's choices would find.

Every comment searched or counted here comes from Comment.objects.published(), and the filters
are those the page offers and nothing else: one value each, read with the text rules
(guidance/responses/text.py), so a value that is not offered is an error to show, never a query.
Themes are offered only once the consultation's outcome is published.

A consultation may have a million published comments: beyond COUNTED_AT_MOST matches the page
says "more than" that many, lists only the first of them, and offers its choices without counting
them (Listed, choices); without a search it reads a page one section or question at a time
(in_reading_order), each from its own index, never sorting every match. The matches are read once
to count them and each filter's choices among them (Found), and these counts are kept in each
process under the consultation's content_version (kept_count), as is which comments each page
lists (kept_pages) (docs/performance.md, "Public record at 1,000,000 comments").
"""

import contextlib
import dataclasses
import functools
import hashlib
from collections import Counter
from urllib.parse import urlencode

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q

from guidance.models import ChosenOption, Comment, Option, Response
from guidance.outcomes.published import has_published_outcome
from guidance.public.reading import kept
from guidance.responses import text as text_rules

# The longest search a visitor may type: a sentence is plenty.
SEARCH_LONGEST = 200

FILTER_NAMES = ("q", "section", "question", "option", "respondent_type", "theme")

# Counting every match, or every choice's, reads them all: about two seconds for a million
# comments. Up to this many, the page counts exactly; beyond, it says "more than" and lists the
# first this many (200 pages of 50), so search or filters narrow them.
COUNTED_AT_MOST = 10_000


@dataclasses.dataclass
class Filters:
    """What a visitor asked for, each filter a value the page offers (or none)."""

    q: str = ""
    section: object = None
    question: object = None
    option: object = None
    respondent_type: str = ""
    theme: object = None

    def as_params(self):
        """The filters as the address writes them, in the page's order, leaving out those not set."""
        values = {
            "q": self.q,
            "section": self.section and self.section.pk,
            "question": self.question and self.question.pk,
            "option": self.option and self.option.pk,
            "respondent_type": self.respondent_type,
            "theme": self.theme and self.theme.pk,
        }
        return {name: value for name, value in values.items() if value}

    def query_string(self):
        return urlencode(self.as_params())

    @property
    def any(self):
        return bool(self.as_params())


@dataclasses.dataclass
class Offered:
    """What the page offers to filter by for one consultation."""

    consultation: object
    sections: dict
    questions: dict
    respondent_types: dict
    themes: dict | None  # None until the outcome is published

    @classmethod
    def for_consultation(cls, consultation, sections, now=None):
        themes = None
        if has_published_outcome(consultation, now):
            themes = {theme.pk: theme for theme in consultation.themes.all()}
        return cls(
            consultation=consultation,
            sections={section.pk: section for section in sections},
            questions={question.pk: question for question in consultation.questions.all()},
            respondent_types=dict(Response.RespondentType.choices),
            themes=themes,
        )

    def option(self, pk):
        """The answer `pk` of one of the consultation's questions, or None. Read only when asked
        for: most visits choose none."""
        if pk is None:
            return None
        return Option.objects.filter(pk=pk, question__consultation=self.consultation).first()


def read_filters(params, offered):
    """(Filters, errors) from the address's parameters: each value the page does not offer is left
    out of the filters, and errors says why, by the filter's name, in words for the visitor."""
    filters, errors = Filters(), {}

    q = text_rules.tidy(params.get("q", ""))
    if text_rules.CONTROL_CHARACTERS.search(q):
        errors["q"] = "Remove the hidden control characters from your search"
    elif len(q) > SEARCH_LONGEST:
        errors["q"] = f"Search for {SEARCH_LONGEST} characters or fewer"
    else:
        filters.q = q

    def one_of(name, offered_by_id, message):
        value = params.get(name, "")
        if not value:
            return None
        chosen = offered_by_id.get(text_rules.whole_number(value))
        if chosen is None:
            errors[name] = message
        return chosen

    filters.section = one_of("section", offered.sections, "Choose a section from the list")
    filters.question = one_of("question", offered.questions, "Choose a question from the list")
    option = params.get("option", "")
    if option:
        filters.option = offered.option(text_rules.whole_number(option))
        if filters.option is None:
            errors["option"] = "Choose an answer from the list"
    if filters.option is not None:
        if filters.question is None and "question" not in errors:
            filters.question = offered.questions[filters.option.question_id]
        elif filters.question is not None and filters.option.question_id != filters.question.pk:
            errors["option"] = f"Choose one of the answers to {filters.question.number}"
            filters.option = None

    respondent_type = params.get("respondent_type", "")
    if respondent_type in offered.respondent_types:
        filters.respondent_type = respondent_type
    elif respondent_type:
        errors["respondent_type"] = "Choose a kind of respondent from the list"

    if offered.themes is None:
        if params.get("theme"):
            errors["theme"] = "Comments can be filtered by theme once the outcome is published"
    else:
        filters.theme = one_of("theme", offered.themes, "Choose a theme from the list")
    return filters, errors


def by_their_answer(filters, leaving_out=None):
    """Whether the question (and option) choose comments on sections by their writers' answer: when
    a section is chosen too, or while counting what each section would find."""
    return (
        filters.question is not None
        and leaving_out != "question"
        and (filters.section is not None or leaving_out == "section")
    )


def matching(consultation, filters, leaving_out=None, ranked=True, many=None):
    """The consultation's published comments the filters choose, but for the filter named
    leaving_out (to count what each of its choices would find instead), searched for filters.q
    (best match first unless ranked=False, to count them; many: whether more match than the
    search ranks, if already counted)."""
    comments = Comment.objects.published().filter(consultation=consultation)
    if filters.section is not None and leaving_out != "section":
        comments = comments.filter(section=filters.section)
    if by_their_answer(filters, leaving_out):
        # A section and a question together: the section's comments by people whose published
        # answer to the question is (with the option, that answer). Only published answers choose,
        # so the filter never tells anything of an answer not published.
        answered = Comment.objects.published().filter(response=OuterRef("response"), question=filters.question)
        if filters.option is not None and leaving_out != "option":
            answered = answered.filter(options=filters.option)
        comments = comments.filter(Exists(answered), section__isnull=False)
    else:
        if filters.question is not None and leaving_out != "question":
            comments = comments.filter(question=filters.question)
        if filters.option is not None and leaving_out != "option":
            comments = comments.filter(options=filters.option)
    if filters.respondent_type and leaving_out != "respondent_type":
        comments = comments.filter(response__respondent_type=filters.respondent_type)
    if filters.theme is not None and leaving_out != "theme":
        comments = comments.filter(themes=filters.theme)
    if filters.q:
        comments = comments.search(filters.q, ranked=ranked, many=many)
    return comments


@contextlib.contextmanager
def room_to_search(filters):
    """While a search's matches are read on PostgreSQL: memory enough (work_mem, for this
    transaction alone) for the bitmap of a common word's matches, 150,000 of a million comments,
    to stay exact. With the default 4 MB it went lossy once AND'ed with a filter's, and every
    comment on the pages it covered was read and its words compared again: 300,000 for 4,000
    found, three to four times as long (docs/performance.md)."""
    if not filters.q or connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '32MB'")
        yield


class Found:
    """Comments read once, up to COUNTED_AT_MOST + 1 of them and only what counting needs (id,
    section, question, kind of respondent): how many there are, and how many each choice of a
    filter has among them. One read of a search's matches, instead of one more for each filter."""

    # Where each field counted_by() is asked for sits in a row, or the table linking it.
    COLUMNS = {"section": 1, "question": 2, "response__respondent_type": 3}
    LINKED = {"themes": (Comment.themes.through, "theme"), "options": (ChosenOption, "option")}

    def __init__(self, comments):
        self.comments = comments

    @functools.cached_property
    def rows(self):
        read = self.comments.order_by().values_list("pk", "section", "question", "response__respondent_type")
        return list(read[: COUNTED_AT_MOST + 1])

    @property
    def more(self):
        """Whether there are more than COUNTED_AT_MOST."""
        return len(self.rows) > COUNTED_AT_MOST

    def count(self):
        return min(len(self.rows), COUNTED_AT_MOST)

    def counted_by(self, field):
        """{value of field: how many of the comments have it}, or None when they are more than
        COUNTED_AT_MOST: counting them would read every one."""
        if self.more:
            return None
        if field in self.COLUMNS:
            return dict(Counter(row[self.COLUMNS[field]] for row in self.rows))
        if not self.rows:
            return {}
        model, column = self.LINKED[field]
        links = model.objects.filter(comment_id__in=[row[0] for row in self.rows]).order_by()
        return dict(links.values_list(column).annotate(n=Count("pk")).values_list(column, "n"))


@dataclasses.dataclass
class Counts:
    """What the filters find, counted: how many (up to COUNTED_AT_MOST + 1), whether the
    consultation has any published comment at all, and each filter's choices (choices())."""

    found: int
    any_published: bool
    choices: dict


def counts(consultation, filters, offered):
    """Counts for these filters: the matches are read once, and only if what they count is not
    kept already (kept_count)."""
    found = Found(matching(consultation, filters, ranked=False))
    matched = kept_count(consultation, filters, found=found)
    any_published = matched > 0 or Comment.objects.published().filter(consultation=consultation).exists()
    shown = choices(consultation, filters, offered, found, matched) if any_published else {}
    return Counts(found=matched, any_published=any_published, choices=shown)


def kept_count(consultation, filters, field=None, leaving_out=None, found=None):
    """How many comments matching(consultation, filters, leaving_out) finds (up to
    COUNTED_AT_MOST + 1), or with field, their Found.counted_by(field); kept in this process under
    the consultation's content_version, which every decision moves on, so the matches are read
    when first asked for, not at every view. Kept by what is asked rather than by the page asking
    it, so two pages asking the same share it: the sections' counts of a search with section 3
    chosen are those of the search alone. found: those comments' Found, if at hand."""
    params = {name: value for name, value in filters.as_params().items() if name != leaving_out}
    asked = urlencode({**params, "by_their_answer": by_their_answer(filters, leaving_out), "counted": field or ""})
    key = "published-count:" + hashlib.sha256(asked.encode()).hexdigest()

    def count():
        read = found if found is not None else Found(matching(consultation, filters, leaving_out, ranked=False))
        return len(read.rows) if field is None else read.counted_by(field)

    return kept(consultation, key, count)


class Listed:
    """The comments the filters chose, as a Paginator's list: counted (up to COUNTED_AT_MOST + 1;
    more says whether there are more), each page read by read(start, stop), a list (by default a
    slice of the queryset; in_reading_order's when it is quicker)."""

    def __init__(self, comments, counted):
        self.counted = counted
        self.read = lambda start, stop: list(comments[start:stop])

    @property
    def more(self):
        return self.counted > COUNTED_AT_MOST

    def count(self):
        return min(self.counted, COUNTED_AT_MOST)

    def __getitem__(self, bounds):
        return self.read(bounds.start, bounds.stop)


def in_reading_order(comments, filters, offered):
    """read(start, stop) for Listed: the comments in the page's order without a search, the
    draft's sections in order, then the questions in order, newest first on each. Read one section
    or question at a time from its index (section or question, status, date): a page asks only the
    first few for their comments, a page further down counts its way there (up to COUNTED_AT_MOST)
    rather than sorting every comment of the consultation."""
    sections = sorted(offered.sections.values(), key=lambda section: (section.major, section.minor, section.pk))
    questions = sorted(offered.questions.values(), key=lambda question: (question.position, question.pk))
    targets = [Q(section=section) for section in sections] + [Q(question=question) for question in questions]
    if filters.section is not None or filters.question is not None:
        targets = [Q(section=filters.section)] if filters.section is not None else []
        targets += [Q(question=filters.question)] if filters.question is not None else []

    def read(start, stop):
        found, skip, wanted = [], start, stop - start
        for target in targets:
            on_target = comments.filter(target).order_by("-created_at", "-pk")
            page = list(on_target[skip : skip + wanted])
            if page:
                found += page
                skip, wanted = 0, wanted - len(page)
                if not wanted:
                    break
            elif skip:
                # The page starts further on: skip this one's, counting no more than there are to skip.
                skip -= on_target.order_by().values("pk")[:skip].count()
        return found

    return read


def kept_pages(consultation, filters, read):
    """read(start, stop) for Listed that keeps which comments each page lists, in this process under
    the consultation's content_version, by what it asks (the filters and the page), as the counts
    are kept: the next view of that page, by anyone, reads its 50 comments by id rather than finding
    them again among all the matches (docs/performance.md, "Public record at 1,000,000 comments").
    Read by id through Comment.objects.published(), so only what is published now is ever shown."""

    def read_kept(start, stop):
        asked = urlencode({**filters.as_params(), "start": start, "stop": stop})
        key = "published-page:" + hashlib.sha256(asked.encode()).hexdigest()
        listed = {}

        def listed_ids():
            comments = read(start, stop)
            listed.update((comment.pk, comment) for comment in comments)
            return [comment.pk for comment in comments]

        ids = kept(consultation, key, listed_ids)
        if not listed:
            published = Comment.objects.published().filter(consultation=consultation)
            listed = published.select_related("response", "section", "question").in_bulk(ids)
        return [listed[pk] for pk in ids if pk in listed]

    return read_kept


@dataclasses.dataclass
class Choice:
    value: object
    label: str
    count: int | None  # None: too many to count (choices)
    selected: bool


def choices(consultation, filters, offered, found=None, matched=None):
    """For each filter the page shows, its choices, each with how many comments it would find
    with the other filters as they are: {name: [Choice]}. The answers chosen only once a question
    with options is chosen; themes only once the outcome is published. A filter whose choices
    together would find more than COUNTED_AT_MOST has None for each count: counting them would read
    every one. found: matching()'s comments as Found, and matched, how many, if at hand."""

    if found is None:
        found = Found(matching(consultation, filters, ranked=False))
    more = (kept_count(consultation, filters, found=found) if matched is None else matched) > COUNTED_AT_MOST

    def listed(name, field, items, chosen):
        if name in ("question", "option") and filters.section is not None:
            # Which questions the section's writers answered is not a count of these comments.
            counts = None
        elif more:
            # Leaving a filter out finds these comments and more: more than COUNTED_AT_MOST too.
            counts = None
        elif not getattr(filters, name) and not (name == "section" and filters.question):
            # Leaving out a filter not chosen leaves matching()'s comments. (With a question
            # chosen, sections count their comments by people who answered it, below.)
            counts = kept_count(consultation, filters, field, found=found)
        else:
            # How many the others are may be kept already (a page of those filters counted them):
            # more than COUNTED_AT_MOST, and they need no reading.
            others = Found(matching(consultation, filters, leaving_out=name, ranked=False))
            if kept_count(consultation, filters, leaving_out=name, found=others) > COUNTED_AT_MOST:
                counts = None
            else:
                counts = kept_count(consultation, filters, field, leaving_out=name, found=others)
        if counts is None:
            return [Choice(value, label, None, value == chosen) for value, label in items]
        return [Choice(value, label, counts.get(value, 0), value == chosen) for value, label in items]

    shown = {
        "section": listed(
            "section",
            "section",
            [(pk, f"Section {section.number}: {section.title}") for pk, section in offered.sections.items()],
            filters.section and filters.section.pk,
        ),
        "question": listed(
            "question",
            "question",
            [(pk, f"{question.number}: {question.text}") for pk, question in offered.questions.items()],
            filters.question and filters.question.pk,
        ),
        "respondent_type": listed(
            "respondent_type",
            "response__respondent_type",
            list(offered.respondent_types.items()),
            filters.respondent_type,
        ),
    }
    if filters.question is not None and filters.question.has_options:
        shown["option"] = listed(
            "option",
            "options",
            [(option.pk, option.label) for option in filters.question.options.all()],
            filters.option and filters.option.pk,
        )
    if offered.themes is not None:
        shown["theme"] = listed(
            "theme",
            "themes",
            [(pk, theme.name) for pk, theme in offered.themes.items()],
            filters.theme and filters.theme.pk,
        )
    return shown
