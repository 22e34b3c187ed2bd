"""Receipts: queued with the response and sent by the worker; the confirmation page says one will
be sent once it is queued, never that it was sent; with DEBUG off the portal refuses to print
receipts to the log unless told to; no address reaches the log; and nobody can use the forms to
fill a stranger's inbox."""

import datetime
import os
import smtplib
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.utils import timezone

from guidance.models import LimitCounter, QueuedEmail, Response
from guidance.responses import respondents
from tests.factories import SectionFactory
from tests.journey_helpers import comment_data, deliver_emails, section_url

ROOT = Path(__file__).resolve().parent.parent
KEY = "k3Jd9s-83jdKs0_2kdmLq8Zp1xV7cB4nW6yT5rE0uI9oP3aS2dF1gH8jK7lM6"
SENT = "We will email you a receipt in the next few minutes. If you send more now, the same receipt will list it."


class RefusingMailServer(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"ann@example.org": (550, b"5.1.1 <ann@example.org>: no such user")})


def send_comment(client, consultation, section, **changes):
    data = comment_data(form_token=str(uuid.uuid4()), **changes)
    return client.post(section_url(section, consultation), data, follow=True).content.decode()


@pytest.mark.django_db
def test_a_queued_receipt_is_said_to_be_on_its_way_and_the_worker_sends_it(client, consultation, section):
    page = send_comment(client, consultation, section)
    assert SENT in page
    assert mail.outbox == []
    assert QueuedEmail.objects.get().status == QueuedEmail.Status.WAITING
    deliver_emails()
    assert len(mail.outbox) == 1
    assert QueuedEmail.objects.get().status == QueuedEmail.Status.SENT


