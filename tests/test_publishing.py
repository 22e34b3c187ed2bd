"""A consultation is a draft until it is published: invisible to the public everywhere, shown to
colleagues through signed, expiring, revocable preview links, published with confirmation by a
Consultation manager, then its outcome published."""

import datetime
import importlib
import re
import zoneinfo

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guidance.consultations import previews, publishing, supporting
from guidance.mail import notifications
from guidance.models import Comment, Consultation, Document, PreviewLink, Response
from guidance.outcomes import replies
from tests.factories import CommentFactory, ConsultationFactory, QuestionFactory, ResponseFactory, SectionFactory
from tests.journey_helpers import DETAILS, comment_data, publish, section_url

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def draft():
    consultation = ConsultationFactory(
        title="A secret draft", slug="secret-draft", publication=Consultation.Publication.DRAFT
    )
    section = SectionFactory(document=consultation.document, slug="payment", title="Payment")
    QuestionFactory(consultation=consultation, position=1, text="What do you think?")
    publish(CommentFactory(section=section, text="Entered by staff and approved"))
    supporting.attach(consultation, "Full draft", SimpleUploadedFile("a.txt", b"The draft."), by=None)
    return consultation


def draft_urls(consultation):
    section = consultation.document.sections.get()
    return [
        consultation.get_absolute_url(),
        reverse("guidance:draft", args=[consultation.slug]),
        section_url(section, consultation),
        reverse("guidance:questions", args=[consultation.slug]),
        reverse("guidance:published", args=[consultation.slug]),
        reverse("guidance:confirmation", args=[consultation.slug]),
        reverse("guidance:supporting_document", args=[consultation.slug, consultation.supporting_documents.get().pk]),
        reverse("guidance:report_comment", args=[Comment.objects.get(consultation=consultation).pk]),
    ]


