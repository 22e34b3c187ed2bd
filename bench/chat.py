#!/usr/bin/env python3
"""A chat hour under load, on PostgreSQL behind a real gunicorn: participants replying and polling,
scripted moderators approving, and the section pages' usual load at the same time.

    .venv/bin/python bench/chat.py                                   # 300 participants, 120 s
    .venv/bin/python bench/chat.py --participants 30 --seconds 30    # the quick check

What it does:
1. prepares its own database (consult_bench_chat) as bench/load does (migrated, the demo
   consultation, --seed-comments comments seeded with SQL), and adds a chat hour on the open
   consultation, moderated before replies show (the portal's default), its first question put, and
   --moderators staff accounts that may moderate;
2. starts gunicorn as bench/load does (gunicorn.conf.py, gthread, DEBUG off, plain HTTP, the limits
   raised: every client here shares one address), with the shared cache in Redis when --redis-url
   is given (production's setting), else the database's cache table;
3. runs, for --seconds (after --warm-up seconds not counted):
   - --participants browsers, each with the chat page open: it polls the messages fragment every
     --poll seconds (with If-None-Match, as static/js/chat.js does) and posts a reply every
     --message-every seconds on average (300 x every 20 s = 15 replies/s), with fetch as chat.js
     does (answered with a line saying it was sent, the page not loaded again); each reply carries
     a unique marker;
   - --moderators scripted moderators on the live queue (1 by default), each approving the reply it
     is shown as fast as the pages come (a GET of the queue, a POST of the decision);
   - the section pages' load of bench/load (--section-rate visits/s, half of them posting a comment);
4. prints: how many replies were posted, approved and seen; the delivery latency p50/p95/p99 from
   post to visible on the pollers' pages (every poller's first sight counted: the moderator's wait
   included) and from approval to visible (the live mechanism alone, for every reply approved in
   the run: moderators who fall behind approve replies posted before it); the polls' answers (304 or
   200) and their latency; the section pages' p95; the CPU used by gunicorn and PostgreSQL, in
   total and per participant.

The client shares the cores with the server: on a small machine its own CPU is in the figures too.
Record the figures in docs/performance.md ("Chat hour").
"""

import argparse
import collections
import contextlib
import http.client
import importlib.machinery
import importlib.util
import json
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"chat-[0-9a-f]{16}")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DECISION_FORM = re.compile(r'action="([^"]+/queue/\d+/)" id="decision-form"')
SEEN = re.compile(r'name="seen_event_id" value="(\d+)"')
SINCE = re.compile(r'data-since="(\d+)"')


def bench_load():
    """bench/load (a script without .py) as a module: its database, server and CPU helpers."""
    loader = importlib.machinery.SourceFileLoader("bench_load", str(ROOT / "bench" / "load"))
    spec = importlib.util.spec_from_loader("bench_load", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


load = bench_load()


class Browser(load.Browser):
    """bench/load's browser, sending a header of its own too (If-None-Match)."""

    def request(self, method, path, body=None, headers=None, cookies=True):
        sent = {"Host": f"{self.host}:{self.port}", "User-Agent": "bench/chat", **(headers or {})}
        if self.cookies and cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = self.base_url
            sent["Referer"] = self.base_url + path
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.requests += 1
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=sent)
            answer = self.connection.getresponse()
            content = answer.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        for name, value in answer.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                self.cookies[cookie_name.strip()] = rest.split(";", 1)[0]
        return answer.status, answer, content.decode("utf-8", "replace"), time.perf_counter() - started


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.posted = {}  # marker -> when posted (monotonic, once the POST was answered)
        self.approved = {}  # marker -> when the approval was answered
        self.seen = collections.defaultdict(dict)  # marker -> {participant: when first seen}
        self.polls = collections.Counter()
        self.poll_seconds = []
        self.post_seconds = []
        self.errors = collections.Counter()
        self.counting = False

    def error(self, kind):
        with self.lock:
            self.errors[kind] += 1


