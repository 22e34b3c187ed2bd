"""The numbers on a consultation's dashboard, counted in the database in a fixed number of
queries however many responses there are (eight: the sections, questions and themes, one
grouped count over the comments, one over the responses, one over the theme links, and the
median, which is one query on PostgreSQL and two elsewhere; PostgreSQL adds a SET of work_mem),
and shaped into bar charts the template draws as SVG.

Each table is read once: the comments are counted by (status, section, question), the
responses by (day, channel, respondent type), the theme links by (theme, section, question).
Only those grouped counts come back, a few hundred rows at most; Python adds them up into the
per-status, per-target, per-channel, per-type, per-day and per-theme totals (exact, because
each comment has exactly one status and one target), fills in zeros, orders them and works out
bar lengths. It never sees an individual comment.

The median time from submission to decision is over comments that have been decided
(approved, rejected or spam): from Comment.created_at (when it was submitted or, for an
import, received) to Comment.moderated_at (the latest decision). On PostgreSQL it is one
percentile_cont(0.5) aggregate over the durations in seconds (float8 sorts far faster than
interval). Other databases (SQLite) have no percentile function, so it
takes two queries: count the decided comments, then fetch the middle one or two durations with
ORDER BY ... LIMIT 2 OFFSET (n - 1) / 2, and average them when n is even.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, FloatField, Func
from django.db.models.functions import TruncDate

from guidance.models import Comment, Response, Theme

CHART_WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 70
BAR_HEIGHT = 20
BAR_GAP = 6
DECIDED = [Comment.Status.APPROVED, Comment.Status.REJECTED, Comment.Status.SPAM]


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5), the median of an ordered set."""

    function = "PERCENTILE_CONT"
    name = "Median"
    output_field = FloatField()
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


class EpochSeconds(Func):
    """PostgreSQL: a timestamp as float seconds since 1970."""

    template = "date_part('epoch', %(expressions)s)"
    output_field = FloatField()


@dataclass
class Bar:
    label: str
    value: int
    long_label: str = ""
    y: int = 0
    width: int = 0

    @property
    def text_y(self):
        return self.y + BAR_HEIGHT - 5

    @property
    def value_x(self):
        return LABEL_WIDTH + self.width + 6


@dataclass
class Chart:
    """A horizontal bar chart and the table beside it: one row per bar."""

    slug: str
    title: str
    label_heading: str
    value_heading: str = "Number"
    bars: list = field(default_factory=list)

    def __post_init__(self):
        largest = max((bar.value for bar in self.bars), default=0)
        room = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
        for index, bar in enumerate(self.bars):
            bar.y = index * (BAR_HEIGHT + BAR_GAP)
            bar.width = round(room * bar.value / largest) if largest else 0

    @property
    def height(self):
        return max(len(self.bars) * (BAR_HEIGHT + BAR_GAP), BAR_HEIGHT)

    @property
    def total(self):
        return sum(bar.value for bar in self.bars)

    @property
    def bar_x(self):
        return LABEL_WIDTH

    @property
    def width(self):
        return CHART_WIDTH


def _grouped_counts(queryset, *fields):
    """{(value, value, ...): count} for each combination of the fields that occurs."""
    rows = queryset.order_by().values_list(*fields).annotate(n=Count("pk")).values_list(*fields, "n")
    return {tuple(row[:-1]): row[-1] for row in rows}


def _total_by(counts, position):
    """Add up grouped counts by one of their keys (the database did the counting)."""
    totals = defaultdict(int)
    for key, n in counts.items():
        totals[key[position]] += n
    return totals


def median_time_to_decision(consultation):
    """The median time from a comment's submission to its decision, or None if none is decided."""
    decided = Comment.objects.filter(consultation=consultation, status__in=DECIDED, moderated_at__isnull=False)
    duration = ExpressionWrapper(F("moderated_at") - F("created_at"), output_field=DurationField())
    if connection.vendor == "postgresql":
        # Sorting plain float seconds is much cheaper than sorting intervals.
        seconds = decided.aggregate(median=Median(EpochSeconds("moderated_at") - EpochSeconds("created_at")))["median"]
        return None if seconds is None else datetime.timedelta(seconds=seconds)
    count = decided.count()
    if not count:
        return None
    middle = list(
        decided.annotate(duration=duration)
        .order_by("duration")
        .values_list("duration", flat=True)[(count - 1) // 2 : (count - 1) // 2 + (2 if count % 2 == 0 else 1)]
    )
    return sum(middle, datetime.timedelta()) / len(middle)


def dashboard(consultation):
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The median sorts every decided comment and the theme counts hash-join the comments:
            # with PostgreSQL's default 4 MB both spill to disk at a million comments.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")
        return _dashboard(consultation)


def _dashboard(consultation):
    comments = Comment.objects.filter(consultation=consultation)
    responses = Response.objects.filter(consultation=consultation)
    sections = list(consultation.document.sections.all())
    questions = list(consultation.questions.all())
    themes = list(Theme.objects.filter(consultation=consultation))

    # One pass over the comments and one over the responses; everything else adds these up.
    by_status_and_target = _grouped_counts(comments, "status", "section_id", "question_id")
    by_status = _total_by(by_status_and_target, 0)
    by_target = defaultdict(int)
    for (_, section, question), n in by_status_and_target.items():
        by_target[section, question] += n
    by_day_channel_and_type = _grouped_counts(
        responses.annotate(day=TruncDate("submitted_at")), "day", "channel", "respondent_type"
    )
    by_channel = _total_by(by_day_channel_and_type, 1)
    by_respondent_type = _total_by(by_day_channel_and_type, 2)
    per_day = sorted(_total_by(by_day_channel_and_type, 0).items())
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
        "total_comments": sum(by_status.values()),
        "total_responses": sum(by_channel.values()),
        "median_time_to_decision": median_time_to_decision(consultation),
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
        ],
        "themes": themes,
        "theme_rows": theme_rows,
    }


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
