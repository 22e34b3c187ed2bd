"""Campaigns found as they arrive: a comment is stored not compared yet, whichever way it came (sent
online, typed in by staff or imported), and the worker's next round (campaigns.group_waiting,
group_campaigns here) puts it in the group of its near-copies, without anyone running "Find
campaigns"; the moderation screen never says that no other comment is like it unless it looked.
Posting a form never waits for the comparison."""

from collections import Counter

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.urls import reverse

from guidance.analysis.imports import read_import, run_import
from guidance.models import CampaignKey, Comment
from guidance.moderation import by_respondent, campaigns
from guidance.moderation.campaigns import assign_groups, find_groups
from guidance.privacy.retention import erase_response
from guidance.responses.submissions import submit_response
from tests.factories import CommentFactory, QuestionFactory, ResponseFactory, SectionFactory
from tests.journey_helpers import comment_data, group_campaigns, section_url

pytestmark = pytest.mark.django_db

# A campaign text of 30 words, and its variants.
CAMPAIGN = (
    "Please make payment for public contributors a requirement in every funded study, agreed before the "
    "project starts, paid on time, and never taken away from their benefits without clear advice."
)
WITH_A_SENTENCE = CAMPAIGN + " My daughter waited four months to be paid for her last project."
WITH_A_WORD_CHANGED = CAMPAIGN.replace("paid on time", "paid on schedule")
UNRELATED = (
    "The section on sharing power should give an example of a project where patients chose the research "
    "question and the budget."
)
DETAILS = {"respondent_type": "public", "consent": "anonymous"}


def sent(section, text):
    """A comment sent online, through the one submission flow, not compared yet."""
    response, _, _ = submit_response(section.document.consultations.get(), DETAILS, [(section, text)])
    return response.comments.get()


def fresh(comment):
    return Comment.objects.get(pk=comment.pk)


def test_the_campaign_text_is_30_words_and_its_variants_were_not_near_identical_before():
    assert len(CAMPAIGN.split()) == 30
    a, b = (campaigns.shingles(campaigns.normalise(t)) for t in (CAMPAIGN, WITH_A_SENTENCE))
    # The earlier measure, Jaccard similarity of at least 0.8, left the copy with a sentence out.
    assert len(a & b) / len(a | b) < 0.8
    assert campaigns.near_copies(a, b)


def test_five_copies_with_a_sentence_added_and_a_word_changed_form_one_group_as_they_arrive(section):
    copies = [sent(section, text) for text in (CAMPAIGN, CAMPAIGN.upper(), CAMPAIGN + "!!")]
    copies += [sent(section, WITH_A_SENTENCE), sent(section, WITH_A_WORD_CHANGED)]
    unrelated = sent(section, UNRELATED)
    group_campaigns()
    groups = {fresh(c).group for c in copies}
    assert groups == {copies[0].pk}
    assert fresh(unrelated).group is None
    assert all(fresh(c).compared_at is not None for c in [*copies, unrelated])


def test_copies_sent_through_the_public_form_are_grouped_by_the_worker_without_any_staff_action(section, consultation):
    for text in (CAMPAIGN, WITH_A_SENTENCE):
        Client().post(section_url(section, consultation), comment_data(text))
    assert group_campaigns() == 2
    first, second = Comment.objects.order_by("pk")
    assert first.group == second.group == first.pk


def test_a_copy_on_another_section_or_question_is_not_grouped(section, consultation):
    other_section = SectionFactory(document=consultation.document, major=2, slug="two")
    question = QuestionFactory(consultation=consultation, position=1)
    first = sent(section, CAMPAIGN)
    elsewhere = sent(other_section, CAMPAIGN)
    response, _, _ = submit_response(consultation, DETAILS, [(question, CAMPAIGN)])
    group_campaigns()
    assert [fresh(c).group for c in (first, elsewhere, response.comments.get())] == [None, None, None]


