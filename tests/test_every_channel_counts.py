"""Every channel counts: an answer received by post or email and entered by staff, or imported from
a file (an option column, or a tweetchat's "A1 Yes, mostly"), records the options chosen as an
answer sent online does, and the dashboard, the published figures and the export count it, by
channel too."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from guidance.analysis.exports import csv_chunks
from guidance.analysis.imports import ImportRefused, read_import, run_import
from guidance.models import ChosenOption, Comment, Question, Response
from guidance.responses import answers
from guidance.responses.submissions import submit_response
from tests.factories import QuestionFactory, SectionFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:guidance_response_add")
HEADER = "received_at,channel,author,text,target,source_url,option\n"


@pytest.fixture
def q1(consultation):
    """The consultation's first question, asked as in 2017: "does the guidance capture the principles?"."""
    question = QuestionFactory(
        consultation=consultation,
        position=1,
        text="Does this draft guidance capture the key principles?",
        kind=Question.Kind.ONE_CHOICE,
        explain_label="Please explain",
    )
    answers.set_options(question, ["Yes", "Partly", "No"])
    return question


@pytest.fixture
def q2(consultation):
    return QuestionFactory(consultation=consultation, position=2, text="What are the barriers?")


@pytest.fixture
def q3(consultation):
    question = QuestionFactory(
        consultation=consultation, position=3, text="Which parts did you read?", kind=Question.Kind.SEVERAL_CHOICES
    )
    answers.set_options(question, ["Principles", "Features"], offers_other=True)
    return question


def option(question, label):
    return question.options.get(label=label)


@pytest.fixture
def manager_client(client):
    manager = User.objects.create_user("manager", is_staff=True)
    manager.groups.add(Group.objects.get(name="Consultation manager"))
    client.force_login(manager)
    return client


