""" "You said, we did" in the staff pages: Consultation managers write, change and remove what was
done about a consulted section, a theme or a single comment; Analysts read it; Moderators are
refused. Bad input is said plainly and nothing is stored."""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guidance.models import Comment, Outcome, Response
from guidance.outcomes import changes, replies
from tests.factories import CommentFactory, ConsultationFactory, SectionFactory, ThemeFactory
from tests.journey_helpers import publish

pytestmark = pytest.mark.django_db


def staff(group):
    user = User.objects.create_user(group.lower().replace(" ", "-"), is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def closed(consultation):
    consultation.closes_at = timezone.now() - datetime.timedelta(days=1)
    consultation.save()
    return consultation


@pytest.fixture
def said(closed, section):
    """Three published comments on section 1, two with the theme Payment, one with Power; one
    approved but not for publication; one pending."""
    payment = ThemeFactory(consultation=closed, name="Payment")
    power = ThemeFactory(consultation=closed, name="Power")
    comments = [publish(CommentFactory(section=section, text=f"Pay us {n}.")) for n in range(3)]
    comments[0].themes.add(payment)
    comments[1].themes.add(payment, power)
    private = publish(CommentFactory(section=section, text="Not for the public."))
    Response.objects.filter(pk=private.response_id).update(consent=Response.Consent.DO_NOT_PUBLISH)
    private.themes.add(payment)
    CommentFactory(section=section, text="Still pending.")
    return {"payment": payment, "power": power, "comments": comments, "private": private}


def overview_url(consultation):
    return reverse("admin:guidance_consultation_replies", args=[consultation.pk])


def write_url(consultation, target, pk):
    return reverse("admin:guidance_consultation_reply_write", args=[consultation.pk, target, pk])


def remove_url(consultation, target, pk):
    return reverse("admin:guidance_consultation_reply_remove", args=[consultation.pk, target, pk])


def comment_url(consultation, comment):
    return reverse("admin:guidance_consultation_reply_comment", args=[consultation.pk, comment.pk])


# The write module ---------------------------------------------------------------------------


def test_a_section_theme_and_comment_each_get_one_outcome_rewritten_in_place(closed, section, said):
    manager, other = staff("Consultation manager"), staff("Analyst")
    targets = {"section": section, "theme": said["payment"], "comment": said["comments"][0]}
    for name, target in targets.items():
        first = replies.write_outcome(closed, **{name: target}, kind="later", text=" First words. ", by=other)
        assert (first.text, first.kind, first.written_by) == ("First words.", "later", other)
        second = replies.write_outcome(closed, **{name: target}, kind="changed", text="We rewrote it.", by=manager)
        assert second.pk == first.pk
        stored = Outcome.objects.get(**{name: target})
        assert (stored.kind, stored.text, stored.written_by) == ("changed", "We rewrote it.", manager)
        assert stored.written_at >= first.written_at
    assert Outcome.objects.count() == 3
    for name, target in targets.items():
        assert replies.remove_outcome(closed, **{name: target})
        assert not replies.remove_outcome(closed, **{name: target})
    assert not Outcome.objects.exists()


def test_a_section_needs_no_kind_but_a_theme_and_a_comment_do(closed, section, said):
    assert replies.write_outcome(closed, section=section, kind="", text="We clarified it.", by=None).kind == ""
    for target in [{"theme": said["payment"]}, {"comment": said["comments"][0]}]:
        with pytest.raises(ValidationError) as refused:
            replies.write_outcome(closed, **target, kind="", text="Words.", by=None)
        assert refused.value.message_dict == {"kind": ["Choose what became of it."]}
    assert Outcome.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "text", "errors"),
    [
        ("changed", "", {"text": ["Write what was done about it."]}),
        ("changed", " \u200b\ufeff\n", {"text": ["Write what was done about it."]}),
        ("changed", "Bell \x07 here", {"text": ["Remove the hidden control characters"]}),
        ("maybe", "Words.", {"kind": ["Choose one of the kinds listed."]}),
        ("", "  ", {"kind": ["Choose what became of it."], "text": ["Write what was done about it."]}),
    ],
)
def test_bad_input_is_refused_by_field_and_stores_nothing(closed, said, kind, text, errors):
    with pytest.raises(ValidationError) as refused:
        replies.write_outcome(closed, theme=said["payment"], kind=kind, text=text, by=None)
    found = refused.value.message_dict
    assert found.keys() == errors.keys()
    for field, messages in errors.items():
        assert found[field][0].startswith(messages[0])
    assert not Outcome.objects.exists()


