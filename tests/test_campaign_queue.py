"""Campaigns in the moderation queue: the group size column, the "campaign or duplicate" filter,
the actions that decide a whole group, the theme action, and finding campaigns from the list of
consultations. The grouping itself is tested in test_campaigns.py."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from guidance.models import Comment, ModerationEvent
from guidance.moderation.campaigns import assign_groups
from guidance.moderation.decisions import decide
from tests.factories import CommentFactory, ResponseFactory, ThemeFactory
from tests.queue_helpers import act, confirm
from tests.test_campaigns import LABELLED, TEMPLATE

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:guidance_comment_changelist")
CONSULTATIONS = reverse("admin:guidance_consultation_changelist")
GROUP_ACTIONS = ["approve_groups", "reject_groups", "mark_groups_as_spam"]


def staff_in(group_name):
    user = User.objects.create_user(f"staff-{group_name}".replace(" ", "-"), is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def comment(section, text):
    consultation = section.document.consultations.get()
    return CommentFactory(section=section, response=ResponseFactory(consultation=consultation), text=text)


@pytest.fixture
def labelled(section):
    """The labelled campaign variants and distinct comments, grouped: {label: [comments]}."""
    comments = {}
    for label, text in LABELLED:
        comments.setdefault(label, []).append(comment(section, text))
    assign_groups(section.document.consultations.get())
    return comments


@pytest.fixture
def campaign(section):
    """Four copies of one letter (a group) and one comment of someone's own words."""
    letters = [comment(section, TEMPLATE), comment(section, TEMPLATE.lower()), comment(section, TEMPLATE + "!")]
    letters.append(comment(section, TEMPLATE.upper()))
    own = comment(section, "My own view, in my own words.")
    assign_groups(section.document.consultations.get())
    return letters, own


def action_choices(page):
    action_form = page.context["action_form"]
    return dict(action_form.fields["action"].choices) if action_form else {}


def messages_of(page):
    return [str(message) for message in page.context["messages"]]


def statuses(comments):
    return [Comment.objects.get(pk=c.pk).status for c in comments]


# The column and the filter.


def test_the_queue_shows_each_comments_group_size(moderator_client, labelled):
    page = moderator_client.get(QUEUE)
    html = page.content.decode()
    assert "Group size" in html
    sizes = {row.pk: row.group_size for row in page.context["cl"].result_list}
    expected = {c.pk: len(members) if label else 1 for label, members in labelled.items() for c in members}
    assert sizes == expected
    assert html.count('<td class="field-group_size">8</td>') == 8
    assert html.count('<td class="field-group_size">2</td>') == 4
    assert html.count('<td class="field-group_size">–</td>') == 5


def test_the_group_size_counts_members_the_current_view_does_not_show(moderator_client, campaign):
    letters, _ = campaign
    decide(Comment.objects.filter(pk__in=[c.pk for c in letters[:3]]), "approved", by=None)
    page = moderator_client.get(QUEUE)  # the pending view: one letter of the four
    assert {row.pk: row.group_size for row in page.context["cl"].result_list if row.group} == {letters[3].pk: 4}


def test_sorting_the_queue_by_group_size_puts_the_largest_group_first(moderator_client, labelled):
    column = moderator_client.get(QUEUE).context["cl"].list_display.index("group_size")
    page = moderator_client.get(QUEUE, {"o": f"-{column}"})
    sizes = [row.group_size for row in page.context["cl"].result_list]
    assert sizes == [8] * 8 + [2] * 4 + [1] * 5


@pytest.mark.parametrize(
    ("value", "labels"), [("yes", {"payment-campaign", "short-agree", "training-campaign"}), ("no", {None})]
)
def test_the_campaign_filter_selects_exactly_the_group_members(moderator_client, labelled, value, labels):
    page = moderator_client.get(QUEUE, {"in_group": value})
    assert "By campaign or duplicate" in page.content.decode()
    shown = {row.pk for row in page.context["cl"].result_list}
    assert shown == {c.pk for label in labels for c in labelled[label]}


# Deciding a whole group.


@pytest.mark.parametrize("selected_index", [0, 2], ids=["a pending member", "an already rejected member"])
def test_approving_the_group_of_one_selected_comment_approves_every_pending_member(
    moderator_client, campaign, selected_index
):
    letters, own = campaign
    decide(Comment.objects.filter(pk=letters[1].pk), "approved", by=None)
    decide(Comment.objects.filter(pk=letters[2].pk), "rejected", by=None, reason_code="duplicate")
    before = {c.pk: Comment.objects.get(pk=c.pk).moderated_at for c in letters[1:3]}
    events_before = ModerationEvent.objects.count()

    url = QUEUE + "?status=all"
    question = act(moderator_client, "approve_groups", [letters[selected_index]], url=url)
    assert "Approve 2 comments" in question.content.decode()
    assert ModerationEvent.objects.count() == events_before
    page = confirm(moderator_client, question, url)

    assert "2 comments approved." in messages_of(page)
    assert statuses([*letters, own]) == ["approved", "approved", "rejected", "approved", "pending"]
    # Each pending member gets one event; the members already decided keep their decision.
    new_events = ModerationEvent.objects.order_by("pk")[events_before:]
    assert sorted((e.comment_id, e.from_status, e.to_status) for e in new_events) == [
        (letters[0].pk, "pending", "approved"),
        (letters[3].pk, "pending", "approved"),
    ]
    assert {c.pk: Comment.objects.get(pk=c.pk).moderated_at for c in letters[1:3]} == before
    assert Comment.objects.get(pk=letters[2].pk).reason_code == "duplicate"


