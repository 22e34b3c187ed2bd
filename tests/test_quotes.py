import csv
import io

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import Permission
from django.urls import reverse

from guidance.analysis import quotes
from guidance.models import Comment, ExportRecord, Question, Quote, Response
from guidance.moderation.by_respondent import withdraw
from guidance.moderation.decisions import decide
from tests.factories import CommentFactory, QuestionFactory, ResponseFactory, SectionFactory, ThemeFactory, UserFactory

pytestmark = pytest.mark.django_db

APPROVED = Comment.Status.APPROVED


def published(consultation, target, text="We should pay people for their time.", **response):
    """A published comment on `target` (a section or a question) of the consultation."""
    on = {"question": target, "section": None} if isinstance(target, Question) else {"section": target}
    response = ResponseFactory(consultation=consultation, **response)
    return CommentFactory(response=response, consultation=consultation, status=APPROVED, text=text, **on)


def rows(content):
    text = content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def analyst():
    return UserFactory(analyst=True)


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def test_marking_a_published_comment_shortlists_it_recording_who_and_when(consultation, section, analyst):
    comment = published(consultation, section)
    assert quotes.mark_quotable(Comment.objects.filter(pk=comment.pk), by=analyst) == 1
    quote = Quote.objects.get(comment=comment)
    assert quote.marked_by == analyst and quote.marked_at is not None
    assert list(quotes.shortlist(consultation)) == [comment]


def test_marking_twice_adds_it_once_and_unmarking_takes_it_off(consultation, section, analyst):
    comment = published(consultation, section)
    one = Comment.objects.filter(pk=comment.pk)
    quotes.mark_quotable(one, by=analyst)
    assert quotes.mark_quotable(one, by=analyst) == 0
    assert Quote.objects.count() == 1
    assert quotes.unmark(one, by=analyst) == 1
    assert list(quotes.shortlist(consultation)) == []
    assert quotes.unmark(one, by=analyst) == 0


def test_a_pending_a_rejected_or_a_do_not_publish_comment_cannot_be_marked(consultation, section, analyst):
    pending = CommentFactory(section=section, text="Pending words")
    rejected = CommentFactory(section=section, status=Comment.Status.REJECTED, text="Rejected words")
    private = published(consultation, section, consent=Response.Consent.DO_NOT_PUBLISH)
    chosen = Comment.objects.filter(pk__in=[pending.pk, rejected.pk, private.pk])
    assert quotes.mark_quotable(chosen, by=analyst) == 0
    assert not Quote.objects.exists()


def test_a_comment_that_stops_being_published_drops_off_the_shortlist_and_its_file(consultation, section, analyst):
    kept = published(consultation, section, text="Kept words")
    withdrawn = published(consultation, section, text="Withdrawn words")
    unpublished = published(consultation, section, text="Taken down words")
    now_private = published(consultation, section, text="Now private words")
    quotes.mark_quotable(Comment.objects.all(), by=analyst)
    withdraw(Comment.objects.filter(pk=withdrawn.pk))
    decide(Comment.objects.filter(pk=unpublished.pk), Comment.Status.PENDING, by=analyst)
    Response.objects.filter(pk=now_private.response_id).update(consent=Response.Consent.DO_NOT_PUBLISH)

    assert list(quotes.shortlist(consultation)) == [kept]
    content, _ = quotes.quotes_csv(consultation, by=analyst)
    assert [row["Quote"] for row in rows(content)] == ["Kept words"]
    # Published again, it is back: the shortlist remembered it.
    decide(Comment.objects.filter(pk=unpublished.pk), APPROVED, by=analyst)
    assert set(quotes.shortlist(consultation)) == {kept, unpublished}


