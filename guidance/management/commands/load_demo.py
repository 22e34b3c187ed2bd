"""Load (or refresh) the INVOLVE demo consultation, open now or as it stands after its close.
Safe to run any number of times."""

import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from guidance.analysis import themes
from guidance.consultations import publishing
from guidance.demo import after_the_close as after
from guidance.demo import open_consultation
from guidance.models import (
    Comment,
    Consultation,
    Document,
    Event,
    ModerationEvent,
    Outcome,
    Question,
    Response,
    Section,
    SectionLink,
    Theme,
)
from guidance.moderation import by_respondent, campaigns, decisions
from guidance.responses import answers

LONDON = ZoneInfo("Europe/London")


def parse_uk_time(value, *, end_of_day):
    """A date ("2027-01-22") or date-time ("2027-01-22T17:00"), read as UK time. A bare date
    means the start of that day for an opening and 11:59pm for a closing."""
    try:
        if len(value) == 10:
            day = datetime.date.fromisoformat(value)
            moment = datetime.time(23, 59) if end_of_day else datetime.time(0, 0)
            return datetime.datetime.combine(day, moment, tzinfo=LONDON)
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (2027-01-22) or date and time (2027-01-22T17:00).") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LONDON)


def eight_weeks_from(opens_at):
    closing_day = opens_at.astimezone(LONDON).date() + datetime.timedelta(weeks=8)
    return datetime.datetime.combine(closing_day, datetime.time(23, 59), tzinfo=LONDON)


class Command(BaseCommand):
    help = (
        "Load the INVOLVE consultation on its draft guidance on co-producing research. "
        "A first run opens it now for eight weeks; later runs leave its dates alone unless "
        "--opens or --closes is given. With --after-the-close, load it as it stands after its close."
    )

    def add_arguments(self, parser):
        parser.add_argument("--opens", help="UK date or date-time it opens, such as 2027-01-04 or 2027-01-04T09:00.")
        parser.add_argument("--closes", help="UK date or date-time it closes; a bare date means 11:59pm that day.")
        parser.add_argument(
            "--after-the-close",
            action="store_true",
            help="Load it as it stands after its close: closed four weeks ago, with example responses, "
            "moderated and coded into themes, the second version of the guidance and the outcome, published.",
        )

    def handle(self, *args, opens=None, closes=None, after_the_close=False, **options):
        if after_the_close and (opens or closes):
            raise CommandError("--after-the-close sets the dates itself: leave out --opens and --closes.")
        opens_at = parse_uk_time(opens, end_of_day=False) if opens else None
        closes_at = parse_uk_time(closes, end_of_day=True) if closes else None
        with transaction.atomic():
            consultation, created = load_demo(opens_at=opens_at, closes_at=closes_at)
            if after_the_close:
                load_after_the_close(consultation)
        if options["verbosity"] < 1:
            return
        verb = "Loaded" if created else "Checked"
        local_close = timezone.localtime(consultation.closes_at)
        closing = "closed" if consultation.state == Consultation.State.CLOSED else "closes"
        self.stdout.write(
            f"{verb} “{consultation.title}”: {consultation.document.sections.count()} sections, "
            f"{consultation.questions.count()} questions, {consultation.get_state_display()}, "
            f"{closing} {local_close:%d %B %Y %H:%M}."
        )
        if consultation.outcome_is_published:
            self.stdout.write(
                f"As it stands after its close: {consultation.responses.counted().count()} responses, "
                f"outcome published. “What changed”: {consultation.get_absolute_url()}what-changed/"
            )


