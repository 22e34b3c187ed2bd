"""Responses received offline, entered in the admin with their comments and answers, then moderated
like any other."""

import pytest
from django.urls import reverse

from guidance.models import Comment, Response
from tests.factories import ConsultationFactory, ResponseFactory, SectionFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:guidance_response_add")


def inline(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def offline_response(consultation, comments=(), answers=(), **fields):
    return {
        "consultation": consultation.pk,
        "channel": "post",
        "submitted_at_0": "03/02/2027",
        "submitted_at_1": "10:00:00",
        "respondent_type": "carer",
        "consent": "anonymous",
        "name": "Ann Letter",
        "email": "",
        "organisation": "",
        "source_url": "",
        **inline("comments", list(comments)),
        **inline("comments-2", list(answers)),
        **fields,
    }


def test_a_response_by_post_is_entered_with_comments_and_answers_and_who_entered_it(
    manager_client, consultation, section, question
):
    page = manager_client.post(
        ADD,
        offline_response(
            consultation,
            comments=[{"section": section.pk, "text": "Reciprocity matters."}],
            answers=[{"question": question.pk, "text": "Yes, with payment."}],
        ),
        follow=True,
    )
    assert page.status_code == 200
    response = Response.objects.get()
    assert (response.channel, response.entered_by, response.name) == ("post", manager_client.user, "Ann Letter")
    assert response.submitted_at.date().isoformat() == "2027-02-03"
    comments = {c.text: c for c in response.comments.all()}
    assert comments["Reciprocity matters."].section == section
    assert comments["Yes, with payment."].question == question
    for comment in comments.values():
        assert comment.consultation == consultation
        assert comment.status == "pending"
    assert set(Comment.objects.pending()) == set(comments.values())


def test_online_is_not_a_channel_for_a_response_entered_by_staff(manager_client, consultation):
    page = manager_client.post(ADD, offline_response(consultation, channel="online"))
    assert "Select a valid choice" in page.content.decode()
    assert not Response.objects.exists()


def test_a_section_from_another_document_is_refused(manager_client, consultation):
    stranger = SectionFactory()
    page = manager_client.post(ADD, offline_response(consultation, comments=[{"section": stranger.pk, "text": "x"}]))
    assert "Choose a section of this consultation" in page.content.decode()
    assert not Response.objects.exists()


def test_a_comment_without_its_section_is_refused(manager_client, consultation):
    page = manager_client.post(ADD, offline_response(consultation, comments=[{"section": "", "text": "x"}]))
    assert "This field is required" in page.content.decode()
    assert not Comment.objects.exists()


def test_an_online_response_cannot_be_changed_in_the_admin(manager_client, consultation):
    response = ResponseFactory(consultation=consultation, name="Online Person")
    url = reverse("admin:guidance_response_change", args=[response.pk])
    page = manager_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="name"' not in html and 'name="comments-0-text"' not in html
    manager_client.post(url, offline_response(consultation, name="Changed"))
    assert Response.objects.get().name == "Online Person"


def test_a_moderated_comment_cannot_be_rewritten_on_its_response(manager_client, consultation, section):
    manager_client.post(ADD, offline_response(consultation, comments=[{"section": section.pk, "text": "Original"}]))
    response = Response.objects.get()
    comment = response.comments.get()
    Comment.objects.filter(pk=comment.pk).update(status="approved")
    url = reverse("admin:guidance_response_change", args=[response.pk])
    data = offline_response(consultation)
    row = {"id": comment.pk, "response": response.pk, "section": section.pk, "text": "Sneaky"}
    data.update(inline("comments", [row], initial=1))
    page = manager_client.post(url, data)
    assert "has been moderated" in page.content.decode()
    assert Comment.objects.get().text == "Original"


def test_a_response_with_comments_keeps_its_consultation(manager_client, consultation, section, question):
    # Each comment keeps a copy of its response's consultation and is on that consultation's
    # draft or questions: moving the response would leave them counted under the old one.
    manager_client.post(ADD, offline_response(consultation, comments=[{"section": section.pk, "text": "Letter"}]))
    response = Response.objects.get()
    comment = response.comments.get()
    other = ConsultationFactory(document=consultation.document)
    data = offline_response(other)
    data.update(
        inline(
            "comments",
            [{"id": comment.pk, "response": response.pk, "section": section.pk, "text": "Letter"}],
            initial=1,
        )
    )
    page = manager_client.post(reverse("admin:guidance_response_change", args=[response.pk]), data)
    assert page.status_code == 200
    assert "This response already has comments on this consultation" in page.content.decode()
    response.refresh_from_db()
    assert response.consultation == consultation
    assert Comment.objects.get().consultation == consultation
    assert not Comment.objects.filter(consultation=other).exists()


def test_a_response_without_comments_may_move_and_its_first_comments_follow_it(manager_client, consultation, section):
    manager_client.post(ADD, offline_response(consultation))
    response = Response.objects.get()
    other = ConsultationFactory(document=consultation.document)
    data = offline_response(other, comments=[{"section": section.pk, "text": "Letter"}])
    page = manager_client.post(reverse("admin:guidance_response_change", args=[response.pk]), data)
    assert page.status_code == 302
    response.refresh_from_db()
    assert response.consultation == other
    assert Comment.objects.get().consultation == other
