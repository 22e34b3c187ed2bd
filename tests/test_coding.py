"""Coding comments with themes in the admin: the queue's Themes column and theme filters, "Apply a
theme" on exactly the ticked comments, and a comment's themes as tick boxes that add and remove."""

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from guidance.analysis.themes import ThemeOfAnotherConsultation, set_themes
from guidance.models import Comment, Consultation
from tests.factories import CommentFactory, ConsultationFactory, ThemeFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:guidance_comment_changelist")


@pytest.fixture
def analyst_client(client):
    client.force_login(UserFactory(analyst=True))
    return client


@pytest.fixture
def comments(consultation, section):
    return [CommentFactory(section=section, text=f"Comment {n}") for n in range(4)]


@pytest.fixture
def payment(consultation):
    return ThemeFactory(consultation=consultation, name="Payment")


def listed(page):
    assert page.status_code == 200
    return sorted(comment.text for comment in page.context["cl"].result_list)


def change_data(**themes):
    """What a comment's page posts: its themes, and its read-only history's empty formsets."""
    inlines = {f"{prefix}-{key}": 0 for prefix in ["events", "reports"] for key in ["TOTAL_FORMS", "INITIAL_FORMS"]}
    return {**inlines, **themes}


def test_the_queue_shows_each_comments_themes_in_a_column(analyst_client, consultation, comments, payment):
    time = ThemeFactory(consultation=consultation, name="Time")
    comments[0].themes.add(payment, time)
    page = analyst_client.get(QUEUE, {"consultation__id__exact": consultation.pk, "o": "1"})
    html = page.content.decode()
    assert '<th scope="col" class="column-theme_names">' in html
    assert '<td class="field-theme_names">Payment, Time</td>' in html
    assert html.count('<td class="field-theme_names">–</td>') == 3


def test_the_no_theme_filter_lists_only_comments_without_a_theme(analyst_client, consultation, comments, payment):
    comments[1].themes.add(payment)
    elsewhere = CommentFactory(text="Elsewhere, coded")
    elsewhere.themes.add(ThemeFactory(consultation=elsewhere.consultation))
    page = analyst_client.get(QUEUE, {"themes__isnull": "True"})
    assert listed(page) == ["Comment 0", "Comment 2", "Comment 3"]
    assert "No theme" in page.content.decode()


def test_the_no_theme_filter_is_offered_before_a_consultation_is_chosen(analyst_client, comments):
    page = analyst_client.get(QUEUE)
    choices = [
        choice["display"] for spec in page.context["cl"].filter_specs for choice in spec.choices(page.context["cl"])
    ]
    assert "No theme" in choices


def test_the_theme_filter_lists_the_comments_with_that_theme(analyst_client, consultation, comments, payment):
    comments[2].themes.add(payment)
    page = analyst_client.get(QUEUE, {"consultation__id__exact": consultation.pk, "themes__id__exact": payment.pk})
    assert listed(page) == ["Comment 2"]


def test_choosing_a_theme_clears_no_theme_and_the_other_way_round(analyst_client, consultation, comments, payment):
    page = analyst_client.get(QUEUE, {"consultation__id__exact": consultation.pk, "themes__isnull": "True"})
    links = {
        choice["display"]: choice["query_string"]
        for spec in page.context["cl"].filter_specs
        if spec.title == "theme"
        for choice in spec.choices(page.context["cl"])
    }
    assert "themes__isnull" not in links["Payment"] and f"themes__id__exact={payment.pk}" in links["Payment"]
    assert "themes__isnull" not in links["All"]


@pytest.mark.parametrize("value", ["False", "maybe", "1"])
def test_a_no_theme_filter_with_another_value_is_refused_with_a_400(analyst_client, comments, value):
    page = analyst_client.get(QUEUE, {"themes__isnull": value})
    assert page.status_code == 400
    assert "This list cannot be filtered that way" in page.content.decode()


def test_apply_a_theme_acts_on_exactly_the_ticked_comments_and_says_how_many(
    analyst_client, consultation, comments, payment
):
    ticked = [comments[0], comments[2], comments[3]]
    address = f"{QUEUE}?consultation__id__exact={consultation.pk}&themes__isnull=True"
    asked = analyst_client.post(
        address, {"action": "apply_theme", "index": 0, helpers.ACTION_CHECKBOX_NAME: [c.pk for c in ticked]}
    )
    html = asked.content.decode()
    assert "Which theme should the 3 selected comments" in html
    assert "Only the comments you ticked get it." in html
    answer = analyst_client.post(
        address,
        {
            "action": "apply_theme",
            "apply": "yes",
            "theme": payment.pk,
            "select_across": "0",
            helpers.ACTION_CHECKBOX_NAME: [c.pk for c in ticked],
        },
        follow=True,
    )
    assert "Theme “Payment” applied to 3 comments." in answer.content.decode()
    assert sorted(payment.comments.values_list("text", flat=True)) == ["Comment 0", "Comment 2", "Comment 3"]