def inline(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def postal_response(consultation, answers_typed, channel="post"):
    return {
        "consultation": consultation.pk,
        "channel": channel,
        "submitted_at_0": "03/02/2027",
        "submitted_at_1": "10:00:00",
        "respondent_type": "carer",
        "consent": "anonymous",
        "name": "Ann Letter",
        "email": "",
        "organisation": "",
        "source_url": "",
        **inline("comments", []),
        **inline("comments-2", answers_typed),
    }


def sent_online(consultation, question, label, text=""):
    answer = answers.make_answer(question, [option(question, label).pk], text=text)
    submit_response(
        consultation,
        {"respondent_type": "public", "consent": "anonymous"},
        [(question, answer)],
    )


def close(consultation):
    consultation.opens_at = timezone.now() - datetime.timedelta(days=30)
    consultation.closes_at = timezone.now() - datetime.timedelta(days=1)
    consultation.save()


def csv_bytes(*rows, header=HEADER):
    return (header + "".join(row + "\n" for row in rows)).encode("utf-8")


def chosen(comment):
    return [o.label for o in comment.options.order_by("position")]


# Entered by staff.


def test_a_postal_partly_entered_by_staff_is_counted_on_the_dashboard_and_in_the_published_figures(
    manager_client, admin_client, client, consultation, q1
):
    sent_online(consultation, q1, "Yes")
    page = manager_client.post(
        ADD,
        postal_response(
            consultation,
            [{"question": q1.pk, "chosen": [option(q1, "Partly").pk], "text": "The features are vague."}],
        ),
        follow=True,
    )
    assert page.status_code == 200
    postal = Comment.objects.get(response__channel="post")
    assert (chosen(postal), postal.text, postal.status) == (["Partly"], "The features are vague.", "pending")

    dashboard = admin_client.get(reverse("admin:guidance_consultation_dashboard", args=[consultation.pk]))
    (chart,) = [chart for chart, _ in dashboard.context["charts"] if chart.slug == f"answers-{q1.pk}"]
    assert [(bar.label, bar.value) for bar in chart.bars] == [("Yes", 1), ("Partly", 1), ("No", 0)]
    assert chart.breakdown.headings == ["Online", "Post"]
    assert chart.breakdown.rows == [("Yes", [1, 0]), ("Partly", [0, 1]), ("No", [0, 0])]
    html = dashboard.content.decode()
    assert "Q1: answers chosen, by channel" in html
    assert (
        '<th scope="row">Partly</th><td class="analysis-number analysis-zero">0</td><td class="analysis-number">1</td>'
        in html
    )

    close(consultation)
    published = client.get(consultation.get_absolute_url()).content.decode()
    assert "Q1. Does this draft guidance capture the key principles? (2 answers)" in published
    assert (
        '<th scope="row" class="govuk-table__header">Partly</th>\n'
        '        <td class="govuk-table__cell govuk-table__cell--numeric">1</td>\n'
        '        <td class="govuk-table__cell govuk-table__cell--numeric">50%</td>'
    ) in published
    assert "By how they reached us: online 1, post 1." in published


def test_an_answer_of_a_choice_alone_needs_no_words_and_an_email_answer_counts_too(manager_client, consultation, q1):
    manager_client.post(
        ADD, postal_response(consultation, [{"question": q1.pk, "chosen": [option(q1, "No").pk]}], channel="email")
    )
    comment = Comment.objects.get()
    assert (chosen(comment), comment.text) == (["No"], "")
    (counts,) = answers.option_counts(consultation)
    assert [(c.channel, c.answered, c.counts) for c in counts.by_channel] == [("Email", 1, [0, 0, 1])]


def test_words_alone_are_still_taken_for_a_choice_question(manager_client, consultation, q1):
    manager_client.post(ADD, postal_response(consultation, [{"question": q1.pk, "text": "I am not sure yet."}]))
    comment = Comment.objects.get()
    assert (chosen(comment), comment.text) == ([], "I am not sure yet.")


def test_an_answer_with_neither_a_choice_nor_words_is_refused(manager_client, consultation, q1):
    page = manager_client.post(ADD, postal_response(consultation, [{"question": q1.pk, "text": ""}]))
    assert "Enter what they wrote." in page.content.decode()
    assert not Response.objects.exists()


def test_an_option_of_another_question_is_refused_and_nothing_is_stored(manager_client, consultation, q1, q3):
    page = manager_client.post(
        ADD, postal_response(consultation, [{"question": q1.pk, "chosen": [option(q3, "Features").pk], "text": "x"}])
    )
    assert "Tick answers to Q1 only, the question chosen above" in page.content.decode()
    assert not Response.objects.exists() and not ChosenOption.objects.exists()


def test_two_options_for_a_question_taking_one_are_refused(manager_client, consultation, q1):
    typed = {"question": q1.pk, "chosen": [option(q1, "Yes").pk, option(q1, "No").pk]}
    page = manager_client.post(ADD, postal_response(consultation, [typed]))
    assert "Q1 takes one answer: tick one" in page.content.decode()
    assert not Comment.objects.exists()


def test_other_needs_their_words_and_keeps_them(manager_client, consultation, q3):
    typed = {"question": q3.pk, "chosen": [option(q3, "Principles").pk, option(q3, "Other").pk]}
    page = manager_client.post(ADD, postal_response(consultation, [typed]))
    assert "Say what their other answer is" in page.content.decode()
    assert not Comment.objects.exists()
    manager_client.post(ADD, postal_response(consultation, [{**typed, "other": "The glossary"}]))
    comment = Comment.objects.get()
    assert (chosen(comment), comment.other_text) == (["Principles", "Other"], "The glossary")


def test_the_page_offers_each_questions_options_under_the_question_and_shows_what_was_chosen(
    manager_client, consultation, q1, q2
):
    page = manager_client.get(f"{ADD}?consultation={consultation.pk}").content.decode()
    assert "<legend>Q1. Does this draft guidance capture the key principles?</legend>" in page
    assert "Q2. What are the barriers?</legend>" not in page  # answered in words only
    assert 'name="comments-2-0-chosen"' in page
    manager_client.post(ADD, postal_response(consultation, [{"question": q1.pk, "chosen": [option(q1, "Partly").pk]}]))
    response = Response.objects.get()
    change = manager_client.get(reverse("admin:guidance_response_change", args=[response.pk])).content.decode()
    assert f'value="{option(q1, "Partly").pk}" id="id_comments-2-0-chosen_0_1" checked' in change


def test_staff_correcting_a_pending_answer_replace_its_options(manager_client, consultation, q1):
    manager_client.post(ADD, postal_response(consultation, [{"question": q1.pk, "chosen": [option(q1, "Yes").pk]}]))
    response, comment = Response.objects.get(), Comment.objects.get()
    data = postal_response(consultation, [])
    data.update(
        inline(
            "comments-2",
            [{"id": comment.pk, "response": response.pk, "question": q1.pk, "chosen": [option(q1, "No").pk]}],
            initial=1,
        )
    )
    manager_client.post(reverse("admin:guidance_response_change", args=[response.pk]), data)
    assert chosen(Comment.objects.get()) == ["No"]
    assert ChosenOption.objects.count() == 1


# Imported.


@pytest.fixture
def targets(consultation, q1, q2, q3):
    SectionFactory(document=consultation.document, major=2, minor=3, title="Sharing power")
    return consultation


def test_an_import_with_an_option_column_records_the_options_chosen(targets, q1, q3, admin_user):
    data = csv_bytes(
        "2017-10-09,post,Sam Example,The features are vague.,Q1,,partly",
        "2017-10-09,email,Jo Example,,Q1,,No",
        "2017-10-09,email,Al Example,I read both.,Q3,,Principles; Features",
        "2017-10-09,event,Table 4,Glossary please.,q3,,Other: the glossary",
    )
    preview = read_import(targets, data)
    assert preview.errors == []
    assert [row.option_labels for row in preview.rows] == [
        ["Partly"],
        ["No"],
        ["Principles", "Features"],
        ["Other: the glossary"],
    ]
    assert run_import(preview, by=admin_user) == 4
    by_author = {c.response.name: c for c in Comment.objects.select_related("response")}
    assert chosen(by_author["Sam Example"]) == ["Partly"]
    assert by_author["Sam Example"].text == "The features are vague."
    assert chosen(by_author["Al Example"]) == ["Principles", "Features"]
    assert (chosen(by_author["Table 4"]), by_author["Table 4"].other_text) == (["Other"], "the glossary")
    (one, several) = answers.option_counts(targets)
    assert [(o.label, o.count) for o in one.options] == [("Yes", 0), ("Partly", 1), ("No", 1)]
    assert [(c.channel, c.answered) for c in one.by_channel] == [("Email", 1), ("Post", 1)]


def test_a_tweetchat_answer_naming_an_option_after_its_a1_chose_it_and_keeps_its_words(targets, q1, admin_user):
    data = csv_bytes(
        '2017-10-09T20:02,social media,@one,"A1 Yes, mostly. It would help to say more.",,,',
        "2017-10-09T20:03,social media,@two,a1: PARTLY because payment is missing,,,",
        "2017-10-09T20:04,social media,@three,A1 Not sure yet,,,",
        "2017-10-09T20:05,social media,@four,A1 - no,,,",
        "2017-10-09T20:06,social media,@five,A1 Clear principles. Missing: disagreement,,,",
    )
    preview = read_import(targets, data)
    assert preview.errors == []
    assert [row.option_labels for row in preview.rows] == [["Yes"], ["Partly"], [], ["No"], []]
    run_import(preview, by=admin_user)
    by_author = {c.response.name: c for c in Comment.objects.select_related("response")}
    assert by_author["@one"].text == "A1 Yes, mostly. It would help to say more."
    assert chosen(by_author["@one"]) == ["Yes"] and chosen(by_author["@three"]) == []
    (counts, _) = answers.option_counts(targets)
    assert counts.answered == 3
    assert [(c.channel, c.counts) for c in counts.by_channel] == [("Social media", [1, 1, 1])]


def test_the_tweetchat_sample_file_records_the_a1_yes(targets, q1, admin_user):
    from tests.test_imports import SAMPLE

    SectionFactory(document=targets.document, major=5, minor=0)
    for position in range(4, 7):
        QuestionFactory(consultation=targets, position=position)
    run_import(read_import(targets, SAMPLE.read_bytes(), targets={11: "5"}), by=admin_user)
    (answered,) = Comment.objects.filter(question=q1, options__isnull=False)
    assert answered.response.name == "@example_carer_01" and chosen(answered) == ["Yes"]


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ("Q1,,Maybe", "Line 2: Q1 has no answer “Maybe”: its answers are Yes, Partly, No."),
        ("Q1,,Yes; No", "Line 2: Q1 takes one answer only."),
        ("Q2,,Yes", "Line 2: Q2 is answered in words only: leave the option empty."),
        ("Q3,,Other", "Line 2: say what the other answer to Q3 is, as “Other: their words”."),
        (
            "2.3,,Yes",
            "Line 2: the option column is for answers to questions, and this row is a comment on section 2.3: "
            "leave it empty or give a question as the target.",
        ),
    ],
)
def test_a_row_with_an_option_its_question_does_not_take_is_refused_and_nothing_is_stored(targets, row, error):
    data = csv_bytes("2017-10-09,post,Good Row,Fine.,Q1,,Yes", f"2017-10-09,post,Bad Row,Some words.,{row}")
    preview = read_import(targets, csv_bytes(f"2017-10-09,post,Bad Row,Some words.,{row}"))
    assert preview.errors == [error]
    with pytest.raises(ImportRefused):
        run_import(preview)
    whole = read_import(targets, data)
    assert [bool(row.errors) for row in whole.rows] == [False, True]
    with pytest.raises(ImportRefused):
        run_import(whole)
    assert not Response.objects.exists() and not Comment.objects.exists() and not ChosenOption.objects.exists()


