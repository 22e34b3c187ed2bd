"""Import responses received by email, post, at events or in a tweetchat from a CSV file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from guidance.analysis.imports import ImportRefused, preview_report, read_import, run_import
from guidance.models import Consultation


class Command(BaseCommand):
    help = (
        "Import responses from a UTF-8 CSV file whose header row names received_at, channel, author, text "
        "and optionally target (2.3 or Q4) and source_url. Each row becomes one pending comment. All or "
        "nothing; importing the same file again adds nothing. --dry-run shows each row's mapping and errors "
        "and saves nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The consultation's slug, as in its web address.")
        parser.add_argument("file", help="Path to the CSV file.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would be imported; save nothing.")

    def handle(self, *args, slug, file, dry_run, **options):
        consultation = Consultation.objects.select_related("document").filter(slug=slug).first()
        if consultation is None:
            raise CommandError(f"No consultation has the slug {slug!r}.")
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        preview = read_import(consultation, data)
        self.stdout.write(preview_report(preview), ending="")
        if dry_run:
            self.stdout.write("Dry run: nothing was saved.")
            return
        try:
            added = run_import(preview)
        except ImportRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(f"Imported {added} response(s) into “{consultation}”.")