def test_a_short_comment_a_long_one_quotes_is_not_its_copy_but_the_same_short_words_are(section):
    agree = sent(section, "I agree with this.")
    quoting = sent(section, "I agree with this. " + UNRELATED)
    again = sent(section, "i AGREE with this")
    group_campaigns()
    assert fresh(quoting).group is None
    assert fresh(agree).group == fresh(again).group == agree.pk


def test_a_template_with_a_paragraph_of_ones_own_stands_alone(section):
    own = (
        " I have been a public contributor for twelve years on studies of stroke rehabilitation, and in that "
        "time I was paid late twice and left off the author list once."
    )
    first = sent(section, CAMPAIGN)
    personal = sent(section, CAMPAIGN + own)
    group_campaigns()
    assert fresh(first).group is None and fresh(personal).group is None


def test_a_letter_typed_in_by_staff_and_an_imported_one_join_the_online_campaign(section, consultation, admin_user):
    online = sent(section, CAMPAIGN)
    manager = User.objects.create_user("manager", is_staff=True)
    manager.groups.add(Group.objects.get(name="Consultation manager"))
    client = Client()
    client.force_login(manager)
    data = {
        "consultation": consultation.pk,
        "channel": "post",
        "submitted_at_0": "03/02/2027",
        "submitted_at_1": "10:00:00",
        "respondent_type": "carer",
        "consent": "anonymous",
        "name": "Ann Letter",
        "email": "",
        "organisation": "",
        "source_url": "",
        "comments-TOTAL_FORMS": 1,
        "comments-INITIAL_FORMS": 0,
        "comments-0-section": section.pk,
        "comments-0-text": WITH_A_SENTENCE,
        "comments-2-TOTAL_FORMS": 0,
        "comments-2-INITIAL_FORMS": 0,
    }
    client.post(reverse("admin:guidance_response_add"), data)
    csv = f'received_at,channel,author,text,target\n2017-10-09,email,Jo,"{WITH_A_WORD_CHANGED}",1\n'
    run_import(read_import(consultation, csv.encode()), by=admin_user)
    assert not Comment.objects.filter(group__isnull=False).exists()
    assert group_campaigns() == 3
    assert {c.response.channel: c.group for c in Comment.objects.select_related("response")} == {
        "online": online.pk,
        "post": online.pk,
        "email": online.pk,
    }


# The moderation screen.


