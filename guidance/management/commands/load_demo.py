"""Load (or refresh) the INVOLVE demo consultation. Safe to run any number of times."""

import datetime
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from guidance import answers, demo, publishing
from guidance.models import Consultation, Document, Question, Section

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
        "--opens or --closes is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--opens", help="UK date or date-time it opens, such as 2027-01-04 or 2027-01-04T09:00.")
        parser.add_argument("--closes", help="UK date or date-time it closes; a bare date means 11:59pm that day.")

    def handle(self, *args, opens=None, closes=None, **options):
        opens_at = parse_uk_time(opens, end_of_day=False) if opens else None
        closes_at = parse_uk_time(closes, end_of_day=True) if closes else None
        with transaction.atomic():
            consultation, created = load_demo(opens_at=opens_at, closes_at=closes_at)
        if options["verbosity"] < 1:
            return
        verb = "Loaded" if created else "Checked"
        local_close = timezone.localtime(consultation.closes_at)
        self.stdout.write(
            f"{verb} “{consultation.title}”: {consultation.document.sections.count()} sections, "
            f"{consultation.questions.count()} questions, {consultation.get_state_display()}, "
            f"closes {local_close:%d %B %Y %H:%M}."
        )


def load_demo(*, opens_at=None, closes_at=None):
    document, _ = Document.objects.update_or_create(
        slug=demo.DOCUMENT["slug"], defaults={k: v for k, v in demo.DOCUMENT.items() if k != "slug"}
    )
    for number, part, title, slug, body in demo.SECTIONS:
        Section.objects.update_or_create(
            document=document,
            major=number,
            minor=0,
            defaults={"part": part, "title": title, "slug": slug, "body": body},
        )

    details = {k: v for k, v in demo.CONSULTATION.items() if k != "slug"}
    consultation = Consultation.objects.filter(slug=demo.CONSULTATION["slug"]).first()
    created = consultation is None
    if created:
        opens_at = opens_at or timezone.now()
        consultation = Consultation(slug=demo.CONSULTATION["slug"], opens_at=opens_at)
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

    for position, asked in enumerate(demo.QUESTIONS, start=1):
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
    if consultation.is_draft:
        # The demo is there to be seen: it is published as soon as it is loaded.
        publishing.publish(consultation, by=None)
    return consultation, created
