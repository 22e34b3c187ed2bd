"""The moderation screen: one comment at a time, claimed by the moderator reading it; decisions
refused when someone else decided since the comment was shown; staff notes; and every refusal."""

import datetime
import threading

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from guidance.models import Comment, ModerationEvent, Report, Response, StaffNote
from guidance.moderation import decisions
from guidance.moderation.decisions import claim_next, decide, report_comment
from tests.factories import CommentFactory, ConsultationFactory, QuestionFactory, ResponseFactory, SectionFactory
from tests.journey_helpers import section_url

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = connection.vendor == "postgresql"


def staff(username, group_name=None, **names):
    user = User.objects.create_user(username, is_staff=True, **names)
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def other_moderator():
    return staff("kit", "Moderator", first_name="Kit", last_name="Okafor")


@pytest.fixture
def other_client(other_moderator):
    from django.test import Client

    client = Client()
    client.force_login(other_moderator)
    return client


@pytest.fixture
def pending(section):
    """Three pending comments, oldest first."""
    return [CommentFactory(section=section, text=f"Pending comment {n}") for n in range(3)]


def screen_url(consultation, queue=None):
    url = reverse("admin:guidance_consultation_moderate", args=[consultation.pk])
    return f"{url}?queue={queue}" if queue else url


def decide_url(comment, name="decide"):
    return reverse(f"admin:guidance_consultation_moderate_{name}", args=[comment.consultation_id, comment.pk])


def shown(page):
    """The comment the screen shows, or None when the queue is empty."""
    assert page.status_code in (200, 400), page.status_code
    comment = page.context.get("comment")
    return comment.pk if comment is not None else None


def post_decision(client, comment, decision, *, seen=None, queue="pending", follow=True, **fields):
    """A decision as the screen's form sends it; `seen` defaults to the comment's last event now."""
    if seen is None:
        last = ModerationEvent.objects.filter(comment=comment).order_by("-at", "-pk").first()
        seen = last.pk if last else 0
    data = {"decision": decision, "seen_event_id": seen, "queue": queue, **fields}
    return client.post(decide_url(comment), data, follow=follow)


def messages_of(page):
    return [str(message) for message in page.context["messages"]]


def snapshot(comment):
    """Everything a decision could change about a comment."""
    comment.refresh_from_db()
    return (
        comment.status,
        comment.reason_code,
        comment.reason,
        comment.moderated_by_id,
        comment.moderated_at,
        list(comment.events.values_list("pk", flat=True)),
        list(comment.notes.values_list("pk", flat=True)),
        list(comment.reports.values_list("reviewed_at", flat=True)),
    )


def reported_comment(section, reports=1, text="A published comment the public reported"):
    comment = CommentFactory(section=section, text=text)
    decide(Comment.objects.filter(pk=comment.pk), "approved", by=None)
    for _ in range(reports):
        Report.objects.create(comment=comment, reason=Report.Reason.OFFENSIVE, details="Rude about carers")
    return comment


# --- What the screen shows ----------------------------------------------------------------------


def test_the_screen_shows_the_oldest_pending_comment_whole_with_what_it_is_on(moderator_client, section, pending):
    consultation = section.document.consultations.get()
    pending[0].text = "First line of a long comment.\n\nAnd its second paragraph, " + "word " * 300
    pending[0].save()
    page = moderator_client.get(screen_url(consultation))
    assert shown(page) == pending[0].pk
    html = page.content.decode()
    assert "And its second paragraph" in html and html.count("word ") >= 300  # whole, not cut
    assert "Comment on section 1: Reciprocity" in html
    assert f'href="{section_url(section, consultation)}"' in html
    assert "Member of the public" in html and "Publish without my name" in html


def test_an_answer_to_a_question_shows_the_question(moderator_client, consultation):
    question = QuestionFactory(consultation=consultation, position=4, text="Who should be paid?")
    comment = CommentFactory(section=None, question=question, text="Everyone involved.")
    html = moderator_client.get(screen_url(consultation)).content.decode()
    assert shown(moderator_client.get(screen_url(consultation))) == comment.pk
    assert "Answer to Q4" in html and "Who should be paid?" in html


def test_the_screen_shows_the_campaign_group_and_the_reports_with_their_reasons(moderator_client, section):
    consultation = section.document.consultations.get()
    first = CommentFactory(section=section, text="Same text")
    CommentFactory(section=section, text="Same text")
    Comment.objects.update(group=first.pk)
    Report.objects.create(comment=first, reason=Report.Reason.SPAM)
    Report.objects.create(comment=first, reason=Report.Reason.SPAM)
    html = moderator_client.get(screen_url(consultation)).content.decode()
    assert "One of" in html and "2 comments with the same or nearly the same text" in html
    assert "Reported 2 times: it is spam or advertising (2)." in html


