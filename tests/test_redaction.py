"""Redaction: a moderator replaces a few words of a comment (a phone number, an address) with
"[redacted]" and publishes the rest. The public, the respondent's own page, exports and the counts
see the redacted text; the original is kept in the comment's history for staff allowed to see
personal data only. The form is plain HTML (no JavaScript needed) and the server refuses a copy
that changes anything but the words it hides."""

import csv
import io
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from guidance.analysis import exports
from guidance.analysis.dashboard import dashboard
from guidance.models import CampaignKey, Comment, ModerationEvent, ModerationReason, Report
from guidance.moderation import by_respondent, campaigns, decisions
from guidance.moderation.decisions import ModerationError, decide, redact_and_publish
from guidance.moderation.redaction import RedactionError, redacted_text
from guidance.outcomes.published import moderation_statistics
from guidance.privacy.retention import REMOVED_TEXT, erase_response
from tests.factories import CommentFactory, ThemeFactory, UserFactory
from tests.journey_helpers import comment_data, group_campaigns, section_url

pytestmark = pytest.mark.django_db

NUMBER = "07700 900123"
WRITTEN = f"Pay carers for their time. My neighbour's mobile is {NUMBER} if you want to ask her.\n\nIt matters."
REDACTED = "Pay carers for their time. My neighbour's mobile is [redacted] if you want to ask her.\n\nIt matters."


@pytest.fixture
def respondent(consultation, section):
    """The browser of the person who wrote the comment, holding their response."""
    client = Client()
    client.post(section_url(section, consultation), {**comment_data(WRITTEN), "form_token": str(uuid.uuid4())})
    return client


@pytest.fixture
def written(respondent):
    return Comment.objects.get()


def redact_url(comment, queue=None):
    url = reverse("admin:guidance_consultation_moderate_redact", args=[comment.consultation_id, comment.pk])
    return f"{url}?queue={queue}" if queue else url


def last_event_id(comment):
    last = ModerationEvent.objects.filter(comment=comment).order_by("-at", "-pk").first()
    return last.pk if last else 0


def post_redaction(client, comment, text, *, seen=None, reason_code="personal", reason="", **fields):
    data = {
        "text": text,
        "reason_code": reason_code,
        "reason": reason,
        "seen_event_id": last_event_id(comment) if seen is None else seen,
        "queue": "pending",
        **fields,
    }
    return client.post(redact_url(comment), data)


def snapshot(comment):
    comment.refresh_from_db()
    return (comment.text, comment.status, list(comment.events.values_list("pk", flat=True)))


def redacted(comment, by):
    redact_and_publish(
        comment.pk, REDACTED, by=by, seen_event_id=last_event_id(comment), reason_code=ModerationReason.PERSONAL
    )
    comment.refresh_from_db()
    return comment


# The form, without JavaScript ---------------------------------------------------------------------


def test_the_redaction_page_works_without_javascript_from_a_text_box_holding_the_comment(
    moderator_client, written, consultation
):
    screen = reverse("admin:guidance_consultation_moderate", args=[consultation.pk])
    page = moderator_client.get(screen).content.decode()
    assert f'href="{redact_url(written, "pending")}"' in page and "Redact and publish…" in page

    form = moderator_client.get(redact_url(written, "pending"))
    assert form.status_code == 200
    html = form.content.decode()
    assert '<textarea name="text"' in html
    assert "My neighbour&#x27;s mobile is 07700 900123 if you want to ask her." in html
    assert 'name="seen_event_id" value="0"' in html
    # The button that replaces a selection is for JavaScript only: hidden until the script shows it.
    assert '<p class="moderation-redact__tool" hidden>' in html

    sent = post_redaction(moderator_client, written, REDACTED.replace("\n", "\r\n"), reason="A neighbour's number")
    assert sent.status_code == 302 and sent["Location"] == screen
    messages = [str(m) for m in Client.get(moderator_client, screen).context["messages"]]
    assert messages == [f"Comment {written.pk} (response {written.response.reference}) redacted and published."]
    written.refresh_from_db()
    assert (written.text, written.status, written.moderated_by.username) == (REDACTED, "approved", "sam")


