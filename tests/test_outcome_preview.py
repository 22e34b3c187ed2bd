"""Before publishing the outcome, staff preview it: the consultation's page and its "What changed"
page exactly as the public will see them once it is published (the public templates, under a
banner), while the public still sees neither. The preview is for staff who may read the outcome
only, stores nothing and is kept by no cache."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from guidance.models import Consultation
from guidance.outcomes import replies
from tests.factories import ConsultationFactory
from tests.what_changed_helpers import consulted_and_revised, published

pytestmark = pytest.mark.django_db


def staff(group):
    user = User.objects.create_user(group.lower().replace(" ", "-"), is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def written():
    """A closed consultation with its outcome written (as a whole, for a section and a theme, and
    an answer to a comment) but not published, and a next version with confirmed links."""
    consultation, objects = consulted_and_revised()
    replies.write_overall_outcome(consultation, text="We heard **you** and rewrote the guidance.")
    return consultation, objects


def preview_url(consultation):
    return reverse("admin:guidance_consultation_outcome_preview", args=[consultation.pk])


def what_changed_preview_url(consultation):
    return reverse("admin:guidance_consultation_outcome_preview_what_changed", args=[consultation.pk])


def test_staff_see_the_unpublished_outcome_on_the_consultations_page_as_the_public_will(client, written):
    consultation, _ = written
    client.force_login(staff("Consultation manager"))
    response = client.get(preview_url(consultation))
    assert response.status_code == 200
    assert "guidance/consultation_detail.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "The outcome is not published yet: only staff can see this page." in page
    assert "<title>Preview of the outcome: Co-producing research" in page
    assert "What you said and what we did" in page
    assert "We heard <strong>you</strong> and rewrote the guidance." in page
    assert "Section 1: Reciprocity" in page and "We now say <strong>fairly</strong>." in page
    assert "We are reading every response" not in page
    # Its link to "What changed" leads to the preview of that page, not to the public one (not found yet).
    assert f'href="{what_changed_preview_url(consultation)}">See what changed' in page
    assert "no-cache" in response["Cache-Control"] or "private" in response["Cache-Control"]
    # Nothing was stored by looking.
    assert Consultation.objects.get(pk=consultation.pk).publication == Consultation.Publication.PUBLISHED


def test_the_public_page_still_shows_no_outcome_while_staff_preview_it(client, written):
    consultation, _ = written
    client.force_login(staff("Analyst"))
    assert "We now say" in client.get(preview_url(consultation)).content.decode()
    public = Client().get(consultation.get_absolute_url()).content.decode()
    assert "We now say" not in public and "We are reading every response" in public
    assert Client().get(reverse("guidance:what_changed", args=[consultation.slug])).status_code == 404


def test_staff_see_what_changed_with_the_unpublished_we_did_as_the_public_will(client, written):
    consultation, _ = written
    client.force_login(staff("Consultation manager"))
    response = client.get(what_changed_preview_url(consultation))
    assert response.status_code == 200
    assert "guidance/what_changed.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "The outcome is not published yet: only staff can see this page." in page
    assert '<h1 class="govuk-heading-xl">What changed</h1>' in page
    assert "We now say <strong>fairly</strong>." in page and "We will look at budgets." in page
    assert f'href="{preview_url(consultation)}">Preview the consultation' in page


@pytest.mark.parametrize("url", [preview_url, what_changed_preview_url])
def test_the_preview_is_refused_to_the_public_to_people_without_staff_access_and_to_moderators(url, written):
    consultation, _ = written
    anonymous = Client().get(url(consultation))
    assert anonymous.status_code == 302 and reverse("admin:login") in anonymous.url
    not_staff = Client()
    not_staff.force_login(User.objects.create_user("member-of-the-public"))
    refused = not_staff.get(url(consultation))
    assert refused.status_code == 302 and reverse("admin:login") in refused.url
    moderator = Client()
    moderator.force_login(staff("Moderator"))
    assert moderator.get(url(consultation)).status_code == 403
    for response in [anonymous, refused]:
        assert "We now say" not in response.content.decode()


def test_a_draft_has_no_outcome_preview_and_a_published_outcome_leads_to_the_public_pages(client, written):
    client.force_login(staff("Consultation manager"))
    draft = ConsultationFactory(publication=Consultation.Publication.DRAFT)
    assert client.get(preview_url(draft)).status_code == 404
    consultation, _ = written
    published(consultation)
    assert client.get(preview_url(consultation)).url == consultation.get_absolute_url()
    assert client.get(what_changed_preview_url(consultation)).url == reverse(
        "guidance:what_changed", args=[consultation.slug]
    )


def test_without_a_confirmed_next_version_there_is_no_what_changed_to_preview(client, written):
    consultation, objects = written
    objects["revised"].links_confirmed_at = None
    objects["revised"].save()
    client.force_login(staff("Consultation manager"))
    page = client.get(preview_url(consultation)).content.decode()
    assert "We now say" in page and what_changed_preview_url(consultation) not in page
    assert client.get(what_changed_preview_url(consultation)).status_code == 404


def test_the_preview_is_rendered_afresh_never_from_or_into_the_public_pages_cache(client, written):
    consultation, _ = written
    client.force_login(staff("Consultation manager"))
    assert "We heard" in client.get(preview_url(consultation)).content.decode()
    replies.write_overall_outcome(consultation, text="Rewritten after the first look.")
    assert "Rewritten after the first look." in client.get(preview_url(consultation)).content.decode()
    assert "Rewritten after" not in Client().get(consultation.get_absolute_url()).content.decode()