SETUP = """
import json, datetime
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone
from guidance.events import chat
from guidance.models import Consultation, Event
consultation = Consultation.objects.open().order_by("pk").first()
now = timezone.now()
event = Event.objects.create(consultation=consultation, kind="chat", title="Bench chat hour", slug="bench-chat",
    starts_at=now - datetime.timedelta(minutes=1), ends_at=now + datetime.timedelta(hours=3))
names = []
for n in range({moderators}):
    user = User.objects.create_user(f"bench-moderator-{{n}}", password="{password}", is_staff=True)
    codenames = ["moderate_comment", "view_comment", "add_chatmessage"]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    names.append(user.username)
question = consultation.questions.order_by("position").first()
chat.put_question(event, question, by=User.objects.get(username=names[0]))
print(json.dumps({{
    "chat": reverse("guidance:event_chat", args=[consultation.slug, event.slug]),
    "messages": reverse("guidance:event_chat_messages", args=[consultation.slug, event.slug]),
    "queue": reverse("admin:guidance_event_chat_queue", args=[event.pk]),
    "login": reverse("admin:login"),
    "moderators": names,
}}))
"""


def participant(base, urls, tally, stop, rng, args, number):
    browser = Browser(base)
    for _ in range(60):  # the server may turn people away (503) while it warms up
        page = browser.request("GET", urls["chat"])[2]
        if CSRF_INPUT.search(page):
            break
        time.sleep(1 + rng.random())
    else:
        tally.error("participant could not open the chat")
        return
    token = CSRF_INPUT.search(page)[1]
    since = SINCE.search(page)[1] if SINCE.search(page) else "0"
    etag = None
    next_post = time.monotonic() + rng.uniform(0, args.message_every)
    next_poll = time.monotonic() + rng.uniform(0, args.poll)
    name = f"Participant {number}"
    while not stop.is_set():
        now = time.monotonic()
        if now >= next_post:
            marker = f"chat-{secrets.token_hex(8)}"
            body = urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": token,
                    "reply": f"A reply from the bench: {marker}",
                    "name": name,
                    "respondent_type": "public",
                    "consent": "named",
                    "privacy_agreed": "on",
                }
            )
            try:
                # As static/js/chat.js sends it: answered with a line, the page not loaded again.
                status, _, _, elapsed = browser.request(
                    "POST", urls["chat"], body, headers={"X-Requested-With": "fetch"}
                )
                if status == 200:
                    with tally.lock:
                        tally.posted[marker] = time.monotonic()
                        if tally.counting:
                            tally.post_seconds.append(elapsed)
                else:
                    tally.error(f"post {status}")
            except (OSError, http.client.HTTPException):
                tally.error("post connection")
            next_post += rng.expovariate(1 / args.message_every)
        if now >= next_poll:
            try:
                # Without cookies, as static/js/chat.js polls.
                status, answer, text, elapsed = browser.request(
                    "GET",
                    f"{urls['messages']}?since={since}",
                    headers={"If-None-Match": etag} if etag else None,
                    cookies=False,
                )
                seen_at = time.monotonic()
                with tally.lock:
                    if tally.counting:
                        tally.polls[status] += 1
                        tally.poll_seconds.append(elapsed)
                if status == 200:
                    etag = answer.getheader("ETag")
                    since = SINCE.search(text)[1]
                    with tally.lock:
                        for marker in MARKER.findall(text):
                            tally.seen[marker].setdefault(number, seen_at)
                elif status != 304:
                    tally.error(f"poll {status}")
            except (OSError, http.client.HTTPException):
                tally.error("poll connection")
            next_poll += args.poll
        time.sleep(max(0.0, min(next_post, next_poll) - time.monotonic()))


