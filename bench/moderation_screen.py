"""Moderating with a real backlog: 1,000,000 comments in one consultation, 200,000 of them pending,
on PostgreSQL. Target: the queue list, the moderation screen and the step to the next comment
each answer in under 300 ms at the 95th percentile, with a number of queries that does not grow
with the data.

    .venv/bin/python bench/moderation_screen.py            # builds the data once, then measures
    .venv/bin/python bench/moderation_screen.py --rebuild  # builds it again

It uses its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/consult_bench_screen), created if missing. Each page is asked
for through the Django test client as a moderator's browser would ask (signed in, with the
session and CSRF middleware), so the times include the admin's own work, not only the queries.
It prints, for each page, the median, the 95th percentile and the number of queries, and the
same query counts on a consultation of 100 comments in the same database. Results go in
docs/performance.md.
"""

import argparse
import os
import re
import statistics
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="No directory at")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.export import ensure_database  # noqa: E402  (bench/ is not installed: after the path)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/consult_bench_screen"
SECRET = "bench-only-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
COMMENTS = 1_000_000
PENDING_ONE_IN = 5  # 200,000 pending
COMMENTS_PER_RESPONSE = 4
SMALL = 100
TARGET_MS = 300
ROUNDS = 60


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SECRET_KEY", SECRET)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_HTTPS", "false")  # the test client speaks plain HTTP
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG would record every query and slow the run
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def make_consultation(slug, comments, prefix):
    """A consultation of `comments` comments, one in PENDING_ONE_IN pending (oldest first), the rest
    decided with their history, reports on one in 100 (mostly decided ones), a campaign group on one
    in 10."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from guidance.models import Consultation, Document, Question, Section

    document = Document.objects.create(title=f"Draft {slug}", slug=slug)
    sections = [
        Section.objects.create(document=document, major=n, title=f"Section {n}", slug=f"s-{n}", body="Text.")
        for n in range(1, 16)
    ]
    consultation = Consultation.objects.create(
        document=document,
        title=f"Consultation {slug}",
        slug=slug,
        organisation="Bench",
        summary="Benchmark data.",
        opens_at="2026-01-01T00:00:00Z",
        closes_at="2027-12-31T00:00:00Z",
    )
    questions = [
        Question.objects.create(consultation=consultation, position=p, text=f"Question {p}?") for p in range(1, 7)
    ]
    decider, _ = get_user_model().objects.get_or_create(username="bench-decider")
    params = {
        "consultation": consultation.pk,
        "count": comments,
        "per": COMMENTS_PER_RESPONSE,
        "pending": PENDING_ONE_IN,
        "sections": [s.pk for s in sections],
        "questions": [q.pk for q in questions],
        "decider": decider.pk,
        "prefix": prefix,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO guidance_response (consultation_id, reference, channel, respondent_type, name, email,
                organisation, consent, submitted_at, source_url, anonymised_at)
            SELECT %(consultation)s, %(prefix)s || lpad(g::text, 7, '0'), 'online',
                (ARRAY['public', 'patient', 'carer', 'researcher', 'professional', 'other'])[1 + g %% 6],
                'Person ' || g, 'person' || g || '@example.org', '', (ARRAY['named', 'anonymous'])[1 + g %% 2],
                timestamptz '2026-01-01 09:00+00' + g * interval '30 seconds', '', NULL
            FROM generate_series(1, %(count)s / %(per)s) g
            """,
            params,
        )
        cursor.execute("SELECT min(id) FROM guidance_response WHERE consultation_id = %s", [consultation.pk])
        params["first"] = cursor.fetchone()[0]
        # The pending ones are the oldest, as at a deadline: the queue's head is pending.
        cursor.execute(
            """
            INSERT INTO guidance_comment (response_id, consultation_id, section_id, question_id, text, created_at,
                status, moderated_by_id, moderated_at, reason_code, reason, claimed_by_id, claimed_until)
            SELECT %(first)s + (g - 1) / %(per)s, %(consultation)s,
                CASE WHEN g %% 3 > 0 THEN (%(sections)s::bigint[])[1 + g %% 15] END,
                CASE WHEN g %% 3 = 0 THEN (%(questions)s::bigint[])[1 + g %% 6] END,
                'Comment ' || g || ' on co-production. ' || repeat('Some words about the draft. ', 1 + g %% 20),
                timestamptz '2026-01-01 09:00+00' + g * interval '7 seconds',
                CASE WHEN g %% %(pending)s = 0 THEN 'pending'
                     ELSE (ARRAY['approved', 'rejected', 'spam'])[1 + g %% 3] END,
                CASE WHEN g %% %(pending)s > 0 THEN %(decider)s END,
                CASE WHEN g %% %(pending)s > 0 THEN timestamptz '2026-06-01 09:00+00' + g * interval '3 seconds' END,
                CASE WHEN g %% %(pending)s > 0 AND g %% 3 = 1 THEN 'off_topic' ELSE '' END,
                '', NULL, NULL
            FROM generate_series(1, %(count)s) g
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO guidance_moderationevent (comment_id, from_status, to_status, by_id, at, reason_code, reason)
            SELECT id, 'pending', status, moderated_by_id, moderated_at, reason_code, ''
            FROM guidance_comment WHERE consultation_id = %(consultation)s AND status <> 'pending'
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO guidance_report (comment_id, reason, details, created_at)
            SELECT id, 'offensive', 'Rude', now() FROM guidance_comment
            WHERE consultation_id = %(consultation)s AND id %% 100 = 1
            """,
            params,
        )
        cursor.execute(
            """
            UPDATE guidance_comment SET "group" = id - id %% 1000
            WHERE consultation_id = %(consultation)s AND id %% 10 = 0
            """,
            params,
        )
    return consultation