def test_a_target_of_another_consultation_or_a_comment_not_approved_is_refused(closed, section, said):
    other = ConsultationFactory()
    elsewhere = SectionFactory(document=other.document)
    cases = [
        ({"section": elsewhere}, "not in the version of the document consulted on"),
        ({"theme": ThemeFactory(consultation=other)}, "belongs to another consultation"),
        ({"comment": CommentFactory(section=elsewhere)}, "made on another consultation"),
        ({"comment": Comment.objects.get(text="Still pending.")}, "Only an approved comment can be answered"),
    ]
    for target, message in cases:
        with pytest.raises(ValidationError, match=message):
            replies.write_outcome(closed, **target, kind="covered", text="Words.", by=None)
    assert not Outcome.objects.exists()


def test_you_said_counts_only_published_comments_per_section_and_theme(closed, section, said):
    by_section, by_theme = changes.you_said(closed)
    assert by_section[section.pk] == {"count": 3, "themes": [("Payment", 2), ("Power", 1)]}
    assert by_theme == {said["payment"].pk: 2, said["power"].pk: 1}


# The staff pages ----------------------------------------------------------------------------


def test_the_overview_shows_each_sections_themes_and_counts_and_whether_the_outcome_is_published(
    client, closed, section, said
):
    client.force_login(staff("Consultation manager"))
    page = client.get(overview_url(closed)).content.decode()
    assert "Section 1. Reciprocity" in page
    assert "3 published comments, with these themes:" in page
    assert "<li>Payment: 2</li>" in page and "<li>Power: 1</li>" in page
    assert "2 published comments, on any section or question." in page  # the theme Payment
    assert "The outcome is <strong>not published yet</strong>" in page
    assert reverse("admin:guidance_consultation_publish", args=[closed.pk]) in page
    assert 'aria-current="page">You said, we did</a>' in page


def test_a_manager_writes_changes_and_removes_a_sections_we_did(client, closed, section, said):
    manager = staff("Consultation manager")
    client.force_login(manager)
    prefix = f"section-{section.pk}"
    done = client.post(
        write_url(closed, "section", section.pk), {f"{prefix}-kind": "changed", f"{prefix}-text": "We added *payment*."}
    )
    assert done.status_code == 302 and done.url == overview_url(closed) + f"#section-{section.pk}"
    page = client.get(done.url).content.decode()
    assert "Saved what we did about section 1, Reciprocity. The public reads it once the outcome is published." in page
    assert "We added <em>payment</em>." in page and "We changed the text" in page
    outcome = Outcome.objects.get(section=section)
    assert outcome.written_by == manager

    client.post(write_url(closed, "section", section.pk), {f"{prefix}-kind": "", f"{prefix}-text": "Reworded."})
    outcome.refresh_from_db()
    assert (outcome.kind, outcome.text) == ("", "Reworded.")

    removed = client.post(remove_url(closed, "section", section.pk))
    assert removed.status_code == 302
    assert "Removed what we did about section 1, Reciprocity." in client.get(removed.url).content.decode()
    assert not Outcome.objects.exists()


