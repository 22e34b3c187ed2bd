"""What comparing a new comment with its section's others costs the worker
(guidance.moderation.campaigns.group_waiting), on PostgreSQL, with a section already holding
100,000 comments of ordinary text and a campaign of 10,000 copies of one letter, each with a line
of its own.

Target: a few milliseconds per comment, whatever the section holds, so that one worker keeps up
with the busiest consultation (docs/performance.md, "Campaigns found as they arrive"; the worker's
throughput with many copies arriving at once is bench/arrival.py's). Creates (and
afterwards drops) its own database, so it never touches yours.

    .venv/bin/python bench/campaigns.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/consult_bench_campaigns .venv/bin/python bench/campaigns.py

Each measured comment is stored and compared (a worker's round that finds it alone waiting) in a
transaction that is then rolled back, so every one meets the same section. Three kinds: an
ordinary comment (words from the same vocabulary as the 100,000, so it shares their common
phrases), a new copy of the campaign letter with a line of its own, and the letter word for word.
"""

import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="No directory at")

ORDINARY = 100_000
CAMPAIGN_COPIES = 10_000
MEASURED = 300

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/consult_bench_campaigns")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from moderation import drop_database, recreate_database  # noqa: E402

LETTER = (
    "Please make payment for public contributors a requirement in every funded study, agreed before the "
    "project starts, paid on time, and never taken away from their benefits without clear advice."
)
# The words ordinary comments are made of: common words often, the rest rarely, as in real text.
COMMON = "i the of and to a in that is it for this be on we with as not are should people research"
RARE = (
    "payment training partners power sharing budget carers patients funding time meetings trust respect "
    "decisions outcomes measures recruitment leaflet ethics committee university charity hospital nurse "
    "doctor student volunteer panel advisory group money travel expenses evening weekend online phone "
    "email letter format easy read summary example case study worked guidance section principle feature "
    "relationship reciprocity flexibility learning reflection barrier challenge danger idea project"
)


def ordinary_text(rng):
    common, rare = COMMON.split(" "), RARE.split(" ")
    words = [rng.choice(common) if rng.random() < 0.45 else rng.choice(rare) for _ in range(rng.randint(15, 80))]
    return " ".join(words).capitalize() + "."


def seed(consultation, section, rng):
    """The section's comments, compared and keyed as on arrival, written in bulk."""
    from django.db import transaction
    from django.utils import timezone

    from guidance.models import CampaignKey, Comment, Response
    from guidance.moderation import campaigns

    now = timezone.now()
    texts = [ordinary_text(rng) for _ in range(ORDINARY)]
    responses = Response.objects.bulk_create(
        Response(consultation=consultation, respondent_type="public", consent="anonymous", submitted_at=now)
        for _ in texts
    )
    comments = Comment.objects.bulk_create(
        (
            Comment(response=r, consultation=consultation, section=section, text=t, created_at=now, compared_at=now)
            for r, t in zip(responses, texts, strict=True)
        ),
        batch_size=5000,
    )
    CampaignKey.objects.bulk_create(
        (
            CampaignKey(comment=c, section=section, key=key)
            for c in comments
            for key in campaigns.keys_of(campaigns.shingles(campaigns.normalise(c.text)))
        ),
        batch_size=10000,
    )
    # The campaign arrives as it would, one copy at a time.
    for n in range(CAMPAIGN_COPIES):
        with transaction.atomic():
            response = Response.objects.create(
                consultation=consultation, respondent_type="public", consent="anonymous", submitted_at=now
            )
            Comment.objects.create(
                response=response, consultation=consultation, section=section, text=campaign_copy(n), created_at=now
            )
            campaigns.group_waiting()


def campaign_copy(n):
    return f"{LETTER} I live at number {n} of Example Street and I support this."


def measure(consultation, section, text):
    """Milliseconds and queries of the worker's round that compares one new comment, rolled back
    afterwards."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from guidance.models import Comment, Response
    from guidance.moderation import campaigns

    with transaction.atomic():
        response = Response.objects.create(
            consultation=consultation, respondent_type="public", consent="anonymous", submitted_at=timezone.now()
        )
        comment = Comment.objects.create(response=response, consultation=consultation, section=section, text=text)
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            compared = campaigns.group_waiting()
            elapsed = (time.perf_counter() - start) * 1000
        assert compared == 1
        grouped = Comment.objects.filter(pk=comment.pk, group__isnull=False).exists()
        transaction.set_rollback(True)
    return elapsed, len(queries), grouped


def main():
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("This benchmark measures PostgreSQL: set DATABASE_URL to a postgres:// address.")
    recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from guidance.models import CampaignKey, Comment
    from tests.factories import ConsultationFactory, SectionFactory

    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(2017)
        consultation = ConsultationFactory()
        section = SectionFactory(document=consultation.document, major=1)
        started = time.perf_counter()
        seed(consultation, section, rng)
        print(
            f"Seeded {Comment.objects.count():,} comments on one section, {CampaignKey.objects.count():,} keys "
            f"({CampaignKey.objects.values('comment').distinct().count():,} comments with keys; "
            f"{Comment.objects.filter(group__isnull=False).count():,} in a group) "
            f"in {time.perf_counter() - started:.0f} s"
        )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE guidance_campaignkey")
            cursor.execute("VACUUM ANALYZE guidance_comment")
        kinds = {
            "an ordinary comment": lambda n: ordinary_text(rng),
            "a new copy of the campaign, with a line of its own": lambda n: campaign_copy(CAMPAIGN_COPIES + n),
            "the campaign letter word for word": lambda n: LETTER,
        }
        for name, make in kinds.items():
            results = [measure(consultation, section, make(n)) for n in range(MEASURED)]
            times = sorted(r[0] for r in results)
            print(
                f"{name}: median {statistics.median(times):.1f} ms, p95 {times[int(0.95 * len(times))]:.1f} ms, "
                f"max {times[-1]:.1f} ms; {statistics.median(r[1] for r in results):.0f} queries; "
                f"grouped {sum(r[2] for r in results)} of {MEASURED}"
            )
    finally:
        connection.close()
        drop_database(url)


if __name__ == "__main__":
    main()
