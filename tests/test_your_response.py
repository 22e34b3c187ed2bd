"""The respondent's own response: one reference for everything one browser sends to a consultation,
forms saved to finish later, the link to continue on another device, the "Your response" page with
each comment's state in plain words, and changing or withdrawing what was sent until the close."""

import datetime
import re
import uuid

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from guidance.analysis import exports
from guidance.analysis.dashboard import dashboard
from guidance.models import Comment, Consultation, ModerationEvent, QueuedEmail, Response, SavedForm
from guidance.moderation.decisions import ModerationError, decide, decide_as_shown
from guidance.outcomes.published import moderation_statistics
from guidance.privacy.retention import erase_response
from guidance.responses import respondents
from tests.factories import ConsultationFactory, OutcomeFactory, QuestionFactory, SectionFactory, ThemeFactory
from tests.journey_helpers import DETAILS, comment_data, deliver_emails, section_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(consultation):
    return QuestionFactory(consultation=consultation, position=1, text="Does the guidance help?")


def answers_url(consultation):
    return reverse("guidance:questions", args=[consultation.slug])


def your_response_url(consultation):
    return reverse("guidance:your_response", args=[consultation.slug])


def answer_data(question, text="It helps.", **changes):
    return {**DETAILS, f"answer_{question.pk}": text, **changes}


def send(client, url, data):
    return client.post(url, {**data, "form_token": str(uuid.uuid4())}, follow=True)


def continue_url(response):
    return respondents.continue_path(response)


def moderator(django_user_model):
    return django_user_model.objects.create_user("mod", password="a long test password")


# One response per person per consultation --------------------------------------------------------


def test_comments_and_answers_from_one_browser_in_any_order_make_one_response_with_one_reference(
    client, consultation, section, second_section, question
):
    first = send(client, answers_url(consultation), answer_data(question, "Answer first."))
    second = send(client, section_url(second_section, consultation), comment_data("Then section 2."))
    third = send(client, section_url(section, consultation), comment_data("Then section 1."))
    response = Response.objects.get()
    assert response.comments.count() == 3
    for page in (first, second, third):
        assert response.reference in page.content.decode()
    # The confirmation lists everything sent so far under that reference, in the draft's order.
    page = third.content.decode()
    listed = page[page.index("Everything you have sent under this reference") :]
    assert listed.index("Then section 1.") < listed.index("Then section 2.") < listed.index("Answer first.")
    assert listed.count("Waiting for a moderator") == 3


def test_another_browser_makes_another_response(consultation, section):
    send(Client(), section_url(section, consultation), comment_data("Mine."))
    send(Client(), section_url(section, consultation), comment_data("Someone else's."))
    assert Response.objects.count() == 2


def test_responses_to_two_consultations_from_one_browser_stay_apart(client, consultation, section):
    other = ConsultationFactory()
    other_section = SectionFactory(document=other.document)
    send(client, section_url(section, consultation), comment_data("On the first."))
    send(client, section_url(other_section, other), comment_data("On the second."))
    assert sorted(Response.objects.values_list("consultation_id", flat=True)) == sorted([consultation.pk, other.pk])


def test_the_details_of_the_latest_form_are_the_responses(client, consultation, section, question):
    send(client, section_url(section, consultation), comment_data(consent="named"))
    send(
        client,
        answers_url(consultation),
        answer_data(question, consent="anonymous", name="A. Smith", same_person="same"),
    )
    response = Response.objects.get()
    assert (response.consent, response.name) == ("anonymous", "A. Smith")


def test_forms_sent_in_one_visit_share_one_receipt_and_a_later_visit_gets_its_own(
    client, consultation, section, question
):
    send(client, section_url(section, consultation), comment_data("About reciprocity."))
    send(client, answers_url(consultation), answer_data(question, "An answer."))
    deliver_emails()
    send(client, section_url(section, consultation), comment_data("Later."))
    deliver_emails()
    assert len(mail.outbox) == 2
    reference = Response.objects.get().reference
    assert all(reference in message.subject for message in mail.outbox)
    assert "About reciprocity." in mail.outbox[0].body and "An answer." in mail.outbox[0].body
    assert "Later." in mail.outbox[1].body and "About reciprocity." not in mail.outbox[1].body


