"""The public record at 1,000,000 published comments on PostgreSQL: the published responses' page
(/consultations/<slug>/responses/, searched and filtered) and, when the portal has it, the
open-data API's lists (/api/v1/consultations/ and /api/v1/consultations/<slug>/comments/).
Targets: the page under 150 ms and the API under 100 ms at the 95th percentile.

    .venv/bin/python bench/public_record.py                     # build, time, drop the database
    .venv/bin/python bench/public_record.py --comments 200000   # another size
    .venv/bin/python bench/public_record.py --keep              # leave the database afterwards
    .venv/bin/python bench/public_record.py --reuse             # time a kept database again
    .venv/bin/python bench/public_record.py --explain           # and EXPLAIN ANALYZE each query

It builds its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/bench_record, dropped and created afresh), migrates it and
loads the demo consultation as it stands after its close (15 sections, 6 questions, Q1 answered
Yes / Partly / No and Q4 Yes / No, six themes, the outcome published, so every filter is
offered). Then, with SQL generate_series, never a row at a time from Python: comments until
about --comments of them are published, from responses of 4 comments in every respondent type,
over the 15 sections and 6 questions, each answer to Q1 or Q4 with an option chosen, a third of
them coded into a theme; mixed evenly among them, as they would arrive, those never published
(pending, rejected, spam, and approved ones whose respondent said "do not publish": 480,000 of
1,480,000 for the default), and names shown and not (named or anonymous). Their words are
sentences drawn from the demo's own texts (its sections and example comments), the commoner words
far more often, so that a search for "payment" finds about one in ten, as the consultation's own
subject would be found. The GIN index of the stored search words is built once afterwards, as a
restore would, then VACUUM ANALYZE.

Each request goes through Django's test client in this process (URL routing, middleware, the
view's queries, the template), as the other benchmarks here do: what is timed is the portal's own
work for one request, without a web server's or a network's time, which on this 2-core machine
would mostly measure the other processes competing for the cores. Each request is made once to
warm up, then --rounds times; the median, 95th percentile and maximum are printed, with the
number of queries, the first request's time (what each process keeps under the consultation's
content_version, such as the choices' counts, was not kept yet: a request nobody made since the
last decision) and what the page says it found. Results go in docs/performance.md.
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

warnings.filterwarnings("ignore", message="No directory at")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_record"
SECRET = "bench-only-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
COMMENTS = 1_000_000
PER_RESPONSE = 4
ROUNDS = 30
PAGE_TARGET_MS = 150
API_TARGET_MS = 100
SENTENCES = 4000  # the pool each comment's sentences are drawn from
TEXT_INDEX = "comment_text_search"  # migration 0026


def server_and_name(url):
    return url.rsplit("/", 1)[0] + "/postgres", url.rsplit("/", 1)[1]


def admin_execute(url, *statements):
    import psycopg2

    server, _ = server_and_name(url)
    connection = psycopg2.connect(server)
    connection.autocommit = True
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    connection.close()


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SECRET_KEY", SECRET)
    os.environ["DJANGO_SETTINGS_MODULE"] = "consult.settings"
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ["DJANGO_HTTPS"] = "false"  # the test client speaks plain HTTP
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG would keep every query and slow the run
    os.environ["LOG_LEVEL"] = "WARNING"
    # What is timed is each request's own work, not the API's limit per address: every request here
    # comes from one, and runs close together (or 30 rounds) would pass 120 a minute.
    os.environ["API_REQUESTS_PER_MINUTE"] = "1000000"
    import django

    django.setup()


def demo_vocabulary():
    """The demo's words, commonest first: its sections' text and its example comments."""
    from guidance.demo import after_the_close, open_consultation

    texts = [body for *_, body in open_consultation.SECTIONS]
    texts += [comment[2] for comment in after_the_close.COMMENTS if isinstance(comment[2], str)]
    texts += [comment[2][1] for comment in after_the_close.COMMENTS if isinstance(comment[2], tuple)]
    counts = Counter(word for text in texts for word in re.findall(r"[a-z][a-z'-]*[a-z]|[a-z]", text.lower()))
    return [word for word, _ in counts.most_common()]


def sentence_pool(size, seed=42):
    """`size` sentences of 5 to 16 words, each word drawn with random() cubed, so the first words
    of the vocabulary (its commonest in the demo) are by far the likeliest."""
    words = demo_vocabulary()
    draw = random.Random(seed)
    pool = []
    for _ in range(size):
        chosen = [words[int(len(words) * draw.random() ** 3)] for _ in range(draw.randint(5, 16))]
        pool.append(" ".join(chosen).capitalize() + ".")
    return pool


# Responses of 4 comments; comment g belongs to response %(first)s + (g - 1) / 4. What each is and
# says is drawn from a hash of its number (hashint8), so the kinds are mixed evenly through the
# table, as they arrive: one response in 10 "do not publish"; of the comments, 15 in 20 approved, 2
# pending, 2 rejected, 1 spam. Targets: the 15 sections, then the 6 questions, in turn (g * 8 spreads
# one response's four comments over four of them).
RESPONSES = """
INSERT INTO guidance_response (consultation_id, reference, channel, respondent_type, name, email,
    organisation, consent, submitted_at, source_url)