def test_a_selected_comment_in_no_group_is_decided_alone(moderator_client, campaign):
    letters, own = campaign
    page = confirm(moderator_client, act(moderator_client, "approve_groups", [own]))
    assert "1 comment approved." in messages_of(page)
    assert statuses([*letters, own]) == ["pending"] * 4 + ["approved"]


def test_rejecting_a_group_asks_for_the_reason_then_records_it_on_every_member(moderator_client, campaign):
    letters, own = campaign
    decide(Comment.objects.filter(pk=letters[3].pk), "approved", by=None)

    question = act(moderator_client, "reject_groups", [letters[0]])
    html = question.content.decode()
    assert "Reject 3 comments" in html
    assert statuses([*letters, own]) == ["pending", "pending", "pending", "approved", "pending"]

    no_reason = confirm(moderator_client, question)
    assert "This field is required." in no_reason.content.decode()
    assert statuses(letters[:3]) == ["pending"] * 3

    done = confirm(moderator_client, no_reason, reason_code="duplicate", reason="Campaign letter")
    assert "3 comments rejected." in messages_of(done)
    assert statuses([*letters, own]) == ["rejected", "rejected", "rejected", "approved", "pending"]
    events = ModerationEvent.objects.filter(to_status="rejected")
    assert sorted(e.comment_id for e in events) == sorted(c.pk for c in letters[:3])
    assert {(e.reason_code, e.reason) for e in events} == {("duplicate", "Campaign letter")}
    assert set(Comment.objects.filter(status="rejected").values_list("reason_code", "reason")) == {
        ("duplicate", "Campaign letter")
    }


def test_marking_a_group_as_spam_asks_first_and_marks_every_pending_member(moderator_client, campaign):
    letters, own = campaign
    question = act(moderator_client, "mark_groups_as_spam", [letters[3]])
    assert "Mark as spam 4 comments" in question.content.decode()
    done = confirm(moderator_client, question)
    assert "4 comments marked as spam." in messages_of(done)
    assert statuses([*letters, own]) == ["spam"] * 4 + ["pending"]


@pytest.mark.parametrize("group_name", ["Analyst", "Consultation manager"])
def test_staff_without_the_moderate_permission_neither_see_nor_use_the_group_actions(client, campaign, group_name):
    letters, own = campaign
    client.force_login(staff_in(group_name))
    choices = action_choices(client.get(QUEUE))
    assert choices, "these groups see the queue with its theme and export actions"
    assert not set(GROUP_ACTIONS) & set(choices)
    for action in GROUP_ACTIONS:
        act(client, action, [letters[0]], confirm="yes", reason_code="duplicate")
    assert statuses([*letters, own]) == ["pending"] * 5
    assert not ModerationEvent.objects.exists()


def test_moderators_see_the_group_actions(moderator_client, campaign):
    assert set(GROUP_ACTIONS) <= set(action_choices(moderator_client.get(QUEUE)))


# Finding campaigns from the list of consultations.


def test_find_campaigns_groups_a_labelled_campaign_and_reports_the_count(moderator_client, section):
    consultation = section.document.consultations.get()
    comments = [(label, comment(section, text)) for label, text in LABELLED]
    assert "find_campaigns" in action_choices(moderator_client.get(CONSULTATIONS))

    page = act(moderator_client, "find_campaigns", [consultation], url=CONSULTATIONS)

    assert "12 comments are in 3 groups; 12 comments changed group." in messages_of(page)
    groups = {}
    for label, member in comments:
        groups.setdefault(label, set()).add(Comment.objects.get(pk=member.pk).group)
    assert groups[None] == {None}
    campaign_groups = [groups[label] for label in ("payment-campaign", "short-agree", "training-campaign")]
    assert all(len(found) == 1 and None not in found for found in campaign_groups)
    # Run again: the same groups, nothing changed.
    again = act(moderator_client, "find_campaigns", [consultation], url=CONSULTATIONS)
    assert "12 comments are in 3 groups; 0 comments changed group." in messages_of(again)


def test_find_campaigns_speaks_of_one_group_in_the_singular(moderator_client, campaign, section):
    page = act(moderator_client, "find_campaigns", [section.document.consultations.get()], url=CONSULTATIONS)
    assert "4 comments are in 1 group; 0 comments changed group." in messages_of(page)


@pytest.mark.parametrize("group_name", ["Analyst", "Consultation manager"])
def test_find_campaigns_is_only_for_moderators(client, section, group_name):
    consultation = section.document.consultations.get()
    comment(section, TEMPLATE)
    comment(section, TEMPLATE.upper())
    client.force_login(staff_in(group_name))
    assert "find_campaigns" not in action_choices(client.get(CONSULTATIONS))
    act(client, "find_campaigns", [consultation], url=CONSULTATIONS)
    assert not Comment.objects.filter(group__isnull=False).exists()


# Themes from the queue, as it is wired (test_themes.py tests the action on its own).


def test_the_theme_action_is_among_the_queues_actions_and_applies_a_theme(client, campaign, section):
    letters, _ = campaign
    theme = ThemeFactory(consultation=section.document.consultations.get(), name="Payment")
    client.force_login(staff_in("Analyst"))
    assert "apply_theme" in action_choices(client.get(QUEUE))
    page = act(client, "apply_theme", letters[:2], apply="yes", theme=theme.pk)
    assert "Theme “Payment” applied to 2 comments." in messages_of(page)
    assert set(theme.comments.all()) == set(letters[:2])