def staff(group, name=None):
    user = User.objects.create_user(name or group.lower().replace(" ", "-"), is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def test_a_new_consultation_is_a_draft():
    consultation = Consultation(title="New")
    assert consultation.publication == Consultation.Publication.DRAFT


def test_a_draft_is_not_found_by_the_public_on_any_of_its_pages(client, draft):
    responses = Response.objects.count()
    for url in draft_urls(draft):
        assert client.get(url).status_code == 404, url
    for url in [draft_urls(draft)[2], draft_urls(draft)[3]]:
        assert client.post(url, {**comment_data(), f"answer_{draft.questions.get().pk}": "Hi"}).status_code == 404
    assert Response.objects.count() == responses


def test_a_draft_is_in_no_public_list(client, draft):
    ConsultationFactory(title="A published one", organisation="Published Org")
    draft.organisation = "Secret Org"
    draft.save()
    home = client.get("/").content.decode()
    assert "A published one" in home and "A secret draft" not in home
    privacy = client.get(reverse("guidance:privacy")).content.decode()
    assert "Published Org" in privacy and "Secret Org" not in privacy
    sitemap = client.get("/sitemap.xml")
    assert sitemap.status_code == 200
    assert b"secret-draft" not in sitemap.content
    assert b"/consultations/" in sitemap.content


def test_publishing_needs_the_permission_and_makes_the_consultation_public(client, draft):
    draft.opens_at = timezone.now() + DAY
    draft.save()
    page = reverse("admin:guidance_consultation_publish", args=[draft.pk])
    client.force_login(staff("Analyst"))
    assert "Only staff with the permission to publish" in client.get(page).content.decode()
    client.post(page, {})
    draft.refresh_from_db()
    assert draft.is_draft

    manager = staff("Consultation manager")
    client.force_login(manager)
    assert client.post(page, {}).status_code == 302
    draft.refresh_from_db()
    assert draft.publication == Consultation.Publication.PUBLISHED
    assert draft.published_by == manager and draft.published_at is not None
    assert Client().get(draft.get_absolute_url()).status_code == 200
    with pytest.raises(publishing.NotAllowed):
        publishing.publish(draft, by=manager)


@pytest.mark.parametrize(
    "problem",
    ["no questions", "no sections", "opened in the past", "closed in the past"],
)
def test_publishing_asks_for_confirmation_when_something_looks_wrong(client, problem):
    now = timezone.now()
    consultation = ConsultationFactory(
        publication=Consultation.Publication.DRAFT, opens_at=now + DAY, closes_at=now + 30 * DAY
    )
    if problem != "no sections":
        SectionFactory(document=consultation.document)
    if problem != "no questions":
        QuestionFactory(consultation=consultation)
    if problem == "opened in the past":
        consultation.opens_at = now - DAY
    if problem == "closed in the past":
        consultation.opens_at, consultation.closes_at = now - 30 * DAY, now - DAY
    consultation.save()
    client.force_login(staff("Consultation manager"))
    page = reverse("admin:guidance_consultation_publish", args=[consultation.pk])

    shown = client.get(page).content.decode()
    expected = {
        "no questions": "It has no questions",
        "no sections": "Its draft has no sections",
        "opened in the past": "Its opening date is in the past",
        "closed in the past": "Its closing date is in the past",
    }[problem]
    assert expected in shown
    refused = client.post(page, {})
    assert refused.status_code == 400
    assert "Tick the box to confirm" in refused.content.decode()
    consultation.refresh_from_db()
    assert consultation.is_draft

    client.post(page, {"confirm": "on"})
    consultation.refresh_from_db()
    assert consultation.is_public


def test_a_consultation_with_nothing_to_warn_about_is_published_without_a_tick(client):
    now = timezone.now()
    consultation = ConsultationFactory(
        publication=Consultation.Publication.DRAFT, opens_at=now + DAY, closes_at=now + 30 * DAY
    )
    SectionFactory(document=consultation.document)
    QuestionFactory(consultation=consultation)
    assert publishing.warnings(consultation) == []
    client.force_login(staff("Consultation manager"))
    client.post(reverse("admin:guidance_consultation_publish", args=[consultation.pk]), {})
    consultation.refresh_from_db()
    assert consultation.is_public


def test_the_outcome_is_published_after_the_close_and_only_then_shows(client):
    now = timezone.now()
    consultation = ConsultationFactory(opens_at=now - 30 * DAY, closes_at=now + DAY, outcome="We changed **it**.")
    manager = staff("Consultation manager")
    with pytest.raises(publishing.NotAllowed, match="has not closed yet"):
        publishing.publish_outcome(consultation, by=manager)
    consultation.closes_at = now - DAY
    consultation.save()
    overview = Client().get(consultation.get_absolute_url()).content.decode()
    assert "We changed" not in overview and "We are reading every response" in overview

    client.force_login(manager)
    client.post(reverse("admin:guidance_consultation_publish", args=[consultation.pk]), {})
    consultation.refresh_from_db()
    assert consultation.publication == Consultation.Publication.OUTCOME_PUBLISHED
    caches["fragments"].clear()  # as PUBLIC_CACHE_SECONDS after publishing
    assert "We changed <strong>it</strong>." in Client().get(consultation.get_absolute_url()).content.decode()


def test_only_staff_who_may_publish_consultations_publish_the_outcome(client):
    now = timezone.now()
    consultation = ConsultationFactory(opens_at=now - 30 * DAY, closes_at=now - DAY, outcome="We changed it.")
    page = reverse("admin:guidance_consultation_publish", args=[consultation.pk])
    for group in ["Moderator", "Analyst"]:
        client.force_login(staff(group))
        assert "Only staff with the permission to publish" in client.get(page).content.decode()
        refused = client.post(page, {}, follow=True)
        assert "Publishing needs the permission to publish consultations" in refused.content.decode()
        consultation.refresh_from_db()
        assert consultation.publication == Consultation.Publication.PUBLISHED
    manager = staff("Consultation manager")
    client.force_login(manager)
    client.post(page, {})
    consultation.refresh_from_db()
    assert consultation.publication == Consultation.Publication.OUTCOME_PUBLISHED
    assert consultation.outcome_published_by == manager


def test_publishing_the_outcome_warns_of_sections_commented_on_without_a_we_did_and_waits_for_the_links(client):
    now = timezone.now()
    consultation = ConsultationFactory(opens_at=now - 30 * DAY, closes_at=now - DAY, outcome="We changed it.")
    first = SectionFactory(document=consultation.document, major=1)
    second = SectionFactory(document=consultation.document, major=2, minor=1)
    SectionFactory(document=consultation.document, major=3)  # no published comment: nothing owed
    publish(CommentFactory(section=first))
    publish(CommentFactory(section=second))
    CommentFactory(section=SectionFactory(document=consultation.document, major=4))  # pending only
    assert publishing.outcome_warnings(consultation) == ["No “we did” for sections with published comments: 1, 2.1."]
    replies.write_outcome(consultation, section=first, kind="", text="We rewrote it.", by=None)
    assert publishing.outcome_warnings(consultation) == ["No “we did” for sections with published comments: 2.1."]
    replies.write_outcome(consultation, section=second, kind="", text="We kept it.", by=None)
    assert publishing.outcome_warnings(consultation) == []
    Document.objects.create(title="Next", slug="next", revises=consultation.document)
    client.force_login(staff("Consultation manager"))
    page = client.post(reverse("admin:guidance_consultation_publish", args=[consultation.pk]), {}, follow=True)
    assert "section links are not confirmed yet. Confirm where each of its sections comes from" in (
        page.content.decode()
    )
    consultation.refresh_from_db()
    assert consultation.publication == Consultation.Publication.PUBLISHED
    Document.objects.filter(slug="next").update(links_confirmed_at=now)
    client.post(reverse("admin:guidance_consultation_publish", args=[consultation.pk]), {})
    consultation.refresh_from_db()
    assert consultation.publication == Consultation.Publication.OUTCOME_PUBLISHED


def test_existing_consultations_are_published_by_the_migration_and_a_written_outcome_stays_shown():
    # Running the migrations backwards and forwards needs a transactional test, whose emptying of
    # the database (the roles' groups with it) upsets the tests after it; so the migration's two
    # steps are checked as it defines them: the column added with "published" for every row that
    # exists, then its data step on such rows.
    migration = importlib.import_module("guidance.migrations.0010_authoring")
    added = next(
        op
        for op in migration.Migration.operations
        if getattr(op, "name", "") == "publication" and op.__class__.__name__ == "AddField"
    )
    assert added.field.default == "published"
    now = timezone.now()
    common = {"publication": Consultation.Publication.PUBLISHED}
    ConsultationFactory(slug="open", **common)
    ConsultationFactory(slug="done", opens_at=now - 9 * DAY, closes_at=now - DAY, outcome="We did.", **common)
    ConsultationFactory(slug="quiet", opens_at=now - 9 * DAY, closes_at=now - DAY, **common)

    # The apps as the migrations see them, as `migrate` would pass them.
    state_apps = MigrationLoader(connection).project_state().apps
    migration.keep_outcomes_public(state_apps, None)

    stages = dict(Consultation.objects.values_list("slug", "publication"))
    assert stages == {"open": "published", "done": "outcome", "quiet": "published"}
    assert Consultation().publication == Consultation.Publication.DRAFT
    # The managers' permissions to publish are given as guidance/staff/roles.py says (tests/test_roles.py).
    manager_permissions = Group.objects.get(name="Consultation manager").permissions.values_list("codename", flat=True)
    assert {"publish_consultation", "add_supportingdocument", "add_previewlink"} <= set(manager_permissions)


# Preview links -----------------------------------------------------------------------------------


def open_link(client, consultation, link):
    return client.get(reverse("guidance:preview_link", args=[consultation.slug, previews.token_for(link)]))


def test_a_preview_link_shows_every_page_of_the_draft_marked_preview_and_as_open(client, draft):
    draft.opens_at, draft.closes_at = timezone.now() + 10 * DAY, timezone.now() + 40 * DAY
    draft.save()
    link = previews.make_link(draft, by=None)
    assert open_link(client, draft, link).url == draft.get_absolute_url()
    for url in draft_urls(draft)[:5]:
        page = client.get(url)
        html = page.content.decode()
        assert page.status_code == 200, url
        assert '<strong class="govuk-tag govuk-phase-banner__content__tag">Preview</strong>' in html, url
        assert "<title>Preview: " in html, url
        assert "no-store" in page["Cache-Control"], url
    assert "Send comment" in client.get(draft_urls(draft)[2]).content.decode()
    document = client.get(draft_urls(draft)[6])
    assert document.status_code == 200 and b"".join(document.streaming_content) == b"The draft."


def test_forms_on_a_preview_are_checked_and_store_nothing(client, draft):
    responses = Response.objects.count()
    open_link(client, draft, previews.make_link(draft, by=None))
    section, questions = draft_urls(draft)[2], draft_urls(draft)[3]

    sent = client.post(section, comment_data("A view from a colleague."))
    assert sent.status_code == 200
    assert "As this is a preview, nothing was sent or stored." in sent.content.decode()
    mistake = client.post(section, comment_data(""))
    assert "Enter your comment" in mistake.content.decode()
    answered = client.post(questions, {**DETAILS, f"answer_{draft.questions.get().pk}": "An answer."})
    assert "nothing was sent or stored" in answered.content.decode()
    assert Response.objects.count() == responses
    assert Comment.objects.filter(consultation=draft).count() == 1  # the one the fixture made


def test_an_expired_link_is_refused_and_stops_an_open_preview(client, draft):
    link = previews.make_link(draft, by=None)
    open_link(client, draft, link)
    PreviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    for page in [open_link(Client(), draft, link), client.get(draft.get_absolute_url())]:
        assert page.status_code == 403
        assert "This preview link has expired" in page.content.decode()
        assert "secret" not in page.content.decode().lower()


def test_a_revoked_link_is_refused_at_once_on_every_page(client, draft):
    link = previews.make_link(draft, by=None)
    open_link(client, draft, link)
    assert client.get(draft_urls(draft)[2]).status_code == 200
    manager = staff("Consultation manager")
    staff_client = Client()
    staff_client.force_login(manager)
    staff_client.post(reverse("admin:guidance_consultation_preview_link_revoke", args=[draft.pk, link.pk]))
    link.refresh_from_db()
    assert link.revoked_by == manager
    for url in draft_urls(draft)[:4]:
        page = client.get(url)
        assert page.status_code == 403
        assert "This preview link has been withdrawn" in page.content.decode()


@pytest.mark.parametrize("change", ["a character changed", "cut short", "made up", "signed for another use"])
def test_a_tampered_link_is_refused(client, draft, change):
    token = previews.token_for(previews.make_link(draft, by=None))
    if change == "a character changed":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    elif change == "cut short":
        token = token[: len(token) // 2]
    elif change == "made up":
        token = "eyJjIjoxLCJsIjoxfQ:1abcde:notasignature"
    else:
        from django.core import signing

        token = signing.dumps({"c": draft.pk, "l": 1}, salt="another-purpose")
    page = client.get(reverse("guidance:preview_link", args=[draft.slug, token]))
    assert page.status_code == 403
    assert "This preview link is not complete or has been changed" in page.content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_another_consultations_link_opens_nothing_here(client, draft):
    other = ConsultationFactory(publication=Consultation.Publication.DRAFT)
    token = previews.token_for(previews.make_link(other, by=None))
    page = client.get(reverse("guidance:preview_link", args=[draft.slug, token]))
    assert page.status_code == 403
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_a_link_to_a_consultation_published_since_leads_to_its_public_page(client, draft):
    link = previews.make_link(draft, by=None)
    publishing.publish(draft, by=None)
    assert open_link(client, draft, link).url == draft.get_absolute_url()
    assert "Preview" not in client.get(draft.get_absolute_url()).content.decode()


def test_links_expire_after_seven_days_by_default_and_staff_make_and_list_them(client, draft):
    client.force_login(staff("Consultation manager"))
    client.post(reverse("admin:guidance_consultation_preview_link_add", args=[draft.pk]))
    link = PreviewLink.objects.get()
    assert abs(link.expires_at - timezone.now() - 7 * DAY) < datetime.timedelta(minutes=1)
    page = client.get(reverse("admin:guidance_consultation_publish", args=[draft.pk])).content.decode()
    # The token is signed with the time it was made, so it is read back rather than made again.
    [token] = set(re.findall(r"/preview/([^/\s\"]+)/", page))
    assert previews.link_from_token(token, draft) == link
    assert "Withdraw" in page


def test_moderators_cannot_make_preview_links(client, draft):
    client.force_login(staff("Moderator"))
    assert client.post(reverse("admin:guidance_consultation_preview_link_add", args=[draft.pk])).status_code == 403
    assert not PreviewLink.objects.exists()


def test_staff_preview_a_draft_without_a_link(client, draft):
    client.force_login(staff("Moderator"))
    page = client.get(draft.get_absolute_url())
    assert page.status_code == 200
    assert "Preview" in page.content.decode()


# Publishing the outcome: previewed, and saying who is emailed and when ----------------------------


@pytest.fixture
def closed_with_respondents():
    """A closed consultation whose respondents: Ann (two responses, one address written two ways)
    and Bob asked to be told; Cy did not; Di asked but gave no address; Ed asked, then withdrew;
    Flo only saved a form; and Gil asked on another consultation."""
    now = timezone.now()
    consultation = ConsultationFactory(opens_at=now - 30 * DAY, closes_at=now - DAY)
    sent = {"submitted_at": now - 2 * DAY, "consultation": consultation}
    for email, changes in [
        ("ann@example.org", {"notify": True}),
        ("ANN@example.org", {"notify": True}),
        ("bob@example.org", {"notify": True}),
        ("cy@example.org", {"notify": False}),
        ("", {"notify": True}),
        ("ed@example.org", {"notify": True, "withdrawn_at": now - 3 * DAY}),
        ("flo@example.org", {"notify": True, "submitted_at": None}),
    ]:
        ResponseFactory(email=email, **{**sent, **changes})
    ResponseFactory(email="gil@example.org", notify=True, submitted_at=now - 2 * DAY)
    return consultation


def test_the_publish_page_says_how_many_people_will_be_emailed_and_when(client, closed_with_respondents, settings):
    settings.NOTIFICATION_HOUR = 0  # past the day's hour, whenever the test runs
    consultation = closed_with_respondents
    client.force_login(staff("Consultation manager"))
    page = client.get(reverse("admin:guidance_consultation_publish", args=[consultation.pk])).content.decode()
    assert "<strong>2 people will be emailed</strong> that the outcome is published" in page
    assert "The email worker sends them within a few minutes of publishing." in page
    assert 'value="Publish the outcome and email 2 people"' in page
    assert "Publishing the outcome cannot be undone." in page
    assert reverse("admin:guidance_consultation_outcome_preview", args=[consultation.pk]) in page
    assert "There will be no “What changed” page" in page

    # Bob had today's email about his comments already: his waits for tomorrow's.
    Response.objects.filter(email="bob@example.org").update(notified_at=timezone.now())
    page = client.get(reverse("admin:guidance_consultation_publish", args=[consultation.pk])).content.decode()
    assert "<strong>2 people will be emailed</strong>" in page
    assert "except to the 1 who already had today's email about their comments: theirs goes from" in page


def test_the_publish_page_says_when_nobody_will_be_emailed(client):
    now = timezone.now()
    consultation = ConsultationFactory(opens_at=now - 30 * DAY, closes_at=now - DAY)
    ResponseFactory(consultation=consultation, email="cy@example.org", notify=False, submitted_at=now - DAY)
    client.force_login(staff("Consultation manager"))
    page = client.get(reverse("admin:guidance_consultation_publish", args=[consultation.pk])).content.decode()
    assert "<strong>Nobody will be emailed</strong>" in page
    assert 'value="Publish the outcome"' in page


def test_the_days_emails_go_from_the_notification_hour_or_at_once_after_it(settings):
    settings.NOTIFICATION_HOUR = 17
    london = zoneinfo.ZoneInfo("Europe/London")
    morning = datetime.datetime(2027, 3, 27, 10, 0, tzinfo=london)
    evening = datetime.datetime(2027, 3, 27, 18, 30, tzinfo=london)
    assert notifications.rounds(morning) == (
        morning.replace(hour=17),
        datetime.datetime(2027, 3, 28, 17, tzinfo=london),
    )
    # Over the change to summer time, still 5pm UK time.
    first, next_day = notifications.rounds(evening)
    assert first == evening and next_day == datetime.datetime(2027, 3, 28, 17, tzinfo=london)
    assert next_day.utcoffset() == datetime.timedelta(hours=1)


def test_the_outcome_preview_is_linked_from_the_publish_page_only_once_the_consultation_has_closed(client):
    now = timezone.now()
    consultation = ConsultationFactory(opens_at=now - 30 * DAY, closes_at=now + DAY)
    client.force_login(staff("Consultation manager"))
    url = reverse("admin:guidance_consultation_publish", args=[consultation.pk])
    preview = reverse("admin:guidance_consultation_outcome_preview", args=[consultation.pk])
    assert preview not in client.get(url).content.decode()
    consultation.closes_at = now - DAY
    consultation.save()
    assert preview in client.get(url).content.decode()
