"""The public record's benchmark (bench/public_record.py) runs end to end at a tiny size: it builds
its own PostgreSQL database (the local server, or the one DATABASE_URL names), times every request
it lists, prints their figures and drops its database. The real run, at 1,000,000 published
comments, is made by hand; its figures are in docs/performance.md."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent


def server_url():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url.rsplit("/", 1)[0]
    return "postgres://postgres@127.0.0.1:5432"


def databases(server):
    connection = psycopg2.connect(server + "/postgres")
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database")
        names = {row[0] for row in cursor.fetchall()}
    connection.close()
    return names


def test_the_public_record_benchmark_times_every_request_at_a_tiny_size_and_drops_its_database():
    server = server_url()
    name = f"bench_record_test_{uuid.uuid4().hex[:8]}"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    env["BENCH_DATABASE_URL"] = f"{server}/{name}"
    run = subprocess.run(
        [sys.executable, "bench/public_record.py", "--comments", "100", "--rounds", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    published = int(re.search(r"([\d,]+) of them published", out)[1].replace(",", ""))
    assert published >= 100  # the demo's own published comments besides
    for request in ["no filter", "page 2", "q=payment", "section 3 + Q1 + 'Partly'", "respondent_type=carer"]:
        row = re.search(rf"page: {re.escape(request)} +(\d+)ms +(\d+)ms +(\d+)ms +(\d+) ", out)
        assert row, (request, out)
    assert re.search(rf"page: no filter .* {published:,} published comments\n", out), out
    assert "worst p95, page:" in out
    assert name not in databases(server)