def test_apply_a_theme_to_one_comment_says_comment_in_the_singular(analyst_client, consultation, comments, payment):
    answer = analyst_client.post(
        QUEUE,
        {"action": "apply_theme", "apply": "yes", "theme": payment.pk, helpers.ACTION_CHECKBOX_NAME: [comments[1].pk]},
        follow=True,
    )
    assert "Theme “Payment” applied to 1 comment." in answer.content.decode()
    assert list(payment.comments.all()) == [comments[1]]


def test_a_comments_themes_are_tick_boxes_of_its_own_consultations_themes(
    analyst_client, consultation, comments, payment
):
    ThemeFactory(consultation=ConsultationFactory(), name="Elsewhere")
    comments[0].themes.add(payment)
    page = analyst_client.get(reverse("admin:guidance_comment_change", args=[comments[0].pk]))
    html = page.content.decode()
    assert page.context["adminform"].form.fields["themes"].widget.input_type == "checkbox"
    assert f'<input type="checkbox" name="themes" value="{payment.pk}" id="id_themes_0" checked>' in html
    assert '<select name="themes"' not in html
    assert '<h2 id="fieldset-0-1-heading" class="fieldset-heading">Themes</h2>' in html
    assert "Elsewhere" not in html


def test_ticking_a_box_adds_a_theme_and_unticking_one_takes_it_off(analyst_client, consultation, comments, payment):
    time = ThemeFactory(consultation=consultation, name="Time")
    access = ThemeFactory(consultation=consultation, name="Access")
    comment = comments[0]
    comment.themes.add(payment, time)
    url = reverse("admin:guidance_comment_change", args=[comment.pk])
    # Payment kept, Time unticked, Access ticked.
    saved = analyst_client.post(url, change_data(themes=[payment.pk, access.pk]))
    assert saved.status_code == 302
    assert sorted(comment.themes.values_list("name", flat=True)) == ["Access", "Payment"]


def test_saving_a_comments_themes_changes_nothing_else_about_it(analyst_client, consultation, comments, payment):
    comment = comments[0]
    url = reverse("admin:guidance_comment_change", args=[comment.pk])
    analyst_client.get(url)
    # A moderator approves it while the analyst's page is open.
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.APPROVED)
    analyst_client.post(url, change_data(themes=[payment.pk], status="rejected", text="Changed"))
    comment.refresh_from_db()
    assert (comment.status, comment.text) == (Comment.Status.APPROVED, "Comment 0")
    assert list(comment.themes.all()) == [payment]


def test_saving_a_comments_themes_renews_the_public_pages(analyst_client, consultation, comments, payment):
    before = Consultation.objects.get(pk=consultation.pk).content_version
    analyst_client.post(
        reverse("admin:guidance_comment_change", args=[comments[0].pk]), change_data(themes=[payment.pk])
    )
    assert Consultation.objects.get(pk=consultation.pk).content_version > before


def test_another_consultations_theme_is_refused_and_nothing_changes(analyst_client, consultation, comments, payment):
    comment = comments[0]
    comment.themes.add(payment)
    other = ThemeFactory(consultation=ConsultationFactory(), name="Elsewhere")
    url = reverse("admin:guidance_comment_change", args=[comment.pk])
    refused = analyst_client.post(url, change_data(themes=[other.pk]))
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    assert list(comment.themes.all()) == [payment]


def test_set_themes_refuses_another_consultations_theme(consultation, comments, payment):
    other = ThemeFactory(consultation=ConsultationFactory())
    with pytest.raises(ThemeOfAnotherConsultation):
        set_themes(comments[0], [payment, other])
    assert not comments[0].themes.exists()


def test_set_themes_says_what_it_added_and_took_off(consultation, comments, payment):
    time = ThemeFactory(consultation=consultation, name="Time")
    comments[0].themes.add(time)
    assert set_themes(comments[0], [payment]) == ({payment.pk}, {time.pk})
    assert set_themes(comments[0], [payment]) == (set(), set())


def test_a_moderator_sees_the_themes_but_cannot_change_them(client, consultation, comments, payment):
    client.force_login(UserFactory(moderator=True))
    comments[0].themes.add(payment)
    url = reverse("admin:guidance_comment_change", args=[comments[0].pk])
    html = client.get(url).content.decode()
    assert "Payment" in html and 'name="themes"' not in html
    client.post(url, change_data(themes=[]))
    assert list(comments[0].themes.all()) == [payment]
