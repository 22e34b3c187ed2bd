"""Sending a comment or answers: what is stored, the confirmation, the receipt, the remembered details.
Everything one browser sends to a consultation joins one response (tests/test_your_response.py
has more)."""

import re
import uuid

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from guidance.models import Comment, Response
from guidance.public.form_fields import read_form_token
from tests.factories import ConsultationFactory, QuestionFactory, SectionFactory
from tests.journey_helpers import DETAILS, comment_data, deliver_emails, section_url

pytestmark = pytest.mark.django_db


class BrokenEmailBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("The mail server is down")


@pytest.fixture
def questions(consultation):
    return [QuestionFactory(consultation=consultation, position=n, text=f"Question number {n}?") for n in range(1, 7)]


def answers_url(consultation):
    return reverse("guidance:questions", args=[consultation.slug])


def test_a_comment_is_stored_pending_and_the_confirmation_shows_its_reference(
    client, consultation, section, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(section_url(section, consultation), comment_data("Payment matters."), follow=True)
    response = Response.objects.get()
    comment = response.comments.get()
    assert (comment.text, comment.section, comment.status) == ("Payment matters.", section, Comment.Status.PENDING)
    assert (response.name, response.email, response.respondent_type, response.consent) == (
        "Ann Smith",
        "ann@example.org",
        "carer",
        "named",
    )
    assert response.channel == Response.Channel.ONLINE
    page = sent.content.decode()
    assert sent.redirect_chain[-1][0] == reverse("guidance:confirmation", args=[consultation.slug])
    assert "Comment sent" in page
    assert response.reference in page
    assert (
        "We will email you a receipt in the next few minutes. If you send more now, the same receipt will list it."
        in page
    )
    assert "We have sent" not in page  # queued, not sent: the page never says more than it knows
    assert "ann@example.org" not in page


def test_the_receipt_has_the_reference_what_was_written_and_what_happens_next(
    client, consultation, section, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(section_url(section, consultation), comment_data("Payment matters."))
    response = Response.objects.get()
    assert mail.outbox == []  # nothing is sent inside the request
    deliver_emails()
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == ["ann@example.org"]
    assert response.reference in receipt.subject
    assert response.reference in receipt.body
    assert "On section 1, Reciprocity:" in receipt.body
    assert "Payment matters." in receipt.body
    assert "A moderator at Example organisation reads every response." in receipt.body
    assert "published with your name (Ann Smith)" in receipt.body
    assert "email us to change or withdraw" not in receipt.body
    assert f"https://localhost/consultations/{consultation.slug}/continue/" in receipt.body


def test_no_receipt_without_an_email_address(client, consultation, section, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(section_url(section, consultation), comment_data(email=""), follow=True)
    deliver_emails()
    assert mail.outbox == []
    assert Response.objects.count() == 1
    assert "We have sent a receipt" not in sent.content.decode()


def test_a_failing_mail_server_keeps_the_response_and_shows_the_confirmation(
    client, consultation, section, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "tests.test_responding.BrokenEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(section_url(section, consultation), comment_data(), follow=True)
    response = Response.objects.get()
    assert response.comments.count() == 1
    assert sent.status_code == 200
    assert response.reference in sent.content.decode()
    deliver_emails()
    assert f"Could not send the receipt for response {response.reference} (ConnectionRefusedError" in caplog.text
    assert response.comments.count() == 1


def test_answering_two_of_six_questions_stores_two_comments(
    client, consultation, questions, django_capture_on_commit_callbacks
):
    data = {**DETAILS, f"answer_{questions[1].pk}": "Time and money.", f"answer_{questions[4].pk}": "  Tokenism.  "}
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(answers_url(consultation), data, follow=True)
    response = Response.objects.get()
    answers = {c.question.position: c.text for c in response.comments.select_related("question")}
    assert answers == {2: "Time and money.", 5: "Tokenism."}
    assert "Answers sent" in sent.content.decode()
    deliver_emails()
    assert "Q2. Question number 2?" in mail.outbox[0].body
    assert "Tokenism." in mail.outbox[0].body


def test_questions_need_at_least_one_answer(client, consultation, questions):
    page = client.post(answers_url(consultation), DETAILS)
    assert page.status_code == 200
    assert "Answer at least one question" in page.content.decode()
    assert f'href="#id_answer_{questions[0].pk}"' in page.content.decode()
    assert Response.objects.count() == 0


def test_organisation_is_required_when_responding_on_behalf_of_one(client, consultation, section):
    page = client.post(section_url(section, consultation), comment_data(respondent_type="organisation"))
    assert "Enter the name of the organisation you are responding for" in page.content.decode()
    assert Response.objects.count() == 0
    client.post(section_url(section, consultation), comment_data(respondent_type="organisation", organisation="NAPP"))
    assert Response.objects.get().organisation == "NAPP"


def test_agreeing_to_the_privacy_notice_is_required(client, consultation, section):
    data = comment_data()
    del data["privacy_agreed"]
    page = client.post(section_url(section, consultation), data)
    assert "Confirm that you agree to the privacy notice" in page.content.decode()
    assert Response.objects.count() == 0


def test_missing_choices_get_an_error_summary_linking_to_the_first_radio_button(client, consultation, section):
    page = client.post(section_url(section, consultation), {"comment": "Hello"}).content.decode()
    assert "There is a problem" in page
    assert '<a href="#id_respondent_type_1">Select how you are responding</a>' in page
    assert '<a href="#id_consent_1">Select whether we can publish your response</a>' in page
    assert 'id="id_respondent_type_1"' in page
    assert "<title>Error: Reciprocity" in page


def test_details_are_remembered_for_the_next_form_in_the_same_browser_session(client, consultation, section, questions):
    client.post(section_url(section, consultation), comment_data(name="Ann Smith", respondent_type="researcher"))
    page = client.get(answers_url(consultation)).content.decode()
    assert "A••• S•••" in page and "a•••@example.org" in page  # masked: the next person may be someone else
    assert "Ann Smith" not in page and "ann@example.org" not in page
    assert re.search(r'value="researcher"\s*checked="checked"', page)
    assert client.session.get_expire_at_browser_close()
    # The session names the response; the details stay in the database, where erasure reaches them.
    assert "Ann Smith" not in str(dict(client.session))


def test_sending_the_same_form_twice_stores_one_response(
    client, consultation, section, django_capture_on_commit_callbacks
):
    data = comment_data(form_token=str(uuid.uuid4()))
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(section_url(section, consultation), data, follow=True)
        second = client.post(section_url(section, consultation), data, follow=True)
    response = Response.objects.get()
    assert response.comments.count() == 1
    assert response.reference in first.content.decode()
    assert response.reference in second.content.decode()
    deliver_emails()
    assert len(mail.outbox) == 1


def test_each_new_form_gets_its_own_token(client, consultation, section):
    token = re.compile(r'name="form_token" value="([^"]+)"')
    first = token.search(client.get(section_url(section, consultation)).content.decode())[1]
    second = token.search(client.get(section_url(section, consultation)).content.decode())[1]
    assert first != second


def test_the_confirmation_page_without_a_submission_goes_back_to_the_consultation(client, consultation):
    page = client.get(reverse("guidance:confirmation", args=[consultation.slug]))
    assert page.status_code == 302
    assert page["Location"] == consultation.get_absolute_url()


def test_two_copies_of_one_form_arriving_at_once_store_one_response(consultation, section):
    from guidance.responses.submissions import submit_response

    token = uuid.uuid4()
    details = {k: v for k, v in DETAILS.items() if k != "privacy_agreed"}
    first, _, created = submit_response(consultation, details, [(section, "One comment")], form_token=token)
    assert created
    # Nothing is looked up before the insert: the database's unique constraint on the token is
    # what stops the second copy, however close together the two arrive.
    second, _, created = submit_response(consultation, details, [(section, "One comment")], form_token=token)
    assert not created
    assert second == first
    assert Comment.objects.get().text == "One comment"


# The one-time form token belongs to the response it first sent.


def test_back_then_send_again_on_a_reloaded_page_stores_the_comment_once(client, consultation, section):
    """The browser reloads the page on Back (it is no-store), so the form has a new token, and puts
    the words back in the box."""
    url = section_url(section, consultation)
    client.post(url, comment_data("Payment matters."))
    again = client.post(url, comment_data("Payment matters."), follow=True).content.decode()
    assert "You had sent this form already, so we kept the first copy and have not sent another receipt." in again
    assert list(Comment.objects.values_list("text", flat=True)) == ["Payment matters."]
    assert client.post(url, comment_data("And something new.")).status_code == 302
    assert Comment.objects.count() == 2


def test_answers_sent_again_are_stored_once_and_new_ones_beside_them(client, consultation, questions):
    first, second = questions[0], questions[1]
    client.post(answers_url(consultation), {**DETAILS, f"answer_{first.pk}": "Yes, clearly."})
    client.post(
        answers_url(consultation),
        {**DETAILS, f"answer_{first.pk}": "Yes, clearly.", f"answer_{second.pk}": "Not sure."},
    )
    assert sorted(Comment.objects.values_list("question__position", "text")) == [(1, "Yes, clearly."), (2, "Not sure.")]


def test_the_questions_page_shows_questions_answered_as_answered_with_a_link_to_change_each(
    client, consultation, questions
):
    client.post(answers_url(consultation), {**DETAILS, f"answer_{questions[0].pk}": "Yes, clearly."})
    page = client.get(answers_url(consultation)).content.decode()
    answered = page[page.index("Questions you have answered") : page.index("</dl>")]
    assert "Q1. Question number 1?" in answered and "Yes, clearly." in answered
    comment = Comment.objects.get()
    assert reverse("guidance:change_comment", args=[consultation.slug, comment.pk]) in answered
    form = page[page.index('<form method="post" action="' + answers_url(consultation)) :]
    assert f'name="answer_{questions[0].pk}"' not in form  # not asked again
    assert f'name="answer_{questions[1].pk}"' in form


def test_once_every_question_is_answered_the_page_says_so_and_asks_nothing(client, consultation, question):
    client.post(answers_url(consultation), {**DETAILS, f"answer_{question.pk}": "My answer."})
    page = client.get(answers_url(consultation)).content.decode()
    assert "You have answered every question." in page
    assert f'name="answer_{question.pk}"' not in page


TOKEN = re.compile(r'name="form_token" value="([^"]*)"')
ALREADY_SENT = "This copy of the form had already been sent, so nothing new was saved"


def test_a_token_replayed_on_another_consultations_form_is_refused_and_shows_no_reference(client, section):
    first = section.document.consultations.get()
    other = ConsultationFactory()
    other_section = SectionFactory(document=other.document)
    token = str(uuid.uuid4())
    sent = client.post(section_url(section, first), comment_data("On the first", form_token=token), follow=True)
    reference = Response.objects.get().reference
    assert reference in sent.content.decode()

    page = client.post(section_url(other_section, other), comment_data("On the second", form_token=token))
    assert page.status_code == 200
    content = page.content.decode()
    assert "There is a problem" in content and ALREADY_SENT in content
    assert reference not in content
    assert "On the second" in content  # kept in the form, to send again
    fresh = TOKEN.search(content)[1]
    assert fresh != token and read_form_token(fresh)
    assert Response.objects.count() == 1
    assert client.session["confirmation"]["reference"] == reference  # the confirmation was not moved on

    resent = client.post(section_url(other_section, other), comment_data("On the second", form_token=fresh))
    assert resent.status_code == 302
    assert Comment.objects.get(consultation=other).text == "On the second"
    assert client.session["confirmation"]["reference"] != reference


def test_a_form_sent_again_with_changes_is_refused_rather_than_dropped(client, consultation, section):
    token = str(uuid.uuid4())
    client.post(section_url(section, consultation), comment_data("First thoughts", form_token=token))
    page = client.post(section_url(section, consultation), comment_data("Second thoughts", form_token=token))
    assert ALREADY_SENT in page.content.decode()
    assert list(Comment.objects.values_list("text", flat=True)) == ["First thoughts"]


def test_answers_replayed_with_another_consultations_token_are_refused(client, consultation, section, questions):
    token = str(uuid.uuid4())
    client.post(section_url(section, consultation), comment_data(form_token=token))
    other = ConsultationFactory()
    question = QuestionFactory(consultation=other, position=1)
    page = client.post(answers_url(other), {**comment_data(form_token=token), f"answer_{question.pk}": "An answer"})
    assert ALREADY_SENT in page.content.decode()
    assert not Comment.objects.filter(consultation=other).exists()


@pytest.mark.parametrize("token", ["not-a-token", "1" * 500, "00000000-0000-0000-0000-00000000000G"])
def test_a_malformed_token_gets_an_error_to_act_on_and_a_fresh_token(client, consultation, section, token):
    page = client.post(section_url(section, consultation), comment_data("My view", form_token=token))
    content = page.content.decode()
    assert "Something went wrong with this form, so nothing was saved" in content
    assert '<a href="#id_comment">Something went wrong' in content  # listed in the error summary
    fresh = TOKEN.search(content)[1]
    assert read_form_token(fresh) and "My view" in content
    assert not Response.objects.exists()
    assert client.post(section_url(section, consultation), comment_data("My view", form_token=fresh)).status_code == 302
    assert Response.objects.count() == 1


# Pages with a visitor's own details are kept by no cache.


def test_a_page_filled_in_with_a_returning_visitors_details_is_not_kept_by_any_cache(
    client, consultation, section, questions
):
    assert "no-store" not in client.get(section_url(section, consultation)).get("Cache-Control", "")
    sent = client.post(section_url(section, consultation), comment_data(name="Ann Smith"), follow=True)
    assert "private" in sent["Cache-Control"] and "no-store" in sent["Cache-Control"]  # the confirmation
    for url in (section_url(section, consultation), answers_url(consultation)):
        page = client.get(url)
        assert "A••• S•••" in page.content.decode()
        cache_control = {part.strip() for part in page["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= cache_control, url


def test_a_form_shown_again_with_errors_is_not_kept_by_any_cache(client, consultation, section):
    page = client.post(section_url(section, consultation), comment_data("", name="Ann Smith"))
    assert 'value="Ann Smith"' in page.content.decode()
    assert {"private", "no-store"} <= {part.strip() for part in page["Cache-Control"].split(",")}


def test_the_organisation_name_is_revealed_under_on_behalf_of_an_organisation(client, consultation, section):
    page = client.get(section_url(section, consultation)).content.decode()
    radio = re.search(r'<input type="radio" name="respondent_type"[^>]*value="organisation"[^>]*>', page)[0]
    assert 'data-aria-controls="conditional-respondent_type-6"' in radio
    assert 'id="id_respondent_type_6"' in radio
    # Only that radio button controls a reveal.
    assert page.count("data-aria-controls=") == 1
    reveal = page[page.index('id="conditional-respondent_type-6"') :]
    assert 'class="govuk-radios__conditional govuk-radios__conditional--hidden"' in page
    assert reveal.index('name="organisation"') < reveal.index('value="other"')
    # GOV.UK Frontend's radios find their reveals from here; without JavaScript the field just shows.
    assert '<div class="govuk-radios govuk-radios--small" data-module="govuk-radios">' in page


def test_a_returning_respondent_sees_their_details_as_a_summary_with_a_change_control(client, consultation, section):
    client.post(
        section_url(section, consultation),
        comment_data(respondent_type="organisation", organisation="National Carers Network", email=""),
    )
    page = client.get(section_url(section, consultation)).content.decode()
    summary = page[page.index("We will send these details with your response") : page.index('id="change-details"')]
    for shown in [
        "A••• S•••",
        "Not given",
        "On behalf of an organisation: N••• C••• N•••",
        "Publish with my name",
        "Emails about what happened",
    ]:
        assert shown in summary
    assert "National Carers Network" not in page and "Ann Smith" not in page
    # The fields are in the form, folded away under "Change your details": the choices filled in, the
    # name and organisation left empty, which keeps them.
    folded = page[page.index('<details class="govuk-details" id="change-details">') : page.index("</details>")]
    assert "Change your details" in folded
    assert re.search(r'name="name"(?![^>]*value=)[^>]*>', folded)
    assert "Leave this empty to keep “A••• S•••”." in folded
    assert re.search(r'value="organisation"\s*checked="checked"', folded)
    # A comment sent from it, the empty fields as they were shown, joins the same response with the
    # remembered details.
    client.post(
        section_url(section, consultation),
        comment_data("Second comment", name="", email="", respondent_type="organisation", organisation=""),
    )
    response = Response.objects.get(organisation="National Carers Network")
    assert (response.name, response.email, response.comments.count()) == ("Ann Smith", "", 2)


def test_a_new_visitor_and_a_respondent_whose_details_are_wrong_see_the_whole_block(client, consultation, section):
    page = client.get(section_url(section, consultation)).content.decode()
    assert "Change your details" not in page
    client.post(section_url(section, consultation), comment_data())
    # Changed to an organisation without its name: the fields are shown open, with the error.
    page = client.post(section_url(section, consultation), comment_data(respondent_type="organisation")).content
    page = page.decode()
    assert "Enter the name of the organisation you are responding for" in page
    assert "Change your details" not in page and "We will send these details" not in page


def test_the_privacy_agreement_is_asked_once_a_browser_session(client, consultation, section, questions):
    first = client.get(section_url(section, consultation)).content.decode()
    assert 'name="privacy_agreed"' in first
    client.post(section_url(section, consultation), comment_data())
    page = client.get(answers_url(consultation)).content.decode()
    assert 'name="privacy_agreed"' not in page
    assert "You agreed to the" in page and "we will not ask again until you close your browser" in page
    data = {**DETAILS, f"answer_{questions[0].pk}": "An answer."}
    del data["privacy_agreed"]
    assert client.post(answers_url(consultation), data).status_code == 302
    assert Response.objects.count() == 1 and Comment.objects.count() == 2
    # A new browser session is asked again.
    client.cookies.clear()
    assert client.post(answers_url(consultation), data).status_code == 200
    assert Comment.objects.count() == 2


def test_after_answering_the_questions_the_confirmation_offers_what_is_left(client, consultation, section, questions):
    answers = {**DETAILS, f"answer_{questions[0].pk}": "An answer."}
    page = client.post(answers_url(consultation), answers, follow=True).content.decode()
    assert "Answers sent" in page
    assert f'href="{answers_url(consultation)}"' not in page
    assert "Comment on a section of the draft" in page
    assert f'href="{reverse("guidance:published", args=[consultation.slug])}"' in page
    # A comment afterwards does not offer the questions again either.
    page = client.post(section_url(section, consultation), comment_data(), follow=True).content.decode()
    assert "Comment sent" in page and "Comment on another section of the draft" in page
    assert f'href="{answers_url(consultation)}"' not in page


def test_after_a_first_comment_the_confirmation_offers_the_questions(client, consultation, section, questions):
    page = client.post(section_url(section, consultation), comment_data(), follow=True).content.decode()
    assert f'<a class="govuk-link" href="{answers_url(consultation)}">Answer the consultation questions</a>' in page


def test_a_consultation_without_questions_does_not_offer_them(client, consultation, section):
    page = client.post(section_url(section, consultation), comment_data(), follow=True).content.decode()
    assert "Answer the consultation questions" not in page