# Save and come back --------------------------------------------------------------------------


def save(client, url, data):
    return client.post(url, {**data, "save": "Save and come back later"}, follow=True)


def test_a_comment_saved_for_later_is_kept_unsent_and_shown_again_in_the_form(client, consultation, section):
    page = save(client, section_url(section, consultation), comment_data("Half a thought"))
    assert page.redirect_chain[-1][0] == your_response_url(consultation)
    content = page.content.decode()
    assert "saved but not sent" in content
    response = Response.objects.get()
    assert response.submitted_at is None
    assert not Comment.objects.exists()
    draft = SavedForm.objects.get()
    assert draft.values == {"comment": "Half a thought"}
    form = client.get(section_url(section, consultation)).content.decode()
    assert "Half a thought</textarea>" in form
    # Sending it turns the draft into a comment of the same response, and the draft goes.
    sent = send(client, section_url(section, consultation), comment_data("A whole thought"))
    assert Response.objects.get().reference in sent.content.decode()
    assert Response.objects.get().submitted_at is not None
    assert list(Comment.objects.values_list("text", flat=True)) == ["A whole thought"]
    assert not SavedForm.objects.exists()


def test_saving_needs_nothing_but_what_is_there_to_be_right(client, consultation, section, question):
    page = save(client, answers_url(consultation), {f"answer_{question.pk}": "Only this so far"})
    assert page.status_code == 200 and SavedForm.objects.get().values == {f"answer_{question.pk}": "Only this so far"}
    bad = client.post(section_url(section, consultation), {"comment": "Bell\x07", "save": "Save"})
    assert "Remove the hidden control characters" in bad.content.decode()
    assert SavedForm.objects.count() == 1
    empty = client.post(section_url(section, consultation), {"comment": " ", "save": "Save"}).content.decode()
    assert "There is nothing to save yet" in empty


def test_drafts_are_never_public_moderated_exported_or_counted(client, consultation, section):
    save(client, section_url(section, consultation), comment_data("Secret draft words"))
    for url in (
        consultation.get_absolute_url(),
        section_url(section, consultation),
        reverse("guidance:published", args=[consultation.slug]),
    ):
        assert "Secret draft words" not in Client().get(url).content.decode()
    csv = b"".join(exports.csv_chunks(consultation, exports.select_comments(consultation, {}))).decode()
    assert "Secret draft words" not in csv
    csv = b"".join(
        exports.csv_chunks(consultation, exports.select_comments(consultation, {}), layout=exports.Layout.RESPONSES)
    ).decode()
    assert Response.objects.get().reference not in csv
    assert not Comment.objects.pending().exists()
    assert dashboard(consultation)["total_responses"] == 0
    assert moderation_statistics(consultation)["responses_received"] == 0


def test_a_saved_form_can_be_continued_by_link_in_a_fresh_browser(client, consultation, section, question):
    save(client, answers_url(consultation), answer_data(question, "Begun on my phone"))
    response = Response.objects.get()
    # The link is emailed on request, from the response's page.
    client.post(reverse("guidance:email_link", args=[consultation.slug]), {"email": "ann@example.org"})
    deliver_emails()
    link = re.search(r"https://localhost(/consultations/\S+/continue/\S+/)", mail.outbox[-1].body)[1]
    # Signed with the second it was sent in: what it opens is what shows it is this response's link.
    assert link.startswith(f"/consultations/{consultation.slug}/continue/")
    laptop = Client()
    page = laptop.get(link, follow=True)
    assert page.redirect_chain[-1][0] == your_response_url(consultation)  # the token leaves the address bar
    assert response.reference in page.content.decode()
    assert "Begun on my phone" in laptop.get(answers_url(consultation)).content.decode()
    finished = send(laptop, answers_url(consultation), answer_data(question, "Finished on my laptop"))
    assert response.reference in finished.content.decode()
    assert Response.objects.count() == 1
    assert Comment.objects.get().text == "Finished on my laptop"


