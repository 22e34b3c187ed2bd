import pytest
from django.core.management import CommandError, call_command

from guidance.models import Comment
from guidance.moderation.campaigns import (
    assign_groups,
    find_groups,
    in_a_group,
    normalise,
    whole_groups,
    with_group_size,
)
from tests.factories import CommentFactory, ConsultationFactory, ResponseFactory

pytestmark = pytest.mark.django_db

TEMPLATE = (
    "I am writing to ask you to put people with lived experience at the heart of every research "
    "project. Co-production must start before the funding application is written, public "
    "contributors must be paid fairly for their time, and they must share decisions about what "
    "is studied and how the results are used. Please make these principles a requirement, not "
    "an option."
)

# A labelled set: each text with the campaign it belongs to (None: not part of any campaign).
LABELLED = [
    ("payment-campaign", TEMPLATE),
    ("payment-campaign", TEMPLATE.upper()),
    ("payment-campaign", TEMPLATE.replace(",", "").replace(".", " ... ")),
    ("payment-campaign", "  " + TEMPLATE.replace(" ", "   ") + "\n"),
    ("payment-campaign", TEMPLATE.replace("paid fairly", "paid properly")),
    ("payment-campaign", TEMPLATE + " Best wishes, Jo Bloggs."),
    ("payment-campaign", TEMPLATE + " My own group has waited two years for this change to happen."),
    ("payment-campaign", "Dear INVOLVE, " + TEMPLATE.replace("every research project", "all research")),
    ("short-agree", "I agree."),
    ("short-agree", "i AGREE"),
    ("training-campaign", "Please fund training for public contributors so that they can take part as equals."),
    ("training-campaign", "please fund training for public contributors so that they can take part as equals!"),
    (None, "I agree with most of this, but section 3 needs a worked example about payment."),
    (None, "Public contributors should be paid fairly. We have done this for ten years in our unit."),
    (
        None,
        "Co-production must start before the funding application is written. In our experience "
        "that is the single change that matters most, more than payment or training, and the "
        "guidance should say who pays for the work done before a grant is awarded.",
    ),
    (None, "The draft is too long. Please publish an easy read version and a one page summary."),
    (None, "I disagree."),
]


def test_normalising_ignores_case_spaces_and_punctuation():
    assert normalise("  I SUPPORT   this!!\n") == normalise("i support this") == "i support this"
    assert normalise("co-production, please.") == "co production please"


def test_the_labelled_campaign_variants_are_grouped_and_distinct_comments_are_not():
    group_of = find_groups((pk, text) for pk, (_, text) in enumerate(LABELLED, start=1))
    found = {}
    for pk, (label, _) in enumerate(LABELLED, start=1):
        found.setdefault(label, set()).add(group_of.get(pk))
    # Each campaign's members share exactly one group number, and no two campaigns share one.
    campaign_groups = [found[label] for label in ("payment-campaign", "short-agree", "training-campaign")]
    assert all(len(groups) == 1 and None not in groups for groups in campaign_groups)
    assert len({next(iter(groups)) for groups in campaign_groups}) == 3
    # Comments that are not part of a campaign stay alone, however much wording they borrow.
    assert found[None] == {None}


def test_a_long_personal_addition_takes_a_comment_out_of_the_campaign():
    own_paragraph = (
        " I have been a public contributor for twelve years on studies of stroke rehabilitation, "
        "and in that time I was paid late twice, asked to review papers the night before a "
        "meeting, and left off the author list once, so I know how much this guidance matters."
    )
    group_of = find_groups([(1, TEMPLATE), (2, TEMPLATE.lower()), (3, TEMPLATE + own_paragraph)])
    assert group_of == {1: 1, 2: 1}


def make_comments(consultation, texts, section):
    return [
        CommentFactory(
            section=section, response=ResponseFactory(consultation=consultation), consultation=consultation, text=text
        )
        for text in texts
    ]