SELECT %(consultation)s, 'B' || lpad(g::text, 8, '0'),
    (ARRAY['online', 'online', 'online', 'email', 'post', 'event'])[1 + g %% 6],
    (ARRAY['public', 'patient', 'carer', 'researcher', 'professional', 'organisation', 'other'])[1 + g %% 7],
    'Respondent ' || g, 'respondent' || g || '@example.org', '',
    CASE WHEN abs(hashint8(g + 7919)) %% 10 = 0 THEN 'private' WHEN g %% 2 = 0 THEN 'named' ELSE 'anonymous' END,
    %(opens)s::timestamptz + (g::float / %(responses)s) * interval '56 days', ''
FROM generate_series(1, %(responses)s) g
"""

COMMENTS_SQL = """
INSERT INTO guidance_comment (response_id, consultation_id, section_id, question_id, text, created_at,
    status, moderated_at, reason_code, reason)
SELECT %(first)s + (g - 1) / %(per)s, %(consultation)s,
    CASE WHEN t.n < %(sections_n)s THEN (%(sections)s::bigint[])[1 + t.n] END,
    CASE WHEN t.n >= %(sections_n)s THEN (%(questions)s::bigint[])[1 + t.n - %(sections_n)s] END,
    (%(pool)s::text[])[1 + floor(random() * %(pool_n)s)::int]
        || CASE WHEN g %% 4 > 0 THEN ' ' || (%(pool)s::text[])[1 + floor(random() * %(pool_n)s)::int] ELSE '' END
        || CASE WHEN g %% 3 > 0 THEN ' ' || (%(pool)s::text[])[1 + floor(random() * %(pool_n)s)::int] ELSE '' END,
    %(opens)s::timestamptz + (g::float / %(count)s) * interval '56 days',
    s.status,
    CASE WHEN s.status <> 'pending' THEN %(opens)s::timestamptz + (g::float / %(count)s) * interval '57 days' END,
    CASE WHEN s.status = 'rejected' THEN 'off_topic' ELSE '' END, ''
FROM generate_series(1, %(count)s) g
CROSS JOIN LATERAL (SELECT (g * 8) %% (%(sections_n)s + %(questions_n)s) AS n) t
CROSS JOIN LATERAL (SELECT (ARRAY['approved', 'approved', 'approved', 'approved', 'approved', 'approved',
    'approved', 'approved', 'approved', 'approved', 'approved', 'approved', 'approved', 'approved', 'approved',
    'pending', 'pending', 'rejected', 'rejected', 'spam'])[1 + abs(hashint8(g)) %% 20] AS status) s
"""
# So many comments that about --comments of them are published (15/20 approved, 9/10 of those agreed).
PUBLISHED_SHARE = 15 / 20 * 9 / 10

# Each answer to a question with options chose one of them; a third of the comments are coded into
# one of the six themes.
ANSWERS = """
INSERT INTO guidance_chosenoption (comment_id, option_id)
SELECT c.id, (SELECT o.id FROM guidance_option o WHERE o.question_id = c.question_id
              ORDER BY o.position OFFSET abs(hashint8(c.id)) %% (SELECT count(*) FROM guidance_option p
                                                                 WHERE p.question_id = c.question_id) LIMIT 1)
FROM guidance_comment c
WHERE c.consultation_id = %(consultation)s AND c.question_id = ANY(%(with_options)s::bigint[])
  AND NOT EXISTS (SELECT 1 FROM guidance_chosenoption x WHERE x.comment_id = c.id)
"""

THEMED = """
INSERT INTO guidance_comment_themes (comment_id, theme_id)
SELECT c.id, (%(themes)s::bigint[])[1 + abs(hashint8(c.id * 5)) %% cardinality(%(themes)s::bigint[])]
FROM guidance_comment c
WHERE c.consultation_id = %(consultation)s AND abs(hashint8(c.id * 3)) %% 3 = 0
  AND NOT EXISTS (SELECT 1 FROM guidance_comment_themes x WHERE x.comment_id = c.id)