def load_demo(*, opens_at=None, closes_at=None):
    document, _ = Document.objects.update_or_create(
        slug=open_consultation.DOCUMENT["slug"],
        defaults={k: v for k, v in open_consultation.DOCUMENT.items() if k != "slug"},
    )
    for number, part, title, slug, body in open_consultation.SECTIONS:
        Section.objects.update_or_create(
            document=document,
            major=number,
            minor=0,
            defaults={"part": part, "title": title, "slug": slug, "body": body},
        )

    details = {k: v for k, v in open_consultation.CONSULTATION.items() if k != "slug"}
    consultation = Consultation.objects.filter(slug=open_consultation.CONSULTATION["slug"]).first()
    created = consultation is None
    if not created and consultation.outcome_is_published and (opens_at or closes_at):
        raise CommandError(
            "The demo consultation is shown after its close, with its outcome published, so its dates stay as "
            "they are. To see it open, load the demo into a new database."
        )
    if created:
        opens_at = opens_at or timezone.now()
        consultation = Consultation(slug=open_consultation.CONSULTATION["slug"], opens_at=opens_at)
    if opens_at:
        consultation.opens_at = opens_at
    if closes_at or created:
        consultation.closes_at = closes_at or eight_weeks_from(consultation.opens_at)
    if consultation.closes_at <= consultation.opens_at:
        raise CommandError("The consultation must close after it opens.")
    for field, value in details.items():
        setattr(consultation, field, value)
    consultation.document = document
    consultation.save()

    for position, asked in enumerate(open_consultation.QUESTIONS, start=1):
        question, _ = Question.objects.update_or_create(
            consultation=consultation,
            position=position,
            defaults={
                "text": asked["text"],
                "hint": asked["hint"],
                "kind": asked.get("kind", Question.Kind.TEXT),
                "explain_label": asked.get("explain_label", ""),
            },
        )
        answers.set_options(question, asked.get("options", ()))
    place_chat_hour(consultation)
    if consultation.is_draft:
        # The demo is there to be seen: it is published as soon as it is loaded.
        publishing.publish(consultation, by=None)
    return consultation, created


def chat_hour_starts(opens_at, closes_at):
    """When the demo's chat hour starts: at 8pm UK time on the first Monday CHAT_HOUR_WEEKS_IN weeks
    or more after the opening, as the tweetchat was a Monday evening; if the consultation closes
    before that hour is over, the last Monday 8pm before the close; in a period with no Monday
    evening in it, halfway through."""
    hour = datetime.timedelta(hours=1)
    day = opens_at.astimezone(LONDON).date() + datetime.timedelta(weeks=open_consultation.CHAT_HOUR_WEEKS_IN)
    day += datetime.timedelta(days=(open_consultation.CHAT_HOUR_WEEKDAY - day.weekday()) % 7)
    while day >= opens_at.astimezone(LONDON).date():
        starts = datetime.datetime.combine(day, open_consultation.CHAT_HOUR_AT, tzinfo=LONDON)
        if opens_at <= starts and starts + hour <= closes_at:
            return starts
        day -= datetime.timedelta(weeks=1)
    return opens_at + (closes_at - opens_at - hour) / 2


def place_chat_hour(consultation):
    """The #Qcopro chat hour as an event of the consultation, within its open period."""
    details = {k: v for k, v in open_consultation.CHAT_HOUR.items() if k != "slug"}
    starts = chat_hour_starts(consultation.opens_at, consultation.closes_at)
    event, _ = Event.objects.update_or_create(
        consultation=consultation,
        slug=open_consultation.CHAT_HOUR["slug"],
        defaults={**details, "starts_at": starts, "ends_at": starts + datetime.timedelta(hours=1)},
    )
    return event


# The demo after its close ------------------------------------------------------------------------

EXAMPLE_KEY = "demo-after-the-close-{}"


