"""Email subscriptions without an account: double opt-in, the daily digest of what happened
(opened, a week before the close, outcome published), one-click unsubscribe, the address's own page,
limits, retention, erasure and who among staff may see them."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consult.jsonlog import without_tokens
from guidance.models import Announcement, Consultation, Erasure, QueuedEmail, Subscriber, Subscription, Told
from guidance.privacy.retention import apply_retention
from guidance.subscriptions.subscribing import announce_due
from tests.factories import ConsultationFactory
from tests.journey_helpers import deliver_emails

pytestmark = pytest.mark.django_db

ADDRESS = "reader@example.org"
DAY = datetime.timedelta(days=1)
CONFIRM_LINK = re.compile(r"https://localhost(/subscribe/confirm/[^/\s]+/)")
MANAGE_LINK = re.compile(r"https://localhost(/subscriptions/manage/[^/\s]+/)")
STOP_LINK = re.compile(r"https://localhost(/subscriptions/stop/[^/\s]+/)")


def form_url(consultation=None):
    url = reverse("guidance:subscribe")
    return f"{url}?consultation={consultation.slug}" if consultation else url


def ask(client, about, email=ADDRESS, consultation=None, **extra):
    return client.post(form_url(consultation), {"about": about, "email": email}, **extra)


def emails(to=ADDRESS):
    deliver_emails()
    return [message for message in mail.outbox if message.to == [to]]


def subscribed(client, about, email=ADDRESS, consultation=None):
    """Ask, then confirm from the link in the email: the Subscriber."""
    ask(client, about, email, consultation)
    (message,) = [m for m in emails(email) if m.subject.startswith("Confirm")]
    client.post(CONFIRM_LINK.search(message.body)[1])
    mail.outbox.clear()
    return Subscriber.objects.get(email=email)


@pytest.fixture
def seen(consultation):
    """The worker has seen what was there before anyone subscribed (it looks every minute)."""
    announce_due()
    return consultation


def opening_later(**fields):
    """A consultation of the same organisation that opens in three days and closes four weeks later."""
    opens = timezone.now() + 3 * DAY
    return ConsultationFactory(opens_at=opens, closes_at=opens + 28 * DAY, **fields)


# The form and double opt-in -------------------------------------------------------------------------


def test_the_form_offers_all_of_the_organisations_consultations_or_only_this_one(client, consultation):
    page = client.get(form_url(consultation)).content.decode()
    assert "All of Example organisation&#x27;s consultations" in page
    assert f"Only this consultation: {consultation.title}" in page
    assert "If you do not confirm within 7 days, we delete your address" in page
    assert "When you stop them, we delete your address at once" in page


def test_without_a_consultation_the_form_offers_each_organisation(client, consultation):
    ConsultationFactory(organisation="Another council")
    ConsultationFactory(organisation="Hidden trust", publication=Consultation.Publication.DRAFT)
    page = client.get(form_url()).content.decode()
    assert "All of Another council&#x27;s consultations" in page
    assert "All of Example organisation&#x27;s consultations" in page
    assert "Hidden trust" not in page


def test_the_consultation_list_and_each_consultation_page_link_to_the_form(client, consultation):
    assert form_url() in client.get(reverse("guidance:consultation_list")).content.decode()
    page = client.get(consultation.get_absolute_url()).content.decode()
    assert form_url(consultation) in page


def test_a_draft_or_unknown_consultation_cannot_be_subscribed_to(client):
    draft = ConsultationFactory(publication=Consultation.Publication.DRAFT)
    assert client.get(form_url(draft)).status_code == 404
    assert client.get(reverse("guidance:subscribe") + "?consultation=nothing-here").status_code == 404
    assert ask(client, f"one:{draft.slug}", consultation=draft).status_code == 404
    assert not Subscription.objects.exists()


def test_a_form_with_mistakes_says_what_is_wrong_and_stores_nothing(client, consultation):
    page = ask(client, "all:Somebody else", email="not an address", consultation=consultation)
    assert page.status_code == 400
    text = page.content.decode()
    assert "Select one of the options listed" in text
    assert "Enter an email address in the correct format" in text
    assert ask(client, "", email="").status_code == 400
    assert not Subscriber.objects.exists() and not mail.outbox


def test_asking_sends_the_confirmation_email_and_nothing_else_until_it_is_confirmed(client, seen):
    page = ask(client, "all:Example organisation", consultation=seen, follow=True)
    assert "Check your email" in page.content.decode() and "r•••@example.org" in page.content.decode()
    opening_later()
    announce_due(timezone.now() + 4 * DAY)
    (message,) = emails()
    assert message.subject.startswith("Confirm you want emails about consultations from")
    assert "Every consultation of Example organisation" in message.body
    assert "we will delete your address within 7 days" in message.body
    assert CONFIRM_LINK.search(message.body) and MANAGE_LINK.search(message.body)
    assert "List-Unsubscribe" not in message.extra_headers
    assert not QueuedEmail.objects.filter(kind="digest").exists()


def test_opening_the_confirmation_link_confirms_nothing_and_pressing_the_button_does(client, seen):
    ask(client, f"one:{seen.slug}", consultation=seen)
    link = CONFIRM_LINK.search(emails()[0].body)[1]
    page = Client().get(link)
    assert page.status_code == 200 and "Confirm your subscription" in page.content.decode()
    assert f"The consultation “{seen.title}”" in page.content.decode()
    assert Subscription.objects.get().confirmed_at is None
    confirmed = Client().post(link, follow=True)
    assert f"You are subscribed to: The consultation “{seen.title}”." in confirmed.content.decode()
    assert "Your email subscriptions" in confirmed.content.decode()
    assert Subscription.objects.get().confirmed_at is not None
    again = Client().get(link).content.decode()
    assert "You have already confirmed it" in again


def test_one_inbox_written_two_ways_is_one_subscriber(client, seen):
    ask(client, "all:Example organisation", email="Reader+news@Example.org", consultation=seen)
    ask(client, f"one:{seen.slug}", email="reader@example.org", consultation=seen)
    subscriber = Subscriber.objects.get()
    assert subscriber.address == "reader@example.org" and subscriber.email == "Reader+news@Example.org"
    assert subscriber.subscriptions.count() == 2


# What is told, and when ---------------------------------------------------------------------------


def test_a_consultation_opening_is_told_in_one_digest_line(client, seen):
    subscribed(client, "all:Example organisation", consultation=seen)
    later = opening_later(title="Parks and open spaces")
    announce_due(timezone.now() + 3 * DAY + datetime.timedelta(minutes=1))
    (message,) = emails()
    assert message.subject == "Parks and open spaces: opened"
    assert "Parks and open spaces (Example organisation) is open. You can respond until" in message.body
    assert f"https://localhost/consultations/{later.slug}/" in message.body
    assert message.body.count("is open") == 1


def test_a_week_before_the_close_is_told_once(client, seen):
    subscribed(client, f"one:{seen.slug}", consultation=seen)
    announce_due(timezone.now() + 13 * DAY)
    assert not emails()
    announce_due(timezone.now() + 14 * DAY + datetime.timedelta(minutes=1))
    (message,) = emails()
    assert f"{seen.title} (Example organisation) closes in a week, at" in message.body
    announce_due(timezone.now() + 16 * DAY)
    assert len(emails()) == 1
    assert Announcement.objects.filter(kind="closing_soon").count() == 1


def test_a_consultation_open_for_less_than_a_week_is_not_said_to_close_in_a_week(client, seen):
    subscribed(client, "all:Example organisation", consultation=seen)
    opens = timezone.now() + DAY
    ConsultationFactory(opens_at=opens, closes_at=opens + 5 * DAY)
    announce_due(opens + datetime.timedelta(minutes=1))
    (message,) = emails()
    assert "is open" in message.body and "closes in a week" not in message.body


def test_the_outcome_once_published_is_told(client, seen, manager):
    from guidance.consultations.publishing import publish_outcome

    subscribed(client, f"one:{seen.slug}", consultation=seen)
    Consultation.objects.filter(pk=seen.pk).update(
        closes_at=timezone.now() - DAY, opens_at=timezone.now() - 30 * DAY, outcome="We listened."
    )
    announce_due()
    assert not emails()
    seen.refresh_from_db()
    publish_outcome(seen, by=manager)
    announce_due()
    (message,) = emails()
    assert f"The outcome of {seen.title} (Example organisation) is published" in message.body


def test_a_draft_is_never_announced(client, seen):
    subscribed(client, "all:Example organisation", consultation=seen)
    opening_later(publication=Consultation.Publication.DRAFT)
    announce_due(timezone.now() + 4 * DAY)
    assert not emails() and not Announcement.objects.filter(consultation__publication="draft").exists()


def test_what_happened_in_one_day_goes_in_one_email_and_the_next_a_day_after(client, seen):
    subscribed(client, "all:Example organisation", consultation=seen)
    first, second = opening_later(title="First"), opening_later(title="Second")
    start = timezone.now() + 3 * DAY + datetime.timedelta(minutes=1)
    announce_due(start)
    (message,) = emails()
    assert message.subject == "News of 2 consultations you follow"
    assert "First (Example organisation) is open" in message.body
    assert "Second (Example organisation) is open" in message.body
    mail.outbox.clear()
    third = ConsultationFactory(title="Third", opens_at=start + datetime.timedelta(hours=2), closes_at=start + 40 * DAY)
    announce_due(start + datetime.timedelta(hours=3))
    announce_due(start + datetime.timedelta(hours=23))
    assert not emails()
    announce_due(start + DAY)
    (message,) = emails()
    assert "Third (Example organisation) is open" in message.body
    assert "First" not in message.body and "Second" not in message.body
    assert {first.pk, second.pk, third.pk} <= set(Announcement.objects.values_list("consultation", flat=True))


def test_a_subscription_to_one_consultation_hears_nothing_of_the_organisations_others(client, seen):
    everything = subscribed(client, "all:Example organisation", email="all@example.org", consultation=seen)
    one = subscribed(client, f"one:{seen.slug}", email="one@example.org", consultation=seen)
    opening_later(title="Another of theirs")
    opening_later(title="Someone else's", organisation="Another council")
    announce_due(timezone.now() + 4 * DAY)
    (message,) = emails("all@example.org")
    assert "Another of theirs" in message.body and "Someone else's" not in message.body
    assert not emails("one@example.org")
    assert everything.told.count() == 1 and one.told.count() == 0


def test_an_announcement_matching_two_subscriptions_of_one_address_is_told_once(client, seen):
    subscribed(client, "all:Example organisation", consultation=seen)
    subscribed(client, f"one:{seen.slug}", consultation=seen)
    announce_due(timezone.now() + 14 * DAY + datetime.timedelta(minutes=1))
    (message,) = emails()
    assert message.body.count("closes in a week") == 1


def test_two_workers_at_once_record_and_queue_once(client, seen):
    subscribed(client, "all:Example organisation", consultation=seen)
    opening_later()
    moment = timezone.now() + 4 * DAY
    announce_due(moment)
    announce_due(moment)
    assert QueuedEmail.objects.filter(kind="digest").count() == 1
    assert Announcement.objects.filter(kind="opened").count() == 2
    assert Told.objects.count() == 1


def test_the_worker_looks_for_news_in_its_housekeeping(client, seen):
    from guidance.management.commands import run_worker

    subscribed(client, f"one:{seen.slug}", consultation=seen)
    Consultation.objects.filter(pk=seen.pk).update(closes_at=timezone.now() + 3 * DAY)
    run_worker.housekeeping()
    assert QueuedEmail.objects.filter(kind="digest").count() == 1


# Stopping -------------------------------------------------------------------------------------------


def test_each_digest_can_be_stopped_in_one_click_from_the_mail_program(client, seen):
    subscribed(client, f"one:{seen.slug}", consultation=seen)
    announce_due(timezone.now() + 15 * DAY)
    (message,) = emails()
    stop = STOP_LINK.search(message.body)[1]
    assert message.extra_headers["List-Unsubscribe"] == f"<https://localhost{stop}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert MANAGE_LINK.search(message.body)
    page = Client(enforce_csrf_checks=True).post(stop, {"List-Unsubscribe": "One-Click"})
    assert page.status_code == 200 and "You will get no more emails" in page.content.decode()
    assert not Subscriber.objects.exists() and not Subscription.objects.exists()
    again = Client(enforce_csrf_checks=True).post(stop, {"List-Unsubscribe": "One-Click"})
    assert again.status_code == 404 and "there is nothing more to do" in again.content.decode()


def test_opening_the_stop_link_stops_nothing_until_the_button_is_pressed(client, seen):
    subscriber = subscribed(client, f"one:{seen.slug}", consultation=seen)
    stop = reverse("guidance:subscriptions_stop", args=[subscriber.token])
    page = Client().get(stop)
    assert page.status_code == 200 and "Stop the emails" in page.content.decode()
    assert "r•••@example.org" in page.content.decode()
    assert Subscriber.objects.exists()


def test_a_digest_queued_before_the_stop_is_not_sent(client, seen):
    subscriber = subscribed(client, f"one:{seen.slug}", consultation=seen)
    announce_due(timezone.now() + 15 * DAY)
    assert QueuedEmail.objects.filter(kind="digest", status="waiting").count() == 1
    Client().post(reverse("guidance:subscriptions_stop", args=[subscriber.token]))
    assert not QueuedEmail.objects.filter(to=ADDRESS).exists()
    assert not emails()


def test_the_addresss_page_lists_each_subscription_and_ends_one_then_all(client, seen):
    subscribed(client, "all:Example organisation", consultation=seen)
    subscriber = subscribed(client, f"one:{seen.slug}", consultation=seen)
    other = ConsultationFactory(organisation="Another council")
    ask(client, f"one:{other.slug}", consultation=other)
    manage = reverse("guidance:subscriptions", args=[subscriber.token])
    page = Client().get(manage).content.decode()
    assert "Every consultation of Example organisation" in page
    assert f"The consultation “{seen.title}”" in page
    assert "Waiting for you to confirm it" in page
    one = Subscription.objects.get(consultation=seen)
    ended = Client().post(manage, {"end": one.pk}, follow=True).content.decode()
    assert "That subscription has ended" in ended and f"The consultation “{seen.title}”" not in ended
    assert Subscription.objects.filter(subscriber=subscriber).count() == 2
    assert Client().post(manage, {"end": "nonsense"}).status_code == 400
    assert Client().post(manage, {"end": one.pk}).status_code == 302  # a second time: nothing to end
    done = Client().post(manage, {"end": "all"}, follow=True).content.decode()
    assert "You will get no more emails" in done
    assert not Subscriber.objects.exists() and not Subscription.objects.exists()
    assert Client().get(manage).status_code == 404


def test_ending_the_last_subscription_forgets_the_address(client, seen):
    subscriber = subscribed(client, f"one:{seen.slug}", consultation=seen)
    manage = reverse("guidance:subscriptions", args=[subscriber.token])
    page = Client().post(manage, {"end": subscriber.subscriptions.get().pk}, follow=True)
    assert "You will get no more emails" in page.content.decode()
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize("name", ["subscribe_confirm", "subscriptions", "subscriptions_stop"])
def test_a_link_changed_by_hand_says_it_does_not_work(client, seen, name):
    subscribed(client, f"one:{seen.slug}", consultation=seen)
    url = reverse(f"guidance:{name}", args=["not-a-real-token"])
    for page in [Client().get(url), Client().post(url)]:
        assert page.status_code == 404 and "This link does not work" in page.content.decode()
    assert Subscription.objects.get().confirmed_at is not None


def test_a_confirmation_link_older_than_a_week_does_not_work(client, seen):
    ask(client, f"one:{seen.slug}", consultation=seen)
    link = CONFIRM_LINK.search(emails()[0].body)[1]
    Subscription.objects.update(created_at=timezone.now() - 8 * DAY)
    page = Client().post(link)
    assert page.status_code == 404 and "works for 7 days" in page.content.decode()
    assert Subscription.objects.get().confirmed_at is None


def test_the_tokens_are_left_out_of_the_logs(client, seen):
    subscriber = subscribed(client, f"one:{seen.slug}", consultation=seen)
    token, confirm = subscriber.token, subscriber.subscriptions.get().token
    for name, value in [("subscriptions", token), ("subscriptions_stop", token), ("subscribe_confirm", confirm)]:
        logged = without_tokens(f"GET {reverse(f'guidance:{name}', args=[value])} 200")
        assert value not in logged and "[token]" in logged


# Limits and enumeration ---------------------------------------------------------------------------


def test_the_page_after_asking_is_the_same_whether_or_not_the_address_was_subscribed(client, seen):
    subscribed(client, f"one:{seen.slug}", email="known@example.org", consultation=seen)
    known = ask(Client(), f"one:{seen.slug}", email="known@example.org", consultation=seen, follow=True)
    unknown = ask(Client(), f"one:{seen.slug}", email="kappa@example.org", consultation=seen, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content  # both shown as k•••@example.org
    (already,) = emails("known@example.org")
    assert already.subject.startswith("You already get emails about consultations")
    assert MANAGE_LINK.search(already.body) and not CONFIRM_LINK.search(already.body)
    (confirm,) = emails("kappa@example.org")
    assert confirm.subject.startswith("Confirm")


def test_one_connection_may_ask_only_so_often(client, seen, settings):
    settings.RATE_LIMIT_LINK_REQUESTS_PER_HOUR = 2
    for n in range(2):
        assert ask(client, f"one:{seen.slug}", email=f"person{n}@example.org", consultation=seen).status_code == 302
    page = ask(client, f"one:{seen.slug}", email="third@example.org", consultation=seen)
    assert page.status_code == 429 and int(page["Retry-After"]) > 0
    assert "You have asked for a lot of emails" in page.content.decode()
    assert not Subscriber.objects.filter(email="third@example.org").exists()


def test_one_address_is_sent_only_so_many_a_day_whoever_asks(seen, settings):
    settings.RATE_LIMIT_LINKS_PER_DAY = 1
    assert ask(Client(REMOTE_ADDR="192.0.2.1"), f"one:{seen.slug}", consultation=seen).status_code == 302
    page = ask(Client(REMOTE_ADDR="192.0.2.2"), "all:Example organisation", email="Reader+x@example.org")
    assert page.status_code == 429 and "to one address each day" in page.content.decode()
    assert Subscription.objects.count() == 1 and len(emails()) == 1


# Personal data -------------------------------------------------------------------------------------


def test_unconfirmed_subscriptions_are_deleted_after_a_week_and_confirmed_ones_kept(client, seen):
    subscribed(client, f"one:{seen.slug}", email="kept@example.org", consultation=seen)
    ask(client, f"one:{seen.slug}", email="old@example.org", consultation=seen)
    ask(client, f"one:{seen.slug}", email="new@example.org", consultation=seen)
    Subscription.objects.filter(subscriber__email="old@example.org").update(created_at=timezone.now() - 8 * DAY)
    apply_retention()
    assert set(Subscriber.objects.values_list("email", flat=True)) == {"kept@example.org", "new@example.org"}
    assert not QueuedEmail.objects.filter(to="old@example.org").exists()


def test_the_erasure_page_finds_and_erases_an_addresss_subscriptions(seen, manager):
    subscribed(Client(), f"one:{seen.slug}", consultation=seen)
    manager_client = signed_in(manager)
    announce_due(timezone.now() + 15 * DAY)
    found = manager_client.get(reverse("admin:guidance_response_erase_find"), {"query": "Reader@Example.org"})
    text = found.content.decode()
    assert "Email subscriptions of this address" in text and f"The consultation “{seen.title}”" in text
    subscriber = Subscriber.objects.get()
    erase = reverse("admin:guidance_subscriber_erase", args=[subscriber.pk])
    assert manager_client.get(erase).status_code == 405
    page = manager_client.post(erase, follow=True)
    assert "Erased the email subscriptions of that address" in page.content.decode()
    assert not Subscriber.objects.exists() and not QueuedEmail.objects.filter(to=ADDRESS).exists()
    assert not emails()
    # Recorded as every erasure is, without the address.
    erasure = Erasure.objects.get()
    assert (erasure.scope, erasure.by, erasure.consultation, erasure.response_count) == (
        Erasure.Scope.SUBSCRIPTIONS,
        manager,
        None,
        0,
    )
    assert seen.title in erasure.reason and "1 subscription" in erasure.reason
    assert "reader" not in erasure.reason.lower() and "@" not in erasure.reason


def test_staff_who_may_not_see_personal_data_cannot_erase_subscriptions(seen, moderator):
    subscriber = subscribed(Client(), f"one:{seen.slug}", consultation=seen)
    erase = reverse("admin:guidance_subscriber_erase", args=[subscriber.pk])
    assert signed_in(moderator).post(erase).status_code == 403
    assert Subscriber.objects.exists()


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_subscriptions_are_in_the_admin_only_for_staff_who_may_see_personal_data(seen, moderator, analyst, manager):
    subscribed(Client(), f"one:{seen.slug}", consultation=seen)
    changelist = reverse("admin:guidance_subscription_changelist")
    for refused in [signed_in(moderator), signed_in(analyst)]:
        assert refused.get(changelist).status_code == 403
        assert changelist not in refused.get(reverse("admin:index")).content.decode()
    allowed = signed_in(manager)
    page = allowed.get(changelist)
    assert page.status_code == 200 and ADDRESS in page.content.decode()
    assert changelist in allowed.get(reverse("admin:index")).content.decode()
    subscription = Subscription.objects.get()
    assert allowed.post(reverse("admin:guidance_subscription_delete", args=[subscription.pk])).status_code == 403