# --- The claim ----------------------------------------------------------------------------------


def test_two_moderators_are_shown_different_comments(moderator_client, other_client, pending):
    consultation = pending[0].consultation
    first = shown(moderator_client.get(screen_url(consultation)))
    second = shown(other_client.get(screen_url(consultation)))
    assert first == pending[0].pk
    assert second == pending[1].pk


def test_a_moderators_own_claim_comes_back_on_reload(moderator_client, other_client, moderator, pending):
    consultation = pending[0].consultation
    first = shown(moderator_client.get(screen_url(consultation)))
    shown(other_client.get(screen_url(consultation)))
    assert shown(moderator_client.get(screen_url(consultation))) == first
    comment = Comment.objects.get(pk=first)
    assert comment.claimed_by == moderator
    assert comment.claimed_until > timezone.now() + datetime.timedelta(minutes=4)


def test_an_expired_claim_is_free_again(moderator_client, other_client, pending):
    consultation = pending[0].consultation
    first = shown(moderator_client.get(screen_url(consultation)))
    Comment.objects.filter(pk=first).update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    assert shown(other_client.get(screen_url(consultation))) == first


def test_a_claim_lasts_five_minutes(moderator, other_moderator, pending):
    queue = Comment.objects.pending().order_by("created_at", "pk")
    now = timezone.now()
    assert claim_next(queue, moderator, now=now) == pending[0]
    assert claim_next(queue, other_moderator, now=now + datetime.timedelta(minutes=4, seconds=59)) == pending[1]
    third = staff("lee", "Moderator")
    assert claim_next(queue, third, now=now + datetime.timedelta(minutes=5, seconds=1)) == pending[0]


def test_a_decision_releases_the_claim(moderator_client, other_client, pending):
    consultation = pending[0].consultation
    shown(moderator_client.get(screen_url(consultation)))
    post_decision(moderator_client, pending[0], "approved", follow=False)
    pending[0].refresh_from_db()
    assert (pending[0].claimed_by, pending[0].claimed_until) == (None, None)


def test_skipping_shows_the_next_and_show_the_comments_i_skipped_brings_them_back(moderator_client, pending):
    consultation = pending[0].consultation
    for comment in pending:
        assert shown(moderator_client.get(screen_url(consultation))) == comment.pk
        page = moderator_client.post(decide_url(comment, "skip"), {"queue": "pending"}, follow=True)
    assert shown(page) is None
    html = page.content.decode()
    assert "You skipped 3 comments" in html and "Show the comments I skipped" in html
    # A skipped comment is free for others at once.
    assert not Comment.objects.filter(claimed_by__isnull=False).exists()

    clear = reverse("admin:guidance_consultation_moderate_skip", args=[consultation.pk, 0])
    page = moderator_client.post(clear, {"queue": "pending", "clear": "yes"}, follow=True)
    assert shown(page) == pending[0].pk
    assert all(c.status == "pending" for c in Comment.objects.all())


def test_skipping_in_one_queue_does_not_hide_comments_in_another(moderator_client, section, pending):
    consultation = section.document.consultations.get()
    reported = reported_comment(section)
    moderator_client.post(decide_url(reported, "skip"), {"queue": "reported"})
    assert shown(moderator_client.get(screen_url(consultation))) == pending[0].pk
    assert shown(moderator_client.get(screen_url(consultation, "reported"))) is None


MODERATORS_AT_ONCE = 8


def ask_at_once(queue, users):
    """Every user asks for their next comment at the same moment, each on its own connection."""
    start = threading.Barrier(len(users))
    taken, failures = [], []

    def ask(user):
        try:
            start.wait(timeout=10)
            taken.append(claim_next(queue, user).pk)
        except Exception as error:  # reported in the test's own thread
            failures.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return taken, failures


@pytest.mark.django_db(transaction=True)
def test_moderators_asking_at_the_same_moment_take_different_comments(section):
    for n in range(MODERATORS_AT_ONCE):
        CommentFactory(section=section, text=f"Comment {n}")
    # No groups: a transactional test starts from an empty database. The claim asks for none.
    users = [staff(f"moderator-{n}") for n in range(MODERATORS_AT_ONCE)]
    taken, failures = ask_at_once(Comment.objects.pending().order_by("created_at", "pk"), users)
    assert failures == []
    assert sorted(taken) == sorted(Comment.objects.values_list("pk", flat=True))


