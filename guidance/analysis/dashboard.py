"""The numbers on a consultation's dashboard, counted in the database in a fixed number of
queries however many responses there are (ten or eleven: the sections, questions, their options
and themes, one for the choice questions' answers by option and channel, and one more when a
question takes several choices (guidance/responses/answers.py), one
grouped count over the comments, one over the responses, one over the theme links, and two for
the median; PostgreSQL adds two SET LOCAL), and shaped into
charts (guidance/staff/charts.py lays them out as SVG for the dashboard page).

Every figure is exact and counted afresh on each view. The target is under a second at a
million comments; each pass reads a narrow index
rather than the tables:

- comments by (status, section, question): an index-only scan of
  comment_consult_status_target, already in that order, so no sort or hash;
- responses by UTC hour, by channel and by respondent type: on PostgreSQL one scan with GROUPING
  SETS (only a few thousand rows come back); elsewhere one GROUP BY over all three. Hours, not
  days, because turning each timestamp into a UK day in the database cost more than the rest of
  the query: Python turns each hour into its local day instead, exact because a UK hour never
  straddles midnight (the UTC offset is a whole number of hours). Should TIME_ZONE ever be a
  zone where an hour does straddle midnight, the days are counted in the database (one more
  query);
- theme links by (theme, section, question): a merge join of two index-only scans in comment
  order (comment_consult_id_target and the links' unique index); PostgreSQL's planner prefers a
  hash join that took twice as long, hence SET LOCAL enable_hashjoin = off for this transaction
  (and work_mem for the responses' hash, see dashboard());
- the median time from submission (or receipt) to decision over decided comments: their number
  comes from the comment counts above; then one query checks that none lacks a decision date
  and another reads the middle one or two durations, ORDER BY ... LIMIT 2 OFFSET (n - 1) / 2,
  from comment_consult_decision_time, a partial index already in order of that duration (so
  no sort of 700,000 durations); the same two queries on every database.

Python adds up the grouped rows into the per-status, per-target, per-channel, per-type, per-day
and per-theme totals (exact, because each comment has exactly one status and one target), fills
in zeros, orders them and works out bar lengths. It never sees an individual comment.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from guidance.models import DECISION_TIME, Comment, Response, Theme
from guidance.responses import answers

DECIDED = [Comment.Status.APPROVED, Comment.Status.REJECTED, Comment.Status.SPAM]


@dataclass
class Bar:
    """One count in a chart: "Section 2.3" 14, with the section's title as its long label."""

    label: str
    value: int
    long_label: str = ""
    share: float | None = None  # percent, for the answers to a choice question


@dataclass
class Breakdown:
    """The same counts split by something, as a table under the chart: one row per bar, one
    column per heading."""

    caption: str
    headings: list
    rows: list  # (label, [count for each heading])
    total_label: str = ""
    totals: list = field(default_factory=list)


@dataclass
class Chart:
    """Counts to draw as a bar chart with a table beside it (guidance/staff/charts.py draws it)."""

    slug: str
    title: str
    label_heading: str
    value_heading: str = "Number"
    bars: list = field(default_factory=list)
    note: str = ""
    breakdown: Breakdown | None = None

    @property
    def has_shares(self):
        return any(bar.share is not None for bar in self.bars)

    @property
    def total(self):
        return sum(bar.value for bar in self.bars)


def _grouped_counts(queryset, *fields):
    """{(value, value, ...): count} for each combination of the fields that occurs."""
    # COUNT(*), not COUNT(id): the id is not in every index the counts are read from.
    rows = queryset.order_by().values_list(*fields).annotate(n=Count("*")).values_list(*fields, "n")
    return {tuple(row[:-1]): row[-1] for row in rows}


def _total_by(counts, position):
    """Add up grouped counts by one of their keys (the database did the counting)."""
    totals = defaultdict(int)
    for key, n in counts.items():
        totals[key[position]] += n
    return totals


def median_time_to_decision(consultation, decided_count=None):
    """The median time from a comment's submission to its decision, or None if none is decided.
    decided_count: how many of the consultation's comments are decided, if the caller has
    counted them already (the dashboard has), which saves a pass over the decided comments."""
    # These filters match comment_consult_decision_time, which holds the decided comments in
    # order of this duration: both queries read a stretch of that index, nothing is sorted.
    decided = Comment.objects.filter(consultation=consultation, status__in=DECIDED).annotate(duration=DECISION_TIME)
    if decided_count is None:
        decided_count = decided.count()
    # moderation.decide() always sets moderated_at, so this is normally 0 and costs one look at
    # the end of the index (where the NULLs are); a decided comment without a date is left out.
    count = decided_count - decided.filter(duration__isnull=True).count()
    if not count:
        return None
    first = (count - 1) // 2
    middle = list(
        decided.filter(duration__isnull=False)
        .order_by("duration")
        .values_list("duration", flat=True)[first : first + (2 if count % 2 == 0 else 1)]
    )
    return sum(middle, datetime.timedelta()) / len(middle)