def test_only_starting_a_response_by_saving_takes_a_place_under_the_hourly_limit(
    client, consultation, section, settings
):
    settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR = 1
    save(client, section_url(section, consultation), comment_data("One"))
    again = save(client, section_url(section, consultation), comment_data("One, changed"))
    assert again.status_code == 200 and SavedForm.objects.get().values["comment"] == "One, changed"
    assert Client().post(section_url(section, consultation), {**comment_data(), "save": "Save"}).status_code == 429


# Links: refused when expired, tampered with, revoked, for another consultation ------------------


def test_a_link_to_continue_is_refused_when_changed_by_hand(client, consultation, section):
    send(client, section_url(section, consultation), comment_data())
    link = continue_url(Response.objects.get())
    tampered = link[:-3] + ("a" if link[-3] != "a" else "b") + link[-2:]
    page = Client().get(tampered)
    assert page.status_code == 404
    assert "This link does not work" in page.content.decode()


def test_a_link_made_up_for_another_response_is_refused(client, consultation, section):
    send(client, section_url(section, consultation), comment_data())
    forged = reverse("guidance:continue", args=[consultation.slug, "eyJyIjoxLCJ2IjowfQ:1abc:xyz"])
    assert Client().get(forged).status_code == 404


def test_a_link_for_another_consultation_is_refused(client, consultation, section):
    send(client, section_url(section, consultation), comment_data())
    token = respondents.continue_token(Response.objects.get())
    other = ConsultationFactory()
    page = Client().get(reverse("guidance:continue", args=[other.slug, token]))
    assert page.status_code == 404
    assert "This link is for another consultation" in page.content.decode()


def test_after_the_close_the_link_opens_the_response_read_only_with_what_became_of_it_and_the_answers(
    client, consultation, section, django_user_model
):
    send(client, section_url(section, consultation), comment_data("Payment matters."))
    response = Response.objects.get()
    decide(response.comments.all(), "approved", by=moderator(django_user_model))
    link = continue_url(response)
    consultation.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    consultation.publication = Consultation.Publication.OUTCOME_PUBLISHED
    consultation.save()
    OutcomeFactory(consultation=consultation, section=section, text="We added a section on payment.")
    OutcomeFactory(consultation=consultation, comment=response.comments.get(), text="Thank you: we agreed.")
    later = Client()
    page = later.get(link, follow=True)
    content = page.content.decode()
    assert page.redirect_chain[-1][0] == your_response_url(consultation)
    assert "Payment matters." in content and "Published" in content
    assert "What we did about section 1:" in content and "We added a section on payment." in content
    assert "Our response:" in content and "Thank you: we agreed." in content
    assert "This consultation closed" in content and "can no longer be changed or withdrawn" in content
    assert change_url(consultation, response.comments.get()) not in content
    assert "Email me a link" not in content and "Withdraw your whole response" not in content


def test_the_link_stops_once_retention_removes_the_responses_details(client, consultation, section):
    send(client, section_url(section, consultation), comment_data())
    response = Response.objects.get()
    link = continue_url(response)
    erase_response(response, by=None)
    page = Client().get(link)
    assert page.status_code == 410 and "This response is no longer kept" in page.content.decode()


def test_stopping_the_links_revokes_every_link_sent_so_far(client, consultation, section):
    send(client, section_url(section, consultation), comment_data())
    old = continue_url(Response.objects.get())
    assert Client().get(old).status_code == 302
    client.post(reverse("guidance:revoke_links", args=[consultation.slug]))
    page = Client().get(old)
    assert page.status_code == 410 and "This link has been stopped" in page.content.decode()
    assert Client().get(continue_url(Response.objects.get())).status_code == 302  # a new one works