def load_after_the_close(consultation, now=None):
    """Bring the demo consultation to where it stands after its close (guidance/demo/after_the_close.py).
    The first run moves its dates into the past (open for eight weeks, closed four weeks ago) and
    adds everything; later runs add only what is missing and rewrite the demo's own texts, as
    load_demo does its sections, so running it again changes nothing."""
    now = now or timezone.now()
    if not consultation.outcome_is_published:
        day = now.astimezone(LONDON).date() - datetime.timedelta(weeks=12)
        consultation.opens_at = datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=LONDON)
        consultation.closes_at = eight_weeks_from(consultation.opens_at)
        consultation.save(update_fields=["opens_at", "closes_at"])
        Consultation.objects.filter(pk=consultation.pk).update(published_at=consultation.opens_at)
    # The chat hour moves with the dates, into the past; its notes are published.
    chat_hour = place_chat_hour(consultation)
    Event.objects.filter(pk=chat_hour.pk).update(
        signup_open=False,
        notes=after.CHAT_HOUR_NOTES,
        notes_published_at=chat_hour.ends_at + datetime.timedelta(days=after.CHAT_HOUR_NOTES_DAYS),
    )

    def after_close(days):
        return consultation.closes_at + datetime.timedelta(days=days)

    staff = example_staff()
    comments = example_responses(consultation, staff)
    moderate(comments, staff)
    for name, description in after.THEMES.items():
        theme, _ = Theme.objects.update_or_create(
            consultation=consultation, name=name, defaults={"description": description}
        )
        themed = [comments[(n, target)] for n, target, _, names in after.COMMENTS if name in names]
        themes.add_theme(Comment.objects.filter(pk__in=themed).not_withdrawn(), theme)
    published_at = after_close(days=after.OUTCOME_PUBLISHED_DAYS)
    next_version(
        consultation,
        staff,
        confirmed_at=after_close(days=after.LINKS_CONFIRMED_DAYS),
        published_on=published_at.date(),
    )
    write_outcomes(consultation, comments, staff, written_at=after_close(days=after.OUTCOME_WRITTEN_DAYS))
    if not consultation.outcome_is_published:
        publishing.publish_outcome(consultation, by=staff, now=published_at)
        # Those who asked were told of the decisions and of the outcome at the time, so the worker
        # has nothing left to tell them.
        Response.objects.filter(import_key__startswith=EXAMPLE_KEY.format(""), notify=True).update(
            notified_at=published_at, outcome_notified_at=published_at
        )


