"""The email queue: every email is recorded in the transaction that causes it and sent by the worker
with retries and back-off; nothing is lost and nothing is sent twice when the mail server refuses,
hangs or a worker dies; no page waits for the mail server; /healthz shows the queue."""

import asyncio
import contextlib
import datetime
import os
import re
import smtplib
import socket
import subprocess
import sys
import threading
import time
import uuid
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from guidance.mail import mailqueue
from guidance.models import QueuedEmail, Response
from guidance.privacy.retention import erase_response
from tests.journey_helpers import comment_data, deliver_emails, section_url

ROOT = Path(__file__).resolve().parent.parent


class DownMailServer(BaseEmailBackend):
    tries = 0

    def send_messages(self, messages):
        DownMailServer.tries += 1
        raise ConnectionRefusedError("nobody is listening")


class CountingMailServer(locmem.EmailBackend):
    """The tests' in-memory mail server, counting the connections opened to it."""

    opened = 0

    def open(self):
        CountingMailServer.opened += 1
        return super().open()


class RefusingOneAddress(locmem.EmailBackend):
    """A mail server that has no mailbox for bounce@example.org and takes everything else."""

    def send_messages(self, messages):
        if messages[0].to == ["bounce@example.org"]:
            raise smtplib.SMTPRecipientsRefused({"bounce@example.org": (550, b"5.1.1 No such user")})
        return super().send_messages(messages)


class BadlyFormattedSubject(locmem.EmailBackend):
    """A mail backend as Django's SMTP one is when a header cannot be written: it raises
    BadHeaderError (a ValueError) while sending, before anything reaches a server."""

    def send_messages(self, messages):
        if "\n" in messages[0].to[0]:
            raise ValueError("Header values can't contain newlines")
        return super().send_messages(messages)


def send_comment(client, consultation, section, **changes):
    data = comment_data(form_token=str(uuid.uuid4()), **changes)
    return client.post(section_url(section, consultation), data)


def send_comments(consultation, section, *addresses):
    for address in addresses:
        send_comment(Client(), consultation, section, email=address)


def by_address():
    return {email.to or email.response.email: (email.status, email.attempts) for email in QueuedEmail.objects.all()}


def make_due(email=None):
    """Move the clock on to the emails' next attempt."""
    QueuedEmail.objects.filter(status="waiting").update(next_attempt_at=timezone.now())


# In the test's transaction ------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_email_is_recorded_with_what_caused_it_or_not_at_all(consultation, section):
    from guidance.responses.submissions import submit_response

    details = {"name": "Ann", "email": "ann@example.org", "respondent_type": "carer", "consent": "named"}
    with contextlib.suppress(RuntimeError), transaction.atomic():
        submit_response(consultation, details, [(section, "Rolled back")], form_token=uuid.uuid4())
        raise RuntimeError("the request failed after storing")
    assert not Response.objects.exists()
    assert not QueuedEmail.objects.exists()
    submit_response(consultation, details, [(section, "Kept")], form_token=uuid.uuid4())
    email = QueuedEmail.objects.get()
    assert (email.kind, email.to, email.status) == ("receipt", "ann@example.org", "waiting")


@pytest.mark.django_db
def test_a_failed_attempt_is_tried_again_after_a_back_off_and_then_sent(client, consultation, section, settings):
    settings.EMAIL_BACKEND = "tests.test_email_queue.DownMailServer"
    send_comment(client, consultation, section)
    before = timezone.now()
    deliver_emails()
    email = QueuedEmail.objects.get()
    assert (email.status, email.attempts, email.last_error) == ("waiting", 1, "ConnectionRefusedError")
    assert datetime.timedelta(seconds=59) < email.next_attempt_at - before < datetime.timedelta(seconds=62)
    assert deliver_emails() == 0  # not due yet
    make_due(email)
    deliver_emails()
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("waiting", 2)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_due(email)
    deliver_emails()
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("sent", 3, "")
    assert len(mail.outbox) == 1