def moderator(base, urls, username, password, tally, stop):
    browser = Browser(base)
    for _ in range(60):  # the server may turn people away (503) while it warms up
        _, _, page, _ = browser.request("GET", urls["login"])
        token = CSRF_INPUT.search(page)
        if token:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": token[1], "username": username, "password": password})
            if browser.request("POST", urls["login"], body)[0] == 302:
                break
        time.sleep(1)
    else:
        tally.error("moderator could not sign in")
        return
    while not stop.is_set():
        try:
            _, _, page, _ = browser.request("GET", urls["queue"])
            form = DECISION_FORM.search(page)
            if form is None:
                time.sleep(0.2)
                continue
            marker = MARKER.search(page)
            body = urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": CSRF_INPUT.search(page)[1],
                    "seen_event_id": SEEN.search(page)[1],
                    "decision": "approved",
                }
            )
            status, _, _, _ = browser.request("POST", form[1], body)
            if status == 302 and marker:
                with tally.lock:
                    tally.approved[marker[0]] = time.monotonic()
            elif status != 302:
                tally.error(f"decision {status}")
        except (OSError, http.client.HTTPException):
            tally.error("moderator connection")


def delivery(tally, start, end, since_approval):
    """Seconds from post (or approval) to each poller's first sight, for replies posted (or
    approved) in the run: the moderators take the oldest reply first, so when they fall behind
    the replies approved in the run were posted before it."""
    values = []
    for marker, seen in tally.seen.items():
        origin = tally.approved.get(marker) if since_approval else tally.posted.get(marker)
        if origin is None or not (start <= origin <= end) or marker not in tally.posted:
            continue
        values += [max(0.0, moment - origin) for moment in seen.values()]
    return values


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=120, help="seconds measured (default 120)")
    parser.add_argument("--warm-up", type=float, default=10)
    parser.add_argument("--message-every", type=float, default=20, help="seconds between a participant's replies")
    parser.add_argument("--poll", type=float, default=1.75, help="seconds between polls (static/js/chat.js: 1.5-2)")
    parser.add_argument(
        "--moderators",
        type=int,
        default=1,
        help="scripted moderators, each deciding as fast as its pages come (default 1: one already approves "
        "several replies a second, more than a person reads; 3 is the stress case in docs/performance.md)",
    )
    parser.add_argument("--section-rate", type=float, default=10, help="section page visits/s (half post)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seed-comments", type=int, default=20_000)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="consult_bench_chat")
    parser.add_argument("--redis-url", default="", help="REDIS_URL for the shared cache (default: the database's)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    url = load.database_url(args.admin_url, args.database)
    password = secrets.token_urlsafe(12)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "GUNICORN_"))}
    env.update(
        DATABASE_URL=url,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{args.port}",
        RATE_LIMIT_SUBMISSIONS_PER_HOUR="100000000",
        RATE_LIMIT_FORMS_PER_RESPONSE_PER_HOUR="100000000",
        RATE_LIMIT_CHAT_REPLIES_PER_HOUR="100000000",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        LOG_LEVEL="WARNING",
        GUNICORN_BIND=f"127.0.0.1:{args.port}",
        GUNICORN_WORKERS=str(args.workers),
        GUNICORN_THREADS=str(args.threads),
        GUNICORN_ACCESS_LOG="false",
    )
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    print(f"Preparing {args.database} with {args.seed_comments} comments…", flush=True)
    args.seed_comments = max(args.seed_comments, 1)
    paths = load.prepare_database(args, env)
    made = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP.format(moderators=args.moderators, password=password)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    urls = json.loads(made.stdout.strip().splitlines()[-1])
    base = f"http://127.0.0.1:{args.port}"
    tally, stop = Tally(), threading.Event()
    with open(ROOT / "bench" / "chat-gunicorn.log", "w") as log:
        gunicorn = load.start_gunicorn(args, env, log)
        try:
            threads = [
                threading.Thread(
                    target=participant, args=(base, urls, tally, stop, random.Random(n), args, n), daemon=True
                )
                for n in range(args.participants)
            ]
            threads += [
                threading.Thread(target=moderator, args=(base, urls, name, password, tally, stop), daemon=True)
                for name in urls["moderators"]
            ]
            for thread in threads:
                thread.start()
            time.sleep(args.warm_up)
            measure = lambda: load.cpu_snapshot(gunicorn.pid, args.database)  # noqa: E731
            with tally.lock:
                tally.counting = True
            start = time.monotonic()
            sections = load.run_load(
                base,
                paths,
                duration=args.seconds,
                clients=16,
                write_share=0.5,
                rate=args.section_rate,
                measure=measure,
            )
            end = time.monotonic()
            with tally.lock:
                tally.counting = False
            time.sleep(5)  # for the last replies approved to reach the pages
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        finally:
            gunicorn.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                gunicorn.wait(timeout=30)
    report(args, tally, sections, start, end)