@pytest.mark.skipif(not ON_POSTGRESQL, reason="SKIP LOCKED is PostgreSQL's; SQLite serialises whole transactions")
@pytest.mark.django_db(transaction=True)
def test_a_comment_being_claimed_by_someone_else_is_passed_over_not_waited_for(section):
    moderator, other_moderator = staff("sam"), staff("kit")
    first, second = (CommentFactory(section=section, text=f"Comment {n}") for n in range(2))
    queue = Comment.objects.pending().order_by("created_at", "pk")
    claimed, release = threading.Event(), threading.Event()

    def claim_and_hold():
        try:
            with transaction.atomic():  # the claim is not yet committed while the other asks
                claim_next(queue, moderator)
                claimed.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=claim_and_hold)
    holder.start()
    try:
        assert claimed.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # waiting instead of skipping fails the test
        assert claim_next(queue, other_moderator) == second
    finally:
        release.set()
        holder.join(timeout=10)
    assert Comment.objects.get(pk=first.pk).claimed_by == moderator


# --- Decisions ----------------------------------------------------------------------------------


def test_approving_records_who_and_shows_the_next_comment_at_once(moderator_client, moderator, pending):
    consultation = pending[0].consultation
    shown(moderator_client.get(screen_url(consultation)))
    page = post_decision(moderator_client, pending[0], "approved")
    assert page.redirect_chain == [(screen_url(consultation), 302)]
    assert shown(page) == pending[1].pk
    assert f"Comment {pending[0].pk} (response {pending[0].response.reference}) approved." in messages_of(page)
    pending[0].refresh_from_db()
    assert (pending[0].status, pending[0].moderated_by) == ("approved", moderator)


@pytest.mark.parametrize(
    "decision,fields,expected",
    [
        ("rejected", {"reason_code": "off_topic"}, ("rejected", "off_topic", "")),
        (
            "rejected",
            {"reason_code": "other", "reason": "  Advert for a course  "},
            ("rejected", "other", "Advert for a course"),
        ),
        ("spam", {}, ("spam", "", "")),
        (
            "spam",
            {"reason_code": "duplicate", "reason": "Posted five times"},
            ("spam", "duplicate", "Posted five times"),
        ),
        # A reason ticked before choosing Approve is not recorded with the approval.
        ("approved", {"reason_code": "offensive", "reason": "changed my mind"}, ("approved", "", "")),
    ],
)
def test_each_decision_is_recorded_with_its_reason(moderator_client, moderator, pending, decision, fields, expected):
    page = post_decision(moderator_client, pending[0], decision, **fields)
    assert shown(page) == pending[1].pk
    pending[0].refresh_from_db()
    assert (pending[0].status, pending[0].reason_code, pending[0].reason) == expected
    event = pending[0].events.get()
    assert (event.to_status, event.by, event.reason_code) == (expected[0], moderator, expected[1])


@pytest.mark.parametrize(
    "fields,error",
    [
        ({}, "Choose why the comment is rejected."),
        ({"reason": "No reason code, only words"}, "Choose why the comment is rejected."),
        ({"reason_code": "other"}, "Say why, in words, when the reason is “Other”."),
        ({"reason_code": "other", "reason": "   \n  "}, "Say why, in words, when the reason is “Other”."),
        ({"reason_code": "rude"}, "Choose one of the reasons listed."),
    ],
)
def test_a_rejection_without_its_reason_is_shown_again_on_the_same_comment_with_nothing_changed(
    moderator_client, pending, fields, error
):
    consultation = pending[0].consultation
    assert shown(moderator_client.get(screen_url(consultation))) == pending[0].pk
    before = snapshot(pending[0])
    page = post_decision(moderator_client, pending[0], "rejected", follow=False, **fields)
    assert page.status_code == 400
    assert shown(page) == pending[0].pk
    html = page.content.decode()
    assert "The decision was not made:" in html
    assert error in html
    assert snapshot(pending[0]) == before
    # Still this moderator's comment: nobody else is shown it while they correct the form.
    pending[0].refresh_from_db()
    assert pending[0].claimed_by is not None


def test_the_details_keep_what_was_typed_when_shown_again(moderator_client, pending):
    page = post_decision(moderator_client, pending[0], "rejected", follow=False, reason="Half a thought")
    assert page.status_code == 400
    assert "Half a thought</textarea>" in page.content.decode()


# --- Someone else decided first -----------------------------------------------------------------


