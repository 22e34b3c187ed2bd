"""Group a consultation's comments that have the same or near-identical text (campaigns)."""

from django.core.management.base import BaseCommand, CommandError

from guidance.models import Consultation
from guidance.moderation.campaigns import SIMILARITY_THRESHOLD, assign_groups


class Command(BaseCommand):
    help = (
        "Find campaigns and duplicates in a consultation: comments whose text is the same once case, "
        "spaces and punctuation are ignored, or shares at least 80%% of its three-word runs, get one "
        "group number. Safe to run again: groups are recomputed from scratch."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The consultation's slug, as in its web address.")
        parser.add_argument(
            "--threshold",
            type=float,
            default=SIMILARITY_THRESHOLD,
            help="Share of three-word runs two texts must have in common (default 0.8).",
        )

    def handle(self, *args, slug, threshold, **options):
        if not 0 < threshold <= 1:
            raise CommandError("--threshold must be more than 0 and at most 1.")
        consultation = Consultation.objects.filter(slug=slug).first()
        if consultation is None:
            raise CommandError(f"No consultation has the slug {slug!r}.")
        groups, grouped, changed = assign_groups(consultation, threshold=threshold)
        self.stdout.write(
            f"{consultation}: {groups} group(s) holding {grouped} comment(s); {changed} comment(s) changed group."
        )
