"""How long the consultation dashboard takes to render with 1,000,000 comments on PostgreSQL.

    .venv/bin/python bench/dashboard.py [--comments 1000000] [--keep]

Builds its own database (consult_bench_dashboard on the local PostgreSQL, dropped and created
afresh; --keep leaves it afterwards), migrates it, loads the demo consultation, then fills it
with SQL generate_series: 1 comment in 4 with a response of its own (250,000 responses over 56
days, all channels and respondent types), comments spread over the 15 sections and 6 questions,
70% decided with a moderation time of minutes to days, 8 themes on about 40% of comments.
Then it times the admin dashboard page through Django's test client (URL routing, login,
permission check, queries, template) a few times and prints each time and the median; then the
CPU time each page takes (this process and the PostgreSQL backend, parallel workers off), which
a busy machine does not inflate. --reuse times a kept database again (migrating it first).

The target (docs/performance.md): under 1 second.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "consult_bench_dashboard"
SERVER = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def recreate_database():
    connection = psycopg2.connect(dbname="postgres", **SERVER)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        cursor.execute(f"CREATE DATABASE {DATABASE}")
    connection.close()


def drop_database():
    from django.db import connections

    connections.close_all()
    connection = psycopg2.connect(dbname="postgres", **SERVER)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    connection.close()


FILL = """
INSERT INTO guidance_response
    (consultation_id, reference, channel, respondent_type, name, email, organisation, consent,
     submitted_at, source_url)
SELECT %(consultation)s,
       'B' || lpad(to_hex(i), 8, '0'),
       (ARRAY['online','online','online','online','email','post','event','social_media'])[1 + i %% 8],
       (ARRAY['public','patient','carer','researcher','professional','organisation','other'])[1 + i %% 7],
       'Bench respondent ' || i, '', '',
       (ARRAY['named','anonymous','anonymous','private'])[1 + i %% 4],
       %(opens)s::timestamptz + (i::float / %(responses)s) * interval '56 days',
       ''
FROM generate_series(1, %(responses)s) AS i;

INSERT INTO guidance_comment
    (response_id, consultation_id, section_id, question_id, text, created_at, status, moderated_at,
     reason_code, reason)
SELECT r.id,
       %(consultation)s,
       CASE WHEN t.n < %(sections_n)s THEN (%(sections)s::bigint[])[1 + t.n] END,
       CASE WHEN t.n >= %(sections_n)s THEN (%(questions)s::bigint[])[1 + t.n - %(sections_n)s] END,
       'Bench comment ' || c.i || ' on a draft section, long enough to look like a real comment.',
       r.submitted_at,
       s.status,
       CASE WHEN s.status <> 'pending' THEN r.submitted_at + ((c.i * 7919) %% 10000) * interval '30 seconds' END,
       CASE WHEN s.status = 'rejected'
            THEN (ARRAY['offensive','personal','off_topic','duplicate','other'])[1 + c.i %% 5] ELSE '' END,
       ''
FROM generate_series(0::bigint, %(comments)s - 1) AS c(i)
JOIN guidance_response r ON r.id = (SELECT min(id) FROM guidance_response) + c.i / 4
CROSS JOIN LATERAL (SELECT (c.i * 31) %% (%(sections_n)s + %(questions_n)s) AS n) t
CROSS JOIN LATERAL (SELECT (ARRAY['pending','pending','pending','approved','approved','approved',
                                  'approved','approved','rejected','spam'])[1 + (c.i * 13) %% 10] AS status) s;

