"""Save and come back later: saving with an email address sends the link to the response at once
(under the daily limits of links), saving without one asks for an address as the page's main action,
and "Lost your link?" sends links to the responses sent or saved with an address, saying the same
whether or not there are any (tests/browser/test_save_and_come_back_browser.py: through a real mail
server, in a real browser)."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from guidance.models import QueuedEmail, Response
from guidance.responses import respondents
from tests.factories import ConsultationFactory, SectionFactory
from tests.journey_helpers import DETAILS, comment_data, deliver_emails, section_url

pytestmark = pytest.mark.django_db


def save(client, url, data):
    return client.post(url, {**data, "save": "Save and come back later"}, follow=True)


def lost_link(consultation):
    return reverse("guidance:lost_link", args=[consultation.slug])


def test_saving_with_an_email_address_sends_the_link_at_once_and_says_so(client, consultation, section):
    page = save(client, section_url(section, consultation), comment_data("Half a thought"))
    content = page.content.decode()
    assert "saved but not sent" in content
    assert "We will email a link to a•••@example.org in the next few minutes." in content
    deliver_emails()
    [message] = mail.outbox
    assert message.to == ["ann@example.org"]
    link = re.search(r"https?://[^/\s]+(/consultations/\S+/continue/\S+/)", message.body)[1]
    elsewhere = Client()
    assert elsewhere.get(link, follow=True).status_code == 200
    form = elsewhere.get(section_url(section, consultation)).content.decode()
    assert "Half a thought" in form


def test_a_form_saved_with_only_an_address_opens_with_the_details_it_still_needs_on_show(client, consultation, section):
    save(client, section_url(section, consultation), {"comment": "Half a thought", "email": "ann@example.org"})
    form = client.get(section_url(section, consultation)).content.decode()
    summary = form[form.index("We will send these details") : form.index('id="change-details"')]
    assert "a•••@example.org" in summary and "ann@example.org" not in form
    assert summary.count("Not given") == 3  # the name, the kind of respondent, the publication choice
    assert '<details class="govuk-details" id="change-details" open>' in form


def test_saving_without_an_email_address_asks_for_one_as_the_main_action(client, consultation, section):
    page = save(client, section_url(section, consultation), comment_data("Half a thought", email=""))
    content = page.content.decode()
    assert "To come back to it on any device, get a link by email below." in content
    # Right under the reference, before what was sent, with the page's primary button.
    main = content[content.index('id="get-a-link"') : content.index("What you have sent")]
    assert re.search(r'value="Email me a link"\s*class="govuk-button\s*"', main)
    assert content.count('value="Email me a link"') == 1  # one form, at the top, not a second further down
    assert not QueuedEmail.objects.exists()
    client.post(reverse("guidance:email_link", args=[consultation.slug]), {"email": "ann@example.org"})
    assert list(QueuedEmail.objects.values_list("kind", "to")) == [("link", "ann@example.org")]


def test_saving_again_sends_links_no_more_than_the_daily_limit_and_says_so(client, consultation, section, settings):
    settings.RATE_LIMIT_LINKS_PER_DAY = 1
    url = section_url(section, consultation)
    pages = [save(client, url, comment_data(f"Draft {n}")).content.decode() for n in range(3)]
    # The first link counts against the address, those after against the response's own address.
    assert "We will email a link" in pages[0] and "We will email a link" in pages[1]
    assert "has had as many as we send to one address in a day" in pages[2]
    assert QueuedEmail.objects.filter(kind="link").count() == 2


def test_without_a_mail_server_the_saved_page_says_where_emails_go(client, consultation, section, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    content = save(client, section_url(section, consultation), comment_data("Half")).content.decode()
    assert "prints its emails in the terminal where it runs, instead of sending them: the link to your" in content
    assert "cannot email you a link" not in content


def test_the_email_me_a_link_box_left_empty_uses_the_responses_own_address(client, consultation, section):
    client.post(section_url(section, consultation), comment_data("Sent."))
    page = client.get(reverse("guidance:your_response", args=[consultation.slug])).content.decode()
    assert "Leave this empty to send it to a•••@example.org, the address you gave." in page
    assert "ann@example.org" not in page
    client.post(reverse("guidance:email_link", args=[consultation.slug]), {"email": ""})
    assert list(QueuedEmail.objects.filter(kind="link").values_list("to", flat=True)) == ["ann@example.org"]


# Lost your link? ---------------------------------------------------------------------------------


def test_a_lost_link_is_sent_to_the_address_that_responded(client, consultation, section):
    save(client, section_url(section, consultation), comment_data("Half", email="carer@example.com"))
    QueuedEmail.objects.all().delete()
    asked = Client().post(lost_link(consultation), {"email": "Carer@Example.com"}, follow=True)
    assert "Check your email" in asked.content.decode() and "C•••@Example.com" in asked.content.decode()
    deliver_emails()
    [message] = mail.outbox
    assert message.to == ["carer@example.com"]
    # The link is signed with the moment it was made, so it is followed rather than compared.
    link = re.search(r"https?://[^/\s]+(/consultations/\S+/continue/\S+/)", message.body)[1]
    elsewhere = Client()
    assert elsewhere.get(link, follow=True).status_code == 200
    assert re.search(r">\s*Half</textarea>", elsewhere.get(section_url(section, consultation)).content.decode())


def test_a_lost_link_page_says_the_same_whether_or_not_the_address_responded(client, consultation, section):
    client.post(section_url(section, consultation), comment_data("Sent.", email="known@example.com"))
    QueuedEmail.objects.all().delete()

    def answer(address):
        page = Client().post(lost_link(consultation), {"email": address}, follow=True).content.decode()
        return page.replace(address[0] + "•••", "X•••")

    assert answer("known@example.com") == answer("kiwi@example.com").replace("kiwi", "known")
    assert QueuedEmail.objects.count() == 1


def test_no_link_goes_for_a_withdrawn_response_or_another_consultations(client, consultation, section):
    client.post(section_url(section, consultation), comment_data("Sent.", email="ann@example.org"))
    respondents.withdraw_response(Response.objects.get())
    other = ConsultationFactory()
    Client().post(section_url(SectionFactory(document=other.document), other), comment_data("Elsewhere."))
    QueuedEmail.objects.all().delete()
    Client().post(lost_link(consultation), {"email": "ann@example.org"})
    assert not QueuedEmail.objects.exists()


def test_a_lost_link_request_with_a_bad_address_is_an_error_and_sends_nothing(client, consultation):
    page = client.post(lost_link(consultation), {"email": "not an address"})
    assert page.status_code == 400
    assert "Enter an email address in the correct format" in page.content.decode()
    assert not QueuedEmail.objects.exists()


def test_lost_link_requests_from_one_connection_are_limited_each_hour(client, consultation, settings):
    settings.RATE_LIMIT_LINK_REQUESTS_PER_HOUR = 2
    for n in range(2):
        assert client.post(lost_link(consultation), {"email": f"person{n}@example.com"}).status_code == 302
    refused = client.post(lost_link(consultation), {"email": "person9@example.com"})
    assert refused.status_code == 429
    assert "This connection has asked for as many links as we send in an hour" in refused.content.decode()


def test_lost_your_link_is_offered_where_a_respondent_looks_for_their_response(client, consultation):
    for url in [consultation.get_absolute_url(), reverse("guidance:your_response", args=[consultation.slug])]:
        assert lost_link(consultation) in client.get(url).content.decode()


def test_the_lost_link_form_keeps_nothing_and_is_kept_by_no_cache(client, consultation):
    page = client.get(lost_link(consultation))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert DETAILS["email"] not in page.content.decode()
