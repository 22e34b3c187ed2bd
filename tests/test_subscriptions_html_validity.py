"""The subscription pages, in every state a person meets them, are valid HTML, as the Nu HTML
Checker sees them (one run of it, as tests/test_html_validity.py does): the form (for one
consultation, for all, with mistakes), "check your email", the confirmation page before and after,
the address's page, the stop page, the ended page, a broken link and the limit's 429 page; and the
staff's erasure page listing an address's subscriptions."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from guidance.models import Subscriber
from tests.factories import ConsultationFactory, UserFactory
from tests.html_validity import html_errors
from tests.journey_helpers import deliver_emails
from tests.test_html_validity import (
    checker,  # noqa: F401  (the fixture: Java and vnu.jar, or skip)
    page,
)

pytestmark = [pytest.mark.django_db, pytest.mark.html]


def test_every_subscription_page_and_error_state_is_valid_html(checker, settings):  # noqa: F811
    consultation = ConsultationFactory(title="Parks & open spaces", organisation="O'Brien & Sons")
    ConsultationFactory(organisation="Another council")
    client = Client()
    form = f"{reverse('guidance:subscribe')}?consultation={consultation.slug}"
    pages = {
        "form for one consultation": page(client.get(form)),
        "form for every organisation": page(client.get(reverse("guidance:subscribe"))),
        "form with mistakes": page(client.post(form, {"email": "not an address"}), 400),
        "check your email": page(
            client.post(form, {"about": f"one:{consultation.slug}", "email": "reader@example.org"}, follow=True)
        ),
    }
    deliver_emails()
    confirm = re.search(r"https://localhost(/subscribe/confirm/\S+/)", mail.outbox[-1].body)[1]
    client.post(form, {"about": "all:O'Brien & Sons", "email": "reader@example.org"})
    pages["confirm: the button"] = page(client.get(confirm))
    pages["confirmed: the address's page, with one waiting"] = page(client.post(confirm, follow=True))
    pages["confirm again: already confirmed"] = page(client.get(confirm))
    subscriber = Subscriber.objects.get()
    manage = reverse("guidance:subscriptions", args=[subscriber.token])
    pages["the address's page, a button not offered"] = page(client.post(manage, {"end": "x"}), 400)
    stop = reverse("guidance:subscriptions_stop", args=[subscriber.token])
    pages["stop: the button"] = page(client.get(stop))
    staff = Client()
    staff.force_login(UserFactory(role="Consultation manager"))
    pages["staff: erasure page with subscriptions"] = page(
        staff.get(reverse("admin:guidance_response_erase_find"), {"query": "reader@example.org"})
    )
    pages["stopped"] = page(client.post(stop))
    pages["ended"] = page(client.get(reverse("guidance:subscriptions_ended")))
    pages["a broken link"] = page(client.get(manage), 404)
    settings.RATE_LIMIT_LINK_REQUESTS_PER_HOUR = 0
    pages["too many asked"] = page(
        client.post(form, {"about": f"one:{consultation.slug}", "email": "reader@example.org"}), 429
    )
    # One page broken on purpose, in the same run: a checker that reports nothing cannot pass.
    pages["broken on purpose"] = "<!DOCTYPE html><html lang=en><title>t</title><p><div>x</div></p>"
    errors = html_errors(pages)
    assert errors.pop("broken on purpose")
    assert errors == {}
