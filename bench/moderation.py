"""Approving 10,000 pending comments in one bulk action of the admin, on PostgreSQL.

Target: under 5 seconds. Creates (and afterwards drops) its own database, so it never touches
yours; the figure goes in docs/performance.md.

    .venv/bin/python bench/moderation.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/consult_bench_moderation .venv/bin/python bench/moderation.py

It posts the action exactly as the moderator's browser does ("select all 10,000", then Approve,
then "Approve 10,000 comments" on the page that lists them all first), through the Django test
client, so the figures include the admin's own work, not just the UPDATE: the page listing the
10,000 comments with the last event of each one's history, and the approval, which checks each
one is still as that page showed it.
"""

import html
import os
import re
import statistics
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlparse

warnings.filterwarnings("ignore", message="No directory at")

COMMENTS = 10_000
RUNS = 3
TARGET_SECONDS = 5.0

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/consult_bench_moderation")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_HTTPS", "false")  # the test client speaks plain HTTP
os.environ["DJANGO_DEBUG"] = "false"  # DEBUG would record every query and slow the run
os.environ.setdefault("LOG_LEVEL", "WARNING")


def recreate_database(url):
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    server = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    server.close()
    return name


def drop_database(url):
    import psycopg2

    parts = urlparse(url)
    server = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
    server.close()


def main():
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("This benchmark measures PostgreSQL: set DATABASE_URL to a postgres:// address.")
    recreate_database(url)

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from guidance.models import Comment, Consultation, Document, ModerationEvent, Response, Section
    from guidance.moderation.decisions import decide

    call_command("migrate", verbosity=0)
    document = Document.objects.create(title="Bench draft", slug="bench-draft")
    section = Section.objects.create(document=document, major=1, title="Reciprocity", slug="reciprocity")
    now = timezone.now()
    consultation = Consultation.objects.create(
        document=document,
        title="Bench",
        slug="bench",
        organisation="Bench",
        summary="Bench",
        opens_at=now - timezone.timedelta(days=7),
        closes_at=now + timezone.timedelta(days=7),
    )
    responses = Response.objects.bulk_create(
        Response(consultation=consultation, respondent_type="public", consent="anonymous") for _ in range(COMMENTS)
    )
    Comment.objects.bulk_create(
        Comment(
            response=response,
            consultation=consultation,
            section=section,
            text=f"Comment {i}: co-production needs time and money.",
        )
        for i, response in enumerate(responses)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    moderator = User.objects.create_superuser("bench", password=None)
    client = Client()
    client.force_login(moderator)
    queue = reverse("admin:guidance_comment_changelist")

    started = time.perf_counter()
    page = client.get(queue)
    queue_seconds = time.perf_counter() - started
    assert page.status_code == 200 and f"{COMMENTS} comments" in page.content.decode()

    listings, timings = [], []
    for run in range(RUNS):
        if run:
            decide(Comment.objects.all(), Comment.Status.PENDING, by=moderator)
        one = Comment.objects.values_list("pk", flat=True).first()
        action = {"action": "approve", "select_across": 1, "_selected_action": [one]}
        started = time.perf_counter()
        page = client.post(queue, {**action, "index": 0})
        listings.append(time.perf_counter() - started)
        assert page.status_code == 200 and f"Approve {COMMENTS} comments" in page.content.decode()
        (shown,) = re.findall(r'name="shown" value="([^"]*)"', page.content.decode())
        started = time.perf_counter()
        page = client.post(queue, {**action, "confirm": "yes", "shown": html.unescape(shown)})
        timings.append(time.perf_counter() - started)
        assert page.status_code == 302, page.status_code
        assert Comment.objects.filter(status=Comment.Status.APPROVED).count() == COMMENTS
    assert ModerationEvent.objects.filter(to_status=Comment.Status.APPROVED).count() == COMMENTS * RUNS

    connection.close()
    drop_database(url)

    median = statistics.median(timings)
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"{os.cpu_count()} cores; load average before the figures below: {load}")
    print(f"Opening the queue of {COMMENTS:,} pending comments: {queue_seconds:.2f} s")
    print(
        f"Listing them all to confirm: median {statistics.median(listings):.2f} s, "
        f"slowest {max(listings):.2f} s over {RUNS} runs"
    )
    print(
        f"Approving {COMMENTS:,} pending comments in one bulk action: median {median:.2f} s, "
        f"slowest {max(timings):.2f} s over {RUNS} runs (target < {TARGET_SECONDS:.0f} s)"
    )
    if max(timings) >= TARGET_SECONDS or max(listings) >= TARGET_SECONDS:
        sys.exit(1)


if __name__ == "__main__":
    main()
