"""The open data pages are valid HTML, as the Nu HTML Checker sees them (one run of it, as
tests/test_html_validity.py does): the data dictionary, the API's documentation, the published
responses with their download links (filtered and not), and the consultations page with its feed."""

import pytest
from django.urls import reverse

from guidance.models import Consultation
from tests.factories import CommentFactory, SectionFactory
from tests.html_validity import html_errors
from tests.journey_helpers import publish
from tests.test_html_validity import (
    checker,  # noqa: F401  (the fixture: Java and vnu.jar, or skip)
    page,
)

pytestmark = [pytest.mark.django_db, pytest.mark.html]


def test_the_open_data_pages_are_valid_html(client, checker, consultation):  # noqa: F811
    section = SectionFactory(document=consultation.document, major=1, title="Reciprocity", slug="reciprocity")
    publish(CommentFactory(section=section, text="Pay people for their time."))
    slug = consultation.slug
    pages = {
        "data dictionary": page(client.get(reverse("guidance:open_data", args=[slug]))),
        "API documentation": page(client.get(reverse("api:docs"))),
        "published responses with downloads": page(client.get(reverse("guidance:published", args=[slug]))),
        "filtered, with downloads": page(
            client.get(reverse("guidance:published", args=[slug]) + f"?section={section.pk}&q=pay")
        ),
        "consultations, with the feed": page(client.get(reverse("guidance:consultation_list"))),
    }
    Consultation.objects.filter(pk=consultation.pk).update(licence="cc0", content_version=50)
    pages["data dictionary, CC0"] = page(client.get(reverse("guidance:open_data", args=[slug])))
    assert html_errors(pages) == {}
