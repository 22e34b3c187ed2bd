"""A decision covers the comments as the moderator saw them. Every page that decides (a comment's
own page, the queue's bulk actions, the page listing a whole campaign group or everything the
filters select) sends the id of the last event in each comment's history as it showed it; if a
comment changed since (a respondent's new text, someone's decision, a withdrawal), the decision
is refused, nothing is changed, and the message says who changed what. A post that does not say
what it showed is refused too. The moderation screen's own tests are in test_moderation_screen.py."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from guidance.models import Comment, ModerationEvent
from guidance.moderation import by_respondent, decisions
from guidance.moderation.campaigns import assign_groups
from tests.factories import CommentFactory, ResponseFactory
from tests.queue_helpers import QUEUE, act, confirm, hidden_fields

pytestmark = pytest.mark.django_db

LETTER = "Please pay public contributors for every hour they give to the research, at the same rate as staff."


def staff(username, **names):
    user = User.objects.create_user(username, is_staff=True, **names)
    user.groups.add(Group.objects.get(name="Moderator"))
    return user


@pytest.fixture
def other_moderator():
    return staff("kit", first_name="Kit", last_name="Okafor")


def messages_of(page):
    return [str(message) for message in page.context["messages"]]


def statuses(*comments):
    return [Comment.objects.get(pk=c.pk).status for c in comments]


def reference(comment):
    return Comment.objects.select_related("response").get(pk=comment.pk).response.reference


def comment_url(comment):
    return reverse("admin:guidance_comment_change", args=[comment.pk])


def decide_url(comment):
    return reverse("admin:guidance_comment_decide", args=[comment.pk])


def press(client, page, comment, to_status, **extra):
    """A decision button on a comment's page, as the page sends it."""
    data = {**dict(hidden_fields(page)), "to_status": to_status, **extra}
    return client.post(decide_url(comment), data, follow=True)


# A comment's own page.


def test_a_comments_page_sends_the_last_event_it_showed(moderator_client, section):
    comment = CommentFactory(section=section)
    assert hidden_fields(moderator_client.get(comment_url(comment)), "seen_event_id") == ["0"]
    by_respondent.change_text(comment.pk, "Second thoughts.")
    event = ModerationEvent.objects.get()
    assert hidden_fields(moderator_client.get(comment_url(comment)), "seen_event_id") == [str(event.pk)]


def test_approving_from_a_comments_page_after_the_respondent_changed_it_is_refused(moderator_client, section):
    comment = CommentFactory(section=section, text="Benign words.")
    page = moderator_client.get(comment_url(comment))
    by_respondent.change_text(comment.pk, "Words nobody has read.")

    after = press(moderator_client, page, comment, "approved")

    (message,) = messages_of(after)
    assert message.startswith("The respondent changed the text of this comment at ")
    assert message.endswith(", after it was shown to you. Your decision was not made.")
    assert statuses(comment) == ["pending"]
    assert not ModerationEvent.objects.filter(to_status="approved").exists()
    assert "Words nobody has read." in after.content.decode()  # back on its page, as it is now


def test_a_decision_someone_else_made_since_is_refused_saying_who(moderator_client, other_moderator, section):
    comment = CommentFactory(section=section)
    page = moderator_client.get(comment_url(comment))
    decisions.decide(Comment.objects.filter(pk=comment.pk), "approved", by=other_moderator)
    decisions.decide(Comment.objects.filter(pk=comment.pk), "pending", by=other_moderator)

    after = press(moderator_client, page, comment, "spam")

    assert messages_of(after)[0].startswith("Kit Okafor returned this comment to pending at ")
    assert statuses(comment) == ["pending"]


def test_rejecting_from_a_comments_page_is_refused_if_it_changed_before_the_reason_was_given(moderator_client, section):
    comment = CommentFactory(section=section)
    page = moderator_client.get(comment_url(comment))
    question = press(moderator_client, page, comment, "rejected")
    assert "Why reject it?" in question.content.decode()
    by_respondent.change_text(comment.pk, "Now polite.")

    after = confirm(moderator_client, question, decide_url(comment), reason_code="offensive")

    assert messages_of(after)[0].startswith("The respondent changed the text of this comment at ")
    assert statuses(comment) == ["pending"]


def test_rejecting_from_a_comments_page_that_changed_already_is_refused_before_asking_why(moderator_client, section):
    comment = CommentFactory(section=section)
    page = moderator_client.get(comment_url(comment))
    by_respondent.change_text(comment.pk, "Now polite.")
    after = press(moderator_client, page, comment, "rejected")
    assert "Why reject it?" not in after.content.decode()
    assert messages_of(after)[0].startswith("The respondent changed the text of this comment at ")


