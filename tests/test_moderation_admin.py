"""The moderation queue and decisions as a moderator sees them in the admin."""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from guidance.models import Comment, ModerationEvent, Report, Response
from guidance.moderation.decisions import decide
from tests.factories import CommentFactory, QuestionFactory, ResponseFactory, ThemeFactory
from tests.queue_helpers import act, confirm

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:guidance_comment_changelist")


def queue_texts(page):
    return [row.text for row in page.context["cl"].result_list]


def test_the_queue_opens_on_pending_comments_oldest_first(moderator_client, section):
    now = timezone.now()
    newer = CommentFactory(section=section, text="newer", created_at=now - datetime.timedelta(hours=1))
    older = CommentFactory(section=section, text="older", created_at=now - datetime.timedelta(days=2))
    approved = CommentFactory(section=section, text="approved one")
    decide(Comment.objects.filter(pk=approved.pk), "approved", by=None)
    page = moderator_client.get(QUEUE)
    assert queue_texts(page) == [older.text, newer.text]
    all_page = moderator_client.get(QUEUE, {"status": "all"})
    assert set(queue_texts(all_page)) == {"older", "newer", "approved one"}


def test_the_queue_shows_target_respondent_channel_publication_age_and_reports(moderator_client, section, question):
    long_text = "word " * 80
    CommentFactory(
        section=section,
        text=long_text,
        response=ResponseFactory(
            consultation=section.document.consultations.get(),
            respondent_type=Response.RespondentType.CARER,
            channel=Response.Channel.POST,
            consent=Response.Consent.PUBLISH_NAMED,
        ),
        created_at=timezone.now() - datetime.timedelta(days=3),
    )
    answer = CommentFactory(section=None, question=question, text="An answer")
    Report.objects.create(comment=answer, reason="spam")
    html = moderator_client.get(QUEUE).content.decode()
    assert "Section 1: Reciprocity" in html
    assert "Question 1" in html
    assert "Carer" in html and "Post" in html and "Publish with my name" in html
    assert "3\xa0days" in html
    assert long_text.strip() not in html  # shortened; the whole text is on the comment's page
    assert '<td class="field-report_count">1</td>' in html


def test_the_whole_text_is_one_click_away(moderator_client, section):
    comment = CommentFactory(section=section, text="long " * 80)
    page = moderator_client.get(reverse("admin:guidance_comment_change", args=[comment.pk]))
    assert comment.text.strip() in page.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"response__respondent_type__exact": "carer"},
        {"response__channel__exact": "email"},
        {"reported": "yes"},
        {"q": "CARE-REF"},
    ],
)
def test_filters_and_search_by_reference_find_the_one_comment(moderator_client, section, params):
    CommentFactory(section=section, text="other")
    target = CommentFactory(
        section=section,
        text="the one",
        response=ResponseFactory(
            consultation=section.document.consultations.get(),
            respondent_type="carer",
            channel="email",
        ),
    )
    Response.objects.filter(pk=target.response_id).update(reference="CARE-REF")
    Report.objects.create(comment=target, reason="offensive")
    assert queue_texts(moderator_client.get(QUEUE, params)) == ["the one"]


def test_filters_by_consultation_section_question_theme_and_date(moderator_client, section, question):
    on_section = CommentFactory(section=section, text="on section", created_at=timezone.now())
    on_question = CommentFactory(
        section=None, question=question, text="on question", created_at=timezone.now() - datetime.timedelta(days=60)
    )
    elsewhere = CommentFactory(section=None, question=QuestionFactory(), text="elsewhere")
    theme = ThemeFactory(consultation=section.document.consultations.get())
    on_question.themes.add(theme)
    assert set(queue_texts(moderator_client.get(QUEUE, {"consultation__id__exact": elsewhere.consultation_id}))) == {
        "elsewhere"
    }
    assert queue_texts(moderator_client.get(QUEUE, {"section__id__exact": section.pk})) == ["on section"]
    assert queue_texts(moderator_client.get(QUEUE, {"question__id__exact": question.pk})) == ["on question"]
    assert queue_texts(moderator_client.get(QUEUE, {"themes__id__exact": theme.pk})) == ["on question"]
    now = timezone.now()
    past_week = {
        "created_at__gte": (now - datetime.timedelta(days=7)).isoformat(),
        "created_at__lt": (now + datetime.timedelta(days=1)).isoformat(),
    }
    assert set(queue_texts(moderator_client.get(QUEUE, past_week))) == {on_section.text, elsewhere.text}


def test_approving_two_in_bulk_says_how_many_and_publishes_them(moderator_client, moderator, section):
    a, b, c = CommentFactory.create_batch(3, section=section)
    page = act(moderator_client, "approve", [a, b])
    assert "2 comments approved." in page.content.decode()
    assert set(Comment.objects.published()) == {a, b}
    assert ModerationEvent.objects.filter(by=moderator, to_status="approved").count() == 2
    assert queue_texts(page) == [c.text]


