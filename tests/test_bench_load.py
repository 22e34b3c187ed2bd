"""The load benchmark's client (bench/load), against a stub server: it must read the form from
the page, fill it as a person would (never the honeypot), keep its cookies, recognise the
reference it is given, count errors and reconcile exactly. The real run needs PostgreSQL and the
public pages; the lead runs it and records the figures in docs/performance.md."""

import http.server
import importlib.machinery
import importlib.util
import random
import re
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


class StubPortal(http.server.ThreadingHTTPServer):
    """A section page with a CSRF cookie and a one-time token; a POST stores the comment and
    redirects to /confirmation/<reference>/; every 25th POST is refused with 429 + Retry-After."""

    daemon_threads = True

    def __init__(self, two_steps=False):
        super().__init__(("127.0.0.1", 0), StubHandler)
        self.lock = threading.Lock()
        self.tokens, self.stored, self.posts, self.honeypot_filled = set(), {}, 0, 0
        self.two_steps, self.pending, self.thanks = two_steps, {}, []


class StubHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

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
        token = uuid.uuid4().hex
        with self.server.lock:
            self.server.tokens.add(token)
        cookie = ("Set-Cookie", "csrftoken=cookie123; Path=/; SameSite=Lax")
        page = SECTION_PAGE.format(csrf="masked", token=token).encode()
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
                marker = self.server.pending.pop(fields["pending"])
                return self.store(marker)
            marker = re.search(r"bench-[0-9a-f]{32}", fields["text"]).group()
            if self.server.two_steps:
                self.server.pending[fields["form_token"]] = marker
                return self.send(200, DETAILS_PAGE.format(pending=fields["form_token"]).encode())
            if (
                "csrftoken=cookie123" not in self.headers.get("Cookie", "")
                or fields["form_token"] not in self.server.tokens
            ):
                return self.send(403)
            if fields["website"]:
                self.server.honeypot_filled += 1
            self.server.tokens.discard(fields["form_token"])
            self.store(marker)

    def store(self, marker):
        reference = "".join(random.choice("34679ACDEFGHJKMNPQRTWXY") for _ in range(8))
        reference = f"{reference[:4]}-{reference[4:]}"
        self.server.stored[marker] = [reference]
        if self.server.two_steps:  # a confirmation page whose text, not address, holds the reference
            self.server.thanks.append(reference)
            return self.send(303, headers=[("Location", f"/thanks/{len(self.server.thanks) - 1}/")])
        self.send(302, headers=[("Location", f"/confirmation/{reference}/")])


@pytest.mark.parametrize("two_steps", [False, True], ids=["one form", "comment then details"])
def test_the_client_drives_a_stub_portal_and_reconciles_exactly(two_steps):
    stub = StubPortal(two_steps=two_steps)
    thread = threading.Thread(target=stub.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{stub.server_address[1]}"
        results = bench.run_load(
            base, ["/consultations/c/draft/a/", "/consultations/c/draft/b/"], duration=1.5, clients=4, write_share=0.5
        )
    finally:
        stub.shutdown()
    assert len(results.read_latencies) > 20
    assert len(results.acknowledged) > 10
    assert stub.honeypot_filled == 0
    assert set(results.errors) <= {"write 429"}
    assert results.retry_after_missing == 0
    outcome = bench.reconcile(results.acknowledged, stub.stored)
    assert outcome == {"lost": [], "duplicated": [], "misfiled": [], "stored_unacknowledged": []}
    assert results.acknowledged == {marker: refs[0] for marker, refs in stub.stored.items()}
    text = bench.report(results, outcome, title="Stub")
    assert "submissions/s" in text and "lost 0, duplicated 0" in text