def test_links_are_emailed_no_more_than_the_daily_limit(client, consultation, section, settings):
    settings.RATE_LIMIT_LINKS_PER_DAY = 1
    send(client, section_url(section, consultation), comment_data())
    url = reverse("guidance:email_link", args=[consultation.slug])
    assert (
        "We will email a link to a•••@example.org"
        in client.post(url, {"email": "ann@example.org"}, follow=True).content.decode()
    )
    refused = client.post(url, {"email": "ann@example.org"}, follow=True).content.decode()
    assert "has already been sent as many links as we send to one address in a day" in refused
    assert QueuedEmail.objects.filter(kind="link").count() == 1


def test_asking_for_a_link_with_a_bad_address_shows_the_error(client, consultation, section):
    send(client, section_url(section, consultation), comment_data(email=""))
    page = client.post(reverse("guidance:email_link", args=[consultation.slug]), {"email": "not an address"})
    assert page.status_code == 400
    assert "Enter an email address in the correct format" in page.content.decode()
    assert not QueuedEmail.objects.filter(kind="link").exists()


def test_the_response_page_without_a_response_says_how_to_find_it(client, consultation):
    page = client.get(your_response_url(consultation))
    assert page.status_code == 404
    assert "We cannot find your response" in page.content.decode()


# The "Your response" page: each comment's state in plain words -----------------------------------


def test_each_comment_shows_its_state_in_plain_words_with_a_public_reason(
    client, consultation, section, second_section, question, django_user_model
):
    send(client, section_url(section, consultation), comment_data("Waiting one."))
    send(client, section_url(second_section, consultation), comment_data("Published one."))
    send(client, answers_url(consultation), answer_data(question, "Rejected one."))
    by = moderator(django_user_model)
    decide(Comment.objects.filter(text="Published one."), "approved", by=by)
    decide(
        Comment.objects.filter(text="Rejected one."),
        "rejected",
        by=by,
        reason_code="personal",
        reason="Names the ward sister: internal note",
    )
    page = client.get(your_response_url(consultation)).content.decode()
    assert "Waiting for a moderator" in page
    assert "Published" in page and "See it where it is published" in page
    assert "Not published" in page
    assert "It contained personal information" in page
    assert "internal note" not in page  # the moderator's own words stay with staff
    assert {"private", "no-store"} <= {
        part.strip() for part in client.get(your_response_url(consultation))["Cache-Control"].split(",")
    }


def test_an_approved_comment_with_do_not_publish_is_said_to_be_accepted_not_published(
    client, consultation, section, django_user_model
):
    send(client, section_url(section, consultation), comment_data(consent="private"))
    decide(Comment.objects.all(), "approved", by=moderator(django_user_model))
    page = client.get(your_response_url(consultation)).content.decode()
    assert "Accepted, not published" in page and "because you asked us not to publish your response" in page


# Changing a comment ---------------------------------------------------------------------------


def change_url(consultation, comment):
    return reverse("guidance:change_comment", args=[consultation.slug, comment.pk])


def test_changing_a_waiting_comment_replaces_its_text_and_keeps_the_earlier_in_its_history(
    client, consultation, section
):
    send(client, section_url(section, consultation), comment_data("Frist thoughts."))
    comment = Comment.objects.get()
    page = client.post(change_url(consultation, comment), {"comment": "First thoughts."}, follow=True)
    assert "Your comment is changed. A moderator will read the new text." in page.content.decode()
    comment.refresh_from_db()
    assert (comment.text, comment.status) == ("First thoughts.", "pending")
    event = comment.events.get()
    assert (event.by_respondent, event.earlier_text, event.from_status, event.to_status) == (
        True,
        "Frist thoughts.",
        "pending",
        "pending",
    )