def test_the_shortlist_is_per_section_question_and_theme_in_reading_order(consultation, analyst):
    first = SectionFactory(document=consultation.document, major=1)
    second = SectionFactory(document=consultation.document, major=2)
    question = QuestionFactory(consultation=consultation, position=1)
    cost = ThemeFactory(consultation=consultation, name="Cost")
    on_question = published(consultation, question, text="An answer")
    on_second = published(consultation, second, text="On two")
    on_first = published(consultation, first, text="On one")
    on_first.themes.add(cost)
    on_question.themes.add(cost)
    quotes.mark_quotable(Comment.objects.all(), by=analyst)

    assert list(quotes.shortlist(consultation)) == [on_first, on_second, on_question]
    assert list(quotes.shortlist(consultation, {"target": "2"})) == [on_second]
    assert list(quotes.shortlist(consultation, {"target": "Q1"})) == [on_question]
    assert list(quotes.shortlist(consultation, {"theme": "Cost"})) == [on_first, on_question]


def test_the_csv_credits_a_named_respondent_by_name_and_an_anonymous_one_by_type_only(consultation, section, analyst):
    published(
        consultation,
        section,
        text="Named words",
        name="Asha Rahman",
        consent=Response.Consent.PUBLISH_NAMED,
        respondent_type=Response.RespondentType.CARER,
    )
    published(
        consultation,
        section,
        text="=Anonymous words",
        name="Hidden Person",
        consent=Response.Consent.PUBLISH_ANONYMOUS,
        respondent_type=Response.RespondentType.RESEARCHER,
    )
    quotes.mark_quotable(Comment.objects.all(), by=analyst)

    content, filename = quotes.quotes_csv(consultation, by=analyst)
    assert content.startswith(b"\xef\xbb\xbf") and b"\r\n" in content
    found = {row["Quote"]: row for row in rows(content)}
    assert found["Named words"]["Attributed to"] == "Asha Rahman"
    # Neutralised as every export is: a spreadsheet shows it as text, not a formula.
    assert found["'=Anonymous words"]["Attributed to"] == "Researcher"
    assert b"Hidden Person" not in content
    assert found["Named words"]["Shortlisted by"] == analyst.username
    assert filename.endswith(".csv") and "quotes" in filename
    record = ExportRecord.objects.get()
    assert (record.layout, record.row_count, record.by, record.with_personal_data) == ("quotes", 2, analyst, False)