INSERT INTO guidance_comment_themes (comment_id, theme_id)
SELECT c.id, (%(themes)s::bigint[])[1 + c.id %% 8]
FROM guidance_comment c WHERE c.id %% 5 < 2
UNION ALL
SELECT c.id, (%(themes)s::bigint[])[1 + (c.id + 3) %% 8]
FROM guidance_comment c WHERE c.id %% 10 = 0;
"""


def build(comments):
    """Migrate, load the demo consultation and fill it with `comments` comments."""
    from django.core.management import call_command
    from django.db import connection

    from guidance.models import Consultation, Theme

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_demo", opens="2017-09-01", closes="2017-11-01", verbosity=0)
    consultation = Consultation.objects.get()
    themes = [
        Theme.objects.create(consultation=consultation, name=name).pk
        for name in ["Payment", "Training", "Power", "Time", "Trust", "Access", "Funding", "Feedback"]
    ]
    sections = list(consultation.document.sections.values_list("pk", flat=True))
    questions = list(consultation.questions.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            FILL,
            {
                "consultation": consultation.pk,
                "opens": consultation.opens_at,
                "responses": (comments + 3) // 4,
                "comments": comments,
                "sections": sections,
                "sections_n": len(sections),
                "questions": questions,
                "questions_n": len(questions),
                "themes": themes,
            },
        )
    connection.close()
    vacuum = psycopg2.connect(dbname=DATABASE, **SERVER)
    vacuum.autocommit = True
    with vacuum.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    vacuum.close()
    print(f"Built in {time.perf_counter() - started:.0f} s")


def backend_cpu_seconds(pid):
    """User and system CPU time used so far by a PostgreSQL backend process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="Leave the database in place afterwards.")
    parser.add_argument("--reuse", action="store_true", help="Time the database a --keep run left; build nothing.")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = f"postgres://{SERVER['user']}@{SERVER['host']}:{SERVER['port']}/{DATABASE}"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz")
    os.environ["DJANGO_SETTINGS_MODULE"] = "consult.settings"
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))

    if not args.reuse:
        recreate_database()
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from guidance.analysis.dashboard import dashboard
    from guidance.models import Comment, Consultation

    setup_test_environment()
    if not args.reuse:
        build(args.comments)
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # a database kept by an older version lacks the newer indexes
    consultation = Consultation.objects.get()
    print(
        f"Database holds {Comment.objects.count():,} comments, {consultation.responses.count():,} responses, "
        f"{Comment.themes.through.objects.count():,} theme links"
    )

    user = User.objects.filter(username="bench").first() or User.objects.create_superuser("bench", password=None)
    client = Client()
    client.force_login(user)
    url = reverse("admin:guidance_consultation_dashboard", args=[consultation.pk])

    with CaptureQueriesContext(connection) as queries:
        dashboard(consultation)
    print(f"dashboard(): {len(queries)} queries")
    for query in queries.captured_queries:
        print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:110]}")

    client.get(url, secure=True)  # warm up: connection, template loading, PostgreSQL caches
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        answer = client.get(url, secure=True)
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.status_code
    print("Dashboard page render: " + ", ".join(f"{t:.3f}" for t in times) + " s")
    print(f"Median {statistics.median(times):.3f} s over {args.runs} runs (target: under 1 s)")

    # On a shared machine the wall-clock time above includes waiting for the CPU. The CPU time
    # the page itself uses does not: this process's, plus the PostgreSQL backend's (read from
    # /proc, Linux only), with parallel workers off so that no work hides in another process.
    # With the machine to itself, one core would render the page in about this time; parallel
    # workers on a second core can only make it faster.
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0")
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    cpu_times = []
    for _ in range(args.runs):
        started = time.process_time() + backend_cpu_seconds(backend)
        answer = client.get(url, secure=True)
        cpu_times.append(time.process_time() + backend_cpu_seconds(backend) - started)
        assert answer.status_code == 200, answer.status_code
    with connection.cursor() as cursor:
        cursor.execute("RESET max_parallel_workers_per_gather")
    print("CPU time per page, Django and PostgreSQL, one core: " + ", ".join(f"{t:.3f}" for t in cpu_times) + " s")
    print(f"Median {statistics.median(cpu_times):.3f} s over {args.runs} runs")

    if not (args.keep or args.reuse):
        drop_database()


if __name__ == "__main__":
    main()