@pytest.mark.parametrize("seen", [None, "", "latest", "²", "-1"])
def test_a_decision_that_does_not_say_what_its_page_showed_is_refused(moderator_client, section, seen):
    comment = CommentFactory(section=section)
    data = {"to_status": "approved"} if seen is None else {"to_status": "approved", "seen_event_id": seen}
    after = moderator_client.post(decide_url(comment), data, follow=True)
    assert messages_of(after) == [
        "Nothing was changed: the page did not say which version of each comment it showed. Reload it and decide again."
    ]
    assert statuses(comment) == ["pending"]


def test_a_decision_giving_another_comments_event_is_refused(moderator_client, section):
    comment, other = CommentFactory.create_batch(2, section=section)
    by_respondent.change_text(other.pk, "Changed.")
    data = {"to_status": "approved", "seen_event_id": ModerationEvent.objects.get().pk}
    after = moderator_client.post(decide_url(comment), data, follow=True)
    assert messages_of(after) == ["This page does not match the comment's history. Reload it and decide again."]
    assert statuses(comment, other) == ["pending", "pending"]


# The queue's bulk actions.


def test_the_queue_sends_the_last_event_of_each_comment_it_lists(moderator_client, section):
    first, second = CommentFactory.create_batch(2, section=section)
    by_respondent.change_text(second.pk, "Changed.")
    event = ModerationEvent.objects.get()
    assert sorted(hidden_fields(moderator_client.get(QUEUE), "shown")) == sorted(
        [f"{first.pk}:0", f"{second.pk}:{event.pk}"]
    )


def test_a_bulk_approval_after_a_respondent_changed_one_comment_changes_nothing_and_names_it(moderator_client, section):
    unchanged = CommentFactory(section=section, text="Fine words.")
    changed = CommentFactory(section=section, text="Benign words.")
    list_shown = hidden_fields(moderator_client.get(QUEUE), "shown")
    by_respondent.change_text(changed.pk, "Words nobody has read.")

    after = act(moderator_client, "approve", [unchanged, changed], shown=list_shown)

    (message,) = messages_of(after)
    assert message.startswith("Nothing was changed: 1 of the 2 comments changed after they were shown to you. ")
    assert f"The respondent changed the text of comment {changed.pk} (response {reference(changed)}) at " in message
    assert statuses(unchanged, changed) == ["pending", "pending"]
    assert not ModerationEvent.objects.filter(to_status="approved").exists()
    assert "Words nobody has read." in after.content.decode()  # the list shows it as it is now


def test_a_bulk_decision_names_every_comment_that_changed_and_who_changed_it(
    moderator_client, other_moderator, section
):
    a, b, c = CommentFactory.create_batch(3, section=section)
    list_shown = hidden_fields(moderator_client.get(QUEUE + "?status=all"), "shown")
    by_respondent.change_text(a.pk, "New words.")
    decisions.decide(Comment.objects.filter(pk=c.pk), "approved", by=other_moderator)

    after = act(moderator_client, "mark_as_spam", [a, b, c], url=QUEUE + "?status=all", shown=list_shown)

    (message,) = messages_of(after)
    assert message.startswith("Nothing was changed: 2 of the 3 comments changed after they were shown to you. ")
    assert f"The respondent changed the text of comment {a.pk} (response {reference(a)}) at " in message
    assert f"Kit Okafor approved comment {c.pk} (response {reference(c)}) at " in message
    assert message.endswith("Read them again before deciding.")
    assert statuses(a, b, c) == ["pending", "pending", "approved"]


def test_a_single_comment_decided_from_the_list_is_named_too(moderator_client, section):
    comment = CommentFactory(section=section)
    list_shown = hidden_fields(moderator_client.get(QUEUE), "shown")
    by_respondent.withdraw(Comment.objects.filter(pk=comment.pk))
    after = act(moderator_client, "reject", [comment], shown=list_shown)
    assert messages_of(after)[0].startswith(f"The respondent withdrew comment {comment.pk} (response ")
    assert statuses(comment) == ["withdrawn"]