@pytest.fixture
def moderator_client(client):
    moderator = User.objects.create_user("sam", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderator"))
    client.force_login(moderator)
    return client


def screen(client, consultation):
    return client.get(reverse("admin:guidance_consultation_moderate", args=[consultation.pk])).content.decode()


def test_a_new_copy_is_said_to_be_not_compared_yet_until_the_worker_compares_it(
    moderator_client, section, consultation
):
    sent(section, CAMPAIGN)
    html = screen(moderator_client, consultation)
    assert "Not compared with other comments yet." in html
    assert "No other comment" not in html


def test_a_copy_grouped_before_its_moderation_decision_is_shown_in_its_campaign(
    moderator_client, section, consultation
):
    for text in (CAMPAIGN, WITH_A_SENTENCE, WITH_A_WORD_CHANGED, CAMPAIGN, CAMPAIGN.lower()):
        Client().post(section_url(section, consultation), comment_data(text))
    group_campaigns()
    html = screen(moderator_client, consultation)
    assert "5 comments with the same or nearly the same text</a>" in html
    assert "No other comment" not in html


def test_the_screen_says_no_other_comment_is_like_it_only_once_it_was_compared(moderator_client, section, consultation):
    sent(section, UNRELATED)
    assert "No other comment" not in screen(moderator_client, consultation)
    group_campaigns()
    assert "No other comment on this section is like it." in screen(moderator_client, consultation)


def test_a_comment_never_compared_is_said_to_be_not_compared_yet(moderator_client, section, consultation):
    CommentFactory(section=section, response=ResponseFactory(consultation=consultation), text=UNRELATED)
    html = screen(moderator_client, consultation)
    assert "Not compared with other comments yet." in html
    assert "No other comment" not in html


# Keeping it right, and bounded.


def test_a_respondent_who_rewrites_a_copy_leaves_its_group_and_a_lone_partner_is_alone_again(section):
    first, second = sent(section, CAMPAIGN), sent(section, WITH_A_SENTENCE)
    group_campaigns()
    by_respondent.change_text(second.pk, "My own view, in my own words.")
    assert fresh(second).compared_at is None
    assert group_campaigns() == 1
    assert (fresh(first).group, fresh(second).group) == (None, None)
    by_respondent.change_text(second.pk, WITH_A_WORD_CHANGED)
    group_campaigns()
    assert fresh(first).group == fresh(second).group == first.pk


def test_the_group_keeps_the_number_of_its_smallest_member_when_that_one_leaves(section):
    first, second, third = (sent(section, text) for text in (CAMPAIGN, WITH_A_SENTENCE, WITH_A_WORD_CHANGED))
    group_campaigns()
    by_respondent.change_text(first.pk, "Now in my own words entirely.")
    group_campaigns()
    assert (fresh(first).group, fresh(second).group, fresh(third).group) == (None, second.pk, second.pk)


def test_two_groups_a_new_comment_bridges_are_merged_under_the_smaller_number(section):
    carer = CAMPAIGN + " I write as a carer who has seen three studies lose their public partners through late payment."
    panel = CAMPAIGN + " Our patient panel asked me to add that travel costs must be covered in full and in advance."
    a1, a2 = sent(section, carer), sent(section, carer.upper())
    b1, b2 = sent(section, panel), sent(section, panel.lower())
    group_campaigns()
    # Each adds too much of its own to be a near-copy of the other.
    assert (fresh(a1).group, fresh(b1).group) == (a1.pk, b1.pk)
    bridge = sent(section, CAMPAIGN + " Thank you for reading this letter.")
    group_campaigns()
    assert {fresh(c).group for c in (a1, a2, b1, b2, bridge)} == {a1.pk}


def test_a_campaign_of_many_copies_keeps_few_keys(section):
    for n in range(40):
        sent(section, f"{CAMPAIGN} From house {n} of Example Street.")
    group_campaigns()
    assert Comment.objects.filter(group__isnull=False).count() == 40
    keyed = CampaignKey.objects.values("comment").distinct().count()
    assert keyed <= campaigns.KEYED_ENOUGH + 1
    assert CampaignKey.objects.count() <= keyed * campaigns.KEYS_PER_COMMENT


def test_every_labelled_variant_found_on_arrival_is_found_by_find_campaigns_too(section, consultation):
    from tests.test_campaigns import LABELLED

    arrived = [(label, sent(section, text)) for label, text in LABELLED]
    group_campaigns()
    on_arrival = {c.pk: fresh(c).group for _, c in arrived}
    exact = find_groups((c.pk, c.text) for _, c in arrived)
    assert on_arrival == {c.pk: exact.get(c.pk) for _, c in arrived}
    assert assign_groups(consultation)[2] == 0


def test_find_campaigns_compares_comments_stored_before_and_later_copies_find_them(section, consultation):
    old = CommentFactory(section=section, response=ResponseFactory(consultation=consultation), text=CAMPAIGN)
    assert not CampaignKey.objects.exists()
    assign_groups(consultation)
    assert fresh(old).compared_at is not None and CampaignKey.objects.filter(comment=old).exists()
    copy = sent(section, WITH_A_WORD_CHANGED)
    group_campaigns()
    assert fresh(old).group == fresh(copy).group == old.pk


def test_find_campaigns_compares_a_comment_waiting_after_a_change_of_words_with_its_new_keys_alone(
    section, consultation
):
    first, second = sent(section, CAMPAIGN), sent(section, WITH_A_SENTENCE)
    group_campaigns()
    by_respondent.change_text(second.pk, UNRELATED)
    assign_groups(consultation)
    keys = list(CampaignKey.objects.filter(comment=second).values_list("key", flat=True))
    assert sorted(keys) == campaigns.keys_of(campaigns.shingles(campaigns.normalise(UNRELATED)))
    assert (fresh(first).group, fresh(second).group) == (None, None)
    assert fresh(second).compared_at is not None and group_campaigns() == 0


def test_variants_of_every_length_from_25_to_40_words_are_grouped(section):
    words = (CAMPAIGN + " " + UNRELATED).split()
    for length in range(25, 41):
        base = " ".join(words[:length])
        texts = [base, base + " I would add that this matters a great deal to us.", base.replace("payment", "pay")]
        comments = [sent(section, text) for text in texts]
        group_campaigns()
        assert len({fresh(c).group for c in comments} - {None}) == 1, length
        Comment.objects.filter(pk__in=[c.pk for c in comments]).delete()


def test_erasing_a_response_with_its_text_removes_the_keys_of_its_words(section):
    comment = sent(section, CAMPAIGN)
    group_campaigns()
    assert CampaignKey.objects.filter(comment=comment).exists()
    erase_response(comment.response, by=None, include_text=True)
    assert not CampaignKey.objects.filter(comment=comment).exists()


# The worker: grouping off the request.


def test_a_post_stores_its_comment_not_compared_and_compares_nothing_in_the_request(section, consultation):
    from django.test.utils import CaptureQueriesContext

    first = sent(section, CAMPAIGN)
    group_campaigns()
    with CaptureQueriesContext(connection) as queries:
        answer = Client().post(section_url(section, consultation), comment_data(WITH_A_SENTENCE))
    assert answer.status_code == 302
    said = " ".join(query["sql"] for query in queries).lower()
    assert "campaignkey" not in said and "advisory" not in said
    copy = Comment.objects.exclude(pk=first.pk).get()
    assert (copy.group, copy.compared_at) == (None, None)
    assert fresh(first).group is None


def test_one_round_of_the_worker_compares_the_oldest_waiting_comments_a_batch_at_a_time(section):
    copies = [sent(section, text) for text in (CAMPAIGN, WITH_A_SENTENCE, WITH_A_WORD_CHANGED)]
    assert campaigns.group_waiting(batch=2) == 2
    assert [fresh(c).compared_at is not None for c in copies] == [True, True, False]
    assert fresh(copies[0]).group == fresh(copies[1]).group == copies[0].pk
    assert campaigns.group_waiting(batch=2) == 1
    assert fresh(copies[2]).group == copies[0].pk
    assert campaigns.group_waiting(batch=2) == 0


def test_the_worker_command_groups_the_comments_waiting(section):
    from django.core.management import call_command

    first, second = sent(section, CAMPAIGN), sent(section, WITH_A_WORD_CHANGED)
    call_command("run_worker", "--batch", "--nice", "0", "--housekeeping-seconds", "0")
    assert fresh(first).group == fresh(second).group == first.pk


def test_a_comment_the_worker_grouped_keeps_its_group_when_staff_save_the_page_read_before(section):
    from guidance.responses.received import save_entered

    first, second = sent(section, CAMPAIGN), sent(section, WITH_A_SENTENCE)
    as_read = fresh(second)  # the admin's page, read before the worker's round
    group_campaigns()
    save_entered(as_read, WITH_A_SENTENCE)
    assert fresh(second).group == first.pk and fresh(second).compared_at is not None


# Several workers at once.

ON_POSTGRESQL = connection.vendor == "postgresql"


@pytest.mark.database
@pytest.mark.django_db(transaction=True)
def test_a_worker_groups_what_arrives_within_one_round(section):
    import threading
    import time

    from guidance.management.commands.run_worker import Worker

    worker = Worker(housekeeping_seconds=0)
    thread = threading.Thread(target=worker.group_campaigns)
    thread.start()
    try:
        first, second = sent(section, CAMPAIGN), sent(section, WITH_A_SENTENCE)
        deadline = time.monotonic() + 10
        while campaigns.waiting().exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.stop()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert fresh(first).group == fresh(second).group == first.pk


@pytest.mark.database
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_compare_each_comment_once_and_never_wait_for_each_other(section, second_section):
    import threading

    copies = 25
    for n in range(copies):
        sent(section, f"{CAMPAIGN} From house {n} of Example Street.")
        sent(second_section, f"{CAMPAIGN} From flat {n} of Example Road.")
    start, compared, failures = threading.Barrier(2), [], []

    def work():
        try:
            start.wait(timeout=10)
            while campaigns.waiting().exists():
                compared.append(campaigns.group_waiting(batch=7))
        except Exception as error:  # reported in the test's own thread
            failures.append(repr(error))
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)
    assert failures == [] and not any(thread.is_alive() for thread in workers)
    assert sum(compared) == 2 * copies  # none compared twice
    for where in (section, second_section):
        grouped = Comment.objects.filter(section=where)
        assert set(grouped.values_list("group", flat=True)) == {grouped.order_by("pk").first().pk}
    keys = Counter(CampaignKey.objects.values_list("comment", flat=True))
    assert max(keys.values()) <= campaigns.KEYS_PER_COMMENT