def test_the_redaction_is_recorded_with_the_original_then_the_approval(moderator, written):
    redacted(written, moderator)
    redaction, approval = written.events.order_by("at", "pk")
    assert (redaction.redacted, redaction.from_status, redaction.to_status) == (True, "pending", "pending")
    assert (redaction.earlier_text, redaction.reason_code, redaction.by) == (WRITTEN, "personal", moderator)
    assert redaction.description == "words redacted"
    assert (approval.redacted, approval.from_status, approval.to_status, approval.by) == (
        False,
        "pending",
        "approved",
        moderator,
    )


def test_a_marker_typed_in_capitals_or_with_spaces_is_stored_as_the_portal_writes_it(moderator_client, written):
    post_redaction(moderator_client, written, REDACTED.replace("[redacted]", "[ REDACTED ]"))
    written.refresh_from_db()
    assert written.text == REDACTED


# Who sees what ----------------------------------------------------------------------------------


def test_the_public_sees_the_redacted_text_with_the_marker(moderator, written, consultation, section):
    redacted(written, moderator)
    page = Client().get(section_url(section, consultation)).content.decode()
    assert "mobile is [redacted] if you want" in page
    assert NUMBER not in page


def test_the_respondent_sees_the_redacted_text_on_their_own_page(moderator, written, respondent, consultation):
    redacted(written, moderator)
    page = respondent.get(reverse("guidance:your_response", args=[consultation.slug])).content.decode()
    assert "mobile is [redacted] if you want" in page and "Published" in page
    assert NUMBER not in page


def test_exports_without_personal_data_hold_the_redacted_text(moderator, written, consultation):
    redacted(written, moderator)
    for layout in (exports.Layout.COMMENTS, exports.Layout.RESPONSES):
        comments = exports.select_comments(consultation, {})
        data = b"".join(exports.csv_chunks(consultation, comments, layout=layout)).decode("utf-8-sig")
        assert "mobile is [redacted] if you want" in data and NUMBER not in data
    rows = list(csv.DictReader(io.StringIO(data, newline="")))
    assert rows[0]["Statuses"] == "1: Approved"


def test_a_redacted_comment_counts_as_published_on_the_dashboard_its_theme_and_the_public_figures(
    moderator, written, consultation
):
    theme = ThemeFactory(consultation=consultation, name="Payment")
    written.themes.add(theme)
    redacted(written, moderator)
    charts = {chart.slug: chart for chart in dashboard(consultation)["charts"]}
    assert {bar.label: bar.value for bar in charts["status"].bars}["Approved"] == 1
    assert {bar.label: bar.value for bar in charts["section"].bars}["Section 1"] == 1
    assert {bar.label: bar.value for bar in charts["theme"].bars} == {"Payment": 1}
    figures = moderation_statistics(consultation)
    assert (figures["comments_published"], figures["comments_received"]) == (1, 1)


def test_a_manager_allowed_personal_data_reads_the_original_in_the_history(moderator, written):
    redacted(written, moderator)
    manager = Client()
    manager.force_login(UserFactory(manager=True))
    page = manager.get(reverse("admin:guidance_comment_change", args=[written.pk])).content.decode()
    assert "mobile is 07700 900123 if you want" in page  # the original, in the history
    assert "words redacted" in page


def test_staff_not_allowed_personal_data_never_read_the_original(moderator, moderator_client, written):
    redacted(written, moderator)
    event = written.events.get(redacted=True)
    analyst = Client()
    analyst.force_login(UserFactory(analyst=True))
    for client in (moderator_client, analyst):
        comment_page = client.get(reverse("admin:guidance_comment_change", args=[written.pk]))
        assert comment_page.status_code == 200
        assert NUMBER not in comment_page.content.decode()
        assert "shown only to staff allowed to see personal data" in comment_page.content.decode()
        event_page = client.get(reverse("admin:guidance_moderationevent_change", args=[event.pk]))
        assert event_page.status_code == 200 and NUMBER not in event_page.content.decode()
        # Nor can a filter in the address tell them whether it holds some words.
        probe = client.get(reverse("admin:guidance_moderationevent_changelist") + "?earlier_text__contains=0770")
        assert probe.status_code == 400