def test_a_decision_on_a_comment_someone_else_decided_since_is_refused_saying_who_what_and_when(
    moderator_client, other_moderator, pending
):
    consultation = pending[0].consultation
    page = moderator_client.get(screen_url(consultation))
    seen = page.context["seen_event_id"]
    assert seen == 0
    decide(Comment.objects.filter(pk=pending[0].pk), "rejected", by=other_moderator, reason_code="off_topic")
    before = snapshot(pending[0])

    page = post_decision(moderator_client, pending[0], "approved", seen=seen)
    at = timezone.localtime(pending[0].events.get().at)
    assert messages_of(page) == [
        f"Kit Okafor rejected this comment at {at:%H:%M} on {at.day} {at:%B}, after it was shown to you. "
        "Your decision was not made."
    ]
    assert snapshot(pending[0]) == before
    assert pending[0].status == "rejected"
    assert shown(page) == pending[1].pk  # and on to the next


def test_a_double_submit_is_refused_and_says_you_decided(moderator_client, moderator, pending):
    consultation = pending[0].consultation
    seen = moderator_client.get(screen_url(consultation)).context["seen_event_id"]
    post_decision(moderator_client, pending[0], "spam", seen=seen)
    before = snapshot(pending[0])
    page = post_decision(moderator_client, pending[0], "spam", seen=seen)
    (message,) = messages_of(page)
    assert message.startswith("You marked this comment as spam at ")
    assert message.endswith("after it was shown to you. Your decision was not made.")
    assert snapshot(pending[0]) == before


def test_a_decision_by_the_system_since_is_refused_naming_the_system(moderator_client, section):
    consultation = section.document.consultations.get()
    comment = reported_comment(section, reports=0)
    Report.objects.create(comment=comment, reason="spam")
    seen = moderator_client.get(screen_url(consultation, "reported")).context["seen_event_id"]
    for _ in range(3):
        report_comment(comment, "spam")  # back to pending by itself
    page = post_decision(moderator_client, comment, "keep", seen=seen, queue="reported")
    (message,) = messages_of(page)
    assert message.startswith("The system returned this comment to pending at")
    comment.refresh_from_db()
    assert comment.status == "pending"


def test_a_stale_refusal_on_the_decided_tab_changes_nothing(moderator_client, other_moderator, pending):
    consultation = pending[0].consultation
    decide(Comment.objects.filter(pk=pending[0].pk), "approved", by=other_moderator)
    seen = pending[0].events.get().pk
    decide(Comment.objects.filter(pk=pending[0].pk), "pending", by=other_moderator)
    before = snapshot(pending[0])
    page = post_decision(moderator_client, pending[0], "pending", seen=seen, queue="decided")
    assert page.redirect_chain == [(screen_url(consultation, "decided"), 302)]
    assert messages_of(page)[0].startswith("Kit Okafor returned this comment to pending at ")
    assert snapshot(pending[0]) == before


# --- The reported tab ---------------------------------------------------------------------------


def test_keeping_a_reported_comment_published_marks_its_reports_reviewed(moderator_client, moderator, section):
    consultation = section.document.consultations.get()
    comment = reported_comment(section, reports=2)
    page = moderator_client.get(screen_url(consultation, "reported"))
    assert shown(page) == comment.pk
    html = page.content.decode()
    assert "Keep published" in html and "Rude about carers" in html

    page = post_decision(moderator_client, comment, "keep", queue="reported")
    assert page.redirect_chain == [(screen_url(consultation, "reported"), 302)]
    assert shown(page) is None  # the reported list is empty now
    assert "No reported comments to review" in page.content.decode()
    comment.refresh_from_db()
    assert comment.status == "approved"
    assert set(comment.reports.values_list("reviewed_by", flat=True)) == {moderator.pk}
    kept = comment.events.order_by("pk").last()
    assert (kept.from_status, kept.to_status, kept.by) == ("approved", "approved", moderator)
    assert kept.reason == "Kept published after reviewing 2 reports."
    assert comment in Comment.objects.published()


def test_taking_a_reported_comment_down_returns_it_to_pending_for_another_look(moderator_client, moderator, section):
    consultation = section.document.consultations.get()
    comment = reported_comment(section)
    post_decision(moderator_client, comment, "pending", queue="reported")
    comment.refresh_from_db()
    assert comment.status == "pending"
    assert comment not in Comment.objects.published()
    assert comment.reports.get().reviewed_by == moderator
    assert shown(moderator_client.get(screen_url(consultation))) == comment.pk