def test_approving_everything_the_filter_shows_lists_every_comment_first_then_approves_them(moderator_client, section):
    comments = [CommentFactory(section=section, text=f"Comment number {n}") for n in range(60)]
    page = act(moderator_client, "approve", comments[:1], select_across=1)
    html = page.content.decode()
    assert "Approve 60 comments" in html and "These 60 comments will be approved" in html
    assert all(f"Comment number {n}" in html for n in range(60))  # the list showed 50
    assert not Comment.objects.published().exists()
    done = confirm(moderator_client, page)
    assert "60 comments approved." in done.content.decode()
    assert Comment.objects.published().count() == 60


def test_rejecting_asks_for_a_reason_first_and_changes_nothing_until_given(moderator_client, section):
    comment = CommentFactory(section=section, text="rude words")
    page = act(moderator_client, "reject", [comment])
    html = page.content.decode()
    assert "Reject 1 comment" in html and "Offensive or abusive" in html and "rude words" in html
    assert Comment.objects.get().status == "pending"

    missing = act(moderator_client, "reject", [comment], confirm="yes")
    assert "This field is required" in missing.content.decode()
    assert Comment.objects.get().status == "pending"

    done = act(moderator_client, "reject", [comment], confirm="yes", reason_code="offensive", reason="Insults")
    assert "1 comment rejected." in done.content.decode()
    comment.refresh_from_db()
    assert (comment.status, comment.reason_code, comment.reason) == ("rejected", "offensive", "Insults")


def test_other_reason_without_words_is_refused_with_a_clear_error(moderator_client, section):
    comment = CommentFactory(section=section)
    page = act(moderator_client, "reject", [comment], confirm="yes", reason_code="other")
    assert "Say why, in words" in page.content.decode()
    assert Comment.objects.get().status == "pending"


def test_marking_as_spam_confirms_then_hides(moderator_client, section):
    comment = CommentFactory(section=section)
    assert "Mark as spam 1 comment" in act(moderator_client, "mark_as_spam", [comment]).content.decode()
    page = act(moderator_client, "mark_as_spam", [comment], confirm="yes")
    assert "1 comment marked as spam." in page.content.decode()
    assert Comment.objects.get().status == "spam"


def test_returning_to_pending_from_the_all_view(moderator_client, section):
    comment = CommentFactory(section=section)
    decide(Comment.objects.all(), "approved", by=None)
    page = act(moderator_client, "return_to_pending", [comment], url=QUEUE + "?status=all")
    assert "1 comment returned to pending." in page.content.decode()
    assert not Comment.objects.published().exists()


def test_an_illegal_bulk_decision_is_refused_with_a_message_and_changes_nothing(moderator_client, section):
    a, b = CommentFactory.create_batch(2, section=section)
    decide(Comment.objects.filter(pk=a.pk), "approved", by=None)
    page = act(moderator_client, "approve", [a, b], url=QUEUE + "?status=all")
    assert "Nothing was changed" in page.content.decode()
    assert Comment.objects.get(pk=b.pk).status == "pending"


def test_a_comments_page_has_buttons_for_the_allowed_decisions_and_its_history(moderator_client, moderator, section):
    comment = CommentFactory(section=section)
    url = reverse("admin:guidance_comment_change", args=[comment.pk])
    html = moderator_client.get(url).content.decode()
    assert 'value="approved"' in html and 'value="rejected"' in html and 'value="spam"' in html
    assert 'value="pending"' not in html

    decide_url = reverse("admin:guidance_comment_decide", args=[comment.pk])
    moderator_client.post(decide_url, {"to_status": "approved", "seen_event_id": 0})
    assert Comment.objects.get().status == "approved"
    html = moderator_client.get(url).content.decode()
    assert 'value="pending"' in html and 'value="approved"' not in html
    assert "Sam Patel" in html and "History" in html
    assert 'name="status"' not in html


def test_rejecting_from_a_comments_page_asks_for_the_reason(moderator_client, section):
    comment = CommentFactory(section=section)
    decide_url = reverse("admin:guidance_comment_decide", args=[comment.pk])
    page = moderator_client.post(decide_url, {"to_status": "rejected", "seen_event_id": 0})
    assert "Reject 1 comment" in page.content.decode()
    assert Comment.objects.get().status == "pending"
    confirm(moderator_client, page, decide_url, reason_code="duplicate")
    assert Comment.objects.get().reason_code == "duplicate"


def test_the_decide_button_refuses_get_and_unknown_decisions(moderator_client, section):
    comment = CommentFactory(section=section)
    decide_url = reverse("admin:guidance_comment_decide", args=[comment.pk])
    assert moderator_client.get(decide_url).status_code == 405
    assert moderator_client.post(decide_url, {"to_status": "deleted"}).status_code == 400
    assert moderator_client.post(reverse("admin:guidance_comment_decide", args=[99999]), {}).status_code == 404
    assert Comment.objects.get().status == "pending"


