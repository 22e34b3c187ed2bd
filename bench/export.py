"""Export benchmark: 1,000,000 comments in PostgreSQL, the export against PostgreSQL's own COPY.

    .venv/bin/python bench/export.py            # builds the data once, then measures
    .venv/bin/python bench/export.py --rebuild  # builds it again
    .venv/bin/python bench/export.py --portable # also times the Python csv path on the same data

It uses its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/consult_bench_export), created if missing. It prints:

- COPY: `COPY (SELECT <the same columns, raw>) TO STDOUT WITH CSV` of the same rows, joins and
  order into a sink that discards the data: the physical limit.
- export: `manage.py export_responses <slug> -o /dev/null` in a child process, which goes through
  guidance/analysis/exports.py exactly as the admin page does (the thread and queue of the stream
  included), and that process's peak memory (ru_maxrss from wait4).
- the ratio export / COPY (target: no more than 2) and whether the memory target (< 100 MB) holds.

Results go in docs/performance.md.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/consult_bench_export"
SLUG = "bench-export"
COMMENTS = 1_000_000
COMMENTS_PER_RESPONSE = 4
SECRET = "bench-only-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SECRET_KEY", SECRET)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def ensure_database(url):
    import psycopg2

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def build(rebuild):
    """The data set: one consultation, 15 sections, 6 questions, 250,000 responses of 4 comments,
    20 themes on about a third of the comments, reports on 1 in 100, moderated comments, 1 in 10
    comments in a campaign group (groups of 100), and text with commas, quotes, line breaks and
    formula-like starts."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction

    from guidance.models import Consultation, Document, Question, Section, Theme

    call_command("migrate", verbosity=0)
    existing = Consultation.objects.filter(slug=SLUG).first()
    if existing and existing.comments.count() == COMMENTS and not rebuild:
        return existing
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ["report", "comment_themes", "comment", "response", "theme", "question", "exportrecord"]:
            cursor.execute(f"TRUNCATE guidance_{table} CASCADE")
        Consultation.objects.all().delete()
        Document.objects.all().delete()
        document = Document.objects.create(title="Bench draft", slug="bench-draft")
        numbers = [(major, 0) for major in range(1, 14)] + [(2, 1), (2, 2)]
        sections = [
            Section.objects.create(document=document, major=a, minor=b, title=f"Section {a}.{b}", slug=f"s-{a}-{b}")
            for a, b in numbers
        ]
        consultation = Consultation.objects.create(
            document=document,
            title="Bench consultation",
            slug=SLUG,
            organisation="Bench",
            summary="Benchmark data.",
            opens_at="2026-01-01T00:00:00Z",
            closes_at="2026-12-31T00:00:00Z",
        )
        questions = [
            Question.objects.create(consultation=consultation, position=p, text=f"Question {p}?") for p in range(1, 7)
        ]
        themes = [Theme.objects.create(consultation=consultation, name=f"Theme {n:02}") for n in range(20)]
        moderator, _ = get_user_model().objects.get_or_create(username="bench-moderator")
        responses = COMMENTS // COMMENTS_PER_RESPONSE
        cursor.execute(
            """
            INSERT INTO guidance_response (consultation_id, reference, channel, respondent_type, name, email,
                organisation, consent, submitted_at, source_url)
            SELECT %s, 'B' || lpad(g::text, 8, '0'),
                (ARRAY['online', 'email', 'post', 'event', 'social_media'])[1 + g %% 5],
                (ARRAY['public', 'patient', 'carer', 'researcher', 'professional', 'organisation', 'other'])
                    [1 + g %% 7],
                'Person ' || g, 'person' || g || '@example.org',
                CASE WHEN g %% 7 = 5 THEN 'Organisation ' || (g %% 1000) ELSE '' END,
                (ARRAY['named', 'anonymous', 'private'])[1 + g %% 3],
                timestamptz '2026-01-01 09:00+00' + g * interval '30 seconds', ''
            FROM generate_series(1, %s) g
            """,
            [consultation.pk, responses],
        )
        cursor.execute(
            "SELECT min(id) FROM guidance_response WHERE consultation_id = %s",
            [consultation.pk],
        )
        first_response = cursor.fetchone()[0]
        section_ids = [s.pk for s in sections]
        question_ids = [q.pk for q in questions]
        cursor.execute(
            """
            INSERT INTO guidance_comment (response_id, consultation_id, section_id, question_id, text, created_at,
                status, moderated_by_id, moderated_at, reason_code, reason)
            SELECT %(first)s + (g - 1) / %(per)s, %(consultation)s,
                CASE WHEN g %% 2 = 0 THEN (%(sections)s::bigint[])[1 + (g / 2) %% 15] END,
                CASE WHEN g %% 2 = 1 THEN (%(questions)s::bigint[])[1 + (g / 2) %% 6] END,
                (ARRAY['', '', '', '', '', '', '', '', '=', '-', '+', '@'])[1 + g %% 12]
                    || 'Comment ' || g || ', on "co-production"' || E'\\n' || repeat(md5(g::text), 1 + g %% 6),
                timestamptz '2026-01-01 09:00+00' + g * interval '7 seconds',
                (ARRAY['pending', 'approved', 'rejected', 'spam'])[1 + g %% 4],
                CASE WHEN g %% 4 > 0 THEN %(moderator)s END,
                CASE WHEN g %% 4 > 0 THEN timestamptz '2026-06-01 09:00+00' + g * interval '3 seconds' END,
                CASE WHEN g %% 4 = 2 THEN 'off_topic' ELSE '' END,
                CASE WHEN g %% 4 = 2 THEN 'Not about the draft' ELSE '' END
            FROM generate_series(1, %(count)s) g
            """,
            {
                "first": first_response,
                "per": COMMENTS_PER_RESPONSE,
                "consultation": consultation.pk,
                "sections": section_ids,
                "questions": question_ids,
                "moderator": moderator.pk,
                "count": COMMENTS,
            },
        )
        theme_ids = [t.pk for t in themes]
        cursor.execute(
            """
            INSERT INTO guidance_comment_themes (comment_id, theme_id)
            SELECT c.id, (%(themes)s::bigint[])[1 + (c.id + k) %% 20]
            FROM guidance_comment c, generate_series(0, 1) k
            WHERE c.consultation_id = %(consultation)s AND c.id %% 3 = 0 AND (k = 0 OR c.id %% 2 = 0)
            """,
            {"themes": theme_ids, "consultation": consultation.pk},
        )
        cursor.execute(
            """
            INSERT INTO guidance_report (comment_id, reason, details, created_at)
            SELECT id, 'offensive', '', now() FROM guidance_comment
            WHERE consultation_id = %s AND id %% 100 = 0
            """,
            [consultation.pk],
        )
        # Campaigns: every tenth comment, in groups of 100 numbered by their smallest id, as
        # guidance.moderation.campaigns.assign_groups numbers them.
        cursor.execute(
            """
            UPDATE guidance_comment SET "group" = id - id %% 1000
            WHERE consultation_id = %s AND id %% 10 = 0
                AND id - id %% 1000 >= (SELECT min(id) FROM guidance_comment WHERE consultation_id = %s)
            """,
            [consultation.pk, consultation.pk],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"built {COMMENTS:,} comments in {time.perf_counter() - started:.1f} s")
    return consultation