def test_a_comment_approved_again_after_review_does_not_come_back_as_reported(moderator_client, section):
    consultation = section.document.consultations.get()
    comment = reported_comment(section, reports=0)
    for _ in range(3):
        report_comment(comment, "offensive")  # hidden by the system, to pending
    assert shown(moderator_client.get(screen_url(consultation))) == comment.pk
    post_decision(moderator_client, comment, "approved")
    assert shown(moderator_client.get(screen_url(consultation, "reported"))) is None


def test_a_comment_kept_published_is_not_hidden_again_by_the_next_single_report(moderator_client, section):
    comment = reported_comment(section, reports=2)
    post_decision(moderator_client, comment, "keep", queue="reported")
    report_comment(comment, "offensive")
    comment.refresh_from_db()
    assert comment.status == "approved"
    assert comment in Comment.objects.reported()


# --- Recently decided ---------------------------------------------------------------------------


def test_recently_decided_lists_decisions_with_who_and_returns_one_to_pending(
    moderator_client, moderator, other_moderator, pending
):
    consultation = pending[0].consultation
    decide(Comment.objects.filter(pk=pending[0].pk), "approved", by=other_moderator)
    decide(Comment.objects.filter(pk=pending[1].pk), "rejected", by=moderator, reason_code="duplicate")
    page = moderator_client.get(screen_url(consultation, "decided"))
    html = page.content.decode()
    assert [c.pk for c in page.context["decided"]] == [pending[1].pk, pending[0].pk]
    assert "Rejected: duplicate" in html and "Kit Okafor" in html

    page = post_decision(moderator_client, pending[1], "pending", queue="decided")
    assert page.redirect_chain == [(screen_url(consultation, "decided"), 302)]
    assert [c.pk for c in page.context["decided"]] == [pending[0].pk]
    pending[1].refresh_from_db()
    assert (pending[1].status, pending[1].events.count()) == ("pending", 2)


def test_the_tabs_count_what_is_left(moderator_client, section, pending):
    consultation = section.document.consultations.get()
    reported_comment(section)
    reported_comment(section)
    CommentFactory(section=SectionFactory(), text="Another consultation's comment")

    def counts(page):
        return {tab["name"]: tab["count"] for tab in page.context["tabs"]}

    page = moderator_client.get(screen_url(consultation))
    assert counts(page) == {"pending": 3, "reported": 2, "decided": None}
    assert 'Pending <span class="moderation-count">3<span class="visually-hidden"> left</span>' in page.content.decode()
    page = post_decision(moderator_client, pending[0], "approved")
    assert counts(page) == {"pending": 2, "reported": 2, "decided": None}
    # Comments another moderator is reading are still left to do.
    Comment.objects.filter(pk=pending[2].pk).update(
        claimed_by=staff("other"), claimed_until=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert counts(moderator_client.get(screen_url(consultation))) == {"pending": 2, "reported": 2, "decided": None}


def test_an_empty_queue_says_so(moderator_client, consultation):
    page = moderator_client.get(screen_url(consultation))
    assert shown(page) is None
    assert "Nothing left to moderate" in page.content.decode()


# --- Personal data ------------------------------------------------------------------------------

PERSONAL = {
    "name": "Ada Lovelace-Byron",
    "email": "ada.lovelace@example.org",
    "organisation": "Analytical Engines Carers' Group",
    "source_url": "https://social.example/@ada/12345",
}


@pytest.fixture
def personal_comment(section):
    consultation = section.document.consultations.get()
    response = ResponseFactory(consultation=consultation, consent=Response.Consent.PUBLISH_ANONYMOUS, **PERSONAL)
    return CommentFactory(section=section, response=response, text="My view on reciprocity.")


def test_the_screen_shows_the_name_a_comment_would_be_published_under_and_nothing_else_personal(
    moderator_client, personal_comment
):
    Response.objects.update(consent=Response.Consent.PUBLISH_NAMED)
    html = moderator_client.get(screen_url(personal_comment.consultation)).content.decode()
    assert "Published as</dt><dd>Ada Lovelace-Byron (the name is published with the comment" in html
    for field in ["email", "organisation", "source_url"]:
        assert PERSONAL[field].replace("'", "&#x27;") not in html
    Response.objects.update(consent=Response.Consent.PUBLISH_ANONYMOUS)
    html = moderator_client.get(screen_url(personal_comment.consultation)).content.decode()
    assert "Published as</dt><dd>Anonymous</dd>" in html and PERSONAL["name"] not in html


def test_the_screen_never_shows_personal_data_to_a_moderator(moderator_client, personal_comment):
    consultation = personal_comment.consultation
    for page in [
        moderator_client.get(screen_url(consultation)),
        post_decision(moderator_client, personal_comment, "rejected", follow=False),  # the form shown again
    ]:
        assert shown(page) == personal_comment.pk
        html = page.content.decode()
        for value in PERSONAL.values():
            assert value not in html
            assert value.replace("'", "&#x27;") not in html
        assert "Personal data" not in html
    post_decision(moderator_client, personal_comment, "approved")
    html = moderator_client.get(screen_url(consultation, "decided")).content.decode()
    assert not any(value in html for value in PERSONAL.values())


def test_the_screen_shows_personal_data_with_the_permission(client, personal_comment):
    user = staff("both")
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["moderate_comment", "view_comment", "view_personal_data"])
    )
    client.force_login(user)
    html = client.get(screen_url(personal_comment.consultation)).content.decode()
    assert "Personal data" in html
    for value in PERSONAL.values():
        assert value.replace("'", "&#x27;") in html


