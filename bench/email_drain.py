#!/usr/bin/env python3
"""How fast the worker empties the email queue: 10,000 receipts queued, sent to a local SMTP sink.

    .venv/bin/python bench/email_drain.py                 # 10,000 emails, one worker
    .venv/bin/python bench/email_drain.py --workers 2     # two worker processes side by side
    .venv/bin/python bench/email_drain.py --emails 1000   # a quicker look

What it does, from nothing:
1. drops and creates its own PostgreSQL database (consult_bench_email), migrates it and loads the
   demo consultation;
2. stores --emails responses, each with one comment and its own address, and queues a receipt for
   each as the portal does (guidance/mail/mailqueue.py: a QueuedEmail row, with its address);
3. starts a local SMTP sink (bench/smtp_server.py, aiosmtpd) and --workers `manage.py run_worker`
   processes, and times them from their start until the last email is marked sent;
4. checks the sink received every email exactly once (by Message-ID) and prints the rate, the CPU
   the worker(s) and the sink used, and the time the host gave to other virtual machines (steal: a
   run with much of it measured a busy host).

Run it on an otherwise idle machine; record the figures in docs/performance.md ("Email").
"""

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid):
    """CPU seconds (user and system) a running process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stolen_seconds():
    """CPU seconds, all cores, the host has given to other virtual machines while this one had work."""
    with open("/proc/stat") as stat:
        return int(stat.readline().split()[8]) / os.sysconf("SC_CLK_TCK")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emails", type=int, default=10_000, help="emails queued (default 10000)")
    parser.add_argument("--workers", type=int, default=1, help="run_worker processes (default 1)")
    parser.add_argument(
        "--nice", type=int, default=19, help="the workers' run_worker --nice (default 19, as in production)"
    )
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="consult_bench_email")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the queue (default 1800)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import psycopg2

    parts = urllib.parse.urlsplit(args.admin_url)
    url = urllib.parse.urlunsplit(parts._replace(path=f"/{args.database}"))
    admin = psycopg2.connect(args.admin_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{args.database}"')
    admin.close()

    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "EMAIL_"))}
    env.update(
        DATABASE_URL=url,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_SETTINGS_MODULE="consult.settings",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        EMAIL_USE_TLS="false",
        LOG_LEVEL="WARNING",
    )
    for command in (["migrate", "--noinput"], ["load_demo"]):
        subprocess.run([sys.executable, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env, check=True)

    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection, transaction

    from guidance.models import Comment, Consultation, QueuedEmail, Response, Submission

    started = time.monotonic()
    consultation = Consultation.objects.get()
    section = consultation.document.sections.first()
    with transaction.atomic():
        responses = Response.objects.bulk_create(
            Response(
                consultation=consultation,
                respondent_type="public",
                consent="anonymous",
                name=f"Person {n}",
                email=f"person{n}@example.org",
            )
            for n in range(args.emails)
        )
        submissions = Submission.objects.bulk_create(
            Submission(response=response, form_token=uuid.uuid4(), fingerprint="") for response in responses
        )
        comments = Comment.objects.bulk_create(
            Comment(
                response=response,
                consultation=consultation,
                section=section,
                text="Co-production needs time, trust and shared power. " * 4,
            )
            for response in responses
        )
        emails = QueuedEmail.objects.bulk_create(
            QueuedEmail(
                kind="receipt",
                response=response,
                to=response.email,
                payload={"submission": submission.pk, "comments": [comment.pk]},
            )
            for response, submission, comment in zip(responses, submissions, comments, strict=True)
        )
    connection.close()
    print(f"Queued {len(emails)} receipts in {time.monotonic() - started:.1f} s", flush=True)

    record = ROOT / "bench" / "email-drain-received.txt"
    record.unlink(missing_ok=True)
    log = open(ROOT / "bench" / "email-drain.log", "w")  # noqa: SIM115 - closed below
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "smtp_server.py"), "--port", str(port), "--record", str(record)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    time.sleep(1)
    stolen_before = stolen_seconds()
    begun = time.monotonic()
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--nice", str(args.nice)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(args.workers)
    ]
    database = psycopg2.connect(url)
    database.autocommit = True
    try:
        while time.monotonic() - begun < args.timeout:
            with database.cursor() as cursor:
                cursor.execute("SELECT status, count(*) FROM guidance_queuedemail GROUP BY status")
                counts = dict(cursor.fetchall())
            if counts.get("sent", 0) + counts.get("failed", 0) + counts.get("cancelled", 0) >= len(emails):
                break
            time.sleep(0.5)
        with database.cursor() as cursor:
            cursor.execute("SELECT min(last_attempt_at), max(sent_at) FROM guidance_queuedemail")
            first, last = cursor.fetchone()
        worker_cpu, sink_cpu = sum(cpu_seconds(worker.pid) for worker in workers), cpu_seconds(sink.pid)
        stolen = stolen_seconds() - stolen_before
    finally:
        for process in [*workers, sink]:
            process.send_signal(signal.SIGTERM)
        for process in [*workers, sink]:
            process.wait(timeout=60)
        log.close()
        database.close()
    elapsed = time.monotonic() - begun
    lines = record.read_text().splitlines() if record.exists() else []
    ids = [line.split()[0] for line in lines]
    print(f"Statuses: {counts}")
    print(f"Received by the sink: {len(ids)} messages, {len(set(ids))} distinct Message-IDs")
    if first and last:
        sending = (last - first).total_seconds()
        sent = counts.get("sent", 0)
        print(
            f"Drained {sent} emails with {args.workers} worker(s), nice {args.nice}, in {sending:.1f} s "
            f"from the first attempt to the last sent ({sent / sending:.0f} emails/s); {elapsed:.1f} s from "
            f"the workers' start, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end"
        )
        print(
            f"CPU: the worker(s) {worker_cpu:.1f} s ({worker_cpu / sent * 1000:.1f} ms an email), the sink "
            f"{sink_cpu:.1f} s; {stolen:.1f} core-seconds taken by the host for other machines (steal)"
        )
    return 0 if len(ids) == len(set(ids)) == len(emails) == counts.get("sent") else 1


if __name__ == "__main__":
    sys.exit(main())
