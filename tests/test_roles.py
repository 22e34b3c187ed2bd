"""Each staff group against each admin page and each moderation action: what it may do, and what
is refused. The expectations are written out by hand, from "Who may do what" in the design."""

import io

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from guidance.models import Comment, Erasure, ExportRecord, ModerationEvent, Report, Response
from guidance.moderation.decisions import decide
from tests.factories import CommentFactory, QuestionFactory, ResponseFactory, SectionFactory, ThemeFactory
from tests.queue_helpers import act, confirm

pytestmark = pytest.mark.django_db

VIEW_ONLY = {"view"}
EVERYTHING = {"view", "add", "change", "delete"}
NOTHING = set()

EXPECTED = {
    "Moderator": {
        "document": VIEW_ONLY,
        "section": VIEW_ONLY,
        "consultation": VIEW_ONLY,
        "question": VIEW_ONLY,
        "response": VIEW_ONLY,
        "comment": VIEW_ONLY,
        "moderationevent": VIEW_ONLY,
        "report": VIEW_ONLY,
        "theme": VIEW_ONLY,
        "exportrecord": NOTHING,
        "erasure": NOTHING,
    },
    "Analyst": {
        "document": VIEW_ONLY,
        "section": VIEW_ONLY,
        "consultation": VIEW_ONLY,
        "question": VIEW_ONLY,
        "response": VIEW_ONLY,
        "comment": {"view", "change"},
        "moderationevent": VIEW_ONLY,
        "report": VIEW_ONLY,
        "theme": EVERYTHING,
        "exportrecord": VIEW_ONLY,
        "erasure": NOTHING,
    },
    "Consultation manager": {
        "document": EVERYTHING,
        "section": EVERYTHING,
        "consultation": EVERYTHING,
        "question": EVERYTHING,
        "response": {"view", "add", "change"},
        "comment": {"view", "change"},
        "moderationevent": VIEW_ONLY,
        "report": VIEW_ONLY,
        "theme": VIEW_ONLY,
        "exportrecord": VIEW_ONLY,
        "erasure": VIEW_ONLY,
    },
    "no group": dict.fromkeys(["document", "response", "comment", "moderationevent", "theme"], NOTHING),
}

PERSONAL_DATA = {"Moderator": False, "Analyst": False, "Consultation manager": True, "no group": False}
EXPORT = {"Moderator": False, "Analyst": True, "Consultation manager": True, "no group": False}
MODERATES = {"Moderator": True, "Analyst": False, "Consultation manager": False, "no group": False}
CODES_THEMES = {"Moderator": False, "Analyst": True, "Consultation manager": True, "no group": False}
DECISIONS = [
    "approve",
    "reject",
    "mark_as_spam",
    "return_to_pending",
    "approve_groups",
    "reject_groups",
    "mark_groups_as_spam",
]


def staff_in(group_name):
    user = User.objects.create_user(f"staff-{group_name}".replace(" ", "-"), is_staff=True)
    if group_name != "no group":
        user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def objects(section):
    consultation = section.document.consultations.get()
    comment = CommentFactory(
        section=section, response=ResponseFactory(consultation=consultation, channel=Response.Channel.EMAIL)
    )
    decided = CommentFactory(section=section)
    decide(Comment.objects.filter(pk=decided.pk), "approved", by=None)
    return {
        "document": section.document,
        # A section no consultation has opened on: once one has, no group may remove it.
        "section": SectionFactory(),
        "consultation": consultation,
        "question": QuestionFactory(consultation=consultation),
        "response": comment.response,
        "comment": comment,
        "moderationevent": ModerationEvent.objects.get(),
        "report": Report.objects.create(comment=decided, reason="spam"),
        "theme": ThemeFactory(consultation=consultation),
        "exportrecord": ExportRecord.objects.create(
            consultation=consultation, layout="comments", row_count=1, with_personal_data=False
        ),
        "erasure": Erasure.objects.create(consultation=consultation, scope="personal", response_count=1),
    }


def what_the_admin_allows(client, model, obj):
    allowed = set()
    if client.get(reverse(f"admin:guidance_{model}_changelist")).status_code == 200:
        allowed.add("view")
    if client.get(reverse(f"admin:guidance_{model}_add")).status_code == 200:
        allowed.add("add")
    change = client.get(reverse(f"admin:guidance_{model}_change", args=[obj.pk]))
    if change.status_code == 200 and 'name="_save"' in change.content.decode():
        allowed.add("change")
    if client.get(reverse(f"admin:guidance_{model}_delete", args=[obj.pk])).status_code == 200:
        allowed.add("delete")
    return allowed


@pytest.mark.parametrize("group_name,model", [(group, model) for group, models in EXPECTED.items() for model in models])
def test_each_group_may_use_exactly_its_admin_pages(client, objects, group_name, model):
    client.force_login(staff_in(group_name))
    assert what_the_admin_allows(client, model, objects[model]) == EXPECTED[group_name][model]


@pytest.mark.parametrize("group_name", EXPECTED)
def test_only_moderators_see_the_decisions_on_the_queue(client, objects, group_name):
    client.force_login(staff_in(group_name))
    page = client.get(reverse("admin:guidance_comment_changelist"))
    if page.status_code != 200:
        assert not MODERATES[group_name]
        return
    action_form = page.context["action_form"]
    actions = dict(action_form.fields["action"].choices) if action_form else {}
    for action in DECISIONS:
        assert (action in actions) is MODERATES[group_name], action
    assert ("apply_theme" in actions) is CODES_THEMES[group_name]
    assert ("export_selected_comments" in actions) is EXPORT[group_name]