def test_changing_a_published_comment_takes_it_down_until_a_moderator_reads_the_new_text(
    client, consultation, section, django_user_model
):
    send(client, section_url(section, consultation), comment_data("Polite words."))
    comment = Comment.objects.get()
    decide(Comment.objects.all(), "approved", by=moderator(django_user_model))
    assert "Polite words." in Client().get(section_url(section, consultation)).content.decode()
    client.post(change_url(consultation, comment), {"comment": "Rather different words."})
    comment.refresh_from_db()
    assert comment.status == "pending"
    assert not Comment.objects.published().exists()
    public = Client().get(section_url(section, consultation)).content.decode()
    assert "Rather different words." not in public
    history = list(comment.events.order_by("pk").values_list("from_status", "to_status", "earlier_text"))
    assert history == [("pending", "approved", ""), ("approved", "pending", "Polite words.")]
    # The admin's history shows both texts to moderators.
    admin = Client()
    admin.force_login(django_user_model.objects.create_superuser("boss", password="another long password"))
    page = admin.get(reverse("admin:guidance_comment_change", args=[comment.pk])).content.decode()
    assert "Polite words." in page and "Rather different words." in page and "The respondent" in page


def test_a_moderator_whose_screen_showed_the_earlier_text_is_refused_and_told_why(
    client, consultation, section, django_user_model
):
    send(client, section_url(section, consultation), comment_data("Benign."))
    comment = Comment.objects.get()
    client.post(change_url(consultation, comment), {"comment": "Switched."})
    with pytest.raises(ModerationError, match="The respondent changed the text of this comment"):
        decide_as_shown(comment.pk, "approved", by=moderator(django_user_model), seen_event_id=0)
    assert Comment.objects.get().status == "pending"


def test_an_answer_is_changed_through_its_questions_own_field(client, consultation, question):
    send(client, answers_url(consultation), answer_data(question, "Yes."))
    comment = Comment.objects.get()
    page = client.get(change_url(consultation, comment)).content.decode()
    assert f'name="answer_{question.pk}"' in page and "Does the guidance help?" in page
    empty = client.post(change_url(consultation, comment), {f"answer_{question.pk}": ""})
    assert empty.status_code == 400 and "Enter your answer, or withdraw it instead" in empty.content.decode()
    client.post(change_url(consultation, comment), {f"answer_{question.pk}": "Yes, mostly."})
    assert Comment.objects.get().text == "Yes, mostly."


def test_a_change_keeps_the_text_rules(client, consultation, section):
    send(client, section_url(section, consultation), comment_data("Fine."))
    comment = Comment.objects.get()
    page = client.post(change_url(consultation, comment), {"comment": "x" * 10_001})
    assert page.status_code == 400 and "10,000 characters or fewer" in page.content.decode()
    assert Comment.objects.get().text == "Fine."


def test_nobody_can_change_or_withdraw_anothers_comment(client, consultation, section):
    send(Client(), section_url(section, consultation), comment_data("Theirs."))
    theirs = Comment.objects.get()
    send(client, section_url(section, consultation), comment_data("Mine."))
    assert client.post(change_url(consultation, theirs), {"comment": "Hijacked"}).status_code == 404
    withdraw = reverse("guidance:withdraw_comment", args=[consultation.slug, theirs.pk])
    assert client.post(withdraw).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.text, theirs.status) == ("Theirs.", "pending")


# Withdrawing ----------------------------------------------------------------------------------