def test_history_cannot_be_changed_or_deleted_even_by_a_superuser(client, section):
    admin = User.objects.create_superuser("root", password="x" * 20)
    client.force_login(admin)
    comment = CommentFactory(section=section)
    decide(Comment.objects.all(), "approved", by=admin)
    event = ModerationEvent.objects.get()
    change = reverse("admin:guidance_moderationevent_change", args=[event.pk])
    delete = reverse("admin:guidance_moderationevent_delete", args=[event.pk])
    assert client.post(change, {"reason": "edited"}).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:guidance_moderationevent_add")).status_code == 403
    html = client.get(reverse("admin:guidance_comment_change", args=[comment.pk])).content.decode()
    assert 'name="events-0-reason"' not in html
    assert ModerationEvent.objects.get().reason == ""


def test_the_admin_home_shows_how_many_comments_are_waiting_in_each_consultation(moderator_client, section):
    CommentFactory.create_batch(3, section=section)
    consultation = section.document.consultations.get()
    page = moderator_client.get(reverse("admin:index"))
    rows = {row.pk: (row.pending_count, row.reported_count) for row in page.context["consultations"]}
    assert rows == {consultation.pk: (3, 0)}
    html = page.content.decode()
    assert reverse("admin:guidance_consultation_moderate", args=[consultation.pk]) in html
    assert "Recent actions" not in html


def test_a_moderator_never_sees_email_or_an_unpublished_name(moderator_client, section):
    response = ResponseFactory(
        consultation=section.document.consultations.get(),
        name="Priya Secret",
        email="priya@example.org",
        organisation="Hidden Org",
        consent=Response.Consent.PUBLISH_ANONYMOUS,
    )
    comment = CommentFactory(section=section, response=response)
    pages = [
        moderator_client.get(QUEUE),
        moderator_client.get(reverse("admin:guidance_comment_change", args=[comment.pk])),
        moderator_client.get(reverse("admin:guidance_response_changelist")),
        moderator_client.get(reverse("admin:guidance_response_change", args=[response.pk])),
    ]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert "priya@example.org" not in html and "Priya Secret" not in html and "Hidden Org" not in html
    searched = moderator_client.get(reverse("admin:guidance_response_changelist"), {"q": "priya@example.org"})
    assert searched.context["cl"].result_count == 0


def test_a_consultation_manager_sees_personal_data(client, section):
    manager = User.objects.create_user("manager", is_staff=True)
    manager.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(manager)
    response = ResponseFactory(consultation=section.document.consultations.get(), email="priya@example.org")
    html = client.get(reverse("admin:guidance_response_change", args=[response.pk])).content.decode()
    assert "priya@example.org" in html
    found = client.get(reverse("admin:guidance_response_changelist"), {"q": "priya@example.org"})
    assert found.context["cl"].result_count == 1


def test_an_analyst_tags_a_comment_with_its_own_consultations_themes_only(client, section):
    analyst = User.objects.create_user("analyst", is_staff=True)
    analyst.groups.add(Group.objects.get(name="Analyst"))
    client.force_login(analyst)
    comment = CommentFactory(section=section, text="Keep this text")
    own = ThemeFactory(consultation=comment.consultation, name="Payment")
    other = ThemeFactory(name="Elsewhere")
    url = reverse("admin:guidance_comment_change", args=[comment.pk])
    html = client.get(url).content.decode()
    assert "Payment" in html and "Elsewhere" not in html
    inlines = {f"{prefix}-{key}": 0 for prefix in ["events", "reports"] for key in ["TOTAL_FORMS", "INITIAL_FORMS"]}
    refused = client.post(url, {"themes": [other.pk], "text": "Changed", "status": "approved", **inlines})
    assert "Select a valid choice" in refused.content.decode()
    saved = client.post(url, {"themes": [own.pk], "text": "Changed", "status": "approved", **inlines})
    assert saved.status_code == 302
    comment.refresh_from_db()
    assert list(comment.themes.all()) == [own]
    assert (comment.text, comment.status) == ("Keep this text", "pending")


@pytest.mark.parametrize("count", [5, 500])
def test_the_queue_makes_the_same_queries_whatever_its_length(moderator_client, section, count):
    """No count of the whole table, no filter that reads every comment to list its choices: the
    queue answers alike with 5 or 500 comments (and, in bench/moderation_screen.py, a million)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    CommentFactory.create_batch(count, section=section)
    consultation = section.document.consultations.get()
    params = {"consultation__id__exact": consultation.pk}
    moderator_client.get(QUEUE, params)
    with CaptureQueriesContext(connection) as queries:
        page = moderator_client.get(QUEUE, params)
    assert page.status_code == 200
    assert len(page.context["cl"].result_list) == min(count, 50)
    assert len(queries) == EXPECTED_QUEUE_QUERIES


# The session, the user and permissions, the filters' choices (consultations, this consultation's
# sections, questions and themes), the count of what the filters select, the page of comments,
# their themes (one query for the page), the session saved: the same for any number of comments.
EXPECTED_QUEUE_QUERIES = 17
