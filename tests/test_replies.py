""" "You said, we did" in the staff pages, the one place an outcome is written: Consultation managers
write, change and remove the outcome of the consultation as a whole and what was done about each
consulted section, question and theme, all in one form with one Save, and about a single comment
on its own page; Analysts read it; Moderators are refused. Bad input is said plainly, nothing is
stored and nothing typed is lost."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guidance.models import Comment, Consultation, Outcome, Response
from guidance.outcomes import changes, replies
from tests.factories import CommentFactory, QuestionFactory, SectionFactory, ThemeFactory
from tests.form_helpers import form_data
from tests.journey_helpers import publish

pytestmark = pytest.mark.django_db


def staff(group):
    user = User.objects.create_user(group.lower().replace(" ", "-"), is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def said(closed, section):
    """Three published comments on section 1, two with the theme Payment, one with Power; one
    approved but not for publication; one pending."""
    payment = ThemeFactory(consultation=closed, name="Payment")
    power = ThemeFactory(consultation=closed, name="Power")
    comments = [publish(CommentFactory(section=section, text=f"Pay us {n}.")) for n in range(3)]
    comments[0].themes.add(payment)
    comments[1].themes.add(payment, power)
    private = publish(CommentFactory(section=section, text="Not for the public."))
    Response.objects.filter(pk=private.response_id).update(consent=Response.Consent.DO_NOT_PUBLISH)
    private.themes.add(payment)
    CommentFactory(section=section, text="Still pending.")
    return {"payment": payment, "power": power, "comments": comments, "private": private}


def overview_url(consultation):
    return reverse("admin:guidance_consultation_replies", args=[consultation.pk])


def comment_url(consultation, comment):
    return reverse("admin:guidance_consultation_reply_comment", args=[consultation.pk, comment.pk])


def save(client, url, typed):
    """Open the page, type `typed` ({field name: value}) into its form and press Save."""
    return client.post(url, form_data(client.get(url), typed))


# The write module ---------------------------------------------------------------------------


def test_a_section_question_theme_and_comment_each_get_one_outcome_rewritten_in_place(closed, section, question, said):
    manager, other = staff("Consultation manager"), staff("Analyst")
    targets = {"section": section, "question": question, "theme": said["payment"], "comment": said["comments"][0]}
    for name, target in targets.items():
        first = replies.write_outcome(closed, **{name: target}, kind="later", text=" First words. ", by=other)
        assert (first.text, first.kind, first.written_by) == ("First words.", "later", other)
        second = replies.write_outcome(closed, **{name: target}, kind="changed", text="We rewrote it.", by=manager)
        assert second.pk == first.pk
        stored = Outcome.objects.get(**{name: target})
        assert (stored.kind, stored.text, stored.written_by) == ("changed", "We rewrote it.", manager)
        assert stored.written_at >= first.written_at
    assert Outcome.objects.count() == 4
    for name, target in targets.items():
        assert replies.remove_outcome(closed, **{name: target})
        assert not replies.remove_outcome(closed, **{name: target})
    assert not Outcome.objects.exists()


def test_a_section_and_a_question_need_no_kind_but_a_theme_and_a_comment_do(closed, section, question, said):
    assert replies.write_outcome(closed, section=section, kind="", text="We clarified it.", by=None).kind == ""
    assert replies.write_outcome(closed, question=question, kind="", text="We will fund it.", by=None).kind == ""
    for target in [{"theme": said["payment"]}, {"comment": said["comments"][0]}]:
        with pytest.raises(ValidationError) as refused:
            replies.write_outcome(closed, **target, kind="", text="Words.", by=None)
        assert refused.value.message_dict == {"kind": ["Choose what became of it."]}
    assert Outcome.objects.count() == 2


@pytest.mark.parametrize(
    ("kind", "text", "errors"),
    [
        ("changed", "", {"text": ["Write what was done about it."]}),
        ("changed", " \u200b\ufeff\n", {"text": ["Write what was done about it."]}),
        ("changed", "Bell \x07 here", {"text": ["Remove the hidden control characters"]}),
        ("maybe", "Words.", {"kind": ["Choose one of the kinds listed."]}),
        ("", "  ", {"kind": ["Choose what became of it."], "text": ["Write what was done about it."]}),
    ],
)
def test_bad_input_is_refused_by_field_and_stores_nothing(closed, said, kind, text, errors):
    with pytest.raises(ValidationError) as refused:
        replies.write_outcome(closed, theme=said["payment"], kind=kind, text=text, by=None)
    found = refused.value.message_dict
    assert found.keys() == errors.keys()
    for field, messages in errors.items():
        assert found[field][0].startswith(messages[0])
    assert not Outcome.objects.exists()


def test_a_comment_not_approved_is_not_answered(closed, said):
    with pytest.raises(ValidationError, match="Only an approved comment can be answered"):
        pending = Comment.objects.get(text="Still pending.")
        replies.write_outcome(closed, comment=pending, kind="covered", text="Words.", by=None)
    assert not Outcome.objects.exists()


def test_the_overall_outcome_is_written_and_removed_and_must_have_words(closed):
    replies.write_overall_outcome(closed, text="  We heard you.  ")
    assert Consultation.objects.get(pk=closed.pk).outcome == "We heard you."
    with pytest.raises(ValidationError) as refused:
        replies.write_overall_outcome(closed, text="\u200b")
    assert refused.value.message_dict == {"text": ["Write what was done about it."]}
    assert Consultation.objects.get(pk=closed.pk).outcome == "We heard you."
    assert replies.remove_overall_outcome(closed)
    assert not replies.remove_overall_outcome(closed)
    assert Consultation.objects.get(pk=closed.pk).outcome == ""


def test_saving_several_at_once_stores_all_or_nothing_and_says_each_problem(closed, section, question, said):
    blocks = [
        replies.Block(target={}, text="As a whole."),
        replies.Block(target={"section": section}, text="Section words."),
        replies.Block(target={"theme": said["payment"]}, kind="", text="No kind."),
        replies.Block(target={"question": question}, kind="later", text=""),
    ]
    with pytest.raises(replies.Refused) as refused:
        replies.save_outcomes(closed, blocks, by=None)
    assert sorted(refused.value.errors) == [2, 3]
    assert refused.value.errors[2].message_dict == {"kind": ["Choose what became of it."]}
    assert not Outcome.objects.exists()
    assert Consultation.objects.get(pk=closed.pk).outcome == ""

    blocks[2].kind, blocks[3].text = "changed", "Question words."
    assert replies.save_outcomes(closed, blocks, by=None) == 4
    assert Outcome.objects.count() == 3
    assert Consultation.objects.get(pk=closed.pk).outcome == "As a whole."


def test_you_said_counts_only_published_comments_per_section_and_theme(closed, section, said):
    by_section, by_theme = changes.you_said(closed)
    assert by_section[section.pk] == {"count": 3, "themes": [("Payment", 2), ("Power", 1)]}
    assert by_theme == {said["payment"].pk: 2, said["power"].pk: 1}


# The overview: one form, one Save -------------------------------------------------------------


def test_the_overview_shows_each_block_with_its_figures_and_whether_the_outcome_is_published(
    client, closed, section, question, said
):
    client.force_login(staff("Consultation manager"))
    page = client.get(overview_url(closed)).content.decode()
    assert "The consultation as a whole" in page
    assert "Section 1. Reciprocity" in page
    assert f"{question.number}. {question.text}" in page
    assert "3 published comments, with these themes:" in page
    assert "<li>Payment: 2</li>" in page and "<li>Power: 1</li>" in page
    assert "2 published comments, on any section or question." in page  # the theme Payment
    assert "The outcome is <strong>not published yet</strong>" in page
    assert reverse("admin:guidance_consultation_publish", args=[closed.pk]) in page
    assert reverse("admin:guidance_consultation_outcome_preview", args=[closed.pk]) in page
    assert 'aria-current="page">You said, we did</a>' in page
    main = page[page.index('id="content-main"') :]
    assert main.count("<form") == 1 and main.count('type="submit"') == 1 and 'value="Save"' in main
    assert "staff/unsaved" in page  # the warning before leaving with unsaved words


def test_words_typed_in_two_blocks_are_both_kept_after_one_save(client, closed, section, question, said):
    manager = staff("Consultation manager")
    client.force_login(manager)
    theme = said["payment"]
    done = save(
        client,
        overview_url(closed),
        {
            f"section-{section.pk}-text": "We added *payment*.",
            f"section-{section.pk}-kind": "changed",
            f"theme-{theme.pk}-kind": "later",
            f"theme-{theme.pk}-text": "We will look at pay rates.",
        },
    )
    assert done.status_code == 302 and done.url == overview_url(closed)
    page = client.get(done.url).content.decode()
    assert (
        "Saved what we did about section 1, Reciprocity; the theme “Payment”. "
        "The public reads it once the outcome is published." in page
    )
    assert "We added <em>payment</em>." in page and "We will look at pay rates." in page
    section_outcome, theme_outcome = Outcome.objects.get(section=section), Outcome.objects.get(theme=theme)
    assert (section_outcome.kind, section_outcome.text, section_outcome.written_by) == (
        "changed",
        "We added *payment*.",
        manager,
    )
    assert (theme_outcome.kind, theme_outcome.text) == ("later", "We will look at pay rates.")
    assert not Outcome.objects.filter(question=question).exists()  # left empty, not written


def test_the_overall_outcome_and_a_question_are_written_there_too(client, closed, question):
    client.force_login(staff("Consultation manager"))
    save(
        client,
        overview_url(closed),
        {"overall-text": "We heard **you**.\r\n\r\nThank you.", f"question-{question.pk}-text": "We will fund it."},
    )
    closed.refresh_from_db()
    assert closed.outcome == "We heard **you**.\n\nThank you."
    assert Outcome.objects.get(question=question).text == "We will fund it."
    assert "We heard <strong>you</strong>." in client.get(overview_url(closed)).content.decode()


def test_a_refusal_keeps_every_blocks_words_stores_nothing_and_says_what_to_correct(client, closed, section, said):
    client.force_login(staff("Consultation manager"))
    theme = said["payment"]
    refused = save(
        client,
        overview_url(closed),
        {f"section-{section.pk}-text": "Kept while refused.", f"theme-{theme.pk}-text": "No kind chosen."},
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Nothing was saved. Correct this first, then save again: what you typed is kept below." in page
    assert f'<a href="#id_theme-{theme.pk}-kind_1">The theme “Payment”: Choose what became of it.</a>' in page
    assert "Kept while refused.</textarea>" in page and "No kind chosen.</textarea>" in page
    assert not Outcome.objects.exists()

    # Corrected and sent again from the refused page, both are stored.
    done = client.post(overview_url(closed), form_data(refused, {f"theme-{theme.pk}-kind": "covered"}))
    assert done.status_code == 302
    assert Outcome.objects.get(section=section).text == "Kept while refused."
    assert Outcome.objects.get(theme=theme).kind == "covered"


def test_blocks_left_alone_are_not_rewritten_in_the_name_of_whoever_saves(client, closed, section, said):
    first = staff("Consultation manager")
    written = replies.write_outcome(closed, section=section, kind="", text="Line one.\n\nLine two.", by=first)
    other = User.objects.create_user("second-manager", is_staff=True)
    other.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(other)
    theme = said["power"]
    # The browser sends the text area's line breaks as \r\n.
    data = form_data(client.get(overview_url(closed)), {f"theme-{theme.pk}-kind": "covered"})
    data[f"section-{section.pk}-text"] = ["Line one.\r\n\r\nLine two."]
    data[f"theme-{theme.pk}-text"] = ["Covered in section 3."]
    assert client.post(overview_url(closed), data).status_code == 302
    written.refresh_from_db()
    assert (written.written_by, written.text) == (first, "Line one.\n\nLine two.")
    assert Outcome.objects.get(theme=theme).written_by == other


def test_saving_with_nothing_changed_says_so_and_writes_nothing(client, closed, section):
    client.force_login(staff("Consultation manager"))
    done = save(client, overview_url(closed), {})
    assert "Nothing was changed" in client.get(done.url).content.decode()
    assert not Outcome.objects.exists()


def test_what_is_written_is_removed_by_ticking_remove_and_clearing_the_words_alone_is_refused(client, closed, section):
    client.force_login(staff("Consultation manager"))
    replies.write_outcome(closed, section=section, kind="changed", text="We rewrote it.", by=None)
    replies.write_overall_outcome(closed, text="As a whole.")
    cleared = save(client, overview_url(closed), {f"section-{section.pk}-text": ""})
    assert cleared.status_code == 400
    assert "Write what was done about it or tick “Remove what is written”." in cleared.content.decode()
    assert Outcome.objects.get().text == "We rewrote it."

    removed = save(client, overview_url(closed), {f"section-{section.pk}-remove": "on", "overall-remove": "on"})
    assert removed.status_code == 302
    assert (
        "Saved what we did about the consultation as a whole; section 1, Reciprocity."
        in client.get(removed.url).content.decode()
    )
    assert not Outcome.objects.exists()
    assert Consultation.objects.get(pk=closed.pk).outcome == ""


# One comment's answer --------------------------------------------------------------------------


def test_a_manager_answers_a_single_approved_comment_from_its_page(client, closed, said):
    client.force_login(staff("Consultation manager"))
    comment = said["comments"][0]
    assert (
        comment_url(closed, comment)
        in client.get(reverse("admin:guidance_comment_change", args=[comment.pk])).content.decode()
    )
    page = client.get(comment_url(closed, comment)).content.decode()
    assert "Pay us 0." in page and "This comment is <strong>approved</strong> and published" in page

    prefix = f"comment-{comment.pk}"
    refused = save(client, comment_url(closed, comment), {f"{prefix}-text": "Covered in 2."})
    assert refused.status_code == 400 and "Choose what became of it." in refused.content.decode()
    assert "Pay us 0." in refused.content.decode()  # the same page, with the comment
    assert not Outcome.objects.exists()

    done = save(client, comment_url(closed, comment), {f"{prefix}-kind": "covered", f"{prefix}-text": "See 2."})
    assert done.url == comment_url(closed, comment)
    assert Outcome.objects.get(comment=comment).text == "See 2."
    listed = client.get(overview_url(closed)).content.decode()
    assert "Comments answered one by one" in listed and "Already covered" in listed

    save(client, comment_url(closed, comment), {f"{prefix}-remove": "on"})
    assert not Outcome.objects.exists()


def test_a_pending_comment_cannot_be_answered(client, closed, said):
    client.force_login(staff("Consultation manager"))
    pending = Comment.objects.get(text="Still pending.")
    page = client.get(comment_url(closed, pending)).content.decode()
    assert "Only an approved comment can be answered." in page and "<textarea" not in page
    prefix = f"comment-{pending.pk}"
    refused = client.post(
        comment_url(closed, pending),
        {"block": prefix, f"{prefix}-kind": "covered", f"{prefix}-text": "x"},
    )
    assert refused.status_code == 400
    assert (
        f'<li><a href="#comment-{pending.pk}">This comment: Only an approved comment can be answered.</a></li>'
        in refused.content.decode()
    )
    assert not Outcome.objects.exists()


def test_another_consultations_comment_is_not_found(client, closed, section):
    client.force_login(staff("Consultation manager"))
    other_comment = publish(CommentFactory())
    assert client.get(comment_url(closed, other_comment)).status_code == 404
    prefix = f"comment-{other_comment.pk}"
    data = {"block": prefix, f"{prefix}-kind": "covered", f"{prefix}-text": "x"}
    assert client.post(comment_url(closed, other_comment), data).status_code == 404
    assert not Outcome.objects.exists()


# Who may do what --------------------------------------------------------------------------------


def test_an_analyst_reads_the_account_but_cannot_write_or_remove_it(client, closed, section, said):
    replies.write_outcome(closed, section=section, kind="changed", text="We added payment.", by=None)
    client.force_login(staff("Analyst"))
    page = client.get(overview_url(closed)).content.decode()
    assert "We added payment." in page and "Only Consultation managers can write here." in page
    main = page[page.index('id="content-main"') :]
    assert "<textarea" not in main and "Remove" not in main and 'type="submit"' not in main
    prefix = f"section-{section.pk}"
    data = {"block": prefix, f"{prefix}-kind": "later", f"{prefix}-text": "Changed by an analyst."}
    assert client.post(overview_url(closed), data).status_code == 403
    assert client.post(overview_url(closed), {"block": prefix, f"{prefix}-remove": "on"}).status_code == 403
    assert Outcome.objects.get().text == "We added payment."
    assert client.get(comment_url(closed, said["comments"][0])).status_code == 200


def test_a_moderator_is_refused_every_page_and_is_not_shown_the_link(client, closed, section, said):
    replies.write_outcome(closed, section=section, kind="changed", text="We added payment.", by=None)
    client.force_login(staff("Moderator"))
    comment = said["comments"][0]
    assert client.get(overview_url(closed)).status_code == 403
    assert client.get(comment_url(closed, comment)).status_code == 403
    prefix = f"section-{section.pk}"
    data = {"block": prefix, f"{prefix}-kind": "later", f"{prefix}-text": "Changed by a moderator."}
    assert client.post(overview_url(closed), data).status_code == 403
    assert Outcome.objects.get().text == "We added payment."
    publishing_page = client.get(reverse("admin:guidance_consultation_publish", args=[closed.pk])).content.decode()
    assert overview_url(closed) not in publishing_page
    comment_page = client.get(reverse("admin:guidance_comment_change", args=[comment.pk])).content.decode()
    assert comment_url(closed, comment) not in comment_page


def test_the_consultations_settings_page_has_no_outcome_to_write(admin_client, closed, section, said):
    replies.write_outcome(closed, section=section, kind="", text="Section words.", by=None)
    replies.write_overall_outcome(closed, text="Overall words.")
    page = admin_client.get(reverse("admin:guidance_consultation_change", args=[closed.pk])).content.decode()
    assert "Section words." not in page and "Overall words." not in page
    assert 'name="outcome"' not in page and "outcomes-TOTAL_FORMS" not in page


def test_the_overview_makes_as_many_queries_with_many_sections_themes_and_answers_as_with_few(
    client, closed, section, said
):
    manager = staff("Consultation manager")
    client.force_login(manager)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(overview_url(closed)).status_code == 200
        return len(captured)

    few = queries()
    for n in range(5):
        more = SectionFactory(document=closed.document, major=10 + n)
        theme = ThemeFactory(consultation=closed)
        question = QuestionFactory(consultation=closed, position=10 + n)
        comment = publish(CommentFactory(section=more))
        comment.themes.add(theme)
        replies.write_outcome(closed, section=more, kind="", text="Done.", by=manager)
        replies.write_outcome(closed, question=question, kind="", text="Asked.", by=manager)
        replies.write_outcome(closed, theme=theme, kind="later", text="Later.", by=manager)
        replies.write_outcome(closed, comment=comment, kind="covered", text="Covered.", by=manager)
    assert queries() == few