def example_staff():
    user, created = get_user_model().objects.get_or_create(
        username=after.STAFF["username"], defaults={**after.STAFF, "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def example_responses(consultation, staff):
    """Each example respondent's response and comments, made once. Returns {(respondent, target):
    comment id}, a target being a section number or "Q1" to "Q6"."""
    sections = {section.major: section for section in consultation.document.sections.filter(minor=0)}
    questions = {f"Q{q.position}": q for q in consultation.questions.prefetch_related("options")}
    new = []
    for n, (kind, channel, consent, notify, organisation) in enumerate(after.RESPONDENTS, start=1):
        sent_at = consultation.opens_at + datetime.timedelta(days=1 + n * 11 % 53, hours=9 + n % 9)
        email = (
            f"respondent{n}@example.{'com' if n % 3 == 0 else 'org'}"
            if channel in {Response.Channel.ONLINE, Response.Channel.EMAIL}
            else ""
        )
        response, created = Response.objects.get_or_create(
            import_key=EXAMPLE_KEY.format(n),
            defaults={
                "consultation": consultation,
                "channel": channel,
                "respondent_type": kind,
                "name": f"Example respondent {n}",
                "email": email,
                "organisation": organisation,
                "consent": consent,
                "notify": notify and bool(email),
                "submitted_at": sent_at,
                "entered_by": None if channel == Response.Channel.ONLINE else staff,
            },
        )
        if not created:
            continue
        for respondent, target, said, _ in after.COMMENTS:
            if respondent != n:
                continue
            if target in questions:
                question = questions[target]
                option, text = said if question.has_options else ("", said)
                chosen = [o.pk for o in question.options.all() if o.label == option]
                value, section = answers.make_answer(question, chosen, text=text), None
            else:
                value, section, question = said, sections[target], None
            comment = Comment(
                response=response,
                consultation=consultation,
                section=section,
                question=question,
                created_at=sent_at,
                **answers.comment_fields(value),
            )
            new.append((comment, value))
    with transaction.atomic():
        Comment.objects.bulk_create(comment for comment, _ in new)
        answers.save_options(new)
    # What the worker does within seconds, done now: the demo's campaigns show from the start.
    while campaigns.group_waiting():
        pass
    keys = {}
    rows = Comment.objects.filter(response__import_key__startswith=EXAMPLE_KEY.format(""))
    for pk, key, major, position in rows.values_list(
        "pk", "response__import_key", "section__major", "question__position"
    ):
        keys[(int(key.rsplit("-", 1)[1]), major or f"Q{position}")] = pk
    return keys


def moderate(comments, staff):
    """What the respondents withdrew, then the moderators' decisions on the rest, through
    guidance/moderation/decisions.py so the history is there, dated a day or two after each comment."""
    for n in after.WITHDRAWN_RESPONSES:
        response = Response.objects.get(import_key=EXAMPLE_KEY.format(n))
        withdrawn_at = response.submitted_at + datetime.timedelta(days=3)
        by_respondent.withdraw(response.comments.all(), now=withdrawn_at)
        Response.objects.filter(pk=response.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=withdrawn_at, notify=False
        )
    for key in after.WITHDRAWN_COMMENTS:
        comment = Comment.objects.get(pk=comments[key])
        by_respondent.withdraw(
            Comment.objects.filter(pk=comment.pk), now=comment.created_at + datetime.timedelta(days=1)
        )

    pending = Comment.objects.filter(pk__in=list(comments.values())).pending()
    decided = list(pending.values_list("pk", flat=True))
    for key, (reason_code, reason) in after.REJECTED.items():
        decisions.decide(
            pending.filter(pk=comments[key]), Comment.Status.REJECTED, by=staff, reason_code=reason_code, reason=reason
        )
    decisions.decide(pending, Comment.Status.APPROVED, by=staff)
    Comment.objects.filter(pk__in=decided).update(moderated_at=F("created_at") + datetime.timedelta(days=2))
    Comment.objects.filter(pk__in=decided, response__notify=True).update(notified_status=F("status"))
    ModerationEvent.objects.filter(comment__in=decided, by_respondent=False).update(
        at=Subquery(Comment.objects.filter(pk=OuterRef("comment")).values("moderated_at")[:1])
    )


def next_version(consultation, staff, *, confirmed_at, published_on):
    """The second version of the guidance, its sections linked to those of the consulted one."""
    consulted = {section.major: section for section in consultation.document.sections.filter(minor=0)}
    document, _ = Document.objects.update_or_create(
        slug=after.NEXT_DOCUMENT["slug"],
        defaults={**after.NEXT_DOCUMENT, "revises": consultation.document, "published_on": published_on},
    )
    links = []
    for number, part, title, slug, body, comes_from in after.NEXT_SECTIONS:
        section, _ = Section.objects.update_or_create(
            document=document,
            major=number,
            minor=0,
            defaults={
                "part": part,
                "title": title,
                "slug": slug,
                "body": consulted[comes_from[0]].body if body is None else body,
            },
        )
        for earlier in comes_from:
            link, _ = SectionLink.objects.get_or_create(later=section, earlier=consulted[earlier])
            links.append(link.pk)
    SectionLink.objects.filter(later__document=document).exclude(pk__in=links).delete()
    Document.objects.filter(pk=document.pk, links_confirmed_at__isnull=True).update(
        links_confirmed_at=confirmed_at, links_confirmed_by=staff
    )
    return document


def write_outcomes(consultation, comments, staff, *, written_at):
    """What was done about what people said ("we did"): for each section, question and theme, in
    reply to a few comments, and for the consultation as a whole."""
    sections = {section.major: section for section in consultation.document.sections.filter(minor=0)}
    questions = {q.position: q for q in consultation.questions.all()}
    targets = (
        [({"section": sections[n]}, said) for n, said in after.SECTION_OUTCOMES.items()]
        + [({"question": questions[n]}, said) for n, said in after.QUESTION_OUTCOMES.items()]
        + [
            ({"theme": Theme.objects.get(consultation=consultation, name=name)}, said)
            for name, said in after.THEME_OUTCOMES.items()
        ]
        + [({"comment_id": comments[key]}, said) for key, said in after.REPLIES.items()]
    )
    for target, (kind, text) in targets:
        Outcome.objects.update_or_create(
            consultation=consultation,
            **target,
            defaults={"kind": kind, "text": text, "written_by": staff, "written_at": written_at},
        )
    consultation.outcome = after.OUTCOME
    consultation.save(update_fields=["outcome"])