# PostgreSQL: the responses counted three ways in one scan. date_bin cuts time into UTC hours by
# plain arithmetic; channel and respondent_type are never NULL, so a NULL marks the groupings
# a row does not belong to.
RESPONSES_BY_HOUR_CHANNEL_AND_TYPE = """
SELECT date_bin('1 hour', submitted_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS hour, channel, respondent_type,
       COUNT(*)
FROM guidance_response
WHERE consultation_id = %s AND submitted_at IS NOT NULL AND withdrawn_at IS NULL
GROUP BY GROUPING SETS ((hour), (channel), (respondent_type))
"""


def responses_by_hour_channel_and_type(consultation):
    """({UTC hour: n}, {channel: n}, {respondent type: n}) for the consultation's responses."""
    if connection.vendor == "postgresql":
        return responses_counted_with_grouping_sets(consultation)
    return responses_counted_with_orm(consultation)


def responses_counted_with_grouping_sets(consultation):
    """PostgreSQL: one scan, a few thousand rows back."""
    by_hour, by_channel, by_type = {}, {}, {}
    with connection.cursor() as cursor:
        cursor.execute(RESPONSES_BY_HOUR_CHANNEL_AND_TYPE, [consultation.pk])
        for hour, channel, respondent_type, n in cursor.fetchall():
            if hour is not None:
                by_hour[hour] = n
            elif channel is not None:
                by_channel[channel] = n
            else:
                by_type[respondent_type] = n
    return by_hour, by_channel, by_type


def responses_counted_with_orm(consultation):
    """Any database: one GROUP BY over (hour, channel, type), added up here."""
    responses = Response.objects.counted().filter(consultation=consultation)
    hours = responses.annotate(hour=TruncHour("submitted_at", tzinfo=datetime.UTC))
    counts = _grouped_counts(hours, "hour", "channel", "respondent_type")
    return dict(_total_by(counts, 0)), dict(_total_by(counts, 1)), dict(_total_by(counts, 2))


def _per_day(consultation, by_hour):
    """{local day: n} from counts per UTC hour, or counted in the database by day if an hour
    of these straddles local midnight (a UTC offset that is not a whole number of hours)."""
    per_day = defaultdict(int)
    for hour, n in by_hour.items():
        day = timezone.localtime(hour).date()
        if timezone.localtime(hour + datetime.timedelta(hours=1) - datetime.timedelta(microseconds=1)).date() != day:
            days = Response.objects.counted().filter(consultation=consultation).annotate(day=TruncDate("submitted_at"))
            return _total_by(_grouped_counts(days, "day"), 0)
        per_day[day] += n
    return per_day


def dashboard(consultation):
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The theme counts: a merge join of two index-only scans in comment order, which the
            # planner costs above a hash join of the tables that takes twice as long. The responses'
            # GROUPING SETS: the planner cannot tell that a million timestamps make only a few
            # thousand hours, and with the default 4 MB sorts them on disk instead of hashing.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_hashjoin = off")
                cursor.execute("SET LOCAL work_mem = '64MB'")
        return _dashboard(consultation)