def test_a_withdrawn_comment_leaves_the_public_pages_the_queue_and_the_default_export(
    client, consultation, section, second_section, django_user_model
):
    send(client, section_url(section, consultation), comment_data("Keep this."))
    send(client, section_url(second_section, consultation), comment_data("Take this back."))
    by = moderator(django_user_model)
    decide(Comment.objects.all(), "approved", by=by)
    theme = ThemeFactory(consultation=consultation)
    taken_back = Comment.objects.get(text="Take this back.")
    taken_back.themes.add(theme)
    url = reverse("guidance:withdraw_comment", args=[consultation.slug, taken_back.pk])
    assert "Withdraw your comment on section 2?" in client.get(url).content.decode()
    page = client.post(url, follow=True).content.decode()
    assert "Your comment is withdrawn." in page
    taken_back.refresh_from_db()
    assert taken_back.status == "withdrawn"
    assert "Take this back." not in Client().get(section_url(second_section, consultation)).content.decode()
    assert list(Comment.objects.published().values_list("text", flat=True)) == ["Keep this."]
    # Kept in the audit trail, by the respondent.
    event = taken_back.events.order_by("-pk").first()
    assert (event.from_status, event.to_status, event.by_respondent) == ("approved", "withdrawn", True)
    # Left out of exports unless asked for by its status; its themes are gone from the analysis.
    default = b"".join(exports.csv_chunks(consultation, exports.select_comments(consultation, {}))).decode()
    assert "Take this back." not in default and "Keep this." in default
    asked = exports.select_comments(consultation, {"status": "withdrawn"})
    assert "Take this back." in b"".join(exports.csv_chunks(consultation, asked)).decode()
    assert not taken_back.themes.exists()
    numbers = dashboard(consultation)
    assert numbers["total_comments"] == 1
    status_chart = next(chart for chart in numbers["charts"] if chart.slug == "status")
    assert {bar.label: bar.value for bar in status_chart.bars}["Withdrawn"] == 1
    assert moderation_statistics(consultation)["comments_received"] == 1
    # No decision can follow, and the state in plain words says so.
    with pytest.raises(ModerationError, match="withdrawn by the respondent"):
        decide(Comment.objects.filter(pk=taken_back.pk), "pending", by=by)
    assert "You withdrew it." in client.get(your_response_url(consultation)).content.decode()


def test_moderators_see_that_a_comment_was_withdrawn_and_are_offered_no_decision(
    client, consultation, section, django_user_model
):
    send(client, section_url(section, consultation), comment_data("Withdrawn later."))
    comment = Comment.objects.get()
    client.post(reverse("guidance:withdraw_comment", args=[consultation.slug, comment.pk]))
    admin = Client()
    admin.force_login(django_user_model.objects.create_superuser("boss", password="another long password"))
    page = admin.get(reverse("admin:guidance_comment_change", args=[comment.pk])).content.decode()
    assert "Withdrawn by the respondent" in page
    assert 'name="to_status"' not in page
    queue = admin.get(reverse("admin:guidance_comment_changelist")).content.decode()
    assert "Withdrawn later." not in queue
    withdrawn = admin.get(reverse("admin:guidance_comment_changelist") + "?status=withdrawn").content.decode()
    assert "Comments withdrawn by their respondents" in withdrawn and "Withdrawn later." in withdrawn
    screen = admin.get(reverse("admin:guidance_consultation_moderate", args=[consultation.pk])).content.decode()
    assert "Withdrawn later." not in screen and "Nothing left to moderate" in screen


def test_a_moderator_deciding_on_a_comment_withdrawn_since_it_was_shown_is_told_so(
    client, consultation, section, django_user_model
):
    send(client, section_url(section, consultation), comment_data("Going."))
    comment = Comment.objects.get()
    admin = Client()
    admin.force_login(django_user_model.objects.create_superuser("boss", password="another long password"))
    screen = reverse("admin:guidance_consultation_moderate", args=[consultation.pk])
    assert "Going." in admin.get(screen).content.decode()
    client.post(reverse("guidance:withdraw_comment", args=[consultation.slug, comment.pk]))
    decision = reverse("admin:guidance_consultation_moderate_decide", args=[consultation.pk, comment.pk])
    page = admin.post(decision, {"decision": "approved", "seen_event_id": "0", "queue": "pending"}, follow=True)
    assert "The respondent withdrew this comment at" in page.content.decode()
    assert Comment.objects.get().status == "withdrawn"


