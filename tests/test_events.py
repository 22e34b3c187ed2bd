"""A consultation's events in public and for staff: each event's page, the consultation's page
listing them, the staff's event pages (sign-ups shown by the personal data rule, the list as CSV),
publishing the notes, entering what was said as responses, and the demo's chat hour."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from guidance.analysis.dashboard import dashboard
from guidance.events import signups
from guidance.models import Consultation, Event, ExportRecord, Response
from tests.factories import ConsultationFactory, ResponseFactory, UserFactory

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def make_event(consultation, **fields):
    starts = fields.pop("starts_at", timezone.now() + datetime.timedelta(days=5))
    values = {
        "consultation": consultation,
        "kind": Event.Kind.CHAT,
        "title": "Chat hour on the draft",
        "slug": "chat-hour",
        "description": "A host puts the questions one at a time.",
        "starts_at": starts,
        "ends_at": starts + HOUR,
        "accessibility": "Works with a screen reader.",
        **fields,
    }
    return Event.objects.create(**values)


def page_url(event):
    return reverse("guidance:event", args=[event.consultation.slug, event.slug])


@pytest.fixture
def chat(consultation):
    return make_event(consultation, signup_open=True)


@pytest.fixture
def meeting(consultation):
    return make_event(
        consultation,
        kind=Event.Kind.MEETING,
        title="Online meeting",
        slug="online-meeting",
        link="https://meet.example.org/secret-room",
        signup_open=True,
        capacity=10,
    )


@pytest.fixture
def past(consultation):
    return make_event(
        consultation,
        kind=Event.Kind.MEETING,
        title="Workshop in Leeds",
        slug="leeds",
        place="Leeds Central Library",
        starts_at=timezone.now() - datetime.timedelta(days=2),
        notes="## What people said\n\n- **Payment** matters.\n\n<script>alert(1)</script>",
    )


# The event's page --------------------------------------------------------------------------------


def test_a_chat_hour_page_says_when_in_uk_time_that_it_happens_here_and_offers_sign_up(client, chat):
    Event.objects.filter(pk=chat.pk).update(
        starts_at=datetime.datetime(2027, 7, 5, 19, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2027, 7, 5, 20, 0, tzinfo=datetime.UTC),
    )
    response = client.get(page_url(chat))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<h1 class="govuk-heading-xl">Chat hour on the draft</h1>' in page
    assert "from 8pm to 9pm on Monday 5 July 2027 (UK time)" in page
    assert "On this website: a chat hour." in page
    assert "A moderator reads each reply before it shows." in page
    assert "Works with a screen reader." in page
    assert "A host puts the questions one at a time." in page
    assert 'id="sign-up"' in page and "Sign up</button>" in page
    assert "We delete them 30 days after the event" in page
    assert "Add this event to your calendar" in page


def test_an_online_meeting_page_does_not_show_its_link_to_people_not_signed_up(client, meeting):
    page = client.get(page_url(meeting)).content.decode()
    assert "meet.example.org" not in page
    assert "We email the link to join to everyone with a place" in page
    assert "10 places left." in page


def test_an_event_whose_sign_up_is_closed_has_no_form(client, chat):
    Event.objects.filter(pk=chat.pk).update(signup_open=False)
    page = client.get(page_url(chat)).content.decode()
    assert "Sign up</button>" not in page


def test_after_the_event_its_page_shows_the_published_notes_cleaned(client, past):
    page = client.get(page_url(past)).content.decode()
    assert "This event has happened." in page
    assert "We will publish notes of what was said here after the event." in page
    assert "What people said" not in page
    assert "Sign up</button>" not in page
    Event.objects.filter(pk=past.pk).update(notes_published_at=timezone.now())
    page = client.get(page_url(past)).content.decode()
    assert "Notes from the event" in page
    assert "<h2>What people said</h2>" in page
    assert "<strong>Payment</strong>" in page
    assert "<script>" not in page


def test_an_event_of_a_draft_consultation_is_not_found(client):
    draft = ConsultationFactory(publication=Consultation.Publication.DRAFT)
    event = make_event(draft)
    assert client.get(page_url(event)).status_code == 404
    assert client.get(reverse("guidance:event_ics", args=[draft.slug, event.slug])).status_code == 404


def test_staff_see_a_draft_consultation_event_as_a_preview_where_signing_up_stores_nothing(client, manager):
    draft = ConsultationFactory(publication=Consultation.Publication.DRAFT)
    event = make_event(draft, signup_open=True)
    client.force_login(manager)
    response = client.get(page_url(event))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    sent = client.post(page_url(event), {"name": "Kit", "email": "kit@example.org", "access_needs": ""})
    assert "This is a preview: the form was filled in correctly, and nothing was stored." in sent.content.decode()
    assert not event.signups.exists()


def test_a_wrong_event_slug_or_an_event_of_another_consultation_is_not_found(client, chat):
    assert client.get(reverse("guidance:event", args=[chat.consultation.slug, "no-such-event"])).status_code == 404
    other = ConsultationFactory()
    assert client.get(reverse("guidance:event", args=[other.slug, chat.slug])).status_code == 404
    assert client.get(reverse("guidance:event", args=["no-such-consultation", chat.slug])).status_code == 404


def test_the_consultation_page_lists_its_events_upcoming_and_past(client, consultation, chat, past):
    page = client.get(consultation.get_absolute_url()).content.decode()
    upcoming_at, past_at = page.index("Chat hour on the draft"), page.index("Workshop in Leeds")
    assert page.index("Other ways to take part") < upcoming_at < page.index("Past events") < past_at
    assert f'href="{page_url(chat)}"' in page and f'href="{page_url(past)}"' in page
    assert "a chat hour on this website" in page
    assert "You can sign up" in page


def test_a_consultation_without_events_shows_no_events(client, consultation):
    page = client.get(consultation.get_absolute_url()).content.decode()
    assert "Past events" not in page and 'id="events"' not in page


def test_changing_an_event_moves_the_public_pages_on(chat):
    before = Consultation.objects.get(pk=chat.consultation_id).content_version
    chat.title = "Renamed"
    chat.save()
    assert Consultation.objects.get(pk=chat.consultation_id).content_version > before


# Staff: the event's admin pages ----------------------------------------------------------------


def test_a_manager_makes_an_event_for_a_consultation_in_the_admin(manager_client, consultation):
    response = manager_client.post(
        reverse("admin:guidance_event_add"),
        {
            "consultation": consultation.pk,
            "kind": "meeting",
            "title": "Workshop",
            "slug": "workshop",
            "description": "",
            "starts_at_0": "2027-07-05",
            "starts_at_1": "19:00",
            "ends_at_0": "2027-07-05",
            "ends_at_1": "21:00",
            "place": "Leeds",
            "link": "",
            "accessibility": "",
            "moderation": "before",
            "signup_open": "on",
            "capacity": "20",
            "notes": "",
            "signups-TOTAL_FORMS": "0",
            "signups-INITIAL_FORMS": "0",
            "signups-MIN_NUM_FORMS": "0",
            "signups-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get()
    assert (event.title, event.capacity, event.starts_at.hour) == ("Workshop", 20, 18)  # 7pm BST is 6pm UTC


def test_the_consultation_admin_page_links_to_its_events(manager_client, consultation):
    page = manager_client.get(reverse("admin:guidance_consultation_change", args=[consultation.pk])).content.decode()
    assert f"{reverse('admin:guidance_event_changelist')}?consultation__id__exact={consultation.pk}" in page


def test_the_event_admin_page_lists_sign_ups_with_personal_data_for_a_manager(manager_client, meeting):
    signups.sign_up(meeting, name="Ann Smith", email="ann@example.org", access_needs="Captions, please")
    page = manager_client.get(reverse("admin:guidance_event_change", args=[meeting.pk])).content.decode()
    assert "Ann Smith" in page and "ann@example.org" in page and "Captions, please" in page
    assert reverse("admin:guidance_event_signups_csv", args=[meeting.pk]) in page


def test_staff_without_the_personal_data_permission_see_sign_ups_without_names_addresses_or_needs(client, meeting):
    signups.sign_up(meeting, name="Ann Smith", email="ann@example.org", access_needs="Captions, please")
    user = UserFactory(manager=True)
    user.groups.first().permissions.remove(Permission.objects.get(codename="view_personal_data"))
    client.force_login(user)
    response = client.get(reverse("admin:guidance_event_change", args=[meeting.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Place confirmed" in page
    assert "Ann Smith" not in page and "ann@example.org" not in page and "Captions" not in page
    assert reverse("admin:guidance_event_signups_csv", args=[meeting.pk]) not in page
    assert client.get(reverse("admin:guidance_event_signups_csv", args=[meeting.pk])).status_code == 403


def test_a_moderator_sees_events_but_no_sign_ups(moderator_client, meeting):
    signups.sign_up(meeting, name="Ann Smith", email="ann@example.org")
    response = moderator_client.get(reverse("admin:guidance_event_change", args=[meeting.pk]))
    assert response.status_code == 200
    assert "Ann Smith" not in response.content.decode() and "Place confirmed" not in response.content.decode()
    assert moderator_client.get(reverse("admin:guidance_event_signups_csv", args=[meeting.pk])).status_code == 403


def test_the_sign_up_list_is_a_spreadsheet_safe_csv_of_those_still_coming(manager_client, meeting):
    signups.sign_up(meeting, name="=HYPERLINK(1)", email="ann@example.org", access_needs="Hearing loop")
    gone = signups.sign_up(meeting, name="Bob", email="bob@example.org").signup
    signups.cancel(gone)
    response = manager_client.get(reverse("admin:guidance_event_signups_csv", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Email address", "Status", "Access needs", "Signed up at"]
    assert [row[:4] for row in rows[1:]] == [["'=HYPERLINK(1)", "ann@example.org", "Place confirmed", "Hearing loop"]]
    # Personal data leaving the portal: recorded, as every export is.
    record = ExportRecord.objects.get()
    assert (record.consultation_id, record.layout, record.row_count) == (meeting.consultation_id, "sign-ups", 1)
    assert record.with_personal_data and record.by == manager_client.user
    assert record.filters == {"event": str(meeting)}


def test_publishing_the_notes_after_the_event_shows_them_and_moves_the_pages_on(manager_client, client, past):
    before = Consultation.objects.get(pk=past.consultation_id).content_version
    url = reverse("admin:guidance_event_publish_notes", args=[past.pk])
    assert manager_client.get(url).status_code == 405
    response = manager_client.post(url)
    assert response.status_code == 302
    past.refresh_from_db()
    assert past.notes_published_at is not None
    assert Consultation.objects.get(pk=past.consultation_id).content_version > before
    assert "Notes from the event" in client.get(page_url(past)).content.decode()


def test_notes_cannot_be_published_before_the_event_is_over(manager_client, chat):
    Event.objects.filter(pk=chat.pk).update(notes="Something")
    response = manager_client.post(reverse("admin:guidance_event_publish_notes", args=[chat.pk]), follow=True)
    assert "The notes can be published once the event is over." in response.content.decode()
    chat.refresh_from_db()
    assert chat.notes_published_at is None


def test_empty_notes_are_not_published(manager_client, past):
    Event.objects.filter(pk=past.pk).update(notes="  ")
    response = manager_client.post(reverse("admin:guidance_event_publish_notes", args=[past.pk]), follow=True)
    assert "There are no notes to publish" in response.content.decode()
    past.refresh_from_db()
    assert past.notes_published_at is None


def test_a_moderator_cannot_publish_notes(moderator_client, past):
    assert moderator_client.post(reverse("admin:guidance_event_publish_notes", args=[past.pk])).status_code == 403
    past.refresh_from_db()
    assert past.notes_published_at is None


def test_the_event_page_links_to_entering_its_points_as_responses_with_the_channel_event(manager_client, past):
    page = manager_client.get(reverse("admin:guidance_event_change", args=[past.pk])).content.decode()
    link = f"{reverse('admin:guidance_response_add')}?consultation={past.consultation_id}&amp;channel=event"
    assert "Enter the points made as responses" in page and link in page
    form = manager_client.get(link.replace("&amp;", "&")).content.decode()
    assert '<option value="event" selected>' in form


def test_responses_entered_from_an_event_count_in_the_dashboard(consultation):
    ResponseFactory(consultation=consultation, channel=Response.Channel.EVENT)
    ResponseFactory(consultation=consultation, channel=Response.Channel.EVENT)
    ResponseFactory(consultation=consultation)
    charts = {chart.slug: {bar.label: bar.value for bar in chart.bars} for chart in dashboard(consultation)["charts"]}
    assert charts["channel"]["Event"] == 2
    assert charts["channel"]["Online"] == 1


# The demo ------------------------------------------------------------------------------------------


def test_the_demo_has_the_qcopro_chat_hour_on_a_monday_evening_within_the_open_period(client):
    call_command("load_demo", verbosity=0)
    consultation = Consultation.objects.get()
    event = consultation.events.get()
    local = timezone.localtime(event.starts_at)
    assert (event.title, event.kind, local.weekday(), local.hour) == ("#Qcopro chat hour", "chat", 0, 20)
    assert event.ends_at - event.starts_at == HOUR
    assert consultation.opens_at <= event.starts_at < event.ends_at <= consultation.closes_at
    assert client.get(page_url(event)).status_code == 200
    call_command("load_demo", verbosity=0)
    assert Event.objects.count() == 1


def test_the_demo_chat_hour_fits_a_short_open_period():
    call_command("load_demo", "--opens", "2027-03-03", "--closes", "2027-03-05", verbosity=0)
    consultation = Consultation.objects.get()
    event = consultation.events.get()
    assert consultation.opens_at <= event.starts_at < event.ends_at <= consultation.closes_at


def test_after_the_close_the_demo_chat_hour_is_past_with_its_notes_published(client):
    call_command("load_demo", "--after-the-close", verbosity=0)
    consultation = Consultation.objects.get()
    event = consultation.events.get()
    assert event.is_over and event.notes_published_at is not None and not event.signup_open
    assert consultation.opens_at <= event.starts_at < event.ends_at <= consultation.closes_at
    page = client.get(page_url(event)).content.decode()
    assert "Notes from the event" in page
    assert "Past events" in client.get(consultation.get_absolute_url()).content.decode()


def test_the_sitemap_lists_the_events_of_published_consultations_only(client, chat):
    draft_event = make_event(ConsultationFactory(publication=Consultation.Publication.DRAFT), slug="hidden")
    sitemap = client.get(reverse("guidance:sitemap")).content.decode()
    assert page_url(chat) in sitemap
    assert page_url(draft_event) not in sitemap


def test_staff_without_the_personal_data_permission_cannot_filter_events_by_their_sign_ups(moderator_client, meeting):
    signups.sign_up(meeting, name="Ann Smith", email="ann@example.org", access_needs="Captions")
    url = reverse("admin:guidance_event_changelist")
    for key, value in [("signups__name__startswith", "Ann"), ("signups__status", "confirmed")]:
        refused = moderator_client.get(url, {key: value})
        assert refused.status_code == 400, key
        assert "Filtering by personal data needs the permission" in refused.content.decode()


def test_notes_the_page_could_not_show_are_refused_in_the_admin(past):
    from guidance.staff.admin.events import EventForm

    fields = {
        name: getattr(past, name)
        for name in ["kind", "title", "slug", "description", "place", "link", "accessibility", "moderation"]
    }
    data = {
        **fields,
        "consultation": past.consultation_id,
        "starts_at": "2027-07-05 19:00",
        "ends_at": "2027-07-05 20:00",
        "notes": "- " * 30 + "too deep",
    }
    form = EventForm(data, instance=past)
    assert not form.is_valid()
    assert "Lists and quotes are inside each other" in form.errors["notes"][0]
    assert EventForm({**data, "notes": "## Fine\n\n- one"}, instance=past).is_valid()