def test_the_back_off_doubles_up_to_its_ceiling(settings):
    settings.EMAIL_RETRY_SECONDS, settings.EMAIL_RETRY_MAX_SECONDS = 60, 3600
    delays = [mailqueue.retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]


@pytest.mark.django_db
def test_an_email_still_unsent_after_the_give_up_time_is_given_up_and_counted(
    client, consultation, section, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.test_email_queue.DownMailServer"
    send_comment(client, consultation, section)
    QueuedEmail.objects.update(created_at=timezone.now() - datetime.timedelta(hours=48, seconds=1))
    deliver_emails()
    email = QueuedEmail.objects.get()
    assert email.status == "failed"
    assert "given up after 1 attempt(s)" in caplog.text
    assert mailqueue.health()["email_queue_failed_last_7_days"] == 1


@pytest.mark.django_db
def test_an_email_being_sent_is_not_taken_by_another_round(client, consultation, section):
    send_comment(client, consultation, section)
    assert len(mailqueue.take_batch("first-worker", timezone.now())) == 1
    assert deliver_emails() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_email_whose_worker_stopped_mid_send_is_queued_again_once_its_hold_runs_out_and_sent_once(
    client, consultation, section, settings
):
    send_comment(client, consultation, section)
    email = QueuedEmail.objects.get()
    # A worker took it and started the attempt, then was killed: it renews its hold no more.
    mailqueue.take_batch("killed-worker", timezone.now())
    assert mailqueue.recover_interrupted() == 0  # too soon: it may still be working
    assert deliver_emails() == 0
    later = timezone.now() + datetime.timedelta(seconds=settings.EMAIL_STALE_SECONDS + 1)
    assert mailqueue.recover_interrupted(now=later) == 1
    make_due()
    deliver_emails()
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_worker_that_is_alive_keeps_its_hold_and_no_other_takes_its_emails(client, consultation, section, settings):
    send_comment(client, consultation, section)
    mailqueue.take_batch("slow-worker", timezone.now())
    later = timezone.now() + datetime.timedelta(seconds=settings.EMAIL_STALE_SECONDS - 1)
    assert mailqueue.renew_leases("slow-worker", now=later) == 1
    assert mailqueue.recover_interrupted(now=later + datetime.timedelta(seconds=5)) == 0
    assert QueuedEmail.objects.get().status == "sending"


@pytest.mark.django_db
def test_one_round_sends_every_email_due_over_one_connection(consultation, section, settings):
    settings.EMAIL_BACKEND = "tests.test_email_queue.CountingMailServer"
    mailqueue.close_mail_connection()
    CountingMailServer.opened = 0
    send_comments(consultation, section, "ann@example.org", "bo@example.org", "cy@example.org")
    assert deliver_emails(limit=1) == 3
    assert sorted(message.to[0] for message in mail.outbox) == ["ann@example.org", "bo@example.org", "cy@example.org"]
    assert CountingMailServer.opened == 1
    assert set(by_address().values()) == {("sent", 1)}


@pytest.mark.django_db
def test_a_round_sends_no_more_than_the_batch_size_and_the_rest_wait_for_the_next(consultation, section, settings):
    settings.EMAIL_BATCH_SIZE = 2
    send_comments(consultation, section, "ann@example.org", "bo@example.org", "cy@example.org")
    assert deliver_emails(limit=1) == 2
    assert len(mail.outbox) == 2
    assert by_address()["cy@example.org"] == ("waiting", 0)
    assert deliver_emails() == 1
    assert sorted(message.to[0] for message in mail.outbox) == ["ann@example.org", "bo@example.org", "cy@example.org"]


@pytest.mark.django_db
def test_emails_not_due_yet_are_left_out_of_a_batch(client, consultation, section, settings):
    settings.EMAIL_BACKEND = "tests.test_email_queue.DownMailServer"
    send_comments(consultation, section, "ann@example.org")
    deliver_emails()  # refused: tried again in a minute
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_comments(consultation, section, "bo@example.org")
    assert deliver_emails() == 1
    assert [message.to[0] for message in mail.outbox] == ["bo@example.org"]
    assert by_address()["ann@example.org"] == ("waiting", 1)


@pytest.mark.django_db
def test_a_mail_server_that_cannot_be_reached_fails_the_rest_of_the_batch_at_once_each_tried_again_later(
    consultation, section, settings
):
    settings.EMAIL_BACKEND = "tests.test_email_queue.DownMailServer"
    DownMailServer.tries = 0
    send_comments(consultation, section, "ann@example.org", "bo@example.org", "cy@example.org")
    assert deliver_emails() == 3
    assert DownMailServer.tries == 1  # not once for each email: a hanging server would hold each for its timeout
    assert (
        sorted(QueuedEmail.objects.values_list("status", "attempts", "last_error"))
        == [("waiting", 1, "ConnectionRefusedError")] * 3
    )


@pytest.mark.django_db
def test_a_refusal_of_one_recipient_leaves_the_rest_of_the_batch_to_be_sent(consultation, section, settings):
    settings.EMAIL_BACKEND = "tests.test_email_queue.RefusingOneAddress"
    send_comments(consultation, section, "ann@example.org", "bounce@example.org", "cy@example.org")
    deliver_emails()
    assert by_address() == {
        "ann@example.org": ("sent", 1),
        "bounce@example.org": ("failed", 1),
        "cy@example.org": ("sent", 1),
    }
    assert sorted(message.to[0] for message in mail.outbox) == ["ann@example.org", "cy@example.org"]


@pytest.mark.django_db
def test_a_message_that_cannot_be_formatted_fails_alone_and_the_rest_of_the_batch_goes(consultation, section, settings):
    send_comments(consultation, section, "ann@example.org", "bo@example.org", "cy@example.org")
    # An address stored before the forms refused what mail sending cannot write.
    QueuedEmail.objects.filter(to="bo@example.org").update(to='"=?utf-8?q?a=0Ab?="@example.org')
    deliver_emails()
    assert sorted(message.to[0] for message in mail.outbox) == ["ann@example.org", "cy@example.org"]
    bad = QueuedEmail.objects.get(to__startswith='"')
    assert (bad.status, bad.attempts) == ("waiting", 1)
    assert QueuedEmail.objects.filter(status="sent").count() == 2


@pytest.mark.django_db
def test_an_error_raised_while_sending_one_message_that_is_not_the_servers_fails_that_message_only(
    consultation, section, settings
):
    settings.EMAIL_BACKEND = "tests.test_email_queue.BadlyFormattedSubject"
    send_comments(consultation, section, "ann@example.org", "bo@example.org", "cy@example.org")
    QueuedEmail.objects.filter(to="bo@example.org").update(to="bo@example.org\nBcc: x@example.org")
    deliver_emails()
    assert sorted(message.to[0] for message in mail.outbox) == ["ann@example.org", "cy@example.org"]
    assert QueuedEmail.objects.filter(status="waiting", attempts=1).count() == 1


@pytest.mark.django_db
def test_a_title_with_a_line_break_stored_before_the_rules_held_still_gives_one_line_subjects(consultation, section):
    from guidance.models import Consultation

    Consultation.objects.filter(pk=consultation.pk).update(title="Our draft\r\nBcc: everyone@example.org")
    send_comments(consultation, section, "ann@example.org")
    deliver_emails()
    assert mail.outbox[0].subject == f"Your response to Our draft Bcc: everyone@example.org ({Response.objects.get()})"
    assert QueuedEmail.objects.get().status == "sent"


@pytest.mark.django_db
def test_every_attempt_at_one_email_carries_the_same_opaque_message_id(client, consultation, section, settings):
    settings.EMAIL_BACKEND = "tests.test_email_queue.DownMailServer"
    send_comment(client, consultation, section)
    email = QueuedEmail.objects.get()
    first = mailqueue.message_id(email)
    deliver_emails()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_due()
    deliver_emails()
    email.refresh_from_db()
    assert mailqueue.message_id(email) == first
    assert mail.outbox[0].extra_headers["Message-ID"] == first
    # A random id, not the email's number in the queue.
    assert re.fullmatch(r"<[0-9a-f]{32}@localhost>", first)
    assert first == f"<{email.uid.hex}@localhost>"


@pytest.mark.django_db
def test_an_email_for_an_erased_response_is_cancelled_and_its_address_forgotten(
    client, consultation, section, django_user_model
):
    send_comment(client, consultation, section)
    erase_response(Response.objects.get(), by=django_user_model.objects.create_user("dpo"))
    deliver_emails()
    assert mail.outbox == []
    email = QueuedEmail.objects.get()
    assert (email.status, email.to) == ("cancelled", "")


@pytest.mark.django_db
def test_a_receipt_goes_to_the_address_it_was_queued_for_whatever_the_response_says_later(
    client, consultation, section
):
    send_comment(client, consultation, section, email="ann@example.org")
    Response.objects.update(email="someone.else@example.org")
    deliver_emails()
    assert [message.to for message in mail.outbox] == [["ann@example.org"]]


@pytest.mark.django_db
def test_no_text_is_stored_in_the_queue(client, consultation, section):
    send_comment(client, consultation, section, email="ann@example.org")
    assert "I think this section" not in str(QueuedEmail.objects.get().payload)


@pytest.mark.django_db
def test_healthz_shows_how_many_emails_wait_the_oldest_age_and_failures(client, consultation, section, settings):
    settings.EMAIL_BACKEND = "tests.test_email_queue.DownMailServer"
    settings.EMAIL_QUEUE_ALERT_SECONDS = 60
    send_comment(Client(), consultation, section)
    QueuedEmail.objects.update(created_at=timezone.now() - datetime.timedelta(seconds=90))
    deliver_emails()
    send_comment(Client(), consultation, section)
    settings.HEALTH_CHECK_TOKEN = "monitoring-token"
    page = client.get("/healthz", headers={"Authorization": "Bearer monitoring-token"})
    assert page.status_code == 200  # a mail server that is down is no reason to take the portal out
    lines = dict(line.split() for line in page.content.decode().splitlines()[1:])
    assert lines["email_queue_waiting"] == "2"
    assert 89 <= int(lines["email_queue_oldest_seconds"]) <= 95
    assert lines["email_queue_delayed"] == "1"  # older than EMAIL_QUEUE_ALERT_SECONDS
    assert lines["email_queue_retrying"] == "1"
    assert lines["email_queue_failed_last_7_days"] == "0"


# Against a real mail server, with the real worker --------------------------------------------------


class RecordingHandler:
    """An SMTP server's handler: refuses for now (451), or accepts and records each message."""

    def __init__(self):
        self.refusing = True
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


class HangingServer:
    """Accepts connections and never says a word, as a mail server that hangs."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.held = []
        self.accepted = 0
        self.thread = threading.Thread(target=self.hold, daemon=True)
        self.thread.start()

    def hold(self):
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self.sock.accept()
                self.accepted += 1
                self.held.append(conn)

    def close(self):
        for conn in self.held:
            conn.close()
        # Wakes the thread blocked in accept(): closing alone would leave the port listening.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(timeout=5)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url():
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = f"{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}"
    return f"postgres://{settings['USER']}{password}@{host}/{settings['NAME']}"


def start_worker(port, tmp_path, name, database=None):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "EMAIL_"))}
    env.update(
        DJANGO_SECRET_KEY="k3Jd9s-83jdKs0_2kdmLq8Zp1xV7cB4nW6yT5rE0uI9oP3aS2dF1gH8jK7lM6",
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DATABASE_URL=database or database_url(),
        DATABASE_CONNECT_TIMEOUT="1",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        EMAIL_USE_TLS="false",
        EMAIL_TIMEOUT="2",
        EMAIL_RETRY_SECONDS="1",
        EMAIL_RETRY_MAX_SECONDS="1",
        EMAIL_STALE_SECONDS="4",
        EMAIL_POLL_SECONDS="1",
    )
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed by stop_worker
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--housekeeping-seconds", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log = log
    return process


def stop_worker(process, kill=False):
    if process.poll() is None:
        process.kill() if kill else process.terminate()
        process.wait(timeout=30)
    process.log.close()


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"Timed out waiting until {what}")


def statuses():
    return sorted(QueuedEmail.objects.values_list("status", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_refuses_then_hangs_then_accepts_loses_nothing_sends_nothing_twice_and_slows_no_page(
    consultation, section, settings, tmp_path
):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        port,
        False,
        2,
    )
    handler = RecordingHandler()
    smtp = Controller(handler, hostname="127.0.0.1", port=port)
    smtp.start()
    worker = start_worker(port, tmp_path, "worker")
    try:
        # 1. The server refuses (451, "try again later").
        for n in range(3):
            send_comment(Client(), consultation, section, email=f"person{n}@example.org")
        wait_until(
            lambda: QueuedEmail.objects.filter(attempts__gte=1, last_error="SMTPRecipientsRefused").count() == 3,
            30,
            "every receipt has been refused once",
        )
        assert statuses() == ["waiting"] * 3 and handler.messages == []
        # 2. The server hangs: it takes the connection and never answers.
        smtp.stop()
        hanging = HangingServer(port)
        wait_until(lambda: hanging.accepted >= 1, 30, "the worker has tried the hanging server")
        # A submission while the worker waits on the hanging server answers at once.
        started = time.monotonic()
        page = send_comment(Client(), consultation, section, email="person3@example.org")
        took = time.monotonic() - started
        assert page.status_code == 302
        assert took < 1.0, f"a submission took {took:.2f}s while the mail server hung"
        wait_until(
            lambda: QueuedEmail.objects.filter(last_error__in=["TimeoutError", "SMTPServerDisconnected"]).exists(),
            30,
            "an attempt has timed out",
        )
        assert handler.messages == []
        hanging.close()
        # 3. The server accepts.
        handler.refusing = False
        smtp = Controller(handler, hostname="127.0.0.1", port=port)
        smtp.start()
        wait_until(lambda: statuses() == ["sent"] * 4, 60, "every receipt has been sent")
        time.sleep(2)  # time for any second copy to arrive
    finally:
        stop_worker(worker)
        with contextlib.suppress(Exception):
            smtp.stop()
    recipients = sorted(message["To"] for message in handler.messages)
    assert recipients == [f"person{n}@example.org" for n in range(4)]  # each once, none lost
    ids = [message["Message-ID"] for message in handler.messages]
    assert len(set(ids)) == 4
    assert all(message["Subject"].startswith("Your response to") for message in handler.messages)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_the_server_hangs_loses_nothing_and_the_next_sends_it_once(
    consultation, section, settings, tmp_path
):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    hanging = HangingServer(port)
    first = start_worker(port, tmp_path, "first")
    try:
        send_comment(Client(), consultation, section, email="ann@example.org")
        wait_until(lambda: QueuedEmail.objects.filter(status="sending").exists(), 30, "the first worker is sending")
        stop_worker(first, kill=True)  # killed in the middle of the attempt
        hanging.close()
        handler = RecordingHandler()
        handler.refusing = False
        smtp = Controller(handler, hostname="127.0.0.1", port=port)
        smtp.start()
        second = start_worker(port, tmp_path, "second")
        try:
            wait_until(lambda: statuses() == ["sent"], 60, "the second worker has sent it")
            time.sleep(2)
        finally:
            stop_worker(second)
            smtp.stop()
    finally:
        stop_worker(first, kill=True)
        with contextlib.suppress(Exception):
            hanging.close()
    assert [message["To"] for message in handler.messages] == ["ann@example.org"]
    assert QueuedEmail.objects.get().attempts == 2
    assert "queued again: the worker sending it stopped" in (tmp_path / "second.log").read_text()


class RefusingAtTheGreeting:
    """A mail server that answers every connection with "554 Service unavailable" and hangs up: a
    server that is not taking mail for now (it refuses at the greeting, before any recipient)."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.refused = 0
        self.thread = threading.Thread(target=self.refuse, daemon=True)
        self.thread.start()

    def refuse(self):
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self.sock.accept()
                with conn:
                    conn.sendall(b"554 5.3.2 Service unavailable, try later\r\n")
                    self.refused += 1

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(timeout=5)


class RefusingTheSender(RecordingHandler):
    """A mail server that, for now, says 5xx to MAIL FROM: about the server's state, not a recipient."""

    def __init__(self):
        super().__init__()
        self.refusing = False
        self.refusing_sender = True

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refusing_sender:
            return "550 5.7.1 Sending is suspended for now"
        envelope.mail_from = address
        return "250 OK"


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_refusing_at_the_greeting_for_a_while_delays_every_email_and_loses_none(
    consultation, section, tmp_path
):
    port = free_port()
    refusing = RefusingAtTheGreeting(port)
    worker = start_worker(port, tmp_path, "worker")
    smtp = None
    try:
        for n in range(3):
            send_comment(Client(), consultation, section, email=f"person{n}@example.org")
        wait_until(lambda: refusing.refused >= 2, 30, "the worker has been refused at the greeting twice")
        assert set(statuses()) <= {"waiting", "sending"}  # none given up: the server may mend
        refusing.close()
        handler = RecordingHandler()
        handler.refusing = False
        smtp = Controller(handler, hostname="127.0.0.1", port=port)
        smtp.start()
        wait_until(lambda: statuses() == ["sent"] * 3, 60, "every receipt has been sent")
        time.sleep(2)  # time for any second copy to arrive
    finally:
        stop_worker(worker)
        refusing.close()
        if smtp:
            smtp.stop()
    assert sorted(message["To"] for message in handler.messages) == [f"person{n}@example.org" for n in range(3)]
    assert set(QueuedEmail.objects.values_list("last_error", flat=True)) == {""}


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_refusing_the_sender_for_a_while_delays_every_email_and_loses_none(
    consultation, section, tmp_path
):
    port = free_port()
    handler = RefusingTheSender()
    smtp = Controller(handler, hostname="127.0.0.1", port=port)
    smtp.start()
    worker = start_worker(port, tmp_path, "worker")
    try:
        for n in range(2):
            send_comment(Client(), consultation, section, email=f"person{n}@example.org")
        wait_until(
            lambda: QueuedEmail.objects.filter(attempts__gte=2, last_error="SMTPSenderRefused").count() == 2,
            30,
            "each receipt has been refused at MAIL FROM twice",
        )
        assert set(statuses()) <= {"waiting", "sending"}  # none given up: the server may mend
        handler.refusing_sender = False
        wait_until(lambda: statuses() == ["sent"] * 2, 60, "every receipt has been sent")
    finally:
        stop_worker(worker)
        smtp.stop()
    assert sorted(message["To"] for message in handler.messages) == ["person0@example.org", "person1@example.org"]


class DatabaseProxy:
    """A TCP relay in front of the database, which a test can cut off and bring back: to the worker
    behind it, the database stopping and starting again."""

    def __init__(self, target_port):
        self.target_port, self.port = target_port, free_port()
        self.connections, self.listener = [], None

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(32)
        threading.Thread(target=self.accept, args=(self.listener,), daemon=True).start()

    def accept(self, listener):
        with contextlib.suppress(OSError):
            while True:
                client, _ = listener.accept()
                server = socket.create_connection(("127.0.0.1", self.target_port))
                self.connections += [client, server]
                for source, sink in ((client, server), (server, client)):
                    threading.Thread(target=self.pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def pipe(source, sink):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def stop(self):
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for each in self.connections:
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)
                each.close()
        self.connections = []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a database server to stop and start again")
@pytest.mark.django_db(transaction=True)
def test_the_worker_rides_out_the_database_stopping_and_starting_again(consultation, section, tmp_path):
    proxy = DatabaseProxy(int(connection.settings_dict["PORT"] or 5432))
    proxy.start()
    port = free_port()
    handler = RecordingHandler()
    handler.refusing = False
    smtp = Controller(handler, hostname="127.0.0.1", port=port)
    smtp.start()
    through_proxy = database_url().replace(f":{connection.settings_dict['PORT'] or 5432}/", f":{proxy.port}/")
    worker = start_worker(port, tmp_path, "worker", database=through_proxy)
    try:
        send_comment(Client(), consultation, section, email="before@example.org")
        wait_until(lambda: statuses() == ["sent"], 30, "the first receipt has been sent")
        proxy.stop()  # the database goes away, for the worker
        send_comment(Client(), consultation, section, email="during@example.org")
        wait_until(
            lambda: "the database is unavailable" in (tmp_path / "worker.log").read_text(), 30, "the worker noticed"
        )
        time.sleep(3)
        assert worker.poll() is None, "the worker exited"
        proxy.start()  # and comes back
        wait_until(lambda: statuses() == ["sent", "sent"], 60, "the receipt sent during the outage has gone")
        assert worker.poll() is None
    finally:
        stop_worker(worker)
        smtp.stop()
        with contextlib.suppress(Exception):
            proxy.stop()
    assert sorted(message["To"] for message in handler.messages) == ["before@example.org", "during@example.org"]
    assert "the database is back" in (tmp_path / "worker.log").read_text()


def test_the_worker_carries_on_after_database_errors_and_stops_when_asked(monkeypatch, settings):
    from django.db import OperationalError

    from guidance.management.commands import run_worker

    settings.EMAIL_POLL_SECONDS = 0
    worker = run_worker.Worker(housekeeping_seconds=0)
    rounds = []

    def a_round(name):
        rounds.append(name)
        if len(rounds) <= 3:
            raise OperationalError("the database system is starting up")
        worker.stop()
        return 0

    monkeypatch.setattr(run_worker.mailqueue, "send_due", a_round)
    monkeypatch.setattr(run_worker, "LONGEST_WAIT_AFTER_A_DATABASE_ERROR", 0)
    monkeypatch.setattr(run_worker, "close_old_connections", lambda: None)
    worker.run()
    assert len(rounds) == 4  # three failures waited out, then a round that went


def test_smtplib_reads_a_hanging_server_as_a_timeout():
    # What the worker meets from a server that accepts and never answers: a timeout, tried again.
    port = free_port()
    hanging = HangingServer(port)
    try:
        with pytest.raises((TimeoutError, smtplib.SMTPServerDisconnected)):
            smtplib.SMTP("127.0.0.1", port, timeout=0.5)
    finally:
        hanging.close()
    assert not mailqueue.is_permanent(TimeoutError())
    assert not mailqueue.is_permanent(smtplib.SMTPRecipientsRefused({"a@example.org": (451, b"later")}))
    assert mailqueue.is_permanent(smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")}))
    # A 5xx that is not about a recipient is the server's, and may mend: tried again.
    assert not mailqueue.is_permanent(smtplib.SMTPConnectError(554, b"Service unavailable"))
    assert not mailqueue.is_permanent(smtplib.SMTPHeloError(550, b"not now"))
    assert not mailqueue.is_permanent(smtplib.SMTPSenderRefused(550, b"suspended", "portal@example.org"))
    assert not mailqueue.is_permanent(smtplib.SMTPDataError(554, b"rejected"))
    assert asyncio  # aiosmtpd runs its server on asyncio in a thread of its own