@pytest.mark.database
@pytest.mark.skipif(not ON_POSTGRESQL, reason="advisory locks are PostgreSQL's; SQLite's writers take turns")
@pytest.mark.django_db(transaction=True)
def test_a_worker_passes_over_a_section_another_worker_is_comparing_instead_of_waiting(section, second_section):
    import datetime
    import threading

    from django.db import transaction
    from django.utils import timezone

    ours = [sent(section, text) for text in (CAMPAIGN, WITH_A_SENTENCE)]
    earlier, later = timezone.now(), timezone.now() + datetime.timedelta(seconds=1)
    holding, release, failures = threading.Event(), threading.Event(), []

    def compare_and_hold():
        try:
            with transaction.atomic():  # its batch not yet committed while the other worker looks
                campaigns.group_waiting(now=earlier)
                holding.set()
                release.wait(timeout=10)
        except Exception as error:  # reported in the test's own thread
            failures.append(repr(error))
        finally:
            holding.set()
            connection.close()

    holder = threading.Thread(target=compare_and_hold)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        theirs = [sent(second_section, text) for text in (CAMPAIGN, WITH_A_WORD_CHANGED)]
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # waiting instead of passing over fails the test
        assert campaigns.group_waiting(now=later) == 2
    finally:
        release.set()
        holder.join(timeout=10)
    assert failures == []
    assert campaigns.group_waiting() == 0
    assert [fresh(c).compared_at for c in ours + theirs] == [earlier, earlier, later, later]
    assert {fresh(c).group for c in theirs} == {theirs[0].pk}
    assert {fresh(c).group for c in ours} == {ours[0].pk}


@pytest.mark.database
@pytest.mark.skipif(not ON_POSTGRESQL, reason="advisory locks are PostgreSQL's; SQLite's writers take turns")
@pytest.mark.django_db(transaction=True)
def test_the_worker_passes_over_the_sections_find_campaigns_is_comparing(section, consultation):
    import threading

    from django.db import transaction

    copies = [sent(section, text) for text in (CAMPAIGN, WITH_A_SENTENCE)]
    holding, release, failures = threading.Event(), threading.Event(), []

    def find_campaigns_and_hold():
        try:
            with transaction.atomic():  # not yet committed while the worker looks
                assign_groups(consultation)
                holding.set()
                release.wait(timeout=10)
        except Exception as error:  # reported in the test's own thread
            failures.append(repr(error))
        finally:
            holding.set()
            connection.close()

    holder = threading.Thread(target=find_campaigns_and_hold)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # waiting instead of passing over fails the test
        assert campaigns.group_waiting() == 0
    finally:
        release.set()
        holder.join(timeout=10)
    assert failures == []
    assert campaigns.group_waiting() == 0
    assert {fresh(c).group for c in copies} == {copies[0].pk}
