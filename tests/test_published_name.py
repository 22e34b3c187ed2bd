"""The name shown beside a published comment is moderated as its text is: a respondent who changes the
name to publish under, or chooses to publish their name, after approval sends their published
comments back to a moderator, who sees the name that would be published. Taking a name away applies
at once."""

import uuid

import pytest
from django.urls import reverse

from guidance.models import Comment, ModerationEvent, Response
from guidance.moderation.decisions import decide
from tests.journey_helpers import comment_data, section_url

pytestmark = pytest.mark.django_db


def send(client, consultation, section, text="Pay carers for their time.", **details):
    return client.post(section_url(section, consultation), comment_data(text, form_token=str(uuid.uuid4()), **details))


def approve_everything(moderator):
    decide(Comment.objects.pending(), Comment.Status.APPROVED, by=moderator)


def public_page(client, consultation, section):
    from django.core.cache import caches
    from django.test import Client

    caches["fragments"].clear()  # what each process keeps for PUBLIC_CACHE_SECONDS
    return Client().get(section_url(section, consultation)).content.decode()


def test_saving_for_later_with_a_new_name_does_not_change_the_published_name(client, consultation, section, moderator):
    send(client, consultation, section, name="Ann Smith", consent="named")
    approve_everything(moderator)
    assert "Ann Smith" in public_page(client, consultation, section)

    saved = client.post(
        section_url(section, consultation),
        {
            **comment_data(
                "A draft",
                name="INVOLVE Official Statement: this guidance is withdrawn",
                consent="named",
                same_person="same",
            ),
            "save": "Save and come back later",
        },
    )
    assert saved.status_code == 302
    page = public_page(client, consultation, section)
    assert "INVOLVE Official Statement" not in page
    assert "Pay carers for their time." not in page  # back with a moderator, name and all
    comment = Comment.objects.get()
    assert comment.status == "pending"
    event = comment.events.order_by("-pk").first()
    assert event.by_respondent and event.description == (
        "name to publish it under changed by the respondent, back to pending"
    )


def test_a_moderator_sees_the_name_that_would_be_published(client, consultation, section, moderator):
    send(client, consultation, section, name="Ann Smith", consent="named")
    client.force_login(moderator)
    screen = client.get(reverse("admin:guidance_consultation_moderate", args=[consultation.pk])).content.decode()
    assert "Published as" in screen and "Ann Smith" in screen


def test_an_anonymous_respondent_choosing_to_publish_their_name_waits_for_a_moderator(
    client, consultation, section, moderator
):
    send(client, consultation, section, name="Ann Smith", consent="anonymous")
    approve_everything(moderator)
    page = public_page(client, consultation, section)
    assert "Pay carers for their time." in page and "Ann Smith" not in page

    send(client, consultation, section, "A second thought.", name="Ann Smith", consent="named")
    assert "Ann Smith" not in public_page(client, consultation, section)
    assert set(Comment.objects.values_list("status", flat=True)) == {"pending"}

    approve_everything(moderator)
    assert "Ann Smith" in public_page(client, consultation, section)


def test_choosing_to_publish_the_name_on_the_choices_page_waits_for_a_moderator(
    client, consultation, section, moderator
):
    send(client, consultation, section, name="Ann Smith", consent="anonymous")
    approve_everything(moderator)
    page = client.post(reverse("guidance:response_choices", args=[consultation.slug]), {"consent": "named"})
    assert page.status_code == 302
    assert Response.objects.get().consent == "named"
    assert Comment.objects.get().status == "pending"
    assert "Ann Smith" not in public_page(client, consultation, section)


def test_taking_the_name_away_applies_at_once_and_keeps_the_comment_published(client, consultation, section, moderator):
    send(client, consultation, section, name="Ann Smith", consent="named")
    approve_everything(moderator)
    send(client, consultation, section, "More.", name="Ann Smith", consent="anonymous")
    page = public_page(client, consultation, section)
    assert "Ann Smith" not in page and "Pay carers for their time." in page
    assert Comment.objects.get(text="Pay carers for their time.").status == "approved"


def test_sending_again_under_the_same_name_changes_nothing(client, consultation, section, moderator):
    send(client, consultation, section, name="Ann Smith", consent="named")
    approve_everything(moderator)
    send(client, consultation, section, "More.", name="Ann Smith", consent="named")
    assert Comment.objects.get(text="Pay carers for their time.").status == "approved"
    assert not ModerationEvent.objects.filter(by_respondent=True).exists()


def test_a_moderator_who_was_shown_the_earlier_name_cannot_approve_under_the_new_one(
    client, consultation, section, moderator
):
    from guidance.moderation import decisions

    send(client, consultation, section, name="Ann Smith", consent="named")
    comment = Comment.objects.get()
    seen = 0  # the screen shows the pending comment, published as Ann Smith, with no history yet
    send(client, consultation, section, "More.", name="Somebody Else", consent="named", same_person="same")
    with pytest.raises(decisions.StaleDecision) as refused:
        decisions.decide_as_shown(comment.pk, "approved", by=moderator, seen_event_id=seen)
    assert refused.value.message_for(moderator).startswith(
        "The respondent changed the name to publish this comment under at"
    )
    assert Comment.objects.get(pk=comment.pk).status == "pending"
