"""Import a draft document's sections from a Word document (.docx) or a Markdown file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from guidance.consultations.draft_import import DraftRefused, read_draft, save_sections
from guidance.models import Document


class Command(BaseCommand):
    help = (
        "Cut a draft into sections at its headings (Heading 1 → section 2, Heading 2 → sub-section 2.3, numbered as "
        "typed in them where they can be; a heading with no number and no text of its own that groups the headings "
        "under it becomes their part) and make them the "
        "document's sections, replacing any it had. A document with this slug is created if there is none, "
        "titled from the file. --dry-run shows the sections and saves nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the .docx or Markdown file.")
        parser.add_argument("--document", required=True, help="The document's slug, as in the admin.")
        parser.add_argument("--dry-run", action="store_true", help="Show the sections it would make; save nothing.")

    def handle(self, *args, file, document, dry_run, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        if slugify(document) != document:
            raise CommandError(f"{document!r} is not a slug: use lower-case letters, numbers and hyphens.")
        try:
            preview = read_draft(path.name, data)
        except DraftRefused as refusal:
            raise CommandError(f"Nothing was imported. {refusal}") from None
        self.stdout.write(f"{path.name} ({preview.kind}): {len(preview.sections)} sections")
        if preview.title:
            self.stdout.write(f"Title: {preview.title}")
        part = ""
        for section in preview.sections:
            if section.part and section.part != part:
                self.stdout.write(f"  Part: {section.part}")
            part = section.part
            indent = "      " if section.minor else "    "
            self.stdout.write(f"{indent}{section.number}. {section.title}: {section.start}")
            if section.renumbered:
                self.stdout.write(f"{indent}  Numbered differently from the file. {section.renumbered}")
        for note in preview.notes:
            self.stdout.write(f"Note: {note}")
        if dry_run:
            self.stdout.write("Dry run: nothing was saved.")
            return
        with transaction.atomic():
            target, created = Document.objects.get_or_create(
                slug=document, defaults={"title": (preview.title or path.stem)[:200]}
            )
            try:
                count = save_sections(target, preview.sections)
            except DraftRefused as refusal:
                transaction.set_rollback(True)
                raise CommandError(f"Nothing was imported. {refusal}") from None
        self.stdout.write(f"{'Created' if created else 'Replaced the sections of'} “{target}”: {count} sections.")