def build(rebuild):
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection

    from guidance.models import Consultation

    call_command("migrate", verbosity=0)
    big = Consultation.objects.filter(slug="bench-screen").first()
    if big and not rebuild and big.comments.count() == COMMENTS:
        # Each run decides some of the small consultation's few pending comments: a fresh one.
        small = Consultation.objects.get(slug="bench-small")
        with connection.cursor() as cursor:
            for table in ["moderationevent", "report", "comment"]:
                column = "comment_id" if table != "comment" else "id"
                cursor.execute(
                    f"DELETE FROM guidance_{table} WHERE {column} IN "  # noqa: S608
                    "(SELECT id FROM guidance_comment WHERE consultation_id = %s)",
                    [small.pk],
                )
            cursor.execute("DELETE FROM guidance_response WHERE consultation_id = %s", [small.pk])
        document = small.document
        small.delete()
        document.delete()
        return big, make_consultation("bench-small", SMALL, "S")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ["moderationevent", "staffnote", "report", "comment_themes", "comment", "response", "question"]:
            cursor.execute(f"TRUNCATE guidance_{table} CASCADE")
        cursor.execute("TRUNCATE guidance_exportrecord, guidance_erasure, guidance_theme, guidance_outcome CASCADE")
    Consultation.objects.all().delete()
    from guidance.models import Document

    Document.objects.all().delete()
    big = make_consultation("bench-screen", COMMENTS, "B")
    small = make_consultation("bench-small", SMALL, "S")
    for name in ("bench-moderator", "bench-moderator-2"):
        user, _ = User.objects.get_or_create(username=name, defaults={"is_staff": True})
        user.groups.add(Group.objects.get(name="Moderator"))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"built {COMMENTS:,} comments (+{SMALL}) in {time.perf_counter() - started:.0f} s")
    return big, small


def signed_in(username):
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def timed(call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = call()
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code in (200, 302), (response.status_code, response.content[:500])
    return elapsed, len(queries), response


def measure(consultation, rounds):
    """{page: (times in ms, queries)} for one consultation, moderating `rounds` comments."""
    from django.urls import reverse

    queue = reverse("admin:guidance_comment_changelist")
    screen = reverse("admin:guidance_consultation_moderate", args=[consultation.pk])
    pages = {
        "queue list (this consultation, pending)": lambda c: c.get(queue, {"consultation__id__exact": consultation.pk}),
        "queue list (every consultation, pending)": lambda c: c.get(queue),
        "queue list (page 100)": lambda c: c.get(queue, {"consultation__id__exact": consultation.pk, "p": 100}),
        "moderation screen": lambda c: c.get(screen),
        "reported tab": lambda c: c.get(screen, {"queue": "reported"}),
        "recently decided tab": lambda c: c.get(screen, {"queue": "decided"}),
    }
    results = {}
    client = signed_in("bench-moderator")
    for name, call in pages.items():
        call(client)  # warm
        times, counts = [], set()
        for _ in range(rounds):
            elapsed, count, _ = timed(lambda call=call: call(client))
            times.append(elapsed)
            counts.add(count)
        results[name] = (times, counts)

    # The step to the next comment: the decision (approve, then redirect) and the next comment.
    decide_times, next_times, decide_counts, next_counts = [], [], set(), set()
    _, _, page = timed(lambda: client.get(screen))
    for _ in range(rounds):
        # What the browser sends: the form's address and its hidden field, read from the page.
        html = page.content.decode()
        url = re.search(r'<form method="post" action="([^"]+)" id="decision-form"', html)[1]
        seen = re.search(r'name="seen_event_id" value="(\d+)"', html)[1]
        data = {"decision": "approved", "seen_event_id": seen, "queue": "pending"}
        elapsed, count, response = timed(lambda url=url, data=data: client.post(url, data))
        assert response.status_code == 302
        decide_times.append(elapsed)
        decide_counts.add(count)
        elapsed, count, page = timed(lambda: client.get(screen))
        next_times.append(elapsed)
        next_counts.add(count)
    results["decision (approve)"] = (decide_times, decide_counts)
    results["next comment after it"] = (next_times, next_counts)
    results["whole step (decision + next)"] = ([a + b for a, b in zip(decide_times, next_times, strict=True)], set())
    return results


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rebuild", action="store_true", help="Build the data again.")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"Requests per page (default {ROUNDS}).")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)
    big, small = build(args.rebuild)
    small_counts = {name: counts for name, (_, counts) in measure(small, 5).items()}
    results = measure(big, args.rounds)
    print(f"{COMMENTS:,} comments, {big.comments.pending().count():,} pending; {args.rounds} requests per page")
    print(f"{'page':45} {'median':>8} {'p95':>8}  queries (at {SMALL} comments)")
    worst = 0
    for name, (times, counts) in results.items():
        p95 = percentile(times, 0.95)
        worst = max(worst, p95)
        queries = ", ".join(map(str, sorted(counts))) or "–"
        small_queries = ", ".join(map(str, sorted(small_counts[name]))) or "–"
        print(f"{name:45} {statistics.median(times):7.0f}ms {p95:7.0f}ms  {queries} ({small_queries})")
    print(f"worst p95: {worst:.0f} ms (target under {TARGET_MS} ms): {'met' if worst < TARGET_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
