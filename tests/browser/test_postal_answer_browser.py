"""A member of staff types in a response that came by post, ticking the answer the letter chose to
question 1, in a real browser: the page passes axe-core before and after a refusal, fits the window,
and the answer is stored with its option and counted on the dashboard by channel."""

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from guidance.models import Comment, Question
from guidance.responses import answers
from tests.browser.conftest import axe_violations
from tests.factories import ConsultationFactory, QuestionFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "staff-password-for-tests"
PERMISSIONS = [
    "view_consultation",
    "view_question",
    "view_comment",
    "add_comment",
    "change_comment",
    "view_response",
    "add_response",
    "change_response",
    "view_personal_data",
]


@pytest.fixture
def consultation(db):
    consultation = ConsultationFactory(title="Draft guidance on co-producing research: have your say")
    SectionFactory(document=consultation.document, major=1, title="Reciprocity", slug="reciprocity")
    q1 = QuestionFactory(
        consultation=consultation,
        position=1,
        text="Does this draft guidance capture the key principles?",
        kind=Question.Kind.ONE_CHOICE,
        explain_label="Please explain",
    )
    answers.set_options(q1, ["Yes", "Partly", "No"])
    QuestionFactory(consultation=consultation, position=2, text="What are the barriers?")
    return consultation


def signed_in(page, live_server):
    user = User.objects.create_user("manager", password=PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="guidance", codename__in=PERMISSIONS))
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "manager")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + reverse("admin:index"))


def checked(page):
    assert axe_violations(page) == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280, page.url


def test_a_postal_answer_is_entered_with_the_option_ticked_and_passes_axe(page, live_server, consultation):
    q1 = consultation.questions.get(position=1)
    signed_in(page, live_server)
    page.goto(live_server.url + reverse("admin:guidance_response_add") + f"?consultation={consultation.pk}")
    checked(page)
    page.select_option("#id_channel", "post")
    page.fill("#id_submitted_at_0", "03/02/2027")
    page.fill("#id_submitted_at_1", "10:00:00")
    page.select_option("#id_respondent_type", "carer")
    page.select_option("#id_consent", "anonymous")
    page.fill("#id_name", "Ann Letter")
    page.select_option("#id_comments-2-0-question", str(q1.pk))
    group = page.get_by_role("group", name="Q1. Does this draft guidance capture the key principles?")
    group.get_by_label("Yes").check()
    group.get_by_label("No").check()  # two for a question taking one: refused
    page.click("input[name=_save]")
    page.wait_for_selector(".errornote")
    body = page.inner_text("body")
    assert "Q1 takes one answer: tick one" in body and "Enter what they wrote" not in body
    checked(page)
    assert not Comment.objects.exists()

    group = page.get_by_role("group", name="Q1. Does this draft guidance capture the key principles?")
    group.get_by_label("Yes").uncheck()
    group.get_by_label("No").uncheck()
    group.get_by_label("Partly").check()
    page.fill("#id_comments-2-0-text", "The features are vague.")
    page.click("input[name=_save]")
    assert "was added successfully" in page.inner_text(".messagelist")
    comment = Comment.objects.get()
    assert [o.label for o in comment.options.all()] == ["Partly"]
    assert comment.response.channel == "post"

    # Counted on the dashboard, in the postal column.
    page.goto(live_server.url + reverse("admin:guidance_consultation_dashboard", args=[consultation.pk]))
    table = page.get_by_role("table", name="Q1: answers chosen, by channel")
    assert table.get_by_role("columnheader").all_text_contents() == ["Answer", "Post"]
    assert table.get_by_role("row", name="Partly").get_by_role("cell").all_text_contents() == ["1"]
    checked(page)
