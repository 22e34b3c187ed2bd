"""Campaigns found as they arrive: a comment joins the group of its near-copies in the transaction
that stores it (sent online, typed in by staff or imported), without anyone running "Find
campaigns", so the moderation screen never says that no other comment is like it unless it looked."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from guidance.analysis.imports import read_import, run_import
from guidance.models import CampaignKey, Comment
from guidance.moderation import by_respondent, campaigns
from guidance.moderation.campaigns import assign_groups, find_groups, group_on_arrival
from guidance.privacy.retention import erase_response
from guidance.responses.submissions import submit_response
from tests.factories import CommentFactory, QuestionFactory, ResponseFactory, SectionFactory
from tests.journey_helpers import comment_data, section_url

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
    """A comment sent online, through the one submission flow."""
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
    groups = {fresh(c).group for c in copies}
    assert groups == {copies[0].pk}
    assert fresh(unrelated).group is None
    assert all(fresh(c).compared_at is not None for c in [*copies, unrelated])


def test_copies_sent_through_the_public_form_are_grouped_without_any_staff_action(section, consultation):
    for text in (CAMPAIGN, WITH_A_SENTENCE):
        Client().post(section_url(section, consultation), comment_data(text))
    first, second = Comment.objects.order_by("pk")
    assert first.group == second.group == first.pk


def test_a_copy_on_another_section_or_question_is_not_grouped(section, consultation):
    other_section = SectionFactory(document=consultation.document, major=2, slug="two")
    question = QuestionFactory(consultation=consultation, position=1)
    first = sent(section, CAMPAIGN)
    elsewhere = sent(other_section, CAMPAIGN)
    response, _, _ = submit_response(consultation, DETAILS, [(question, CAMPAIGN)])
    assert [fresh(c).group for c in (first, elsewhere, response.comments.get())] == [None, None, None]


def test_a_short_comment_a_long_one_quotes_is_not_its_copy_but_the_same_short_words_are(section):
    agree = sent(section, "I agree with this.")
    quoting = sent(section, "I agree with this. " + UNRELATED)
    again = sent(section, "i AGREE with this")
    assert fresh(quoting).group is None
    assert fresh(agree).group == fresh(again).group == agree.pk


def test_a_template_with_a_paragraph_of_ones_own_stands_alone(section):
    own = (
        " I have been a public contributor for twelve years on studies of stroke rehabilitation, and in that "
        "time I was paid late twice and left off the author list once."
    )
    first = sent(section, CAMPAIGN)
    personal = sent(section, CAMPAIGN + own)
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


def test_the_screen_shows_a_new_copy_in_its_group_at_once(moderator_client, section, consultation):
    for text in (CAMPAIGN, WITH_A_SENTENCE, WITH_A_WORD_CHANGED, CAMPAIGN, CAMPAIGN.lower()):
        sent(section, text)
    html = screen(moderator_client, consultation)
    assert "5 comments with the same or nearly the same text</a>" in html
    assert "No other comment" not in html


def test_the_screen_says_no_other_comment_is_like_it_only_once_it_was_compared(moderator_client, section, consultation):
    sent(section, UNRELATED)
    assert "No other comment on this section is like it." in screen(moderator_client, consultation)


def test_a_comment_never_compared_is_said_to_be_not_compared_yet(moderator_client, section, consultation):
    CommentFactory(section=section, response=ResponseFactory(consultation=consultation), text=UNRELATED)
    html = screen(moderator_client, consultation)
    assert "Not compared with other comments yet." in html
    assert "No other comment" not in html


# Keeping it right, and bounded.


def test_a_respondent_who_rewrites_a_copy_leaves_its_group_and_a_lone_partner_is_alone_again(section):
    first, second = sent(section, CAMPAIGN), sent(section, WITH_A_SENTENCE)
    by_respondent.change_text(second.pk, "My own view, in my own words.")
    assert (fresh(first).group, fresh(second).group) == (None, None)
    by_respondent.change_text(second.pk, WITH_A_WORD_CHANGED)
    assert fresh(first).group == fresh(second).group == first.pk


def test_the_group_keeps_the_number_of_its_smallest_member_when_that_one_leaves(section):
    first, second, third = (sent(section, text) for text in (CAMPAIGN, WITH_A_SENTENCE, WITH_A_WORD_CHANGED))
    by_respondent.change_text(first.pk, "Now in my own words entirely.")
    assert (fresh(first).group, fresh(second).group, fresh(third).group) == (None, second.pk, second.pk)


def test_two_groups_a_new_comment_bridges_are_merged_under_the_smaller_number(section):
    carer = CAMPAIGN + " I write as a carer who has seen three studies lose their public partners through late payment."
    panel = CAMPAIGN + " Our patient panel asked me to add that travel costs must be covered in full and in advance."
    a1, a2 = sent(section, carer), sent(section, carer.upper())
    b1, b2 = sent(section, panel), sent(section, panel.lower())
    # Each adds too much of its own to be a near-copy of the other.
    assert (fresh(a1).group, fresh(b1).group) == (a1.pk, b1.pk)
    bridge = sent(section, CAMPAIGN + " Thank you for reading this letter.")
    assert {fresh(c).group for c in (a1, a2, b1, b2, bridge)} == {a1.pk}


def test_a_campaign_of_many_copies_keeps_few_keys(section):
    for n in range(40):
        sent(section, f"{CAMPAIGN} From house {n} of Example Street.")
    assert Comment.objects.filter(group__isnull=False).count() == 40
    keyed = CampaignKey.objects.values("comment").distinct().count()
    assert keyed <= campaigns.KEYED_ENOUGH + 1
    assert CampaignKey.objects.count() <= keyed * campaigns.KEYS_PER_COMMENT


def test_every_labelled_variant_found_on_arrival_is_found_by_find_campaigns_too(section, consultation):
    from tests.test_campaigns import LABELLED

    arrived = [(label, sent(section, text)) for label, text in LABELLED]
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
    assert fresh(old).group == fresh(copy).group == old.pk


def test_variants_of_every_length_from_25_to_40_words_are_grouped(section):
    words = (CAMPAIGN + " " + UNRELATED).split()
    for length in range(25, 41):
        base = " ".join(words[:length])
        texts = [base, base + " I would add that this matters a great deal to us.", base.replace("payment", "pay")]
        comments = [sent(section, text) for text in texts]
        assert len({fresh(c).group for c in comments} - {None}) == 1, length
        Comment.objects.filter(pk__in=[c.pk for c in comments]).delete()


def test_erasing_a_response_with_its_text_removes_the_keys_of_its_words(section):
    comment = sent(section, CAMPAIGN)
    assert CampaignKey.objects.filter(comment=comment).exists()
    erase_response(comment.response, by=None, include_text=True)
    assert not CampaignKey.objects.filter(comment=comment).exists()


def test_comparing_outside_a_transaction_is_refused(section):
    comment = CommentFactory(section=section, text=CAMPAIGN)
    from django.db import transaction

    # The test itself runs in a transaction, so only pretend it does not.
    connection = transaction.get_connection()
    saved, connection.in_atomic_block = connection.in_atomic_block, False
    try:
        with pytest.raises(RuntimeError, match="runs in the transaction that stores the comments"):
            group_on_arrival([comment])
    finally:
        connection.in_atomic_block = saved


@pytest.mark.django_db(transaction=True)
def test_two_copies_sent_at_the_same_moment_still_find_each_other(section):
    """The first copy's transaction is still open when the second arrives: the second waits for it
    (a PostgreSQL advisory lock on the section; SQLite's writers take turns anyway) and then sees it."""
    import threading
    import time

    from django.db import connection, transaction

    consultation = section.document.consultations.get()
    stored, failures = threading.Event(), []

    def first_copy():
        try:
            with transaction.atomic():
                submit_response(consultation, DETAILS, [(section, CAMPAIGN)])
                stored.set()
                time.sleep(0.5)  # still not committed while the second copy arrives
        except Exception as error:  # reported in the test's own thread
            failures.append(repr(error))
        finally:
            stored.set()
            connection.close()

    thread = threading.Thread(target=first_copy)
    thread.start()
    assert stored.wait(timeout=10)
    second = sent(section, WITH_A_SENTENCE)
    thread.join(timeout=10)
    assert failures == []
    first = Comment.objects.exclude(pk=second.pk).get()
    assert fresh(first).group == fresh(second).group == first.pk