def test_a_manager_writes_a_themes_we_did_and_bad_input_is_shown_with_nothing_stored(client, closed, said):
    client.force_login(staff("Consultation manager"))
    theme = said["payment"]
    prefix = f"theme-{theme.pk}"
    refused = client.post(write_url(closed, "theme", theme.pk), {f"{prefix}-text": "\u200b"})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "What we did about the theme “Payment” was not saved. Correct this first:" in page
    assert f'<a href="#id_{prefix}-kind_0">Choose what became of it.</a>' in page
    assert f'<a href="#id_{prefix}-text">Write what was done about it.</a>' in page
    assert not Outcome.objects.exists()

    done = client.post(
        write_url(closed, "theme", theme.pk), {f"{prefix}-kind": "out_of_scope", f"{prefix}-text": "Not ours to pay."}
    )
    assert done.status_code == 302
    assert Outcome.objects.get(theme=theme).kind == Outcome.Kind.OUT_OF_SCOPE


def test_a_manager_answers_a_single_approved_comment_from_its_page(client, closed, said):
    client.force_login(staff("Consultation manager"))
    comment = said["comments"][0]
    assert (
        comment_url(closed, comment)
        in client.get(reverse("admin:guidance_comment_change", args=[comment.pk])).content.decode()
    )
    page = client.get(comment_url(closed, comment)).content.decode()
    assert "Pay us 0." in page and "This comment is <strong>approved</strong> and published" in page

    prefix = f"comment-{comment.pk}"
    refused = client.post(write_url(closed, "comment", comment.pk), {f"{prefix}-text": "Covered in 2."})
    assert refused.status_code == 400 and "Choose what became of it." in refused.content.decode()
    assert "Pay us 0." in refused.content.decode()  # the same page, with the comment
    assert not Outcome.objects.exists()

    done = client.post(
        write_url(closed, "comment", comment.pk), {f"{prefix}-kind": "covered", f"{prefix}-text": "See section 2."}
    )
    assert done.url == comment_url(closed, comment)
    assert Outcome.objects.get(comment=comment).text == "See section 2."
    listed = client.get(overview_url(closed)).content.decode()
    assert "Comments answered one by one" in listed and "Already covered" in listed


def test_a_pending_comment_cannot_be_answered(client, closed, said):
    client.force_login(staff("Consultation manager"))
    pending = Comment.objects.get(text="Still pending.")
    page = client.get(comment_url(closed, pending)).content.decode()
    assert "Only an approved comment can be answered." in page and "<textarea" not in page
    prefix = f"comment-{pending.pk}"
    refused = client.post(
        write_url(closed, "comment", pending.pk), {f"{prefix}-kind": "covered", f"{prefix}-text": "x"}
    )
    assert refused.status_code == 400
    assert (
        f'<li><a href="#comment-{pending.pk}">Only an approved comment can be answered.</a></li>'
        in refused.content.decode()
    )
    assert not Outcome.objects.exists()


def test_a_target_of_another_consultation_or_an_unknown_kind_of_target_is_not_found(client, closed, section):
    client.force_login(staff("Consultation manager"))
    other = ConsultationFactory()
    data = {"kind": "changed", "text": "Words."}
    assert (
        client.post(write_url(closed, "section", SectionFactory(document=other.document).pk), data).status_code == 404
    )
    assert client.post(write_url(closed, "theme", ThemeFactory(consultation=other).pk), data).status_code == 404
    assert client.post(write_url(closed, "question", section.pk), data).status_code == 404
    assert client.get(comment_url(other, CommentFactory(section=section))).status_code == 404
    assert not Outcome.objects.exists()


def test_writing_and_removing_take_a_post(client, closed, section):
    client.force_login(staff("Consultation manager"))
    assert client.get(write_url(closed, "section", section.pk)).status_code == 405
    assert client.get(remove_url(closed, "section", section.pk)).status_code == 405