def test_the_moderation_screen_shows_the_original_only_to_moderators_allowed_personal_data(
    moderator, moderator_client, written, consultation
):
    redacted(written, moderator)
    Report.objects.create(comment=written, reason=Report.Reason.PERSONAL)
    screen = reverse("admin:guidance_consultation_moderate", args=[consultation.pk]) + "?queue=reported"
    page = moderator_client.get(screen).content.decode()
    assert "words redacted by Sam Patel: Contains personal information" in page
    assert "the comment as written is shown only to staff allowed to see personal data" in page
    assert NUMBER not in page

    decisions.release_claim(written.pk, moderator)  # shown to sam: free for the next moderator
    allowed = UserFactory(moderator=True)
    allowed.groups.add(*UserFactory(manager=True).groups.all())
    client = Client()
    client.force_login(allowed)
    page = client.get(screen).content.decode()
    assert f"the comment as written was: “{WRITTEN}”".replace("'", "&#x27;") in page


def test_erasing_what_the_respondent_wrote_erases_the_original_too(moderator, written):
    redacted(written, moderator)
    erase_response(written.response, by=moderator, include_text=True, reason="Asked by email")
    assert list(written.events.filter(redacted=True).values_list("earlier_text", flat=True)) == [REMOVED_TEXT]


# What the copy may change ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("copy", "message"),
    [
        (REDACTED.replace("Pay carers", "Do not pay carers"), "The copy changes more than the redacted words"),
        (REDACTED.replace("for their time. ", ""), "The copy changes more than the redacted words"),
        (REDACTED + " Signed, the council.", "The copy changes more than the redacted words"),
        (WRITTEN.replace("if you want to ask her", "if you want"), "The copy has no “[redacted]” in it."),
        (WRITTEN, "Nothing was redacted"),
        (REDACTED + "[redacted]", "The copy changes more than the redacted words, near “[redacted]”"),
        ("[redacted]", "Nothing of the comment would be left. To publish none of it, reject it instead."),
        ("", "Enter the comment, with the words to hide replaced by [redacted]."),
    ],
)
def test_a_copy_that_changes_anything_but_the_words_it_hides_is_refused_and_nothing_is_stored(
    moderator_client, written, copy, message
):
    before = snapshot(written)
    page = post_redaction(moderator_client, written, copy)
    assert page.status_code == 400
    assert message in page.content.decode().replace("&#x27;", "'")
    assert "Nothing was changed:" in page.content.decode()
    assert snapshot(written) == before
    # The copy comes back as the moderator wrote it, to correct.
    if copy:
        assert copy.split("\n")[0].replace("'", "&#x27;") in page.content.decode()


def test_the_refusal_quotes_where_the_copy_differs():
    with pytest.raises(RedactionError, match="near “Do not pay carers for their time"):
        redacted_text(WRITTEN, REDACTED.replace("Pay carers", "Do not pay carers"))


def test_a_copy_may_hide_several_parts_and_keep_a_marker_the_respondent_wrote():
    assert redacted_text("Ring Jo on 0123 at 4 Elm Road.", "Ring [redacted] on [redacted] at [redacted].") == (
        "Ring [redacted] on [redacted] at [redacted]."
    )
    assert redacted_text("They wrote [redacted] and Jo.", "They wrote [redacted] and [redacted].") == (
        "They wrote [redacted] and [redacted]."
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason_code": ""}, "Choose why the words are redacted."),
        ({"reason_code": "duplicate"}, "Choose one of the reasons listed."),
        ({"reason_code": "other", "reason": "  "}, "Say why, in words, when the reason is “Other”."),
        ({"seen_event_id": "٣"}, "Enter a whole number."),
    ],
)
def test_a_redaction_needs_a_reason_and_a_page_the_portal_sent(moderator_client, written, fields, message):
    before = snapshot(written)
    data = {"text": REDACTED, "reason_code": "personal", "reason": "", "seen_event_id": 0, **fields}
    page = moderator_client.post(redact_url(written), data)
    assert page.status_code == 400 and message in page.content.decode()
    assert snapshot(written) == before


