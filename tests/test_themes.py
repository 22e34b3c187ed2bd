import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from guidance.analysis.themes import add_theme
from guidance.models import Comment
from tests.factories import CommentFactory, ConsultationFactory, ThemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue():
    return reverse("admin:guidance_comment_changelist")


@pytest.fixture
def comments(consultation, section):
    return [CommentFactory(section=section, consultation=consultation) for _ in range(3)]


def action_post(comments, **extra):
    return {"action": "apply_theme", helpers.ACTION_CHECKBOX_NAME: [c.pk for c in comments], **extra}


def test_adding_a_theme_tags_each_comment_once(consultation, comments):
    theme = ThemeFactory(consultation=consultation)
    selected = Comment.objects.filter(pk__in=[c.pk for c in comments[:2]])
    assert add_theme(selected, theme) == 2
    assert add_theme(Comment.objects.all(), theme) == 1
    assert theme.comments.count() == 3


def test_the_action_asks_which_theme_offering_only_the_consultations_themes(
    admin_client, queue, consultation, comments
):
    ThemeFactory(consultation=consultation, name="Payment")
    ThemeFactory(consultation=ConsultationFactory(), name="Elsewhere")
    page = admin_client.post(queue, action_post(comments[:2]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Which theme should the 2 selected comments" in html
    assert "Payment" in html and "Elsewhere" not in html
    assert Comment.themes.through.objects.count() == 0


def test_choosing_a_theme_applies_it_and_says_how_many(admin_client, queue, consultation, comments):
    payment = ThemeFactory(consultation=consultation, name="Payment")
    comments[0].themes.add(payment)
    answer = admin_client.post(queue, action_post(comments[:2], apply="yes", theme=payment.pk), follow=True)
    assert "Theme “Payment” applied to 1 comment; 1 already had it." in answer.content.decode()
    assert set(payment.comments.all()) == {comments[0], comments[1]}


def test_a_theme_from_another_consultation_is_refused(admin_client, queue, consultation, comments):
    ThemeFactory(consultation=consultation, name="Payment")
    other = ThemeFactory(consultation=ConsultationFactory(), name="Elsewhere")
    page = admin_client.post(queue, action_post(comments, apply="yes", theme=other.pk))
    assert page.status_code == 200
    assert "Choose a theme." in page.content.decode()
    assert other.comments.count() == 0


def test_comments_from_two_consultations_cannot_share_a_theme_action(admin_client, queue, comments):
    stranger = CommentFactory()
    answer = admin_client.post(queue, action_post([comments[0], stranger]), follow=True)
    assert "Select comments from one consultation at a time" in answer.content.decode()


def test_a_consultation_without_themes_is_told_to_add_some(admin_client, queue, comments):
    answer = admin_client.post(queue, action_post(comments), follow=True)
    assert "has no themes yet" in answer.content.decode()


def test_the_action_needs_permission_to_change_comments(client, queue, consultation, comments):
    theme = ThemeFactory(consultation=consultation)
    user = User.objects.create_user("viewer", password="a-long-password-for-tests", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_comment"))
    client.force_login(user)
    client.post(queue, action_post(comments, apply="yes", theme=theme.pk))
    assert Comment.themes.through.objects.count() == 0