# --- Staff notes --------------------------------------------------------------------------------

NOTE = "Checked with the team: keep, it names no one."


def add_note(client, comment, text=NOTE, follow=True):
    return client.post(decide_url(comment, "note"), {"text": text, "queue": "pending"}, follow=follow)


def test_a_moderator_adds_a_note_kept_in_the_history_through_the_decision(moderator_client, moderator, pending):
    consultation = pending[0].consultation
    page = add_note(moderator_client, pending[0])
    assert "Note added to the comment's history." in messages_of(page)
    assert shown(page) == pending[0].pk  # still on the same comment
    assert "note by Sam Patel: " + NOTE in page.content.decode()
    note = StaffNote.objects.get()
    assert (note.comment, note.by, note.text) == (pending[0], moderator, NOTE)
    # Adding a note is not a decision: the decision made after it is not refused as stale.
    page = post_decision(moderator_client, pending[0], "approved", seen=page.context["seen_event_id"])
    assert messages_of(page)[0].endswith("approved.")
    decide(Comment.objects.filter(pk=pending[0].pk), "pending", by=moderator)
    Comment.objects.update(claimed_by=None, claimed_until=None)
    page = moderator_client.get(screen_url(consultation))
    assert shown(page) == pending[0].pk
    assert NOTE in page.content.decode()


@pytest.mark.parametrize("text", ["", "   \n\t  ", "x" * 2001])
def test_an_empty_or_overlong_note_is_refused_on_the_same_comment(moderator_client, pending, text):
    page = add_note(moderator_client, pending[0], text, follow=False)
    assert page.status_code == 400
    assert shown(page) == pending[0].pk
    assert 'class="errornote"' in page.content.decode()
    assert not StaffNote.objects.exists()


def comment_admin(client, comment):
    return client.get(reverse("admin:guidance_comment_change", args=[comment.pk]))


@pytest.mark.parametrize(
    "group_name,sees",
    [("Moderator", True), ("Consultation manager", True), ("Analyst", False)],
)
def test_notes_on_the_comments_admin_page_are_seen_by_moderators_and_those_allowed_personal_data(
    client, moderator, pending, group_name, sees
):
    decisions.add_note(pending[0], by=moderator, text=NOTE)
    client.force_login(staff(f"someone-{group_name}".replace(" ", "-"), group_name))
    page = comment_admin(client, pending[0])
    assert page.status_code == 200
    html = page.content.decode()
    assert (NOTE in html) is sees
    assert ("Staff notes" in html) is sees


def test_a_superuser_sees_the_notes_on_the_comments_admin_page_but_cannot_change_them(client, moderator, pending):
    decisions.add_note(pending[0], by=moderator, text=NOTE)
    client.force_login(User.objects.create_superuser("root", "root@example.org", "a-long-password-123"))
    html = comment_admin(client, pending[0]).content.decode()
    assert NOTE in html
    assert 'name="notes-0-text"' not in html  # read-only


@pytest.mark.parametrize("group_name", ["Analyst", "Consultation manager", None])
def test_only_moderators_may_add_a_note(client, pending, group_name):
    client.force_login(staff("someone", group_name))
    assert add_note(client, pending[0], follow=False).status_code == 403
    assert not StaffNote.objects.exists()


