"""Group a consultation's comments that have the same or near-identical text (campaigns)."""

from django.core.management.base import BaseCommand, CommandError

from guidance.models import Consultation
from guidance.moderation.campaigns import SIMILARITY_THRESHOLD, assign_groups


class Command(BaseCommand):
    help = (
        "Find campaigns and duplicates in a consultation: comments on the same section or question whose "
        "text is the same once case, spaces and punctuation are ignored, or holds at least 70%% of the "
        "three-word runs of the shorter of the two (the longer at most one and a half times as long), get "
        "one group number. Comments are grouped as they arrive; this recomputes every group from scratch, "
        "and compares those stored before that was so. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The consultation's slug, as in its web address.")
        parser.add_argument(
            "--threshold",
            type=float,
            default=SIMILARITY_THRESHOLD,
            help="Share of the shorter text's three-word runs the longer must hold (default 0.7).",
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