def test_a_file_without_an_option_column_keeps_its_import_key(targets):
    """A file imported before the option column came is still recognised as imported."""
    old_header = "received_at,channel,author,text,target,source_url\n"
    without = read_import(targets, csv_bytes("2017-10-09,post,Sam,Words.,Q1,", header=old_header))
    empty_column = read_import(targets, csv_bytes("2017-10-09,post,Sam,Words.,Q1,,"))
    assert without.rows[0].import_key == empty_column.rows[0].import_key
    with_option = read_import(targets, csv_bytes("2017-10-09,post,Sam,Words.,Q1,,Yes"))
    assert with_option.rows[0].import_key != without.rows[0].import_key


def test_the_import_command_records_options_and_refuses_a_bad_row_by_its_line(targets, q1, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes("2017-10-09,post,Sam,Words.,Q1,,Partly"))
    out = io.StringIO()
    call_command("import_responses", targets.slug, str(good), stdout=out)
    assert "Imported 1 response(s)" in out.getvalue()
    assert chosen(Comment.objects.get()) == ["Partly"]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("2017-10-10,post,Jo,Words.,Q1,,Perhaps"))
    with pytest.raises(CommandError, match="Line 2: Q1 has no answer “Perhaps”"):
        call_command("import_responses", targets.slug, str(bad), stdout=io.StringIO())
    assert Comment.objects.count() == 1


def test_the_export_gives_every_channels_choices_and_its_channel(targets, q1, admin_user):
    sent_online(targets, q1, "Yes")
    run_import(read_import(targets, csv_bytes("2017-10-09,post,Sam,Words.,Q1,,Partly")), by=admin_user)
    data = b"".join(csv_chunks(targets, Comment.objects.filter(consultation=targets)))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert sorted((row["Channel"], row["Choices"]) for row in rows) == [("Online", "Yes"), ("Post", "Partly")]


def test_the_import_page_leads_to_typing_in_one_letter_with_its_consultations_questions(manager_client, consultation):
    page = manager_client.get(reverse("admin:guidance_consultation_import", args=[consultation.pk])).content.decode()
    assert f'href="{ADD}?consultation={consultation.pk}">enter a response received by post or email</a>' in page


def test_a_tick_for_a_question_answered_in_words_only_is_refused(manager_client, consultation, q1, q2):
    typed = {"question": q2.pk, "chosen": [option(q1, "Yes").pk], "text": "Money."}
    page = manager_client.post(ADD, postal_response(consultation, [typed]))
    assert "Q2 is answered in words only: tick nothing" in page.content.decode()
    assert not Comment.objects.exists()