def test_the_shortlist_page_lists_the_quotes_under_their_section(analyst_client, consultation, section, analyst):
    comment = published(
        consultation, section, text="Paying people matters.", name="Asha Rahman", consent=Response.Consent.PUBLISH_NAMED
    )
    quotes.mark_quotable(Comment.objects.filter(pk=comment.pk), by=analyst)
    page = analyst_client.get(reverse("admin:guidance_consultation_quotes", args=[consultation.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f"Section {section.number}: {section.title}" in html
    assert "Paying people matters." in html and "Asha Rahman" in html
    assert "1 quote" in html and "Download these quotes as CSV" in html


def test_the_shortlist_page_refuses_a_theme_of_another_consultation_with_a_message(analyst_client, consultation):
    ThemeFactory(name="Elsewhere")
    page = analyst_client.get(
        reverse("admin:guidance_consultation_quotes", args=[consultation.pk]), {"theme": "Elsewhere"}
    )
    assert page.status_code == 400
    assert "Choose one of this consultation&#x27;s themes." in page.content.decode()


def test_downloading_the_shortlist_with_a_theme_exports_only_its_quotes(analyst_client, consultation, section, analyst):
    cost = ThemeFactory(consultation=consultation, name="Cost")
    costly = published(consultation, section, text="Costly")
    published(consultation, section, text="Free")
    costly.themes.add(cost)
    quotes.mark_quotable(Comment.objects.all(), by=analyst)
    answer = analyst_client.post(
        reverse("admin:guidance_consultation_quotes_csv", args=[consultation.pk]), {"theme": "Cost"}
    )
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert [row["Quote"] for row in rows(answer.content)] == ["Costly"]
    assert ExportRecord.objects.get().filters == {"theme": "Cost"}


def test_the_button_on_a_comments_page_marks_and_unmarks_it(analyst_client, consultation, section):
    comment = published(consultation, section)
    change = reverse("admin:guidance_comment_change", args=[comment.pk])
    assert "Mark as quotable" in analyst_client.get(change).content.decode()
    url = reverse("admin:guidance_comment_quotable", args=[comment.pk])
    page = analyst_client.post(url, {"quotable": "yes", "next": change}, follow=True)
    assert f"Comment {comment.pk} is on the quotes shortlist." in page.content.decode()
    assert "Take off the quotes shortlist" in page.content.decode()
    page = analyst_client.post(url, {"quotable": "no", "next": change}, follow=True)
    assert f"Comment {comment.pk} is off the quotes shortlist." in page.content.decode()
    assert not Quote.objects.exists()


def test_a_pending_comment_marked_by_hand_is_refused_with_a_message(analyst_client, section):
    comment = CommentFactory(section=section)
    url = reverse("admin:guidance_comment_quotable", args=[comment.pk])
    page = analyst_client.post(url, {"quotable": "yes"}, follow=True)
    assert "only a published comment can be quoted" in page.content.decode()
    assert not Quote.objects.exists()


def test_the_button_never_sends_back_to_another_site(analyst_client, consultation, section):
    comment = published(consultation, section)
    url = reverse("admin:guidance_comment_quotable", args=[comment.pk])
    answer = analyst_client.post(url, {"quotable": "yes", "next": "https://evil.example/"})
    assert answer["Location"] == reverse("admin:guidance_comment_change", args=[comment.pk])


def test_the_comments_list_action_says_how_many_it_shortlisted(analyst_client, consultation, section):
    chosen = [published(consultation, section), published(consultation, section), CommentFactory(section=section)]
    data = {"action": "mark_quotable", helpers.ACTION_CHECKBOX_NAME: [c.pk for c in chosen]}
    page = analyst_client.post(reverse("admin:guidance_comment_changelist") + "?status=all", data, follow=True)
    html = page.content.decode()
    assert "2 comments added to the quotes shortlist; 1 left as it was" in html
    assert Quote.objects.count() == 2
    data["action"] = "unmark_quotable"
    page = analyst_client.post(reverse("admin:guidance_comment_changelist") + "?status=all", data, follow=True)
    assert "2 comments taken off the quotes shortlist." in page.content.decode()
    assert not Quote.objects.exists()


def test_the_moderation_screens_recently_decided_tab_offers_the_button(analyst_client, consultation, section, analyst):
    comment = CommentFactory(section=section, text="Approve me")
    decide(Comment.objects.filter(pk=comment.pk), APPROVED, by=analyst)
    analyst.user_permissions.add(Permission.objects.get(codename="moderate_comment"))
    screen = reverse("admin:guidance_consultation_moderate", args=[consultation.pk])
    html = analyst_client.get(screen, {"queue": "decided"}).content.decode()
    assert "Mark as quotable" in html


@pytest.mark.parametrize("role", ["moderator", None])
def test_staff_who_do_not_code_comments_may_not_mark_nor_export(client, consultation, section, role):
    comment = published(consultation, section)
    client.force_login(UserFactory(**({role: True} if role else {})))
    assert (
        client.post(reverse("admin:guidance_comment_quotable", args=[comment.pk]), {"quotable": "yes"}).status_code
        == 403
    )
    assert client.post(reverse("admin:guidance_consultation_quotes_csv", args=[consultation.pk])).status_code == 403
    assert not Quote.objects.exists() and not ExportRecord.objects.exists()


def test_a_moderator_may_read_the_shortlist_without_its_buttons(client, consultation, section, analyst):
    comment = published(consultation, section)
    quotes.mark_quotable(Comment.objects.filter(pk=comment.pk), by=analyst)
    client.force_login(UserFactory(moderator=True))
    html = client.get(reverse("admin:guidance_consultation_quotes", args=[consultation.pk])).content.decode()
    assert comment.text in html
    assert "Take off the quotes shortlist" not in html and "Download these quotes" not in html


def test_staff_without_a_role_may_not_read_the_shortlist(client, consultation):
    client.force_login(UserFactory())
    assert client.get(reverse("admin:guidance_consultation_quotes", args=[consultation.pk])).status_code == 403


def test_marking_needs_a_post(analyst_client, consultation, section):
    comment = published(consultation, section)
    assert analyst_client.get(reverse("admin:guidance_comment_quotable", args=[comment.pk])).status_code == 405
