"""Changing a published consultation's dates: new dates that would open, close or reopen it are saved
only once confirmed (a box to tick that names that very change, no JavaScript needed), and every
change to its dates is recorded (who, when, from what to what, what it did) and shown in its history."""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from guidance.consultations import dates
from guidance.models import Consultation, DateChange
from guidance.templatetags.portal import uk_datetime
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def manager(client):
    user = User.objects.create_user("kit", first_name="Kit", last_name="Okafor", is_staff=True)
    user.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(user)
    return user


def at(moment):
    """A date and time as the admin's two boxes take them, UK time, to the minute."""
    local = timezone.localtime(moment)
    return local.strftime("%d/%m/%Y"), local.strftime("%H:%M")


def to_the_minute(moment):
    return moment.replace(second=0, microsecond=0)


def settings_form(consultation, opens_at, closes_at, **extra):
    (opens_date, opens_time), (closes_date, closes_time) = at(opens_at), at(closes_at)
    return {
        "document": consultation.document_id,
        "title": consultation.title,
        "slug": consultation.slug,
        "organisation": consultation.organisation,
        "summary": consultation.summary,
        "opens_at_0": opens_date,
        "opens_at_1": opens_time,
        "closes_at_0": closes_date,
        "closes_at_1": closes_time,
        "retention_months": 12,
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
        "outcomes-TOTAL_FORMS": 0,
        "outcomes-INITIAL_FORMS": 0,
        **extra,
    }


def change_url(consultation):
    return reverse("admin:guidance_consultation_change", args=[consultation.pk])


@pytest.fixture
def live():
    now = timezone.now()
    return ConsultationFactory(
        title="Co-producing research", opens_at=to_the_minute(now - 7 * DAY), closes_at=to_the_minute(now + 21 * DAY)
    )


def test_closing_a_live_consultation_by_its_date_asks_first_and_saves_nothing(client, manager, live):
    stored = (live.opens_at, live.closes_at)
    now = to_the_minute(timezone.now())
    page = client.post(change_url(live), settings_form(live, live.opens_at, now - datetime.timedelta(minutes=1)))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Check the new dates before saving" in html
    assert "These dates close the consultation now" in html
    assert "Nothing has been saved" in html
    assert '<label for="id_confirm_dates">Yes, close it now</label>' in html
    live.refresh_from_db()
    assert (live.opens_at, live.closes_at) == stored and live.is_open
    assert not DateChange.objects.exists()


def test_confirmed_the_new_dates_are_saved_and_the_change_recorded(client, manager, live):
    before = live.closes_at
    closes = to_the_minute(timezone.now()) - datetime.timedelta(minutes=1)
    data = settings_form(live, live.opens_at, closes)
    asked = client.post(change_url(live), data)
    key = asked.context["adminform"].form.date_change.key
    saved = client.post(change_url(live), {**data, "confirm_dates": key})
    assert saved.status_code == 302
    live.refresh_from_db()
    assert live.closes_at == closes and not live.is_open
    change = DateChange.objects.get()
    assert (change.consultation, change.changed_by) == (live, manager)
    assert (change.closes_at_before, change.closes_at_after) == (before, closes)
    assert change.opens_at_before == change.opens_at_after == live.opens_at
    assert (change.state_before, change.state_after) == ("open", "closed")
    assert timezone.now() - change.changed_at < datetime.timedelta(minutes=1)


def test_the_history_shows_who_changed_the_dates_when_from_what_to_what(client, manager, live):
    closes = to_the_minute(timezone.now()) - datetime.timedelta(minutes=1)
    dates_before = live.closes_at
    change = dates.new_dates(live, live.opens_at, closes)
    live.closes_at = closes
    dates.save_consultation(live, by=manager, confirmed=change.key)
    html = client.get(reverse("admin:guidance_consultation_history", args=[live.pk])).content.decode()
    assert "Changes to its dates" in html
    assert "kit (Kit Okafor)" in html
    assert f"From {uk_datetime(dates_before)} to {uk_datetime(closes)}" in html
    assert "Closed it: open before, closed after" in html
    assert (
        reverse("admin:guidance_consultation_history", args=[live.pk]) in client.get(change_url(live)).content.decode()
    )


