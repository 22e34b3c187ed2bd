"""Signing up to an event: places and the waiting list, the emails, the calendar file, the reminder
the day before, the link to cancel, bad input, and sign-ups as personal data (retention, erasure)."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from guidance.events import signups
from guidance.models import Erasure, Event, EventSignUp, QueuedEmail
from guidance.privacy import retention
from tests.journey_helpers import deliver_emails

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(consultation):
    starts = timezone.now() + datetime.timedelta(days=3)
    return Event.objects.create(
        consultation=consultation,
        kind=Event.Kind.MEETING,
        title="Workshop in Leeds",
        slug="workshop-leeds",
        description="An afternoon on the draft, with tea.",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        place="Leeds Central Library, Calverley Street, Leeds",
        link="https://meet.example.org/room-42",
        accessibility="Step-free access; hearing loop.",
        signup_open=True,
        capacity=2,
    )


def page_url(event):
    return reverse("guidance:event", args=[event.consultation.slug, event.slug])


def sign_up(client, event, name="Ann Smith", email="ann@example.org", access_needs="", **more):
    data = {"name": name, "email": email, "access_needs": access_needs, **more}
    return client.post(page_url(event), data)


def cancel_url(signup):
    return reverse("guidance:event_cancel", args=[signup.event.consultation.slug, signup.event.slug, signup.token])


def emails_to(address):
    return [message for message in mail.outbox if address in message.to]


# Signing up, places and the waiting list --------------------------------------------------------


def test_signing_up_gives_a_place_says_so_and_emails_the_link_to_join_and_to_cancel(client, event):
    response = sign_up(client, event, access_needs="I use a wheelchair.")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "You are signed up" in page
    assert "https://meet.example.org/room-42" in page
    signup = EventSignUp.objects.get()
    assert (signup.name, signup.email, signup.access_needs, signup.status) == (
        "Ann Smith",
        "ann@example.org",
        "I use a wheelchair.",
        "confirmed",
    )
    deliver_emails()
    [message] = emails_to("ann@example.org")
    assert message.subject == "You are signed up: Workshop in Leeds"
    assert "Your place is confirmed" in message.body
    assert "Join online: https://meet.example.org/room-42" in message.body
    assert cancel_url(signup) in message.body
    assert f"{page_url(event)}event.ics" in message.body


def test_once_the_places_are_taken_people_join_the_waiting_list_and_are_told_so(client, event):
    sign_up(client, event, email="one@example.org")
    sign_up(client, event, email="two@example.org")
    response = sign_up(client, event, email="three@example.org")
    page = client.get(response["Location"]).content.decode()
    assert "You are on the waiting list" in page
    assert "https://meet.example.org/room-42" not in page
    assert list(EventSignUp.objects.values_list("email", "status")) == [
        ("one@example.org", "confirmed"),
        ("two@example.org", "confirmed"),
        ("three@example.org", "waiting"),
    ]
    deliver_emails()
    [message] = emails_to("three@example.org")
    assert message.subject == "You are on the waiting list: Workshop in Leeds"
    assert "meet.example.org" not in message.body


def test_the_event_page_says_how_many_places_are_left_then_that_it_is_full(client, event):
    assert "2 places left." in client.get(page_url(event)).content.decode()
    sign_up(client, event, email="one@example.org")
    sign_up(client, event, email="two@example.org")
    full = client.get(page_url(event)).content.decode()
    assert "The event is full. If you sign up, you join the waiting list" in full


def test_a_cancelled_place_goes_to_the_first_on_the_waiting_list_who_is_emailed(event):
    first = signups.sign_up(event, name="One", email="one@example.org").signup
    signups.sign_up(event, name="Two", email="two@example.org")
    waiting_first = signups.sign_up(event, name="Three", email="three@example.org").signup
    waiting_second = signups.sign_up(event, name="Four", email="four@example.org").signup
    deliver_emails()
    mail.outbox.clear()
    promoted = signups.cancel(first)
    assert promoted == waiting_first
    waiting_first.refresh_from_db(), waiting_second.refresh_from_db(), first.refresh_from_db()
    assert (first.status, waiting_first.status, waiting_second.status) == ("cancelled", "confirmed", "waiting")
    assert first.cancelled_at is not None
    deliver_emails()
    [message] = mail.outbox
    assert message.to == ["three@example.org"]
    assert message.subject == "You have a place: Workshop in Leeds"
    assert "Join online: https://meet.example.org/room-42" in message.body


def test_cancelling_a_place_on_the_waiting_list_promotes_nobody(event):
    signups.sign_up(event, name="One", email="one@example.org")
    signups.sign_up(event, name="Two", email="two@example.org")
    waiting = signups.sign_up(event, name="Three", email="three@example.org").signup
    last = signups.sign_up(event, name="Four", email="four@example.org").signup
    assert signups.cancel(waiting) is None
    last.refresh_from_db()
    assert last.status == "waiting"


def test_sign_ups_made_one_after_another_never_take_more_places_than_there_are(event):
    results = [signups.sign_up(event, name=f"P{n}", email=f"p{n}@example.org").signup.status for n in range(5)]
    assert results == ["confirmed", "confirmed", "waiting", "waiting", "waiting"]
    assert EventSignUp.objects.holding_places().count() == 2


def test_an_event_without_a_capacity_gives_everyone_a_place(event):
    Event.objects.filter(pk=event.pk).update(capacity=None)
    event.refresh_from_db()
    statuses = {signups.sign_up(event, name=f"P{n}", email=f"p{n}@example.org").signup.status for n in range(4)}
    assert statuses == {"confirmed"}


def test_signing_up_again_with_the_same_address_stores_nothing_new_and_emails_the_details_again(client, event):
    sign_up(client, event, email="ann@example.org")
    client.cookies.clear()
    response = sign_up(client, event, name="Someone else", email="ANN@example.org")
    page = client.get(response["Location"]).content.decode()
    assert "is already signed up to this event" in page
    assert "cancel/" not in page
    assert EventSignUp.objects.count() == 1
    deliver_emails()
    assert len(emails_to("ann@example.org")) == 2


def test_the_email_still_queued_for_someone_who_cancelled_is_not_sent(event):
    signup = signups.sign_up(event, name="One", email="one@example.org").signup
    signups.cancel(signup)
    assert deliver_emails() == 0
    assert mail.outbox == []
    assert QueuedEmail.objects.get().status == QueuedEmail.Status.CANCELLED


# Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data,error",
    [
        ({"name": ""}, "Enter your name"),
        ({"name": "   "}, "Enter your name"),
        ({"email": ""}, "Enter your email address"),
        ({"email": "not-an-address"}, "Enter an email address in the correct format, like name@example.com"),
        ({"name": "A" * 101}, "Your name must be 100 characters or fewer: you have written 101."),
        ({"access_needs": "x" * 1001}, "Your access needs must be 1,000 characters or fewer: you have written 1,001."),
        ({"email": "a" * 250 + "@example.org"}, "Your email address must be 254 characters or fewer"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_stored(client, event, data, error):
    response = sign_up(client, event, **data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert error in page
    assert EventSignUp.objects.count() == 0
    assert QueuedEmail.objects.count() == 0


def test_a_control_character_in_a_name_is_refused(client, event):
    response = sign_up(client, event, name="Ann\x00Smith")
    assert response.status_code == 400
    assert EventSignUp.objects.count() == 0


def test_a_sign_up_to_an_event_whose_sign_up_is_closed_is_refused(client, event):
    Event.objects.filter(pk=event.pk).update(signup_open=False)
    response = sign_up(client, event)
    assert response.status_code == 400
    assert "Sign-up for this event is closed." in response.content.decode()
    assert EventSignUp.objects.count() == 0


def test_a_sign_up_to_an_event_that_has_happened_is_refused(event):
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=3), ends_at=timezone.now() - datetime.timedelta(hours=1)
    )
    with pytest.raises(signups.SignUpRefused, match="already happened"):
        signups.sign_up(event, name="Ann", email="ann@example.org")
    assert EventSignUp.objects.count() == 0


def test_the_honeypot_filled_in_stores_nothing(client, event):
    response = sign_up(client, event, website="http://spam.example")
    assert response.status_code == 302
    assert EventSignUp.objects.count() == 0


def test_one_connection_can_sign_up_only_so_many_people_an_hour(client, event, settings):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 2
    Event.objects.filter(pk=event.pk).update(capacity=None)
    assert sign_up(client, event, email="one@example.org").status_code == 302
    assert sign_up(client, event, email="two@example.org").status_code == 302
    response = sign_up(client, event, email="three@example.org")
    assert response.status_code == 429
    assert "as many people as we accept in an hour" in response.content.decode()
    assert EventSignUp.objects.count() == 2


def test_a_mistake_in_the_form_uses_none_of_the_hourly_limit(client, event, settings):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 1
    assert sign_up(client, event, name="").status_code == 400
    assert sign_up(client, event).status_code == 302


# The calendar file -----------------------------------------------------------------------------


def unfold(ics):
    """The content lines of an iCalendar text, folding undone (RFC 5545 3.1)."""
    assert "\n" not in ics.replace("\r\n", "")
    return ics.replace("\r\n ", "").split("\r\n")


def unescape(value):
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def test_the_calendar_file_has_the_event_in_utc_with_a_stable_uid_and_escaped_text(client, event):
    Event.objects.filter(pk=event.pk).update(
        title="Tea, talk; and a long title " + "é" * 60,
        starts_at=datetime.datetime(2027, 7, 5, 19, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2027, 7, 5, 21, 30, tzinfo=datetime.UTC),
        place="Room 1\nLeeds, LS1",
    )
    url = reverse("guidance:event_ics", args=[event.consultation.slug, event.slug])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.content
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    raw.decode("utf-8")  # folding never splits a character
    lines = unfold(raw.decode())
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    fields = dict(line.split(":", 1) for line in lines[:-1])
    assert fields["VERSION"] == "2.0"
    assert fields["DTSTART"] == "20270705T190000Z"
    assert fields["DTEND"] == "20270705T213000Z"
    assert re.fullmatch(r"\d{8}T\d{6}Z", fields["DTSTAMP"])
    assert unescape(fields["SUMMARY"]) == "Tea, talk; and a long title " + "é" * 60
    assert fields["SUMMARY"].startswith("Tea\\, talk\\; and")
    assert unescape(fields["LOCATION"]) == "Room 1\nLeeds, LS1"
    assert fields["URL"] == f"http://testserver{page_url(event)}"
    assert "meet.example.org" not in raw.decode()
    assert client.get(url).content.split(b"UID:")[1].split(b"\r\n")[0] == fields["UID"].encode()
    assert fields["UID"] == f"event-{event.pk}@localhost"


def test_the_calendar_file_of_a_summer_event_is_in_utc_an_hour_before_uk_time(client, event):
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    Event.objects.filter(pk=event.pk).update(
        starts_at=datetime.datetime(2027, 7, 5, 20, 0, tzinfo=london),
        ends_at=datetime.datetime(2027, 7, 5, 21, 0, tzinfo=london),
    )
    text = client.get(reverse("guidance:event_ics", args=[event.consultation.slug, event.slug])).content.decode()
    assert "DTSTART:20270705T190000Z" in text


def test_a_backslash_in_the_text_is_escaped_before_anything_else():
    from guidance.events.calendar import escape_text

    assert escape_text("a\\n, b;\r\nc") == "a\\\\n\\, b\\;\\nc"


# The reminder the day before ------------------------------------------------------------------


def test_the_reminder_is_queued_once_the_day_before_and_never_twice(event):
    signup = signups.sign_up(event, name="Ann", email="ann@example.org").signup
    waiting = EventSignUp.objects.create(event=event, name="W", email="w@example.org", status="waiting")
    day_before = event.starts_at - datetime.timedelta(hours=23)
    assert signups.send_reminders(now=event.starts_at - datetime.timedelta(hours=30)) == 0
    assert signups.send_reminders(now=day_before) == 1
    assert signups.send_reminders(now=day_before) == 0
    assert signups.send_reminders(now=day_before + datetime.timedelta(hours=1)) == 0
    reminders = QueuedEmail.objects.filter(kind=QueuedEmail.Kind.EVENT_REMINDER)
    assert [(email.to, email.payload) for email in reminders] == [("ann@example.org", {"signup": signup.pk})]
    signup.refresh_from_db(), waiting.refresh_from_db()
    assert signup.reminded_at == day_before and waiting.reminded_at is None
    mail.outbox.clear()
    deliver_emails()
    reminder = next(message for message in mail.outbox if message.subject.startswith("Reminder"))
    assert reminder.subject == "Reminder: Workshop in Leeds"
    assert "This is a reminder of Workshop in Leeds" in reminder.body


def test_a_sign_up_made_less_than_a_day_before_gets_no_reminder(event):
    signups.sign_up(event, name="Ann", email="ann@example.org", now=event.starts_at - datetime.timedelta(hours=5))
    assert signups.send_reminders(now=event.starts_at - datetime.timedelta(hours=4)) == 0


def test_a_worker_that_read_the_sign_up_before_another_reminded_it_queues_nothing(event, monkeypatch):
    signups.sign_up(event, name="Ann", email="ann@example.org")
    day_before = event.starts_at - datetime.timedelta(hours=23)
    # Both workers read the same due sign-up; the first to update it queues the reminder.
    due = list(signups.due_reminders(day_before).values_list("pk", "email"))
    assert signups.send_reminders(now=day_before) == 1
    monkeypatch.setattr(signups, "due_reminders", lambda now: type("Q", (), {"values_list": lambda *a, **k: due})())
    assert signups.send_reminders(now=day_before) == 0
    assert QueuedEmail.objects.filter(kind=QueuedEmail.Kind.EVENT_REMINDER).count() == 1


def test_the_worker_housekeeping_queues_the_reminders(event):
    from guidance.management.commands.run_worker import housekeeping

    signup = signups.sign_up(event, name="Ann", email="ann@example.org").signup
    EventSignUp.objects.filter(pk=signup.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() + datetime.timedelta(hours=20), ends_at=timezone.now() + datetime.timedelta(hours=22)
    )
    housekeeping()
    housekeeping()
    assert QueuedEmail.objects.filter(kind=QueuedEmail.Kind.EVENT_REMINDER).count() == 1


# The link to cancel ---------------------------------------------------------------------------


def test_opening_the_cancel_link_changes_nothing_and_the_button_cancels(client, event):
    signup = signups.sign_up(event, name="Ann", email="ann@example.org").signup
    page = client.get(cancel_url(signup))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cancel my place" in html
    assert html.count("<button") == 1
    assert "no-store" in page["Cache-Control"]
    signup.refresh_from_db()
    assert signup.status == "confirmed"
    response = client.post(cancel_url(signup))
    assert response.status_code == 302 and response["Location"] == cancel_url(signup)
    signup.refresh_from_db()
    assert signup.status == "cancelled"
    assert "Your sign-up is cancelled" in client.get(cancel_url(signup)).content.decode()


def test_a_wrong_cancel_token_is_not_found_and_changes_nothing(client, event):
    signup = signups.sign_up(event, name="Ann", email="ann@example.org").signup
    bad = reverse("guidance:event_cancel", args=[event.consultation.slug, event.slug, signup.token[:-2] + "xx"])
    assert client.get(bad).status_code == 404
    response = client.post(bad)
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    too_long = reverse("guidance:event_cancel", args=[event.consultation.slug, event.slug, "x" * 500])
    assert client.post(too_long).status_code == 404
    signup.refresh_from_db()
    assert signup.status == "confirmed"


def test_a_cancel_link_does_not_work_on_another_event(client, event):
    signup = signups.sign_up(event, name="Ann", email="ann@example.org").signup
    other = Event.objects.create(
        consultation=event.consultation,
        title="Other",
        slug="other",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
    )
    url = reverse("guidance:event_cancel", args=[event.consultation.slug, other.slug, signup.token])
    assert client.post(url).status_code == 404
    signup.refresh_from_db()
    assert signup.status == "confirmed"


def test_the_cancel_token_is_left_out_of_the_logs():
    from consult.jsonlog import without_tokens

    path = "/consultations/c/events/e/cancel/abcDEF123_-/"
    assert without_tokens(f"Not Found: {path}") == "Not Found: /consultations/c/events/e/cancel/[token]/"


# Personal data: retention and erasure ----------------------------------------------------------


def test_sign_ups_are_deleted_thirty_days_after_the_event_and_the_deletion_recorded(event):
    signup = signups.sign_up(event, name="Ann", email="ann@example.org").signup
    assert retention.apply_retention(now=event.ends_at + datetime.timedelta(days=29)) == []
    assert EventSignUp.objects.filter(pk=signup.pk).exists()
    [erasure] = retention.apply_retention(now=event.ends_at + datetime.timedelta(days=30))
    assert not EventSignUp.objects.exists()
    assert erasure.scope == Erasure.Scope.EVENT_SIGNUPS
    assert erasure.reason.startswith("1 sign-up deleted.")
    assert "Ann" not in erasure.reason and "ann@" not in erasure.reason
    assert not QueuedEmail.objects.exclude(to="").exists()


def test_sign_ups_are_deleted_when_the_consultation_retention_ends_if_that_is_sooner(event, consultation):
    signups.sign_up(event, name="Ann", email="ann@example.org")
    from guidance.models import Consultation

    Consultation.objects.filter(pk=consultation.pk).update(
        retention_months=1,
        opens_at=timezone.now() - datetime.timedelta(days=90),
        closes_at=timezone.now() - datetime.timedelta(days=40),
    )
    retention.apply_retention(now=timezone.now())
    assert not EventSignUp.objects.exists()


def test_the_staff_erasure_finds_and_deletes_an_address_sign_ups(client, event, manager):
    signups.sign_up(event, name="Ann Smith", email="ann@example.org")
    keep = signups.sign_up(event, name="Bob", email="bob@example.org").signup
    client.force_login(manager)
    found = client.get(reverse("admin:guidance_response_erase_find"), {"query": "Ann@Example.org"})
    html = found.content.decode()
    assert "1 sign-up to events found" in html
    assert "Workshop in Leeds" in html and "Ann Smith" in html
    response = client.post(reverse("admin:guidance_eventsignup_erase"), {"query": "ann@example.org"})
    assert response.status_code == 302
    assert list(EventSignUp.objects.all()) == [keep]
    erasure = Erasure.objects.get(scope=Erasure.Scope.EVENT_SIGNUPS)
    assert erasure.by == manager
    assert not QueuedEmail.objects.filter(to="ann@example.org").exists()


def test_a_moderator_cannot_delete_sign_ups(client, event, moderator):
    signups.sign_up(event, name="Ann Smith", email="ann@example.org")
    client.force_login(moderator)
    response = client.post(reverse("admin:guidance_eventsignup_erase"), {"query": "ann@example.org"})
    assert response.status_code == 403
    assert EventSignUp.objects.count() == 1


def test_opening_the_erasure_page_by_get_deletes_nothing(client, event, manager):
    signups.sign_up(event, name="Ann Smith", email="ann@example.org")
    client.force_login(manager)
    assert client.get(reverse("admin:guidance_eventsignup_erase"), {"query": "ann@example.org"}).status_code == 405
    assert EventSignUp.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_sign_ups_sent_at_the_same_moment_never_take_more_places_than_there_are(consultation):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    starts = timezone.now() + datetime.timedelta(days=3)
    event = Event.objects.create(
        consultation=consultation,
        title="Small room",
        slug="small-room",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        signup_open=True,
        capacity=3,
    )
    people = 8
    start = threading.Barrier(people)

    def one(n):
        try:
            start.wait()
            return signups.sign_up(event, name=f"P{n}", email=f"p{n}@example.org").signup.status
        finally:
            connection.close()

    with ThreadPoolExecutor(people) as pool:
        statuses = list(pool.map(one, range(people)))
    assert sorted(statuses) == ["confirmed"] * 3 + ["waiting"] * 5
    assert EventSignUp.objects.holding_places().count() == 3
    # Then two places given up at the same moment go to the first two on the waiting list, once each.
    holders = list(EventSignUp.objects.holding_places()[:2])
    cancel_start = threading.Barrier(2)

    def give_up(signup):
        try:
            cancel_start.wait()
            return signups.cancel(signup)
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        promoted = list(pool.map(give_up, holders))
    first_waiting = list(EventSignUp.objects.filter(status="confirmed").exclude(pk__in=[h.pk for h in holders]))
    assert len({p.pk for p in promoted}) == 2
    assert EventSignUp.objects.holding_places().count() == 3
    assert len(first_waiting) == 3
    assert QueuedEmail.objects.filter(kind=QueuedEmail.Kind.EVENT_PLACE).count() == 2


def test_the_retention_command_says_how_many_sign_ups_it_deleted(event):
    import io

    from django.core.management import call_command

    signups.sign_up(event, name="Ann", email="ann@example.org")
    EventSignUp.objects.update(created_at=event.starts_at - datetime.timedelta(days=60))
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=40), ends_at=timezone.now() - datetime.timedelta(days=39)
    )
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "Anonymised 0 responses in 0 consultations." in out.getvalue()
    assert "1 sign-up deleted." in out.getvalue()
    assert not EventSignUp.objects.exists()


def test_the_privacy_notice_says_what_a_sign_up_keeps_and_for_how_long(client):
    notice = client.get(reverse("guidance:privacy")).content.decode()
    assert "If you sign up to an event of a consultation" in notice
    assert "We delete your sign-up 30 days after the event, or sooner if you ask." in notice