def test_notes_are_never_on_a_public_page(client, moderator, section):
    consultation = section.document.consultations.get()
    comment = CommentFactory(section=section, text="A fine comment.")
    decisions.add_note(comment, by=moderator, text=NOTE)
    decide(Comment.objects.filter(pk=comment.pk), "approved", by=moderator)
    showing_the_comment = [
        section_url(section, consultation),
        reverse("guidance:published", args=[consultation.slug]),
        reverse("guidance:report_comment", args=[comment.pk]),
    ]
    for url in [
        *showing_the_comment,
        consultation.get_absolute_url(),
        reverse("guidance:draft", args=[consultation.slug]),
    ]:
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        assert ("A fine comment." in html) is (url in showing_the_comment)
        assert "Checked with the team" not in html, url


# --- Refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["decide", "skip", "note"])
def test_get_on_the_post_only_addresses_is_refused_and_changes_nothing(moderator_client, pending, name):
    before = snapshot(pending[0])
    page = moderator_client.get(decide_url(pending[0], name), {"decision": "approved", "seen_event_id": 0})
    assert page.status_code == 405
    assert snapshot(pending[0]) == before


@pytest.mark.parametrize("name", ["decide", "skip", "note"])
def test_a_comment_of_another_consultation_is_not_found(moderator_client, pending, name):
    elsewhere = ConsultationFactory()
    before = snapshot(pending[0])
    url = reverse(f"admin:guidance_consultation_moderate_{name}", args=[elsewhere.pk, pending[0].pk])
    page = moderator_client.post(url, {"decision": "approved", "seen_event_id": 0, "text": NOTE, "queue": "pending"})
    assert page.status_code == 404
    assert snapshot(pending[0]) == before
    assert moderator_client.session.get(f"moderation-skipped-{elsewhere.pk}-pending") is None


@pytest.mark.parametrize("name", ["decide", "skip", "note"])
def test_an_unknown_comment_or_consultation_is_not_found(moderator_client, pending, name):
    consultation = pending[0].consultation
    for args in [(consultation.pk, 999_999), (999_999, pending[0].pk)]:
        url = reverse(f"admin:guidance_consultation_moderate_{name}", args=args)
        assert moderator_client.post(url, {"decision": "approved", "seen_event_id": 0, "text": NOTE}).status_code == 404
    assert moderator_client.get(screen_url(ConsultationFactory.build(pk=999_999))).status_code == 404


@pytest.mark.parametrize("group_name", ["Analyst", "Consultation manager", None])
def test_staff_without_the_moderation_permission_are_refused_everywhere(client, pending, group_name):
    client.force_login(staff("someone", group_name))
    consultation = pending[0].consultation
    before = snapshot(pending[0])
    for queue in [None, "reported", "decided"]:
        assert client.get(screen_url(consultation, queue)).status_code == 403
    assert post_decision(client, pending[0], "approved", follow=False).status_code == 403
    assert client.post(decide_url(pending[0], "skip"), {"queue": "pending"}).status_code == 403
    assert snapshot(pending[0]) == before
    assert not Comment.objects.filter(claimed_by__isnull=False).exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, pending):
    page = client.get(screen_url(pending[0].consultation))
    assert page.status_code == 302 and reverse("admin:login") in page["Location"]
    page = post_decision(client, pending[0], "approved", follow=False)
    assert page.status_code == 302 and reverse("admin:login") in page["Location"]
    assert pending[0].events.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "publish", "seen_event_id": 0},
        {"decision": "", "seen_event_id": 0},
        {"seen_event_id": 0},
        {"decision": "approved"},
        {"decision": "approved", "seen_event_id": "latest"},
        {"decision": "approved", "seen_event_id": -1},
        {"decision": "approved", "seen_event_id": "1e3"},
        {"decision": "approved", "seen_event_id": "٠"},  # an Arabic-Indic zero, which int() reads as 0
        {"decision": "approved", "seen_event_id": "²"},
    ],
)
def test_a_bad_decision_or_seen_event_id_is_refused_with_400_and_changes_nothing(moderator_client, pending, data):
    before = snapshot(pending[0])
    page = moderator_client.post(decide_url(pending[0]), {**data, "queue": "pending"})
    assert page.status_code == 400
    assert "The decision was not made:" in page.content.decode()
    assert snapshot(pending[0]) == before


def test_a_seen_event_id_that_is_not_this_comments_is_refused_with_400(moderator_client, moderator, pending):
    decide(Comment.objects.filter(pk=pending[1].pk), "approved", by=moderator)
    for seen in [pending[1].events.get().pk, 10**12]:
        before = snapshot(pending[0])
        page = post_decision(moderator_client, pending[0], "approved", seen=seen, follow=False)
        assert page.status_code == 400
        assert "This page does not match the comment&#x27;s history" in page.content.decode()
        assert snapshot(pending[0]) == before