def time_copy(consultation):
    """PostgreSQL's own COPY of the same rows, columns (theme names and report counts included),
    joins and order, unformatted: the query the export formats."""
    from django.db import connection

    from guidance.analysis.exports import _comment_values, select_comments
    from guidance.analysis.exports_postgresql import comment_rows_sql

    values = _comment_values(select_comments(consultation, {}), with_personal_data=False)
    sql = f"COPY ({comment_rows_sql(consultation, values)} ORDER BY e_response_id, e_id) TO STDOUT WITH CSV"
    with connection.cursor() as cursor, open(os.devnull, "wb") as sink:
        started = time.perf_counter()
        cursor.cursor.copy_expert(sql, sink)
        return time.perf_counter() - started, cursor.cursor.rowcount


def time_export(url, *extra):
    """The export command in a child process; its own wall time and peak memory."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING"}
    command = [sys.executable, str(ROOT / "bench" / "export.py"), "--child", *extra]
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    report = json.loads(child.stdout.read())
    if child.returncode:
        raise SystemExit(f"export failed with exit code {child.returncode}")
    return report["seconds"], wall, usage.ru_maxrss / 1024


def child(portable):
    """Runs in the child: the command as an operator runs it, timed from the call."""
    from django.core.management import call_command

    started = time.perf_counter()
    if portable:  # the Python csv path, which SQLite uses, on the same data
        from guidance.analysis import exports
        from guidance.models import Consultation

        consultation = Consultation.objects.get(slug=SLUG)
        values = exports._comment_values(exports.select_comments(consultation, {}), with_personal_data=False)
        with open(os.devnull, "wb") as sink:
            sink.writelines(exports._portable_chunks(consultation, values, exports.Layout.COMMENTS, False))
    else:
        call_command("export_responses", SLUG, "-o", os.devnull)
    print(json.dumps({"seconds": time.perf_counter() - started}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--portable", action="store_true", help="also time the Python csv path")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-portable", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if args.child or args.child_portable:
        setup_django(url)
        child(args.child_portable)
        return
    ensure_database(url)
    setup_django(url)
    consultation = build(args.rebuild)
    # The machine is shared: alternate the two and keep each one's best of three.
    copies, exports, peaks = [], [], []
    for _ in range(3):
        seconds, rows = time_copy(consultation)
        copies.append(seconds)
        seconds, wall, peak_mb = time_export(url)
        exports.append(seconds)
        peaks.append(peak_mb)
    copy_seconds, export_seconds = min(copies), min(exports)
    print(f"rows:                {rows:,}")
    print(f"COPY (same columns): {copy_seconds:.2f} s best of {', '.join(f'{s:.2f}' for s in copies)}")
    print(f"export:              {export_seconds:.2f} s best of {', '.join(f'{s:.2f}' for s in exports)}")
    print(f"ratio export / COPY: {export_seconds / copy_seconds:.2f} (target <= 2)")
    print(f"export peak memory:  {max(peaks):.0f} MB (target < 100 MB)")
    if args.portable:
        portable_seconds, _, portable_mb = time_export(url, "--child-portable")
        print(f"portable Python path: {portable_seconds:.2f} s, ratio {portable_seconds / copy_seconds:.2f}, ", end="")
        print(f"peak memory {portable_mb:.0f} MB")


if __name__ == "__main__":
    main()