def test_an_analyst_reads_the_account_but_cannot_write_or_remove_it(client, closed, section, said):
    replies.write_outcome(closed, section=section, kind="changed", text="We added payment.", by=None)
    client.force_login(staff("Analyst"))
    page = client.get(overview_url(closed)).content.decode()
    assert "We added payment." in page and "Only Consultation managers can write here." in page
    assert "<textarea" not in page and "Remove" not in page
    prefix = f"section-{section.pk}"
    data = {f"{prefix}-kind": "later", f"{prefix}-text": "Changed by an analyst."}
    assert client.post(write_url(closed, "section", section.pk), data).status_code == 403
    assert client.post(write_url(closed, "theme", said["payment"].pk), data).status_code == 403
    assert client.post(remove_url(closed, "section", section.pk)).status_code == 403
    assert Outcome.objects.get().text == "We added payment."
    assert client.get(comment_url(closed, said["comments"][0])).status_code == 200


def test_a_moderator_is_refused_every_page_and_is_not_shown_the_link(client, closed, section, said):
    replies.write_outcome(closed, section=section, kind="changed", text="We added payment.", by=None)
    client.force_login(staff("Moderator"))
    comment = said["comments"][0]
    assert client.get(overview_url(closed)).status_code == 403
    assert client.get(comment_url(closed, comment)).status_code == 403
    prefix = f"section-{section.pk}"
    data = {f"{prefix}-kind": "later", f"{prefix}-text": "Changed by a moderator."}
    assert client.post(write_url(closed, "section", section.pk), data).status_code == 403
    assert client.post(remove_url(closed, "section", section.pk)).status_code == 403
    assert Outcome.objects.get().text == "We added payment."
    publishing_page = client.get(reverse("admin:guidance_consultation_publish", args=[closed.pk])).content.decode()
    assert overview_url(closed) not in publishing_page
    comment_page = client.get(reverse("admin:guidance_comment_change", args=[comment.pk])).content.decode()
    assert comment_url(closed, comment) not in comment_page


def test_the_consultations_admin_page_still_edits_section_outcomes_only(admin_client, closed, section, said):
    theme_outcome = replies.write_outcome(closed, theme=said["payment"], kind="later", text="Theme words.", by=None)
    section_outcome = replies.write_outcome(closed, section=section, kind="", text="Section words.", by=None)
    url = reverse("admin:guidance_consultation_change", args=[closed.pk])
    page = admin_client.get(url).content.decode()
    assert "Section words." in page and "Theme words." not in page
    data = {
        "document": closed.document.pk,
        "title": closed.title,
        "slug": closed.slug,
        "organisation": closed.organisation,
        "summary": closed.summary,
        "opens_at_0": "01/01/2025",
        "opens_at_1": "09:00",
        "closes_at_0": "01/03/2025",
        "closes_at_1": "23:59",
        "retention_months": 12,
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
        "outcomes-TOTAL_FORMS": 1,
        "outcomes-INITIAL_FORMS": 1,
        "outcomes-0-id": section_outcome.pk,
        "outcomes-0-consultation": closed.pk,
        "outcomes-0-section": section.pk,
        "outcomes-0-kind": "changed",
        "outcomes-0-text": "Section words, changed in the admin.",
    }
    saved = admin_client.post(url, data)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    section_outcome.refresh_from_db()
    assert (section_outcome.kind, section_outcome.text) == ("changed", "Section words, changed in the admin.")
    assert section_outcome.written_by.username == "admin"
    theme_outcome.refresh_from_db()
    assert theme_outcome.text == "Theme words."


def test_the_overview_makes_as_many_queries_with_many_sections_themes_and_answers_as_with_few(
    client, closed, section, said
):
    manager = staff("Consultation manager")
    client.force_login(manager)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(overview_url(closed)).status_code == 200
        return len(captured)

    few = queries()
    for n in range(5):
        more = SectionFactory(document=closed.document, major=10 + n)
        theme = ThemeFactory(consultation=closed)
        comment = publish(CommentFactory(section=more))
        comment.themes.add(theme)
        replies.write_outcome(closed, section=more, kind="", text="Done.", by=manager)
        replies.write_outcome(closed, theme=theme, kind="later", text="Later.", by=manager)
        replies.write_outcome(closed, comment=comment, kind="covered", text="Covered.", by=manager)
    assert queries() == few