def test_a_bulk_rejection_is_refused_if_a_comment_changed_while_the_reason_was_written(moderator_client, section):
    a, b = CommentFactory.create_batch(2, section=section)
    question = act(moderator_client, "reject", [a, b])
    assert "Reject 2 comments" in question.content.decode()
    by_respondent.change_text(b.pk, "Polite now.")

    after = confirm(moderator_client, question, reason_code="offensive")

    assert messages_of(after)[0].startswith("Nothing was changed: 1 of the 2 comments changed after they were")
    assert statuses(a, b) == ["pending", "pending"]


def test_a_bulk_decision_that_does_not_say_what_the_list_showed_is_refused(moderator_client, section):
    a, b = CommentFactory.create_batch(2, section=section)
    data = {"action": "approve", "index": 0, "_selected_action": [a.pk, b.pk], "shown": f"{a.pk}:0"}
    after = moderator_client.post(QUEUE, data, follow=True)
    assert messages_of(after)[0].startswith("Nothing was changed: the page did not say which version")
    assert statuses(a, b) == ["pending", "pending"]


# Comments the queue did not show: a whole campaign group, or every comment the filters select.


@pytest.fixture
def campaign(section):
    consultation = section.document.consultations.get()
    letters = [
        CommentFactory(section=section, response=ResponseFactory(consultation=consultation), text=text)
        for text in [LETTER, LETTER.upper(), LETTER + "!", LETTER.lower()]
    ]
    assign_groups(consultation)
    return letters


def test_approving_a_whole_group_lists_every_comment_to_be_approved_first(moderator_client, campaign):
    question = act(moderator_client, "approve_groups", campaign[:1])
    html = question.content.decode()
    assert "Approve 4 comments" in html and "These 4 comments will be approved" in html
    for letter in campaign:
        assert letter.text in html and reference(letter) in html
    assert statuses(*campaign) == ["pending"] * 4
    assert sorted(hidden_fields(question, "shown")[0].split()) == sorted(f"{c.pk}:0" for c in campaign)

    after = confirm(moderator_client, question)

    assert messages_of(after) == ["4 comments approved."]
    assert statuses(*campaign) == ["approved"] * 4


def test_a_group_member_changed_after_the_list_of_the_group_was_shown_stops_the_whole_decision(
    moderator_client, campaign
):
    question = act(moderator_client, "reject_groups", campaign[:1])
    by_respondent.change_text(campaign[2].pk, "My own view, in my own words, not the letter.")

    after = confirm(moderator_client, question, reason_code="duplicate")

    (message,) = messages_of(after)
    assert message.startswith("Nothing was changed: 1 of the 4 comments changed after they were shown to you. ")
    assert f"comment {campaign[2].pk} (response {reference(campaign[2])})" in message
    assert statuses(*campaign) == ["pending"] * 4


def test_a_comment_that_joined_the_group_after_it_was_listed_is_not_decided_unseen(moderator_client, campaign, section):
    question = act(moderator_client, "mark_groups_as_spam", campaign[:1])
    consultation = section.document.consultations.get()
    newcomer = CommentFactory(section=section, response=ResponseFactory(consultation=consultation), text=LETTER)
    assign_groups(consultation)
    assert Comment.objects.get(pk=newcomer.pk).group == Comment.objects.get(pk=campaign[0].pk).group

    after = confirm(moderator_client, question)

    assert messages_of(after) == ["4 comments marked as spam."]
    assert statuses(*campaign, newcomer) == ["spam"] * 4 + ["pending"]


def test_a_whole_group_decision_that_does_not_say_what_was_listed_is_refused(moderator_client, campaign):
    data = {"action": "approve_groups", "_selected_action": [campaign[0].pk], "confirm": "yes"}
    after = moderator_client.post(QUEUE, data, follow=True)
    assert messages_of(after) == ["Nothing was changed: the page did not say which comments it listed. Decide again."]
    assert statuses(*campaign) == ["pending"] * 4


def test_everything_the_filters_select_is_listed_and_a_change_since_stops_the_decision(moderator_client, section):
    comments = CommentFactory.create_batch(3, section=section)
    question = act(moderator_client, "approve", comments[:1], select_across=1)
    assert "Approve 3 comments" in question.content.decode()
    # The respondent withdraws one from their own page in the meantime.
    by_respondent.withdraw(Comment.objects.filter(pk=comments[1].pk))

    after = confirm(moderator_client, question)

    assert messages_of(after)[0].startswith("Nothing was changed: 1 of the 3 comments changed after they were shown")
    assert f"The respondent withdrew comment {comments[1].pk} (response " in messages_of(after)[0]
    assert statuses(*comments) == ["pending", "withdrawn", "pending"]