def test_a_confirmation_covers_only_the_dates_it_was_given_for(client, manager, live):
    now = to_the_minute(timezone.now())
    asked = client.post(change_url(live), settings_form(live, live.opens_at, now - datetime.timedelta(minutes=1)))
    key = asked.context["adminform"].form.date_change.key
    other = settings_form(live, live.opens_at, now - datetime.timedelta(minutes=5), confirm_dates=key)
    again = client.post(change_url(live), other)
    assert again.status_code == 200
    assert "Check the new dates before saving" in again.content.decode()
    live.refresh_from_db()
    assert live.is_open and not DateChange.objects.exists()


def test_moving_the_closing_date_of_an_open_consultation_later_needs_no_question_but_is_recorded(client, manager, live):
    later = live.closes_at + 7 * DAY
    saved = client.post(change_url(live), settings_form(live, live.opens_at, later))
    assert saved.status_code == 302
    change = DateChange.objects.get()
    assert (change.closes_at_after, change.state_before, change.state_after) == (later, "open", "open")
    history = client.get(reverse("admin:guidance_consultation_history", args=[live.pk])).content.decode()
    assert "Stayed open" in history


def test_reopening_a_closed_consultation_and_opening_an_upcoming_one_each_ask_first(client, manager):
    now = to_the_minute(timezone.now())
    closed = ConsultationFactory(opens_at=now - 30 * DAY, closes_at=now - DAY)
    page = client.post(change_url(closed), settings_form(closed, closed.opens_at, now + 7 * DAY))
    assert "These dates reopen the consultation, which has closed" in page.content.decode()
    assert "Yes, reopen it" in page.content.decode()
    upcoming = ConsultationFactory(opens_at=now + DAY, closes_at=now + 30 * DAY)
    page = client.post(change_url(upcoming), settings_form(upcoming, now - DAY, upcoming.closes_at))
    assert "These dates open the consultation now" in page.content.decode()
    assert "Yes, open it now" in page.content.decode()
    assert not DateChange.objects.exists()


def test_a_drafts_dates_change_freely_and_are_not_recorded(client, manager):
    now = to_the_minute(timezone.now())
    draft = ConsultationFactory(
        publication=Consultation.Publication.DRAFT, opens_at=now - DAY, closes_at=now + 30 * DAY
    )
    saved = client.post(change_url(draft), settings_form(draft, draft.opens_at, now - datetime.timedelta(hours=1)))
    assert saved.status_code == 302
    assert not DateChange.objects.exists()


def test_the_domain_function_refuses_an_unconfirmed_change_and_saves_nothing(live, manager):
    live.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    with pytest.raises(dates.NeedsConfirming, match="close the consultation now"):
        dates.save_consultation(live, by=manager)
    with pytest.raises(dates.NeedsConfirming):
        dates.save_consultation(live, by=manager, confirmed="open|closed|something else")
    assert Consultation.objects.get(pk=live.pk).is_open
    assert not DateChange.objects.exists()


def test_saving_the_settings_without_touching_the_dates_asks_nothing_and_records_nothing(client, manager):
    now = timezone.now()  # to the microsecond, as code makes dates; the page sends them to the second
    consultation = ConsultationFactory(opens_at=now - 7 * DAY, closes_at=now + 21 * DAY)
    page = client.get(change_url(consultation)).content.decode()
    assert "Check the new dates" not in page
    data = settings_form(consultation, consultation.opens_at, consultation.closes_at)
    data["opens_at_1"] = timezone.localtime(consultation.opens_at).strftime("%H:%M:%S")
    data["closes_at_1"] = timezone.localtime(consultation.closes_at).strftime("%H:%M:%S")
    data["summary"] = "A new summary."
    assert client.post(change_url(consultation), data).status_code == 302
    assert Consultation.objects.get(pk=consultation.pk).summary == "A new summary."
    assert not DateChange.objects.exists()