def _dashboard(consultation):
    comments = Comment.objects.filter(consultation=consultation)
    sections = list(consultation.document.sections.all())
    questions = list(consultation.questions.prefetch_related("options"))
    themes = list(Theme.objects.filter(consultation=consultation))

    # One pass over the comments and one over the responses; everything else adds these up.
    by_status_and_target = _grouped_counts(comments, "status", "section_id", "question_id")
    by_status = _total_by(by_status_and_target, 0)
    by_target = defaultdict(int)
    for (status, section, question), n in by_status_and_target.items():
        # What respondents withdrew shows in the status chart alone (withdrawing removed its themes).
        if status != Comment.Status.WITHDRAWN:
            by_target[section, question] += n
    by_hour, by_channel, by_respondent_type = responses_by_hour_channel_and_type(consultation)
    per_day = sorted(_per_day(consultation, by_hour).items())
    by_theme_and_target = _grouped_counts(
        Comment.themes.through.objects.filter(comment__consultation=consultation),
        "theme_id",
        "comment__section_id",
        "comment__question_id",
    )

    days = per_day
    day_bars = []
    if days:
        counts_by_day = dict(days)
        day, last = days[0][0], days[-1][0]
        while day <= last:
            day_bars.append(Bar(day.strftime("%a %-d %b"), counts_by_day.get(day, 0), long_label=day.isoformat()))
            day += datetime.timedelta(days=1)

    targets = [(f"Section {s.number}", s.title, (s.pk, None)) for s in sections] + [
        (q.number, q.text, (None, q.pk)) for q in questions
    ]
    theme_rows = [
        {
            "label": label,
            "title": title,
            "counts": [by_theme_and_target.get((theme.pk, *key), 0) for theme in themes],
        }
        for label, title, key in targets
    ]
    theme_totals = [
        Bar(theme.name, sum(n for (theme_id, _, _), n in by_theme_and_target.items() if theme_id == theme.pk))
        for theme in themes
    ]

    return {
        "total_comments": sum(n for status, n in by_status.items() if status != Comment.Status.WITHDRAWN),
        "total_responses": sum(by_channel.values()),
        "median_time_to_decision": median_time_to_decision(
            consultation, decided_count=sum(by_status.get(status, 0) for status in DECIDED)
        ),
        "charts": [
            Chart(
                "status",
                "Comments by status",
                "Status",
                bars=[Bar(status.label, by_status.get(status, 0)) for status in Comment.Status],
            ),
            Chart(
                "channel",
                "Responses by channel",
                "Channel",
                bars=[Bar(channel.label, by_channel.get(channel, 0)) for channel in Response.Channel],
            ),
            Chart(
                "respondent-type",
                "Responses by type of respondent",
                "Type of respondent",
                bars=[Bar(kind.label, by_respondent_type.get(kind, 0)) for kind in Response.RespondentType],
            ),
            Chart(
                "section",
                "Comments per section",
                "Section",
                bars=[Bar(f"Section {s.number}", by_target.get((s.pk, None), 0), long_label=s.title) for s in sections],
            ),
            Chart(
                "question",
                "Comments per question",
                "Question",
                bars=[Bar(q.number, by_target.get((None, q.pk), 0), long_label=q.text) for q in questions],
            ),
            Chart("day", "Responses submitted per day", "Day", bars=day_bars),
            Chart("theme", "Comments per theme", "Theme", value_heading="Comments", bars=theme_totals),
            *answer_charts(consultation, questions),
        ],
        "themes": themes,
        "theme_rows": theme_rows,
    }


def answer_charts(consultation, questions):
    """One chart per choice or agreement question: how many answers chose each option, and their
    share of the answers that chose something, with the same counts by the channel they came by
    (guidance/responses/answers.py counts, every channel alike; spam is left out)."""
    return [
        Chart(
            f"answers-{counts.question.pk}",
            f"{counts.question.number}: answers chosen",
            "Answer",
            value_heading="Answers",
            bars=[Bar(option.label, option.count, share=round(option.share, 1)) for option in counts.options],
            note=f"{counts.question.text} {counts.answered} answer{'s' if counts.answered != 1 else ''} chose "
            "something"
            + (
                " (each could choose several, so the shares add up to more than 100%)"
                if counts.question.kind == "several"
                else ""
            )
            + ". Spam is not counted.",
            breakdown=Breakdown(
                f"{counts.question.number}: answers chosen, by channel",
                [channel.channel for channel in counts.by_channel],
                [
                    (option.label, [channel.counts[n] for channel in counts.by_channel])
                    for n, option in enumerate(counts.options)
                ],
                "Answers that chose something",
                [channel.answered for channel in counts.by_channel],
            )
            if counts.by_channel
            else None,
        )
        for counts in answers.option_counts(consultation, questions)
    ]


def format_duration(duration):
    """“3 days 4 hours”, “2 hours 5 minutes”, “under a minute”: how long, in words."""
    if duration is None:
        return "No comment has been decided yet"
    seconds = int(duration.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes = seconds // 60

    def unit(n, word):
        return f"{n} {word}{'' if n == 1 else 's'}"

    if days:
        return unit(days, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f" {unit(minutes, 'minute')}" if minutes else "")
    if minutes:
        return unit(minutes, "minute")
    return "under a minute"
