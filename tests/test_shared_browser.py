"""Several people at one browser (a library, a drop-in session, a family tablet): a form never shows
the last person's details in full, a change of name or address asks whether it is the same person,
someone else starts a response of their own, and the last person's response, receipt and
publication choice are left as they were (tests/browser/test_shared_browser.py: in a real browser)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from guidance.models import QueuedEmail, Response
from tests.factories import ConsultationFactory, SectionFactory
from tests.journey_helpers import DETAILS, comment_data, deliver_emails, section_url

pytestmark = pytest.mark.django_db

ALICE = {**DETAILS, "name": "Alice Carer", "email": "alice@example.com", "consent": "named"}
BOB = {"name": "Bob Brown", "email": "bob@example.net", "consent": "private", "respondent_type": "public"}


@pytest.fixture
def alice_sent(client, consultation, section):
    client.post(section_url(section, consultation), {**ALICE, "comment": "Alice's words on reciprocity."})
    return Response.objects.get()


def test_the_next_form_shows_the_last_persons_details_masked_never_in_full(
    client, consultation, second_section, alice_sent
):
    page = client.get(section_url(second_section, consultation)).content.decode()
    assert "A••• C•••" in page and "a•••@example.com" in page
    assert "Alice Carer" not in page and "alice@example.com" not in page
    assert "Not you? Start a new response" in page


def test_the_details_remembered_from_another_consultation_are_masked_too(client, alice_sent):
    other = ConsultationFactory()
    page = client.get(section_url(SectionFactory(document=other.document), other)).content.decode()
    assert "a•••@example.com" in page and "alice@example.com" not in page


def test_a_changed_name_or_address_asks_whether_it_is_the_same_person_and_stores_nothing(
    client, consultation, second_section, alice_sent
):
    page = client.post(section_url(second_section, consultation), comment_data("Bob's words.", **BOB))
    content = page.content.decode()
    assert page.status_code == 200
    assert "Select whether you are the person whose details were shown, or someone else" in content
    assert 'value="Bob Brown"' in content  # what he typed, kept
    alice_sent.refresh_from_db()
    assert alice_sent.comments.count() == 1
    assert (alice_sent.name, alice_sent.email, alice_sent.consent) == ("Alice Carer", "alice@example.com", "named")


def test_someone_else_starts_afresh_with_their_words_kept_and_nothing_of_the_last_persons(
    client, consultation, second_section, alice_sent
):
    url = section_url(second_section, consultation)
    page = client.post(url, comment_data("Bob's words.", **BOB, same_person="someone_else"))
    content = page.content.decode()
    assert page.status_code == 200
    assert "You are starting a new response. Nothing has been sent yet." in content
    assert "Bob&#x27;s words." in content and 'value="Bob Brown"' in content and 'value="bob@example.net"' in content
    assert "A••• C•••" not in content and "a•••@example.com" not in content and "Alice" not in content
    assert "no-store" in page["Cache-Control"]
    assert Response.objects.count() == 1 and alice_sent.comments.count() == 1

    client.post(url, {**DETAILS, **BOB, "comment": "Bob's words."})
    bob = Response.objects.exclude(pk=alice_sent.pk).get()
    assert (bob.name, bob.email, bob.consent) == ("Bob Brown", "bob@example.net", "private")
    assert [comment.text for comment in bob.comments.all()] == ["Bob's words."]
    alice_sent.refresh_from_db()
    assert (alice_sent.name, alice_sent.email, alice_sent.consent) == ("Alice Carer", "alice@example.com", "named")
    assert alice_sent.comments.count() == 1


def test_each_persons_receipt_goes_to_them_with_their_own_words_only(client, consultation, second_section, alice_sent):
    url = section_url(second_section, consultation)
    client.post(url, comment_data("Bob's words.", **BOB, same_person="someone_else"))
    client.post(url, {**DETAILS, **BOB, "comment": "Bob's words."})
    deliver_emails()
    by_recipient = {message.to[0]: message.body for message in mail.outbox}
    assert set(by_recipient) == {"alice@example.com", "bob@example.net"}
    assert (
        "Alice's words" in by_recipient["alice@example.com"] and "Bob's words" not in by_recipient["alice@example.com"]
    )
    assert "Bob's words" in by_recipient["bob@example.net"] and "Alice's words" not in by_recipient["bob@example.net"]


def test_the_same_person_may_change_their_address_which_never_redirects_a_receipt_already_queued(
    client, consultation, second_section, alice_sent
):
    changed = {**ALICE, "email": "alice.new@example.com", "same_person": "same", "comment": "Second thought."}
    client.post(section_url(second_section, consultation), changed)
    alice_sent.refresh_from_db()
    assert alice_sent.email == "alice.new@example.com" and alice_sent.comments.count() == 2
    assert list(QueuedEmail.objects.order_by("pk").values_list("to", flat=True)) == [
        "alice@example.com",
        "alice.new@example.com",
    ]


def test_empty_name_and_address_fields_keep_the_remembered_ones(client, consultation, second_section, alice_sent):
    client.post(section_url(second_section, consultation), {**ALICE, "name": "", "email": "", "comment": "More."})
    alice_sent.refresh_from_db()
    assert (alice_sent.name, alice_sent.email, alice_sent.comments.count()) == ("Alice Carer", "alice@example.com", 2)


def test_not_you_forgets_this_browsers_response_and_leaves_it_as_it_was(
    client, consultation, second_section, alice_sent
):
    url = section_url(second_section, consultation)
    client.get(url)
    csrf_before = client.cookies["csrftoken"].value
    forgotten = client.post(reverse("guidance:forget_device", args=[consultation.slug]), {"return_to": url})
    assert forgotten.status_code == 302 and forgotten["Location"] == url
    page = client.get(url).content.decode()
    assert "a•••@example.com" not in page and "Not you?" not in page
    assert client.cookies["csrftoken"].value != csrf_before  # the browser's forms no longer join Alice's
    assert client.get(reverse("guidance:your_response", args=[consultation.slug])).status_code == 404
    client.post(url, {**DETAILS, **BOB, "comment": "Bob's words."})
    assert Response.objects.count() == 2
    alice_sent.refresh_from_db()
    assert (alice_sent.consent, alice_sent.comments.count()) == ("named", 1)


def test_forgetting_goes_back_only_to_a_page_of_this_portal(client, consultation, alice_sent):
    forget = reverse("guidance:forget_device", args=[consultation.slug])
    for elsewhere in ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]:
        client.post(reverse("guidance:section", args=[consultation.slug, "reciprocity"]), {**ALICE, "comment": "x"})
        page = client.post(forget, {"return_to": elsewhere})
        assert page["Location"] == reverse("guidance:device_forgotten", args=[consultation.slug])


def test_forget_me_asks_first_and_forgets_only_when_confirmed(client, consultation, alice_sent):
    forget = reverse("guidance:forget_device", args=[consultation.slug])
    your_response = reverse("guidance:your_response", args=[consultation.slug])
    assert f'href="{forget}"' in client.get(your_response).content.decode()
    asked = client.get(forget).content.decode()
    assert "Forget your response on this device?" in asked and alice_sent.reference in asked
    assert client.get(your_response).status_code == 200  # asking changed nothing
    done = client.post(forget, follow=True)
    assert "This device has forgotten you" in done.content.decode()
    assert "no-store" in done["Cache-Control"]
    assert client.get(your_response).status_code == 404
    assert Response.objects.get() == alice_sent


def test_the_confirmation_offers_to_finish_and_forget_me_on_this_device(client, consultation, section):
    sent = client.post(section_url(section, consultation), {**ALICE, "comment": "Words."}, follow=True)
    content = sent.content.decode()
    form = re.search(
        r'<form method="post" action="([^"]+)">\s*<input[^>]*csrfmiddlewaretoken[^>]*>\s*<button[^>]*>'
        r"Finish and forget me on this device</button>",
        content,
    )
    assert form and form[1] == reverse("guidance:forget_device", args=[consultation.slug])
    done = client.post(form[1], follow=True)
    assert "This device has forgotten you" in done.content.decode()
    page = client.get(section_url(section, consultation)).content.decode()
    assert "a•••@example.com" not in page and "You agreed to the" not in page


def test_stopping_the_links_asks_first(client, consultation, alice_sent):
    stop = reverse("guidance:revoke_links", args=[consultation.slug])
    version = alice_sent.link_version
    asked = client.get(stop)
    assert "Stop your links working?" in asked.content.decode()
    alice_sent.refresh_from_db()
    assert alice_sent.link_version == version
    client.post(stop)
    alice_sent.refresh_from_db()
    assert alice_sent.link_version == version + 1