@pytest.fixture
def grouped(consultation, section):
    comments = make_comments(consultation, [TEMPLATE, TEMPLATE.upper(), "Something else entirely.", TEMPLATE], section)
    assign_groups(consultation)
    return comments


def test_assigning_groups_numbers_each_group_by_its_smallest_comment_id(grouped):
    first, upper, other, third = (Comment.objects.get(pk=c.pk) for c in grouped)
    assert first.group == upper.group == third.group == first.pk
    assert other.group is None


def test_assigning_groups_again_changes_nothing_and_a_changed_text_leaves_its_group(consultation, grouped):
    assert assign_groups(consultation) == (1, 3, 0)
    Comment.objects.filter(pk=grouped[0].pk).update(text="Now I have written my own comment instead.")
    assert assign_groups(consultation) == (1, 2, 3)
    assert set(Comment.objects.filter(group__isnull=False).values_list("group", flat=True)) == {grouped[1].pk}


def test_groups_stay_within_one_consultation(consultation, section, grouped):
    elsewhere = ConsultationFactory()
    from tests.factories import SectionFactory

    other_section = SectionFactory(document=elsewhere.document)
    (copy,) = make_comments(elsewhere, [TEMPLATE], other_section)
    assign_groups(elsewhere)
    assert Comment.objects.get(pk=copy.pk).group is None


def test_group_size_counts_the_whole_group_whatever_the_filter(grouped):
    sizes = dict(with_group_size(Comment.objects.all()).values_list("pk", "group_size"))
    assert [sizes[c.pk] for c in grouped] == [3, 3, 1, 3]
    only_one = with_group_size(Comment.objects.filter(pk=grouped[1].pk)).get()
    assert only_one.group_size == 3
    assert set(in_a_group(Comment.objects.all())) == {grouped[0], grouped[1], grouped[3]}


def test_whole_groups_adds_the_other_members_of_each_selected_group(grouped):
    selected = Comment.objects.filter(pk__in=[grouped[1].pk, grouped[2].pk])
    assert set(whole_groups(selected)) == set(grouped)


def test_find_campaigns_command_reports_what_it_grouped(consultation, grouped, capsys):
    call_command("find_campaigns", consultation.slug)
    assert "1 group(s) holding 3 comment(s); 0 comment(s) changed group." in capsys.readouterr().out


def test_find_campaigns_command_refuses_an_unknown_consultation(db):
    with pytest.raises(CommandError, match="No consultation has the slug 'nope'"):
        call_command("find_campaigns", "nope")


def test_the_queue_filter_and_column_show_who_is_part_of_a_group(grouped, rf):
    from django.contrib import admin

    from guidance.staff.admin.comment_filters import PartOfGroupFilter

    model_admin = admin.site._registry[Comment]
    group_size = model_admin.group_size

    def filtered(value):
        request = rf.get("/", {"in_group": value})
        chosen = PartOfGroupFilter(request, {"in_group": [value]}, Comment, model_admin)
        return set(chosen.queryset(request, Comment.objects.all()))

    assert filtered("yes") == {grouped[0], grouped[1], grouped[3]}
    assert filtered("no") == {grouped[2]}
    sizes = {c.pk: group_size(c) for c in with_group_size(Comment.objects.all())}
    assert sizes == {grouped[0].pk: 3, grouped[1].pk: 3, grouped[2].pk: "–", grouped[3].pk: 3}


def test_many_unique_variants_of_one_letter_all_join_one_group():
    names = ["Ash", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lu", "Mo", "Ned", "Oz"]
    variants = [
        f"{TEMPLATE} From {first} {last}, {n} Example Street."
        for n, (first, last) in enumerate((a, b) for a in names for b in names)
    ]
    assert len(variants) == 225
    group_of = find_groups(enumerate(variants, start=1))
    assert set(group_of) == set(range(1, 226))
    assert set(group_of.values()) == {1}