@pytest.mark.parametrize("group_name", EXPECTED)
def test_only_moderators_see_find_campaigns_on_the_consultations(client, objects, group_name):
    client.force_login(staff_in(group_name))
    page = client.get(reverse("admin:guidance_consultation_changelist"))
    if page.status_code != 200:
        assert not MODERATES[group_name]
        return
    action_form = page.context["action_form"]
    actions = dict(action_form.fields["action"].choices) if action_form else {}
    assert ("find_campaigns" in actions) is MODERATES[group_name]


@pytest.mark.parametrize("group_name", EXPECTED)
@pytest.mark.parametrize(
    "action,start,confirmed_with,end",
    [
        ("approve", "pending", None, "approved"),
        ("reject", "pending", {"reason_code": "off_topic"}, "rejected"),
        ("mark_as_spam", "pending", {}, "spam"),
        ("return_to_pending", "approved", None, "pending"),
        ("approve_groups", "pending", {}, "approved"),
        ("reject_groups", "pending", {"reason_code": "off_topic"}, "rejected"),
        ("mark_groups_as_spam", "pending", {}, "spam"),
    ],
)
def test_each_bulk_decision_works_for_moderators_and_is_refused_to_others(
    client, objects, group_name, action, start, confirmed_with, end
):
    """As the pages send it: the list, then (confirmed_with) the page asking first."""
    client.force_login(staff_in(group_name))
    comment = objects["comment"]
    Comment.objects.filter(pk=comment.pk).update(status=start)
    url = reverse("admin:guidance_comment_changelist") + "?status=all"
    page = act(client, action, [comment], url=url)
    if confirmed_with is not None:
        confirm(client, page, url, **confirmed_with)
    expected = end if MODERATES[group_name] else start
    assert Comment.objects.get(pk=comment.pk).status == expected


@pytest.mark.parametrize("group_name", EXPECTED)
def test_the_buttons_on_a_comments_page_work_only_for_moderators(client, objects, group_name):
    client.force_login(staff_in(group_name))
    comment = objects["comment"]
    decision = {"to_status": "approved", "seen_event_id": 0}
    page = client.post(reverse("admin:guidance_comment_decide", args=[comment.pk]), decision)
    if MODERATES[group_name]:
        assert page.status_code == 302
        assert Comment.objects.get(pk=comment.pk).status == "approved"
    else:
        assert page.status_code in {302, 403}
        assert Comment.objects.get(pk=comment.pk).status == "pending"
        if page.status_code == 302:
            assert page["Location"].startswith(reverse("admin:login"))
    change = client.get(reverse("admin:guidance_comment_change", args=[comment.pk]))
    decide_url = reverse("admin:guidance_comment_decide", args=[comment.pk])
    assert (decide_url in change.content.decode()) is MODERATES[group_name]


@pytest.mark.parametrize("group_name", EXPECTED)
def test_personal_data_is_shown_only_to_groups_allowed_to_see_it(client, objects, group_name):
    user = staff_in(group_name)
    client.force_login(user)
    Response.objects.filter(pk=objects["response"].pk).update(
        name="Private Name", email="private@example.org", organisation="Private Org"
    )
    for url in [
        reverse("admin:guidance_response_changelist"),
        reverse("admin:guidance_response_change", args=[objects["response"].pk]),
        reverse("admin:guidance_comment_change", args=[objects["comment"].pk]),
    ]:
        html = client.get(url).content.decode()
        for value in ["Private Name", "private@example.org", "Private Org"]:
            assert (value in html) is PERSONAL_DATA[group_name], (url, value)
    # The queue itself shows no personal data to anyone.
    queue = client.get(reverse("admin:guidance_comment_changelist")).content.decode()
    assert "Private Name" not in queue and "private@example.org" not in queue


@pytest.mark.parametrize("group_name", EXPECTED)
def test_the_groups_carry_the_custom_permissions(group_name):
    user = staff_in(group_name)
    assert user.has_perm("guidance.view_personal_data") is PERSONAL_DATA[group_name]
    assert user.has_perm("guidance.export_responses") is EXPORT[group_name]
    assert user.has_perm("guidance.moderate_comment") is MODERATES[group_name]


def test_the_migrations_make_exactly_the_three_roles_with_the_permissions_the_roles_module_gives_them():
    from guidance.staff.roles import ROLES, app_and_codename

    assert set(Group.objects.values_list("name", flat=True)) == {"Moderator", "Analyst", "Consultation manager"}
    for group in Group.objects.all():
        held = group.permissions.values_list("content_type__app_label", "codename")
        assert sorted(held) == sorted(app_and_codename(codename) for codename in ROLES[group.name])


def test_only_consultation_managers_may_add_staff_members_and_change_their_roles():
    people = {name: staff_in(name) for name in EXPECTED}
    may = {name: person.has_perms(["auth.add_user", "auth.change_user"]) for name, person in people.items()}
    assert may == {"Moderator": False, "Analyst": False, "Consultation manager": True, "no group": False}
    assert not people["Consultation manager"].has_perm("auth.delete_user")


def test_sync_roles_puts_a_group_back_as_the_roles_module_says():
    from django.core.management import call_command

    moderator = Group.objects.get(name="Moderator")
    moderator.permissions.clear()
    Group.objects.get(name="Analyst").delete()
    call_command("sync_roles", stdout=io.StringIO())
    assert moderator.permissions.filter(codename="moderate_comment").exists()
    assert Group.objects.filter(name="Analyst").exists()
