"""Run daily (cron, see docs/deployment.md): anonymise responses past their retention period, delete
sign-ups to events past theirs (docs/events.md), and
delete uploaded response files left waiting for an import that never came (guidance/analysis/imports.py)."""

from django.core.management.base import BaseCommand

from guidance.analysis.kept_uploads import KEEP_HOURS, discard_old_uploads
from guidance.models import Erasure
from guidance.privacy.retention import apply_retention


class Command(BaseCommand):
    help = "Anonymise the personal data of responses whose consultation closed more than its retention period ago."

    def handle(self, *args, **options):
        erasures = apply_retention()
        signups = [erasure for erasure in erasures if erasure.scope == Erasure.Scope.EVENT_SIGNUPS]
        erasures = [erasure for erasure in erasures if erasure not in signups]
        for erasure in erasures:
            self.stdout.write(f"{erasure.consultation}: anonymised {erasure.response_count} responses.")
        total = sum(erasure.response_count for erasure in erasures)
        self.stdout.write(f"Anonymised {total} responses in {len(erasures)} consultations.")
        for erasure in signups:
            self.stdout.write(f"{erasure.consultation}: {erasure.reason}")
        deleted = discard_old_uploads()
        self.stdout.write(f"Deleted {deleted} uploaded files left unimported for {KEEP_HOURS} hours.")