def test_withdrawing_the_whole_response_withdraws_everything_and_stops_its_links(
    client, consultation, section, question
):
    send(client, section_url(section, consultation), comment_data("One."))
    save(client, answers_url(consultation), answer_data(question, "Unsent."))
    response = Response.objects.get()
    link = continue_url(response)
    url = reverse("guidance:withdraw_response", args=[consultation.slug])
    assert "Withdraw your whole response?" in client.get(url).content.decode()
    page = client.post(url, follow=True).content.decode()
    assert "Response withdrawn" in page and response.reference in page
    response.refresh_from_db()
    assert response.withdrawn_at is not None and not response.notify
    assert set(response.comments.values_list("status", flat=True)) == {"withdrawn"}
    assert not SavedForm.objects.exists()
    assert Client().get(link).status_code == 410
    # This browser forgot it: sending again starts a new response with a new reference.
    assert client.get(your_response_url(consultation)).status_code == 404
    send(client, section_url(section, consultation), comment_data("A fresh start."))
    assert Response.objects.count() == 2
    assert Response.objects.counted().get().comments.get().text == "A fresh start."


def test_the_publication_choice_can_be_changed_and_applies_at_once(client, consultation, section, django_user_model):
    send(client, section_url(section, consultation), comment_data("Publish me.", consent="named"))
    decide(Comment.objects.all(), "approved", by=moderator(django_user_model))
    assert Comment.objects.published().exists()
    url = reverse("guidance:response_choices", args=[consultation.slug])
    client.post(url, {"consent": "private"})
    assert not Comment.objects.published().exists()
    client.post(url, {"consent": "anonymous", "notify": "on"})
    response = Response.objects.get()
    assert (response.consent, response.notify) == ("anonymous", True)
    assert Comment.objects.published().exists()


# After the close: nothing can be changed ----------------------------------------------------------


def test_changes_and_withdrawals_are_refused_after_the_close(client, consultation, section):
    send(client, section_url(section, consultation), comment_data("As sent."))
    comment = Comment.objects.get()
    consultation.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    consultation.save()
    page = client.get(your_response_url(consultation)).content.decode()
    assert "This consultation closed" in page and "can no longer be changed or withdrawn" in page
    assert change_url(consultation, comment) not in page
    for url, data in [
        (change_url(consultation, comment), {"comment": "Too late."}),
        (reverse("guidance:withdraw_comment", args=[consultation.slug, comment.pk]), {}),
        (reverse("guidance:withdraw_response", args=[consultation.slug]), {}),
        (reverse("guidance:response_choices", args=[consultation.slug]), {"consent": "private"}),
    ]:
        refused = client.post(url, data)
        assert refused.status_code == 403, url
        assert "Your response can no longer be changed" in refused.content.decode()
    comment.refresh_from_db()
    assert (comment.text, comment.status) == ("As sent.", "pending")
    assert Response.objects.get().consent == "named"


def test_a_change_made_the_moment_after_the_close_is_refused_even_from_a_page_shown_before(
    client, consultation, section
):
    send(client, section_url(section, consultation), comment_data("As sent."))
    response = Response.objects.get()
    consultation.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    consultation.save()
    with pytest.raises(respondents.RespondentError):
        respondents.change_comment(response, Comment.objects.get(), "Too late.")
    with pytest.raises(respondents.RespondentError):
        respondents.withdraw_response(response)


def test_the_retention_job_deletes_saved_forms_at_the_close_and_the_details_of_responses_never_sent(
    consultation, section
):
    from guidance.privacy.retention import apply_retention

    client = Client()
    save(client, section_url(section, consultation), comment_data("Never sent."))
    consultation.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    consultation.save()
    apply_retention()
    response = Response.objects.get()
    assert not SavedForm.objects.exists()
    assert (response.name, response.email, response.anonymised_at is not None) == ("", "", True)


