"""Suggest themes for a consultation's approved comments, printed; nothing is stored or changed."""

import json

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from guidance.analysis.suggestions import COUNTS, DEFAULT_COUNT, comments_to_group, compute_suggestions
from guidance.models import Consultation
from guidance.responses.text import whole_number


class Command(BaseCommand):
    help = (
        "Group a consultation's approved comments (or one section's or question's) by what they say, "
        "with the engine THEME_ENGINE chooses, and print each suggested theme: its name, key phrases and "
        "comments. Changes nothing: accepting a suggestion is done in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The consultation's slug, as in its web address.")
        part = parser.add_mutually_exclusive_group()
        part.add_argument("--section", help="Only this section's comments: its number, such as 2 or 2.3.")
        part.add_argument("--question", help="Only this question's comments: its number, such as 4 for Q4.")
        parser.add_argument(
            "--count", type=int, default=DEFAULT_COUNT, help="How many themes, at most (default %(default)s)."
        )
        parser.add_argument("--json", action="store_true", help="Print JSON, for another program to read.")

    def handle(self, *args, slug, section, question, count, json, **options):
        consultation = Consultation.objects.select_related("document").filter(slug=slug).first()
        if consultation is None:
            raise CommandError(f"No consultation has the slug {slug!r}.")
        if count not in COUNTS:
            raise CommandError(f"--count must be between {COUNTS[0]} and {COUNTS[-1]}.")
        part = {}
        if section is not None:
            part["section"] = find_section(consultation, section)
        if question is not None:
            part["question"] = find_question(consultation, question)
        comments = comments_to_group(consultation, **part)
        try:
            suggestions = compute_suggestions(comments, count)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        printed = [
            {"name": s["name"], "key_phrases": s["key_phrases"], "comment_ids": s["comment_ids"]} for s in suggestions
        ]
        if json:
            self.stdout.write(dumps(printed))
            return
        if not printed:
            self.stdout.write("No approved comments with words to group.")
        for suggestion in printed:
            ids = ", ".join(str(pk) for pk in suggestion["comment_ids"])
            self.stdout.write(f"{suggestion['name']} ({len(suggestion['comment_ids'])} comments): {ids}")


def dumps(value):
    return json.dumps(value, ensure_ascii=False, indent=2)


def find_section(consultation, number):
    major, _, minor = number.removeprefix("Section ").strip().partition(".")
    major, minor = whole_number(major), whole_number(minor or "0")
    if major is None or minor is None:
        raise CommandError(f"--section {number!r} is not a section number such as 2 or 2.3.")
    found = consultation.document.sections.filter(major=major, minor=minor).first()
    if found is None:
        raise CommandError(f"{consultation} has no section {number}.")
    return found


def find_question(consultation, number):
    position = whole_number(number.upper().removeprefix("Q"))
    found = consultation.questions.filter(position=position).first() if position is not None else None
    if found is None:
        raise CommandError(f"{consultation} has no question {number}.")
    return found