@pytest.mark.parametrize("decision", ["pending", "keep"])
def test_a_decision_the_comments_status_does_not_allow_is_refused_with_400(moderator_client, pending, decision):
    before = snapshot(pending[0])
    page = post_decision(moderator_client, pending[0], decision, follow=False)
    assert page.status_code == 400
    assert shown(page) == pending[0].pk
    assert "The decision was not made:" in page.content.decode()
    assert snapshot(pending[0]) == before


def test_keep_published_on_a_published_comment_without_reports_is_refused(moderator_client, section):
    comment = reported_comment(section, reports=0)
    page = post_decision(moderator_client, comment, "keep", queue="reported", follow=False)
    assert page.status_code == 400
    assert comment.events.count() == 1


# --- Queries ------------------------------------------------------------------------------------


def add_comments(consultation, section, count):
    responses = Response.objects.bulk_create(
        Response(consultation=consultation, respondent_type="public", consent="anonymous") for _ in range(count)
    )
    Comment.objects.bulk_create(
        Comment(response=response, consultation=consultation, section=section, text=f"Comment {n}")
        for n, response in enumerate(responses)
    )
    comments = Comment.objects.filter(consultation=consultation)
    # A fifth of them decided and reported, so every tab has plenty to show.
    decided = comments.filter(pk__in=list(comments.values_list("pk", flat=True)[: count // 5]))
    decide(decided, "approved", by=None)
    Report.objects.bulk_create(Report(comment=comment, reason="spam") for comment in decided)


# The session, the user and their permissions, the consultation, the claim (in a transaction: its
# savepoints count here), the tabs' two counts, then the comment with its history, notes and
# reports, and the session saved. A decision adds the locked row, the check of what was shown, the
# event, the update, the claim's release and the reports. The figures matter less than that 5 and
# 500 comments give the same. Each read of the "reported" queue is in a savepoint of its own
# (guidance.moderation.decisions.reading_reported), which on PostgreSQL also sets the planner's costs.
READING_REPORTED = 3 if ON_POSTGRESQL else 2
SCREEN_QUERIES = {
    "pending": 18 + READING_REPORTED,
    "reported": 19 + 2 * READING_REPORTED,  # its ids are read first (guidance/staff/moderation.py)
    "decided": 11 + READING_REPORTED,
}
DECISION_QUERIES = 23  # with the public pages' version moved on, and a chat hour's messages followed (events/live.py)


@pytest.mark.parametrize("count", [5, 500])
@pytest.mark.parametrize("queue", ["pending", "reported", "decided"])
def test_the_screen_makes_the_same_queries_with_5_or_500_comments(
    moderator_client, section, count, queue, django_assert_num_queries
):
    consultation = section.document.consultations.get()
    add_comments(consultation, section, count)
    moderator_client.get(screen_url(consultation, queue))  # the session exists, as it would
    with django_assert_num_queries(SCREEN_QUERIES[queue]):
        page = moderator_client.get(screen_url(consultation, queue))
    assert page.status_code == 200
    if queue == "decided":
        assert len(page.context["decided"]) == min(count // 5, 50)
    else:
        assert shown(page) is not None


@pytest.mark.parametrize("count", [5, 500])
def test_a_decision_makes_the_same_queries_with_5_or_500_comments(
    moderator_client, section, count, django_assert_num_queries
):
    consultation = section.document.consultations.get()
    add_comments(consultation, section, count)
    comment = Comment.objects.get(pk=shown(moderator_client.get(screen_url(consultation))))
    with django_assert_num_queries(DECISION_QUERIES):
        page = post_decision(moderator_client, comment, "rejected", seen=0, follow=False, reason_code="off_topic")
    assert page.status_code == 302
    comment.refresh_from_db()
    assert comment.status == "rejected"


def test_the_keys_listed_are_those_of_the_tab_shown(moderator_client, section, pending):
    consultation = section.document.consultations.get()
    reported_comment(section)
    pending_keys = moderator_client.get(screen_url(consultation)).content.decode()
    assert "<kbd>A</kbd> approve" in pending_keys and "<kbd>K</kbd> keep published" not in pending_keys
    reported_keys = moderator_client.get(screen_url(consultation, "reported")).content.decode()
    assert (
        "<kbd>K</kbd> keep published; <kbd>P</kbd> take down; <kbd>D</kbd> redact words; <kbd>N</kbd> skip."
        in reported_keys
    )
    assert "<kbd>A</kbd> approve" not in reported_keys