def test_a_comment_that_changed_after_the_page_showed_it_is_not_redacted(moderator_client, written):
    seen = last_event_id(written)
    by_respondent.change_text(written.pk, WRITTEN + " One more thing.")
    before = snapshot(written)
    page = post_redaction(moderator_client, written, REDACTED, seen=seen)
    assert page.status_code == 302
    message = [str(m) for m in moderator_client.get(page["Location"]).context["messages"]][0]
    assert message.startswith("The respondent changed the text of this comment at")
    assert message.endswith("after it was shown to you. Your decision was not made.")
    assert snapshot(written) == before


def test_a_published_comment_is_redacted_and_stays_published_its_reports_reviewed(moderator, moderator_client, written):
    decide(Comment.objects.filter(pk=written.pk), "approved", by=moderator)
    Report.objects.create(comment=written, reason=Report.Reason.PERSONAL)
    page = moderator_client.get(redact_url(written, "reported")).content.decode()
    assert "Redact words of a published comment" in page
    sent = post_redaction(moderator_client, written, REDACTED, queue="reported")
    assert sent.status_code == 302
    written.refresh_from_db()
    assert (written.text, written.status) == (REDACTED, "approved")
    assert not written.reports.filter(reviewed_at__isnull=True).exists()
    assert [event.description for event in written.events.order_by("at", "pk")] == ["approved", "words redacted"]


def test_a_rejected_comment_cannot_be_redacted(moderator, moderator_client, written):
    decide(Comment.objects.filter(pk=written.pk), "rejected", by=moderator, reason_code="personal")
    page = moderator_client.get(redact_url(written), follow=True)
    assert f"Comment {written.pk} is rejected: only a pending or published comment can be redacted." in (
        page.content.decode()
    )
    before = snapshot(written)
    refused = post_redaction(moderator_client, written, REDACTED)
    assert refused.status_code == 400
    assert "Only a pending or published comment can be redacted; this one is rejected." in refused.content.decode()
    assert snapshot(written) == before
    with pytest.raises(ModerationError):
        redact_and_publish(
            written.pk, REDACTED, by=moderator, seen_event_id=last_event_id(written), reason_code="personal"
        )


def test_only_moderators_may_redact(written):
    analyst = Client()
    analyst.force_login(UserFactory(analyst=True))
    before = snapshot(written)
    assert analyst.get(redact_url(written)).status_code == 403
    assert post_redaction(analyst, written, REDACTED).status_code == 403
    assert snapshot(written) == before


def test_a_comment_of_another_consultation_is_not_found(moderator_client, written):
    elsewhere = CommentFactory()
    url = reverse("admin:guidance_consultation_moderate_redact", args=[elsewhere.consultation_id, written.pk])
    assert moderator_client.get(url).status_code == 404


def test_the_comments_own_page_offers_redaction_and_leads_back_to_it(moderator_client, written):
    comment_url = reverse("admin:guidance_comment_change", args=[written.pk])
    assert f"{redact_url(written)}?back=comment" in moderator_client.get(comment_url).content.decode()
    sent = post_redaction(moderator_client, written, REDACTED, back="comment")
    assert sent["Location"] == comment_url


def test_a_redacted_comment_is_found_by_the_words_the_public_reads_not_those_hidden(moderator, written):
    def stored_keys():
        return set(CampaignKey.objects.filter(comment_id=written.pk).values_list("key", flat=True))

    group_campaigns()
    assert stored_keys() == set(campaigns.keys_of(campaigns.shingles(campaigns.normalise(WRITTEN))))
    assert redacted(written, moderator).compared_at is None  # the worker compares its new words
    group_campaigns()
    assert stored_keys() == set(campaigns.keys_of(campaigns.shingles(campaigns.normalise(REDACTED))))
