"""The load benchmark's client (bench/load), against a stub server: it must read the form from
the page, fill it as a person would (never the honeypot), keep its cookies, recognise the
reference it is given, count errors and reconcile exactly. The real run needs PostgreSQL and the
public pages; it is run by hand and its figures recorded in docs/performance.md."""

import contextlib
import http.server
import importlib.machinery
import importlib.util
import os
import random
import re
import subprocess
import sys
import threading
import urllib.parse
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_bench():
    loader = importlib.machinery.SourceFileLoader("bench_load", str(ROOT / "bench" / "load"))
    spec = importlib.util.spec_from_loader("bench_load", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


bench = load_bench()

SECTION_PAGE = """<!DOCTYPE html><html><body>
<form method="get" action="/search/"><input name="q" type="search"><button>Search</button></form>
<main>
<h1>Reciprocity</h1>
<form method="post" action="" novalidate>
  <input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">
  <input type="hidden" name="form_token" value="{token}">
  <div class="govuk-visually-hidden" aria-hidden="true">
    <label for="id_website">Leave this empty</label><input type="text" name="website" id="id_website" tabindex="-1">
  </div>
  <textarea name="text" id="id_text" rows="5"></textarea>
  <input type="text" name="name" value="">
  <input type="email" name="email">
  <div class="govuk-radios">
    <input type="radio" name="respondent_type" value="public"> <input type="radio" name="respondent_type" value="carer">
  </div>
  <div class="govuk-radios__conditional govuk-radios__conditional--hidden">
    <input type="text" name="organisation">
  </div>
  <select name="consent"><option value="">Choose</option><option value="named">Named</option></select>
  <input type="checkbox" name="privacy_agreed" value="yes">
  <button type="submit" class="govuk-button">Send comment</button>
</form>
<form method="post" action="/report/1/"><input type="hidden" name="csrfmiddlewaretoken" value="x">
<button>Report</button></form>
</main></body></html>"""


def test_the_client_fills_every_field_of_the_comment_form_but_never_the_honeypot():
    form = bench.comment_form(SECTION_PAGE.format(csrf="c" * 32, token="t" * 32))
    filled = dict(bench.fill_form(form, "bench-" + "0" * 32))
    assert filled["csrfmiddlewaretoken"] == "c" * 32 and filled["form_token"] == "t" * 32
    assert filled["website"] == ""
    assert "bench-" + "0" * 32 in filled["text"]
    assert filled["name"] == "Load Tester" and filled["email"].endswith("@example.org")
    assert filled["respondent_type"] == "public"
    assert filled["organisation"] == "Load testing organisation"
    assert filled["consent"] == "named" and filled["privacy_agreed"] == "yes"
    assert "q" not in filled


def test_percentiles_are_nearest_rank_in_milliseconds():
    values = [n / 1000 for n in range(1, 101)]
    assert bench.percentile(values, 0.50) == pytest.approx(50)
    assert bench.percentile(values, 0.95) == pytest.approx(95)
    assert bench.percentile(values, 0.99) == pytest.approx(99)


def test_reconciliation_finds_lost_duplicated_and_misfiled_submissions():
    acknowledged = {"a": "AAAA-AAAA", "b": "CCCC-CCCC", "c": "DDDD-DDDD", "d": "EEEE-EEEE"}
    stored = {"a": ["AAAA-AAAA"], "b": ["CCCC-CCCC", "FFFF-FFFF"], "d": ["HHHH-HHHH"], "e": ["JJJJ-JJJJ"]}
    outcome = bench.reconcile(acknowledged, stored)
    assert outcome == {"lost": ["c"], "duplicated": ["b"], "misfiled": ["d"], "stored_unacknowledged": ["e"]}


DETAILS_PAGE = """<html><body><h1>Your details</h1><form method="post">
<input type="hidden" name="pending" value="{pending}"><input name="full_name"><input type="email" name="email">
<input type="radio" name="consent" value="named"><input type="checkbox" name="agree"><button>Send</button>
</form></body></html>"""

PATH = "/consultations/c/draft/a/"


def section_page(csrf, token, extra=""):
    """The section page with these hidden values; `extra` is inserted just before the textarea."""
    page = SECTION_PAGE.format(csrf=csrf, token=token)
    return page.replace('  <textarea name="text"', f'  {extra}<textarea name="text"') if extra else page


def test_a_cached_form_is_sent_with_the_fresh_tokens_of_each_page():
    cache = bench.FormCache()
    first = cache.form("comment", PATH, section_page("a" * 32, "token-1"))
    page = section_page("b&amp;c", "token-2")
    second = cache.form("comment", PATH, page)
    assert (cache.parsed, cache.cached, cache.reparsed) == (1, 1, 0)
    marker = "bench-" + "1" * 32
    filled = dict(bench.fill_form(second, marker))
    assert filled["csrfmiddlewaretoken"] == "b&c" and filled["form_token"] == "token-2"
    assert bench.fill_form(second, marker) == bench.fill_form(bench.comment_form(page), marker)
    assert dict(bench.fill_form(first, marker))["form_token"] == "token-1"


@pytest.mark.parametrize(
    "changed",
    [
        '<input type="hidden" name="revision" value="7">',
        '<select name="region"><option value="north">North</option></select>',
        "<!-- no form_token -->",
    ],
    ids=["a hidden field more", "a select more", "a hidden field less"],
)
def test_the_cache_parses_the_page_again_when_its_form_has_changed(changed):
    cache = bench.FormCache()
    cache.form("comment", PATH, section_page("a" * 32, "token-1"))
    if changed.startswith("<!--"):
        page = section_page("b" * 32, "token-2").replace('<input type="hidden" name="form_token" value="token-2">', "")
    else:
        page = section_page("b" * 32, "token-2", extra=changed)
    form = cache.form("comment", PATH, page)
    assert (cache.parsed, cache.cached, cache.reparsed) == (2, 0, 1)
    marker = "bench-" + "2" * 32
    assert bench.fill_form(form, marker) == bench.fill_form(bench.comment_form(page), marker)
    again = cache.form("comment", PATH, page.replace("b" * 32, "c" * 32))
    assert cache.cached == 1 and dict(bench.fill_form(again, marker))["csrfmiddlewaretoken"] == "c" * 32


def test_the_cache_finds_no_form_on_a_page_that_lost_it():
    cache = bench.FormCache()
    cache.form("comment", PATH, section_page("a" * 32, "token-1"))
    assert cache.form("comment", PATH, "<html><body><h1>This consultation has closed</h1></body></html>") is None
    assert cache.reparsed == 1


class FakeClock:
    """Time that passes only when told: a visit's work, or a sleep that may overrun."""

    def __init__(self):
        self.time, self.oversleep = 100.0, 0.0

    def now(self):
        return self.time

    def sleep(self, seconds):
        self.time += seconds + self.oversleep


def test_the_schedule_starts_visits_on_time_and_counts_how_late_the_others_start():
    clock = FakeClock()
    schedule = bench.Schedule(10, 1.0, clock=clock.now, sleep=clock.sleep)
    schedule.begin(clock.now())
    assert schedule.next_visit() == (0.0, False)  # visit 0 is due at once
    clock.time += 0.03  # it takes 30 ms: visit 1 is waited for and starts on time
    assert schedule.next_visit() == (0.0, False) and clock.time == pytest.approx(100.1)
    clock.time += 0.35  # a slow visit: visits 2, 3 and 4 fell due while no thread was free
    late, no_thread_free = schedule.next_visit()
    assert late == pytest.approx(0.25) and no_thread_free
    late, no_thread_free = schedule.next_visit()
    assert late == pytest.approx(0.15) and no_thread_free
    late, no_thread_free = schedule.next_visit()
    assert late == pytest.approx(0.05) and no_thread_free
    clock.oversleep = 0.08  # the thread wakes 80 ms after visit 5 was due: the client is short of CPU
    late, no_thread_free = schedule.next_visit()
    assert late == pytest.approx(0.08) and not no_thread_free
    clock.oversleep = 0.0
    started = 6
    while schedule.next_visit() is not None:
        started += 1
    assert started == schedule.visits_due() == 10
    assert clock.time < 101.0


def test_the_schedule_starts_nothing_once_the_run_is_over():
    clock = FakeClock()
    schedule = bench.Schedule(100, 0.5, clock=clock.now, sleep=clock.sleep)
    schedule.begin(clock.now())
    assert schedule.next_visit() == (0.0, False)
    clock.time += 0.6  # every client thread was busy until after the end
    assert schedule.next_visit() is None
    assert schedule.visits_due() == 50


def test_results_count_the_visits_that_start_late():
    results = bench.Results()
    for late, no_thread_free in [(0.0, False), (0.049, True), (0.2, True), (0.06, False)]:
        results.start(late, no_thread_free)
    assert (results.late_no_thread, results.late_woken) == (1, 1)


def stat_line(pid, name, parent, utime, stime, cutime=0, cstime=0):
    fields = ["S", parent, 1, 1, 0, -1, 4194560, 100, 0, 0, 0, utime, stime, cutime, cstime, 20, 0, 1, 0, 5]
    return f"{pid} ({name}) " + " ".join(str(field) for field in fields)


def test_process_cpu_times_are_read_from_proc_stat_whatever_the_name():
    ticks = bench.CLOCK_TICKS
    name, parent, own, with_children = bench.parse_stat(stat_line(42, "postgres: a (b) c", 7, 3 * ticks, ticks, ticks))
    assert (name, parent) == ("postgres: a (b) c", 7)
    assert (own, with_children) == (pytest.approx(4.0), pytest.approx(5.0))


def test_the_cpu_split_keeps_the_time_of_a_worker_killed_mid_run():
    def snapshot(at, client, machine, table):
        return {
            "at": at,
            "client_pid": 5,
            "client": client,
            "machine": machine,
            "table": {pid: (name, parent, own, own + children) for pid, (name, parent, own, children) in table.items()},
            "gunicorn": 10,
            "backends": {21},
        }

    # pid: (name, parent, own seconds, seconds of its waited-for children)
    before = snapshot(
        0.0,
        1.0,
        (50.0, 3.0),  # the machine's busy seconds, and those the host took for other machines (steal)
        {
            5: ("python", 1, 1.0, 0.0),  # the benchmark itself, counted with os.times()
            10: ("python", 1, 1.0, 0.0),  # the gunicorn master
            11: ("python", 10, 4.0, 0.0),  # a worker, killed during the run
            20: ("postgres", 1, 2.0, 0.0),  # the postmaster
            21: ("postgres", 20, 3.0, 0.0),  # this database's backend
            30: ("bash", 1, 9.0, 0.0),
            32: ("make", 30, 4.0, 0.0),  # ends during the run
        },
    )
    after = snapshot(
        10.0,
        2.5,
        (68.0, 4.5),
        {
            5: ("python", 1, 2.5, 0.0),
            10: ("python", 1, 1.5, 7.0),  # the killed worker's 7 s, now among the master's waited-for children
            12: ("python", 10, 2.0, 0.0),  # its replacement
            20: ("postgres", 1, 2.0, 1.0),  # a backend that ended during the run
            21: ("postgres", 20, 6.0, 0.0),
            30: ("bash", 1, 9.5, 4.5),  # make used 0.5 s more before it ended
            31: ("make", 30, 1.0, 0.0),
        },
    )
    split = bench.cpu_split(before, after)
    assert split == {
        "seconds": 10.0,
        "client": 1.5,
        "gunicorn": pytest.approx(8.5 + 2.0 - 5.0),
        "postgres": pytest.approx(9.0 - 5.0),
        "backends": pytest.approx(3.0),
        "machine": 18.0,
        "stolen": 1.5,
        "others_seen": pytest.approx(0.5 + 0.5 + 1.0),
        "busiest_others": [("make", 1.0), ("bash", 0.5)],
    }
    text = "\n".join(bench.cpu_report(split, 2))
    assert "20.0 core-seconds" in text and "gunicorn (master and workers)" in text and "28%" in text
    assert "busiest: make 1.0 s, bash 0.5 s" in text
    assert re.search(r"taken by the host \(steal\) +1\.5 s +8%", text)
    assert re.search(r"idle +0\.5 s +2%", text)


class StubPortal(http.server.ThreadingHTTPServer):
    """A section page with a CSRF cookie and fresh hidden values on every copy; a POST must send
    back the values of one copy, once, and is stored and redirected to /confirmation/<reference>/;
    every 25th POST is refused with 429 + Retry-After. With `two_steps` the comment is followed by
    a details form; with `changing_form` every third copy of the page has one hidden field more."""

    daemon_threads = True

    def __init__(self, two_steps=False, changing_form=False):
        super().__init__(("127.0.0.1", 0), StubHandler)
        self.lock = threading.Lock()
        self.issued, self.stored, self.pages, self.posts, self.honeypot_filled = {}, {}, 0, 0, 0
        self.refused_tokens = self.connections = 0
        self.two_steps, self.changing_form, self.pending, self.thanks = two_steps, changing_form, {}, []

    def get_request(self):
        with self.lock:
            self.connections += 1
        return super().get_request()


class StubHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: without this each answer waits 40 ms

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/thanks/"):
            reference = self.server.thanks[int(self.path.split("/")[2])]
            return self.send(200, f"<h1>Thank you</h1><p>Your reference is {reference}</p>".encode())
        token, hidden = uuid.uuid4().hex, {"csrfmiddlewaretoken": uuid.uuid4().hex}
        with self.server.lock:
            self.server.pages += 1
            if self.server.changing_form and self.server.pages % 3 == 0:
                hidden["revision"] = str(self.server.pages)
            self.server.issued[token] = hidden
        extra = f'<input type="hidden" name="revision" value="{hidden["revision"]}">' if "revision" in hidden else ""
        cookie = ("Set-Cookie", "csrftoken=cookie123; Path=/; SameSite=Lax")
        page = section_page(hidden["csrfmiddlewaretoken"], token, extra).encode()
        self.send(200, page, [cookie, ("Content-Type", "text/html; charset=utf-8")])

    def do_POST(self):
        fields = dict(
            urllib.parse.parse_qsl(
                self.rfile.read(int(self.headers["Content-Length"])).decode(), keep_blank_values=True
            )
        )
        with self.server.lock:
            self.server.posts += 1
            if self.server.posts % 25 == 0:
                return self.send(429, b"slow down", [("Retry-After", "1")])
            if "pending" in fields:  # the second step: the respondent's details
                marker = self.server.pending.pop(fields["pending"], None)
                return self.store(marker) if marker else self.send(403)
            hidden = self.server.issued.pop(fields.get("form_token"), None)
            if (
                "csrftoken=cookie123" not in self.headers.get("Cookie", "")
                or hidden is None
                or any(fields.get(name) != value for name, value in hidden.items())
                or ("revision" in fields and "revision" not in hidden)
            ):
                self.server.refused_tokens += 1
                return self.send(403)
            if fields["website"]:
                self.server.honeypot_filled += 1
            marker = re.search(r"bench-[0-9a-f]{32}", fields["text"]).group()
            if self.server.two_steps:
                self.server.pending[fields["form_token"]] = marker
                return self.send(200, DETAILS_PAGE.format(pending=fields["form_token"]).encode())
            self.store(marker)

    def store(self, marker):
        reference = "".join(random.choice("34679ACDEFGHJKMNPQRTWXY") for _ in range(8))
        reference = f"{reference[:4]}-{reference[4:]}"
        self.server.stored[marker] = [reference]
        if self.server.two_steps:  # a confirmation page whose text, not address, holds the reference
            self.server.thanks.append(reference)
            return self.send(303, headers=[("Location", f"/thanks/{len(self.server.thanks) - 1}/")])
        self.send(302, headers=[("Location", f"/confirmation/{reference}/")])


@contextlib.contextmanager
def stub_portal(**options):
    stub = StubPortal(**options)
    thread = threading.Thread(target=stub.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield stub, f"http://127.0.0.1:{stub.server_address[1]}"
    finally:
        stub.shutdown()
        stub.server_close()


def assert_reconciled_exactly(results, stub):
    assert stub.honeypot_filled == 0 and stub.refused_tokens == 0
    assert set(results.errors) <= {"write 429 with Retry-After"}
    outcome = bench.reconcile(results.acknowledged, stub.stored)
    assert outcome == {"lost": [], "duplicated": [], "misfiled": [], "stored_unacknowledged": []}
    assert results.acknowledged == {marker: refs[0] for marker, refs in stub.stored.items()}
    return outcome


PATHS = ["/consultations/c/draft/a/", "/consultations/c/draft/b/"]


@pytest.mark.parametrize("two_steps", [False, True], ids=["one form", "comment then details"])
def test_the_client_drives_a_stub_portal_in_a_closed_loop_and_reconciles_exactly(two_steps):
    with stub_portal(two_steps=two_steps) as (stub, base):
        results = bench.run_load(base, PATHS, duration=0.6, clients=4, write_share=0.5, rate=0)
    assert len(results.reads) > 20
    assert len(results.acknowledged) > 10
    outcome = assert_reconciled_exactly(results, stub)
    forms = results.forms
    assert forms.cached > 0 and forms.reparsed == 0 and forms.parsed <= 4 * len(PATHS) * (2 if two_steps else 1)
    assert results.requests == stub.pages + stub.posts + len(stub.thanks)
    text = bench.report(results, outcome, title="Stub")
    assert "Closed loop" in text and "submissions/s" in text and "lost 0, duplicated 0" in text


@pytest.mark.parametrize("connections", ["keep-alive", "per-visit", "per-request"])
def test_the_client_opens_connections_as_asked(connections):
    with stub_portal() as (stub, base):
        results = bench.run_load(base, PATHS, duration=0.6, clients=4, write_share=0.5, rate=0, connections=connections)
    assert_reconciled_exactly(results, stub)
    visits = stub.pages
    assert visits > 20 and results.requests > visits
    expected = {"keep-alive": 4, "per-visit": visits, "per-request": results.requests}[connections]
    assert stub.connections == expected


def test_the_client_sends_what_a_changed_form_asks_for():
    with stub_portal(changing_form=True) as (stub, base):
        results = bench.run_load(base, PATHS, duration=0.6, clients=4, write_share=1.0, rate=0)
    assert len(results.acknowledged) > 10 and results.forms.reparsed > 0
    assert_reconciled_exactly(results, stub)


def test_the_client_starts_visits_at_the_set_rate_and_reconciles_exactly():
    with stub_portal() as (stub, base):
        results = bench.run_load(base, PATHS, duration=0.6, clients=4, write_share=0.5, rate=50, seed=1)
    assert results.scheduled == 30
    assert 0 < len(results.lateness) <= 30 and min(results.lateness) >= 0
    assert stub.pages == len(results.lateness)  # one section page a visit, none before or after the schedule
    assert len(results.acknowledged) > 0
    outcome = assert_reconciled_exactly(results, stub)
    text = bench.report(results, outcome, title="Stub")
    assert "Offered: 50.0 visits/s, 25.0 submissions/s" in text and "30 visits due" in text
    assert "ms late" in text and "lost 0, duplicated 0" in text


def test_the_report_warns_when_another_client_posted_to_the_server():
    results = bench.Results()
    results.duration, results.unacknowledged_posts = 10.0, 1
    outcome = bench.reconcile({"a": "AAAA-AAAA"}, {"a": ["AAAA-AAAA"], "x": ["CCCC-CCCC"], "y": ["DDDD-DDDD"]})
    assert "WARNING: more comments stored without an acknowledgement" in bench.report(results, outcome, title="")
    outcome = bench.reconcile({"a": "AAAA-AAAA"}, {"a": ["AAAA-AAAA"], "x": ["CCCC-CCCC"]})
    assert "WARNING" not in bench.report(results, outcome, title="")


def test_the_workers_to_kill_are_found_as_the_children_of_the_master():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in bench.worker_pids(os.getpid())
        assert child.pid not in bench.worker_pids(child.pid)
    finally:
        child.kill()
        child.wait()