def report(args, tally, sections, start, end):
    seconds = end - start
    posted = [m for m, at in tally.posted.items() if start <= at <= end]
    approved = [m for m in posted if m in tally.approved]
    approved_in_run = [m for m, at in tally.approved.items() if start <= at <= end]
    seen_by_all = [m for m in approved_in_run if len(tally.seen.get(m, {})) >= args.participants]
    after_post = delivery(tally, start, end, since_approval=False)
    after_approval = delivery(tally, start, end, since_approval=True)
    split = load.cpu_split(*sections.cpu)
    server = split["gunicorn"] + split["postgres"]
    cores = os.cpu_count()

    def spread(values):
        return " / ".join(f"{load.percentile(values, share):.0f}" for share in (0.50, 0.95, 0.99)) + " ms"

    lines = [
        f"Chat hour: {args.participants} participants (a reply every {args.message_every:.0f} s each, polls every "
        f"{args.poll} s), {args.moderators} moderator{'' if args.moderators == 1 else 's'} approving, "
        f"section pages at {args.section_rate} visits/s; "
        f"{seconds:.0f} s measured, {args.workers} workers x {args.threads} threads, cache: "
        f"{'Redis' if args.redis_url else 'database table'}, {cores} cores",
        f"Replies posted {len(posted)} ({len(posted) / seconds:.1f}/s), {len(approved)} of them approved; approved "
        f"in the run {len(approved_in_run)} ({len(approved_in_run) / seconds:.1f}/s), seen by every participant "
        f"{len(seen_by_all)}; POST p50/p95/p99 {spread(tally.post_seconds)}",
        f"Delivery, post to visible on each page (the moderator's wait included), p50/p95/p99: {spread(after_post)}",
        f"Delivery, approval to visible on each page (replies approved in the run), p50/p95/p99: "
        f"{spread(after_approval)}",
        f"Polls: {sum(tally.polls.values())} ({sum(tally.polls.values()) / seconds:.0f}/s): "
        + ", ".join(f"{status}: {count}" for status, count in sorted(tally.polls.items()))
        + f"; latency p50/p95/p99 {spread(tally.poll_seconds)}",
        f"Section pages: reads p50/p95/p99 {load.latencies(sections.reads, 1)}; writes "
        f"{load.latencies(sections.writes, 1)}; {len(sections.reads)} reads, {len(sections.writes)} writes",
        "Errors: "
        + (", ".join(f"{kind}: {count}" for kind, count in sorted(tally.errors.items())) or "none")
        + "; section load: "
        + (", ".join(f"{kind}: {count}" for kind, count in sorted(sections.errors.items())) or "none"),
        f"CPU of gunicorn and PostgreSQL: {server:.1f} s in {split['seconds']:.1f} s "
        f"({server / split['seconds']:.2f} cores, the section load included); "
        f"{server / split['seconds'] / args.participants * 1000:.1f} milli-cores per participant",
        *load.cpu_report(split, cores),
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