"""


def build(url, count):
    """Migrate, load the demo after its close and add comments until about `count` are published.
    Returns the consultation."""
    from django.core.management import call_command
    from django.db import connection

    from guidance.management.commands.load_demo import load_after_the_close, load_demo
    from guidance.models import Comment, Question

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    consultation, _ = load_demo()
    load_after_the_close(consultation)
    consultation.refresh_from_db()
    pool = sentence_pool(SENTENCES)
    comments = round(count / PUBLISHED_SHARE)
    params = {
        "consultation": consultation.pk,
        "opens": consultation.opens_at,
        "per": PER_RESPONSE,
        "count": comments,
        "responses": -(-comments // PER_RESPONSE),
        "sections": list(consultation.document.sections.values_list("pk", flat=True)),
        "questions": list(consultation.questions.values_list("pk", flat=True)),
        "with_options": list(consultation.questions.exclude(kind=Question.Kind.TEXT).values_list("pk", flat=True)),
        "themes": list(consultation.themes.values_list("pk", flat=True)),
        "pool": pool,
        "pool_n": len(pool),
    }
    params["sections_n"], params["questions_n"] = len(params["sections"]), len(params["questions"])
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {TEXT_INDEX}")  # built once at the end, as a restore would
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(RESPONSES, params)
        cursor.execute("SELECT id FROM guidance_response WHERE reference = %s", ["B" + "1".zfill(8)])
        params["first"] = cursor.fetchone()[0]
        cursor.execute(COMMENTS_SQL, params)
        cursor.execute(ANSWERS, params)
        cursor.execute(THEMED, params)
        cursor.execute(f"CREATE INDEX {TEXT_INDEX} ON guidance_comment USING gin (search_vector)")
    connection.close()
    admin_connection_vacuum(url)
    published = Comment.objects.published().filter(consultation=consultation).count()
    print(
        f"built in {time.perf_counter() - started:.0f} s: {Comment.objects.count():,} comments, "
        f"{published:,} of them published"
    )
    return consultation


def admin_connection_vacuum(url):
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()


def requests_to_time(consultation, published):
    """[(name, path, params)]: the page's typical requests, then the API's if the portal has it."""
    from django.urls import Resolver404, resolve, reverse

    from guidance.models import Option, Theme

    section_3 = consultation.document.sections.get(major=3, minor=0)
    q1 = consultation.questions.get(position=1)
    partly = Option.objects.get(question=q1, label="Partly")
    payment = Theme.objects.get(consultation=consultation, name__startswith="Payment")
    deep = max(2, published // 50 // 2)  # the middle of the list
    filters = [
        ("no filter", {}),
        ("page 2", {"page": 2}),
        (f"deep page ({deep:,})", {"page": deep}),
        ("q=payment", {"q": "payment"}),
        ("q=payment, page 2", {"q": "payment", "page": 2}),
        ("q=payment + section 3", {"q": "payment", "section": section_3.pk}),
        ("q=payment + Q1 'Partly'", {"q": "payment", "question": q1.pk, "option": partly.pk}),
        ("section 3 + Q1 + 'Partly'", {"section": section_3.pk, "question": q1.pk, "option": partly.pk}),
        ("Q1 + 'Partly'", {"question": q1.pk, "option": partly.pk}),
        ("respondent_type=carer", {"respondent_type": "carer"}),
        ("theme=Payment", {"theme": payment.pk}),
    ]
    page = reverse("guidance:published", args=[consultation.slug])
    wanted = [("page: " + name, page, params) for name, params in filters]
    api_list, api_comments = "/api/v1/consultations/", f"/api/v1/consultations/{consultation.slug}/comments/"
    try:
        resolve(api_list)
        resolve(api_comments)
    except Resolver404:
        print("The open-data API (/api/v1/) does not resolve in this portal: its lists are not timed.")
        return wanted
    wanted.append(("API: consultations", api_list, {}))
    for name, params in filters:
        if "page" in params:
            continue  # the API pages by cursor: its second page is timed below, from its own link
        wanted.append(("API: comments, " + name, api_comments, params))
    wanted.append(("API: comments, next page", api_comments, "next"))
    return wanted


def next_page_params(client, path):
    """The query of the API's own link to the comments' second page (a cursor), as a client follows it."""
    from urllib.parse import parse_qsl, urlsplit

    answer = client.get(path, {}, HTTP_ACCEPT="application/json")
    link = answer.json().get("next")
    return dict(parse_qsl(urlsplit(link).query)) if link else {}


def found_on(answer):
    """What the answer says it found: the page's heading, or the number of the API's results."""
    if answer.get("Content-Type", "").startswith("application/json"):
        body = answer.json()
        results = body.get("results", body) if isinstance(body, dict) else body
        return f"{len(results)} listed"
    match = re.search(r'id="results">([^<]*)<', answer.content.decode())
    return " ".join(match[1].split()) if match else ""


def measure(client, wanted, rounds):
    """{name: (times in ms, queries, what it found, the first request's time in ms)}."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = {}
    for name, path, params in wanted:
        if params == "next":
            params = next_page_params(client, path)
        headers = {"HTTP_ACCEPT": "application/json"} if name.startswith("API") else {}
        started = time.perf_counter()
        warm = client.get(path, params, **headers)
        first = (time.perf_counter() - started) * 1000
        assert warm.status_code == 200, (name, warm.status_code, warm.content[:300])
        times = []
        for _ in range(rounds):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                answer = client.get(path, params, **headers)
                times.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, (name, answer.status_code)
        results[name] = (times, len(queries), found_on(answer), first)
    return results


def explain(wanted, client):
    """Each distinct query of each request, with EXPLAIN ANALYZE's summary line: where the time goes."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    for name, path, params in wanted:
        if params == "next":
            params = next_page_params(client, path)
        with CaptureQueriesContext(connection) as queries:
            client.get(path, params)
        print(f"\n== {name}")
        with transaction.atomic():  # as the request's own SET LOCAL (work_mem) held for its queries
            for query in queries.captured_queries:
                sql = query["sql"]
                if sql.lstrip().upper().startswith("SET LOCAL"):
                    with connection.cursor() as cursor:
                        cursor.execute(sql)
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = [row[0] for row in cursor.fetchall()]
                took = float(re.search(r"Execution Time: ([\d.]+)", plan[-1])[1])
                print(f"  {took:8.1f} ms  {sql[:160]}")
                if took > 10:  # the slow ones' plans, to see where the time goes
                    print("    " + "\n    ".join(plan[:30]))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(results, published, rounds):
    print(f"{published:,} published comments; {rounds} requests each, after one to warm up")
    print(f"{'request':40} {'p50':>7} {'p95':>7} {'max':>7} {'queries':>7} {'first':>7}  found")
    worst = {"page": 0.0, "API": 0.0}
    for name, (times, queries, found, first) in results.items():
        p95 = percentile(times, 0.95)
        kind = name.split(":")[0]
        worst[kind] = max(worst[kind], p95)
        print(
            f"{name:40} {statistics.median(times):6.0f}ms {p95:6.0f}ms {max(times):6.0f}ms {queries:7} "
            f"{first:6.0f}ms  {found}"
        )
    for kind, target in (("page", PAGE_TARGET_MS), ("API", API_TARGET_MS)):
        if any(name.startswith(kind + ":") for name in results):
            met = "met" if worst[kind] < target else "NOT met"
            print(f"worst p95, {kind}: {worst[kind]:.0f} ms (target under {target} ms): {met}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=COMMENTS, help=f"Published comments (default {COMMENTS:,}).")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"Times each request is timed (default {ROUNDS}).")
    parser.add_argument("--keep", action="store_true", help="Leave the database in place afterwards.")
    parser.add_argument("--reuse", action="store_true", help="Time the database a --keep run left; build nothing.")
    parser.add_argument("--explain", action="store_true", help="Print EXPLAIN ANALYZE of each request's queries.")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    _, name = server_and_name(url)
    if not args.reuse:
        admin_execute(url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    setup_django(url)
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from guidance.demo import open_consultation
    from guidance.models import Comment, Consultation

    if args.reuse:
        call_command("migrate", verbosity=0)  # a database kept by an older version lacks newer indexes
        consultation = Consultation.objects.get(slug=open_consultation.CONSULTATION["slug"])
    else:
        consultation = build(url, args.comments)
    published = Comment.objects.published().filter(consultation=consultation).count()
    client = Client()
    wanted = requests_to_time(consultation, published)
    try:
        results = measure(client, wanted, args.rounds)
        report(results, published, args.rounds)
        if args.explain:
            explain(wanted, client)
    finally:
        if not (args.keep or args.reuse):
            connections.close_all()
            admin_execute(url, f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
