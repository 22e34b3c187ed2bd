"""What one post of the comment form costs in the server process, and how fast the worker groups
what was posted into campaigns (docs/performance.md, "Campaign grouping in the worker").

    .venv/bin/python bench/arrival.py                # 200 posts, its own database, dropped afterwards
    .venv/bin/python bench/arrival.py --posts 500
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/consult_bench_arrival .venv/bin/python bench/arrival.py

The load benchmark's worst case, in one process with Django's test client: every post is a new
person, with an email address, sending bench/load's sentence with a marker of its own on one
section. The sentences share all their words but the marker, so each new one shares keys with
every earlier one and is measured against 100 of them; none is grouped (the marker is in 3 of its
9 shingles, and 6 of 9 is under the 70% a near-copy needs). Each post (the form, its response,
comments, receipt, redirect) is timed with time.perf_counter, and the time spent in
campaigns.group_on_arrival is counted apart when the code still groups in the request (run this
script in a checkout of the earlier code to compare). Then, if the portal has
campaigns.group_waiting (the worker's grouping), it groups every comment posted, batch after
batch as the worker does, and reports comments per second; with --workers 2 two threads do so at
once, as two worker processes would (on one section they take turns).
"""

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="No directory at")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/consult_bench_arrival")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ["DJANGO_DEBUG"] = "false"
os.environ["DJANGO_HTTPS"] = "false"
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
os.environ["RATE_LIMIT_SUBMISSIONS_PER_HOUR"] = "100000000"
os.environ["RATE_LIMIT_FORMS_PER_RESPONSE_PER_HOUR"] = "100000000"
os.environ["MAX_REQUESTS_IN_PROGRESS"] = "0"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from moderation import drop_database, recreate_database  # noqa: E402

# bench/load's comment: one sentence, each with a marker of its own.
SENTENCE = "Load test comment bench-{marker}. Reciprocity means sharing power and credit."


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=200, help="posts timed (default 200), after 20 not timed")
    parser.add_argument("--workers", type=int, default=1, help="threads grouping at once (default 1)")
    return parser.parse_args()


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))]


def post_all(section, consultation, posts):
    """Post `posts` comments, each from a new person; returns [(ms for the post, ms grouping in it)]."""
    from django.test import Client
    from django.urls import reverse

    from guidance.moderation import campaigns

    in_request = []
    arrival = getattr(campaigns, "group_on_arrival", None)
    if arrival is not None:

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return arrival(*args, **kwargs)
            finally:
                in_request.append((time.perf_counter() - start) * 1000)

        campaigns.group_on_arrival = timed
    url = reverse("guidance:section", args=[consultation.slug, section.slug])
    data = {
        "name": "Load Tester",
        "respondent_type": "public",
        "organisation": "",
        "consent": "anonymous",
        "privacy_agreed": "on",
    }
    timings = []
    try:
        for n in range(posts):
            client = Client()
            before = len(in_request)
            start = time.perf_counter()
            marker = uuid.uuid4().hex
            fields = {**data, "comment": SENTENCE.format(marker=marker), "email": f"bench-{marker}@example.org"}
            answer = client.post(url, fields)
            elapsed = (time.perf_counter() - start) * 1000
            if answer.status_code != 302:
                sys.exit(f"Post {n} was answered {answer.status_code}, not a redirect")
            timings.append((elapsed, sum(in_request[before:])))
    finally:
        if arrival is not None:
            campaigns.group_on_arrival = arrival
    return timings


def group_everything(workers):
    """The worker's grouping until nothing waits, in `workers` threads at once. Returns seconds."""
    from django.db import connection

    from guidance.moderation import campaigns

    failures = []

    def work():
        try:
            while campaigns.waiting().exists():
                if not campaigns.group_waiting():
                    # Only comments another thread is comparing: look again after a pause, as the
                    # worker does (a shorter one, not to count the pause in the figure).
                    time.sleep(0.05)
        except Exception as error:
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.exit(f"Grouping failed: {failures}")
    return time.perf_counter() - start


def main():
    args = parse_args()
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("This benchmark measures PostgreSQL: set DATABASE_URL to a postgres:// address.")
    recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from guidance.models import Comment
    from guidance.moderation import campaigns
    from tests.factories import ConsultationFactory, SectionFactory

    try:
        call_command("migrate", verbosity=0)
        consultation = ConsultationFactory()
        section = SectionFactory(document=consultation.document, major=1, slug="reciprocity")
        print(f"Load average before: {os.getloadavg()[0]:.1f}")
        post_all(section, consultation, 20)  # templates compiled, caches filled
        timings = post_all(section, consultation, args.posts)
        posts = [t for t, _ in timings]
        grouping = [g for _, g in timings]
        print(
            f"{args.posts} posts: median {statistics.median(posts):.1f} ms, p95 {percentile(posts, 0.95):.1f} ms; "
            f"grouping in the request: median {statistics.median(grouping):.1f} ms, "
            f"p95 {percentile(grouping, 0.95):.1f} ms"
        )
        if hasattr(campaigns, "group_waiting"):
            waiting = campaigns.waiting().count()
            seconds = group_everything(args.workers)
            grouped = Comment.objects.filter(group__isnull=False).count()
            print(
                f"The worker's grouping ({args.workers} thread(s)): {waiting} comments in {seconds:.2f} s, "
                f"{waiting / seconds:.0f} comments/s; {grouped} now in a group, "
                f"{campaigns.waiting().count()} still waiting"
            )
        print(f"Load average after: {os.getloadavg()[0]:.1f}")
    finally:
        connection.close()
        drop_database(url)


if __name__ == "__main__":
    main()