@pytest.mark.django_db
def test_without_a_mail_server_the_page_says_no_receipt_was_sent(client, consultation, section, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    page = send_comment(client, consultation, section)
    assert SENT not in page
    assert "We have not sent you a receipt: this website is not set up to send emails." in page
    assert Response.objects.get().reference in page


@pytest.mark.django_db
def test_where_emails_are_printed_make_run_the_page_says_the_receipt_is_printed_there(
    client, consultation, section, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    page = send_comment(client, consultation, section)
    assert "prints its emails in the terminal where it runs, instead of sending them: your receipt is printed" in page
    assert "not set up to send emails" not in page
    assert QueuedEmail.objects.get().kind == QueuedEmail.Kind.RECEIPT


@pytest.mark.django_db
def test_a_receipt_the_mail_server_refuses_for_good_is_given_up_and_its_address_is_not_logged(
    client, consultation, section, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.test_receipts.RefusingMailServer"
    page = send_comment(client, consultation, section)
    response = Response.objects.get()
    assert response.reference in page
    deliver_emails()
    email = QueuedEmail.objects.get()
    # "no such user" (a 5xx) will not change by trying again.
    assert (email.status, email.attempts, email.last_error) == ("failed", 1, "SMTPRecipientsRefused")
    assert f"Could not send the receipt for response {response.reference} (SMTPRecipientsRefused)" in caplog.text
    assert "ann@example.org" not in caplog.text
    assert response.comments.count() == 1


@pytest.mark.django_db
def test_sending_the_same_form_again_says_no_second_receipt_was_sent(client, consultation, section):
    data = comment_data(form_token=str(uuid.uuid4()))
    client.post(section_url(section, consultation), data)
    again = client.post(section_url(section, consultation), data, follow=True).content.decode()
    assert "You had sent this form already, so we kept the first copy and have not sent another receipt." in again
    assert SENT not in again
    deliver_emails()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_receipts_to_one_address_stop_at_the_daily_limit_whoever_sends_the_forms(consultation, section, settings):
    settings.RATE_LIMIT_RECEIPTS_PER_DAY = 2
    first = send_comment(Client(REMOTE_ADDR="203.0.113.1"), consultation, section, email="ann@example.org")
    second = send_comment(Client(REMOTE_ADDR="198.51.100.2"), consultation, section, email="Ann+x@Example.org")
    third = send_comment(Client(REMOTE_ADDR="192.0.2.3"), consultation, section, email="ann@example.org")
    assert SENT in first and SENT in second
    deliver_emails()
    assert [message.to for message in mail.outbox] == [["ann@example.org"], ["Ann+x@Example.org"]]
    # The third response is stored; its page says in plain words why no receipt came.
    assert Response.objects.count() == 3
    assert SENT not in third
    assert "Your email address has already had receipts for 2 responses today" in third
    assert "This stops anyone using this form to fill someone else's inbox." in third
    assert Response.objects.order_by("-pk").first().reference in third
    # Someone else's address still gets theirs.
    assert SENT in send_comment(Client(REMOTE_ADDR="192.0.2.3"), consultation, section, email="bob@example.org")


@pytest.mark.django_db
def test_the_receipt_count_is_kept_under_a_keyed_hash_never_the_address(client, consultation, section):
    send_comment(client, consultation, section, email="ann@example.org")
    keys = list(LimitCounter.objects.filter(key__startswith="receipts:").values_list("key", flat=True))
    assert len(keys) == 1
    assert "ann" not in keys[0] and "example" not in keys[0]


@pytest.mark.django_db
def test_the_daily_limit_counts_receipts_when_they_are_queued(consultation, section, settings):
    # Counted when queued, whatever the mail server does later: the limit is about what anyone can
    # make the portal send to one inbox, and a queued receipt will be sent.
    settings.RATE_LIMIT_RECEIPTS_PER_DAY = 1
    settings.EMAIL_BACKEND = "tests.test_receipts.RefusingMailServer"
    assert SENT in send_comment(Client(), consultation, section)
    deliver_emails()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert "Your email address has already had receipts for 1 response today" in send_comment(
        Client(), consultation, section
    )


def manage_check(**env):
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "EMAIL_"))}
    clean.update(DJANGO_SECRET_KEY=KEY, **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_with_debug_off_and_no_mail_server_the_portal_refuses_to_start():
    result = manage_check(DJANGO_DEBUG="false")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "guidance.E001" in output
    assert "No mail server is set, so every receipt" in output
    assert "Set EMAIL_HOST to your SMTP server" in output
    assert "EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend" in output


@pytest.mark.parametrize(
    "env",
    [
        {"EMAIL_HOST": "smtp.example.org"},
        {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
        {"EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"},
        {"DJANGO_DEBUG": "true"},
    ],
    ids=["mail-server", "console-chosen", "no-receipts-chosen", "developer-machine"],
)
def test_the_portal_starts_with_a_mail_server_or_a_backend_chosen_on_purpose(env):
    result = manage_check(**env)
    assert result.returncode == 0, result.stdout + result.stderr


# One receipt a visit ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_forms_sent_in_one_visit_are_listed_in_one_receipt_sent_once_the_sending_pauses(
    client, consultation, section, settings
):
    settings.RECEIPT_GATHER_SECONDS = 300
    second = SectionFactory(document=consultation.document, major=2, title="Power", slug="power")
    send_comment(client, consultation, section, comment="On reciprocity.")
    before = timezone.now()
    send_comment(client, consultation, second, comment="On power.")
    receipt = QueuedEmail.objects.get()
    assert receipt.next_attempt_at >= before + datetime.timedelta(seconds=300)  # from the last form
    assert deliver_emails() == 0 and mail.outbox == []
    QueuedEmail.objects.update(next_attempt_at=timezone.now())  # five minutes later
    deliver_emails()
    [message] = mail.outbox
    assert "On reciprocity." in message.body and "On power." in message.body


@pytest.mark.django_db
def test_a_thorough_respondent_gets_every_form_listed_however_many_they_send(client, consultation, settings):
    settings.RATE_LIMIT_RECEIPTS_PER_DAY = 5
    sections = [SectionFactory(document=consultation.document, major=n + 1) for n in range(8)]
    for n, section in enumerate(sections):
        send_comment(client, consultation, section, comment=f"Comment number {n}.")
    deliver_emails()
    [message] = mail.outbox
    assert all(f"Comment number {n}." in message.body for n in range(8))


@pytest.mark.django_db
def test_a_later_visit_gets_its_own_receipt_whatever_the_daily_limit(client, consultation, section, settings):
    settings.RATE_LIMIT_RECEIPTS_PER_DAY = 1
    assert SENT in send_comment(client, consultation, section, comment="Morning.")
    deliver_emails()
    assert SENT in send_comment(client, consultation, section, comment="Afternoon.")
    deliver_emails()
    assert len(mail.outbox) == 2
    assert "Afternoon." in mail.outbox[1].body and "Morning." not in mail.outbox[1].body


@pytest.mark.django_db
def test_a_receipt_waiting_keeps_its_address_when_the_address_changes(client, consultation, section):
    send_comment(client, consultation, section, comment="To the old address.")
    send_comment(client, consultation, section, comment="To the new.", email="ann.new@example.org", same_person="same")
    deliver_emails()
    by_recipient = {message.to[0]: message.body for message in mail.outbox}
    assert "To the old address." in by_recipient["ann@example.org"]
    assert "To the new." not in by_recipient["ann@example.org"]
    assert "To the new." in by_recipient["ann.new@example.org"]


@pytest.mark.django_db
def test_a_withdrawal_before_the_receipt_goes_cancels_it(client, consultation, section, settings):
    settings.RECEIPT_GATHER_SECONDS = 300
    send_comment(client, consultation, section)
    respondents.withdraw_response(Response.objects.get())
    receipt = QueuedEmail.objects.get()
    assert (receipt.status, receipt.to) == ("cancelled", "")
