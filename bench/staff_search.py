"""Staff search of comments' words on PostgreSQL, at 1,000,000 comments in one consultation.
Target: the search answers in under 300 ms at the 95th percentile.

    .venv/bin/python bench/staff_search.py             # builds the data once, then measures
    .venv/bin/python bench/staff_search.py --rebuild   # builds it again
    .venv/bin/python bench/staff_search.py --comments 200000

It uses its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/quotes_bench_search), created if missing. The comments are
written with generate_series, their words drawn from a vocabulary of about 200 (the commonest far
more often than the rest, as in real text: "the" is in nearly every comment, "paying" in a few
per cent), the GIN index of migration 0023 built afterwards, as a restore would.

It measures two things for each search, each many times: the queryset alone
(Comment.objects.filter(consultation=…).search(…), its first page of 50 and its count up to the
list's cap of 10,000, as the comments list asks), and the whole comments list page through the
Django test client, signed in as an analyst, with the list's filters. It prints the median and
the 95th percentile of each, and of all searches together. Results go in docs/performance.md.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="No directory at")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.export import ensure_database  # noqa: E402  (bench/ is not installed: after the path)
from bench.moderation_screen import percentile, setup_django, timed  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/quotes_bench_search"
COMMENTS = 1_000_000
COMMENTS_PER_RESPONSE = 4
TARGET_MS = 300
ROUNDS = 30
SLUG = "bench-search"

# Common words first: a word's chance of being drawn falls steeply with its place in this list.
VOCABULARY = """
the and of to a in that is it for we be this on with as are not have people research patients
should more about they can but what be will their from by all would public involved at an or
guidance how who there been if when do so which also our them other time one very need some
researchers involvement think make work project co-production carers feel really good support
useful clear better help part important being way power training help different section draft
paid pay payment money costs funding budget pays paying payments expenses travel
plain english language jargon easy read accessible words reading understand
meeting meetings meet online room venue access wheelchair hearing loop
trust respect equal partners sharing decisions shared listening listened valued
young older children families community communities groups voluntary charity
ethics consent data privacy records confidential anonymous names
hospital clinic nurse doctor gp surgery ward service services nhs care social
evaluate evaluation evidence outcomes impact measure measuring results
deadline weeks months years early late start beginning end finish
example examples case study studies story stories experience experiences
diverse diversity inclusion inclusive included excluded barriers barrier
""".split()  # noqa: SIM905  (read as prose: easier to change than a list of 200 strings)


def build(rebuild, count):
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection

    from guidance.models import Consultation, Document, Question, Section

    call_command("migrate", verbosity=0)
    existing = Consultation.objects.filter(slug=SLUG).first()
    if existing and not rebuild and existing.comments.count() == count:
        return existing
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ["moderationevent", "staffnote", "report", "quote", "comment_themes", "comment", "response"]:
            cursor.execute(f"TRUNCATE guidance_{table} CASCADE")
        cursor.execute("TRUNCATE guidance_exportrecord, guidance_theme CASCADE")
    Consultation.objects.all().delete()
    Document.objects.all().delete()
    document = Document.objects.create(title="Draft for search", slug=SLUG)
    sections = [
        Section.objects.create(document=document, major=n, title=f"Section {n}", slug=f"s-{n}", body="Text.")
        for n in range(1, 16)
    ]
    consultation = Consultation.objects.create(
        document=document,
        title="Consultation for search",
        slug=SLUG,
        organisation="Bench",
        summary="Benchmark data.",
        opens_at="2026-01-01T00:00:00Z",
        closes_at="2027-12-31T00:00:00Z",
    )
    questions = [
        Question.objects.create(consultation=consultation, position=p, text=f"Question {p}?") for p in range(1, 7)
    ]
    params = {
        "consultation": consultation.pk,
        "count": count,
        "per": COMMENTS_PER_RESPONSE,
        "sections": [s.pk for s in sections],
        "questions": [q.pk for q in questions],
        "words": VOCABULARY,
        "n": len(VOCABULARY),
    }
    with connection.cursor() as cursor:
        # Built without the index, then indexed once: as a restore of a dump would.
        cursor.execute("DROP INDEX IF EXISTS comment_text_search")
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            """
            INSERT INTO guidance_response (consultation_id, reference, channel, respondent_type, name, email,
                organisation, consent, submitted_at, source_url, anonymised_at)
            SELECT %(consultation)s, 'Q' || lpad(g::text, 8, '0'), 'online',
                (ARRAY['public', 'patient', 'carer', 'researcher', 'professional', 'other'])[1 + g %% 6],
                'Person ' || g, '', '', (ARRAY['named', 'anonymous', 'private'])[1 + g %% 3],
                timestamptz '2026-01-01 09:00+00' + g * interval '30 seconds', '', NULL
            FROM generate_series(1, %(count)s / %(per)s) g
            """,
            params,
        )
        cursor.execute("SELECT min(id) FROM guidance_response WHERE consultation_id = %s", [consultation.pk])
        params["first"] = cursor.fetchone()[0]
        # Each comment 8 to 47 words, drawn with power(random(), 3): the first words of the
        # vocabulary are by far the commonest. Two in three approved, the rest pending.
        cursor.execute(
            """
            INSERT INTO guidance_comment (response_id, consultation_id, section_id, question_id, text, created_at,
                status, reason_code, reason)
            SELECT %(first)s + (g - 1) / %(per)s, %(consultation)s,
                CASE WHEN g %% 3 > 0 THEN (%(sections)s::bigint[])[1 + g %% 15] END,
                CASE WHEN g %% 3 = 0 THEN (%(questions)s::bigint[])[1 + g %% 6] END,
                (SELECT string_agg((%(words)s::text[])[1 + floor(%(n)s * power(random(), 3))::int], ' ')
                 FROM generate_series(1, 8 + g %% 40 + 0 * g)),
                timestamptz '2026-01-01 09:00+00' + g * interval '7 seconds',
                CASE WHEN g %% 3 = 0 THEN 'pending' ELSE 'approved' END, '', ''
            FROM generate_series(1, %(count)s) g
            """,
            params,
        )
        index_started = time.perf_counter()
        cursor.execute("CREATE INDEX comment_text_search ON guidance_comment USING gin (search_vector)")
        index_seconds = time.perf_counter() - index_started
        cursor.execute("VACUUM ANALYZE guidance_comment")
        cursor.execute("VACUUM ANALYZE guidance_response")
    user, _ = User.objects.get_or_create(username="bench-analyst", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name="Analyst"))
    print(f"built {count:,} comments in {time.perf_counter() - started:.0f} s (the index: {index_seconds:.0f} s)")
    return consultation


# What staff type: rare and common words, a stem's other forms, phrases, several words, a word left out.
SEARCHES = [
    "paying",
    "pay",
    "wheelchair access",
    '"plain english"',
    "confidential data",
    "payment -travel",
    "jargon or acronyms",
    "researchers",
    "the",
    '"shared decisions"',
]


def measure(consultation, rounds):
    from django.urls import reverse

    from guidance.models import Comment
    from guidance.staff.admin.comments import SearchResultsPaginator

    results = {}
    comments = Comment.objects.filter(consultation=consultation)
    for text in SEARCHES:

        def query(text=text):
            # As the list asks: its first page, and the matches counted up to its cap.
            found = comments.search(text)
            return len(list(found[:50])), SearchResultsPaginator(found, 50).count

        query()  # warm
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            query()
            times.append((time.perf_counter() - started) * 1000)
        results[("queryset", text)] = (times, comments.search(text).count())

    from bench.moderation_screen import signed_in

    client = signed_in("bench-analyst")
    url = reverse("admin:guidance_comment_changelist")
    for text in SEARCHES:
        for status in ("all", "approved"):
            params = {"q": text, "consultation__id__exact": consultation.pk, "status": status}
            timed(lambda params=params: client.get(url, params))  # warm
            times = [timed(lambda params=params: client.get(url, params))[0] for _ in range(rounds)]
            results[(f"comments list, {status}", text)] = (times, None)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rebuild", action="store_true", help="Build the data again.")
    parser.add_argument("--comments", type=int, default=COMMENTS, help=f"How many (default {COMMENTS:,}).")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"Times each search is run (default {ROUNDS}).")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)
    consultation = build(args.rebuild, args.comments)
    results = measure(consultation, args.rounds)
    print(f"{args.comments:,} comments; {args.rounds} runs of each search")
    print(f"{'what':28} {'search':22} {'matches':>9} {'median':>8} {'p95':>8}")
    together = {}
    for (what, text), (times, total) in results.items():
        together.setdefault(what, []).extend(times)
        matches = f"{total:,}" if total is not None else ""
        print(f"{what:28} {text:22} {matches:>9} {statistics.median(times):7.0f}ms {percentile(times, 0.95):7.0f}ms")
    for what, times in together.items():
        p95 = percentile(times, 0.95)
        print(
            f"{what + ', all searches':50} {'':>9} {statistics.median(times):7.0f}ms {p95:7.0f}ms"
            f"  (target under {TARGET_MS} ms: {'met' if p95 < TARGET_MS else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