def test_erasing_a_response_with_its_text_removes_the_texts_it_replaced_and_its_drafts(
    client, consultation, section, question, django_user_model
):
    from guidance.privacy.retention import REMOVED_TEXT, erase_response

    send(client, section_url(section, consultation), comment_data("My name is Ann."))
    client.post(change_url(consultation, Comment.objects.get()), {"comment": "Anonymous now."})
    save(client, answers_url(consultation), answer_data(question, "Draft."))
    erase_response(Response.objects.get(), by=moderator(django_user_model), include_text=True)
    assert ModerationEvent.objects.get().earlier_text == REMOVED_TEXT
    assert not SavedForm.objects.exists()


def test_one_inbox_is_one_inbox_however_its_address_is_written():
    from guidance.responses.ratelimit import recipient_fingerprint

    same = {
        recipient_fingerprint(address)
        for address in [
            "ann@example.org",
            "Ann@Example.ORG",
            "ann+consult@example.org",
            '"ann"@example.org',
            "ann@example.org.",
        ]
    }
    assert len(same) == 1
    assert recipient_fingerprint("ann@bücher.example") == recipient_fingerprint("ann@xn--bcher-kva.example")
    assert recipient_fingerprint("ann@example.org") != recipient_fingerprint("bob@example.org")


def test_one_connection_cannot_mail_links_to_a_list_of_strangers(consultation, section, settings):
    settings.RATE_LIMIT_LINK_REQUESTS_PER_HOUR = 3
    url = reverse("guidance:email_link", args=[consultation.slug])
    pages = []
    for n in range(5):
        browser = Client()  # a new session each time, from the same address
        send(browser, section_url(section, consultation), comment_data(email=""))
        pages.append(browser.post(url, {"email": f"stranger{n}@example.org"}, follow=True).content.decode())
    assert QueuedEmail.objects.filter(kind="link").count() == 3
    assert "this connection has asked for as many links as we send in an hour" in pages[3]


def test_strangers_naming_an_address_never_use_up_its_owners_own_links(client, consultation, section, settings):
    settings.RATE_LIMIT_LINKS_PER_DAY = 2
    send(client, section_url(section, consultation), comment_data(email="ann@example.org"))
    url = reverse("guidance:email_link", args=[consultation.slug])
    for n in range(3):
        stranger = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
        send(stranger, section_url(section, consultation), comment_data(email=""))
        stranger.post(url, {"email": "ann@example.org"})
    assert QueuedEmail.objects.filter(kind="link").count() == 2  # the address's own daily limit
    page = client.post(url, {"email": "ann@example.org"}, follow=True).content.decode()
    assert "We will email a link to a•••@example.org" in page
    ann = Response.objects.order_by("pk").first()
    assert QueuedEmail.objects.filter(kind="link", response=ann).count() == 1


def test_stopping_the_links_ends_every_other_browsers_hold_on_the_response(client, consultation, section):
    send(client, section_url(section, consultation), comment_data("Mine."))
    laptop = Client()
    laptop.get(continue_url(Response.objects.get()))
    assert "Mine." in laptop.get(your_response_url(consultation)).content.decode()

    client.post(reverse("guidance:revoke_links", args=[consultation.slug]))

    after = laptop.get(your_response_url(consultation))
    assert after.status_code == 404 and "Mine." not in after.content.decode()
    assert "Mine." not in laptop.get(section_url(section, consultation)).content.decode()
    assert "Mine." in client.get(your_response_url(consultation)).content.decode()  # this browser keeps it


def test_an_erased_response_is_let_go_by_every_browser_and_fills_in_no_later_form(
    client, consultation, section, django_user_model
):
    from guidance.privacy.retention import erase_response

    send(client, section_url(section, consultation), comment_data("Mine.", name="Ann Smith"))
    erase_response(Response.objects.get(), by=django_user_model.objects.create_user("dpo"))
    assert client.get(your_response_url(consultation)).status_code == 404
    other = ConsultationFactory()
    other_section = SectionFactory(document=other.document)
    assert "Ann Smith" not in client.get(section_url(other_section, other)).content.decode()
