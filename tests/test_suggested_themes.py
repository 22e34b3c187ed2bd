"""Suggested themes: the portal groups approved comments by what they say, an analyst accepts
(named as they choose), merges or discards each suggestion, then confirms or removes, in bulk, each
comment a theme is suggested for. Nothing is coded without that confirmation."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from guidance.analysis import engines, suggestions
from guidance.management.commands.run_worker import Worker
from guidance.models import Comment, SuggestionRun, Theme, ThemeSuggestion
from tests.factories import CommentFactory, SectionFactory, UserFactory
from tests.theme_helpers import approve_labelled, save_tiny_model, suggestion_agreement

pytestmark = pytest.mark.django_db

# Measured on tests/data/labelled_comments.csv (docs/analysis.md): 0.21. A little below, as a floor.
TFIDF_AGREEMENT_FLOOR = 0.18


@pytest.fixture
def labelled(consultation, section):
    return approve_labelled(section)


@pytest.fixture
def embeddings(settings, tmp_path):
    settings.THEME_ENGINE = "embeddings"
    settings.THEME_EMBEDDING_MODEL_PATH = str(save_tiny_model(tmp_path / "tiny-model"))


@pytest.fixture
def analyst(client):
    user = UserFactory(analyst=True)
    client.force_login(user)
    return user


def ask(client, consultation, **data):
    return client.post(
        reverse("admin:guidance_consultation_suggest_themes", args=[consultation.pk]),
        {"part": "all", "count": "6", **data},
    )


def test_the_built_in_engine_agrees_with_the_labels_as_measured():
    assert suggestion_agreement(engines.TfidfEngine()) >= TFIDF_AGREEMENT_FLOOR


def test_the_same_comments_give_the_same_suggestions(consultation, labelled):
    comments = suggestions.comments_to_group(consultation)
    assert suggestions.compute_suggestions(comments, 6) == suggestions.compute_suggestions(comments, 6)


def test_the_embedding_engine_runs_on_a_local_model_and_repeats_itself(consultation, labelled, embeddings):
    comments = suggestions.comments_to_group(consultation)
    first = suggestions.compute_suggestions(comments, 6)
    assert engines.engine().name == "embeddings"
    assert len(first) == 6 and sum(len(s["comment_ids"]) for s in first) == 120
    assert all(s["key_phrases"] and len(s["representative_ids"]) == 3 for s in first)
    assert suggestions.compute_suggestions(comments, 6) == first


@pytest.mark.parametrize("path", ["minishlab/potion-base-8M", "relative/folder", "https://example.org/model", ""])
def test_a_model_path_that_is_not_a_local_folder_is_refused(settings, path):
    settings.THEME_ENGINE = "embeddings"
    settings.THEME_EMBEDDING_MODEL_PATH = path
    with pytest.raises(ImproperlyConfigured):
        engines.engine()


def test_a_folder_without_a_model_is_refused(settings, tmp_path):
    settings.THEME_ENGINE = "embeddings"
    settings.THEME_EMBEDDING_MODEL_PATH = str(tmp_path)
    with pytest.raises(ImproperlyConfigured, match="config.json, model.safetensors, tokenizer.json missing"):
        engines.engine()


def test_an_unknown_engine_is_refused_on_the_page_and_nothing_is_stored(
    client, analyst, settings, consultation, labelled
):
    settings.THEME_ENGINE = "magic"
    response = ask(client, consultation)
    assert response.status_code == 400
    assert "THEME_ENGINE is &#x27;magic&#x27;" in response.content.decode()
    assert not SuggestionRun.objects.exists()


def test_asking_shows_each_suggestion_with_its_name_size_and_three_comments(client, analyst, consultation, labelled):
    response = ask(client, consultation)
    run = SuggestionRun.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/themes/suggested/{run.pk}/")
    assert run.state == "done" and run.comment_count == 120
    page = client.get(response.url).content.decode()
    for suggestion in run.suggestions:
        assert suggestion["name"] in page
        assert f"{len(suggestion['comment_ids'])} comments" in page
        assert len(suggestion["representative_ids"]) == 3
        for pk in suggestion["representative_ids"]:
            assert escape(Comment.objects.get(pk=pk).text) in page
    assert not Theme.objects.exists() and not ThemeSuggestion.objects.exists()


def test_a_suggestion_for_one_section_uses_only_its_comments(client, analyst, consultation, section, labelled):
    other = SectionFactory(document=consultation.document)
    elsewhere = [CommentFactory(section=other, text=f"Training for staff, point {n}") for n in range(3)]
    Comment.objects.filter(pk__in=[c.pk for c in elsewhere]).update(status=Comment.Status.APPROVED)
    ask(client, consultation, part=f"section-{other.pk}", count="2")
    run = SuggestionRun.objects.get()
    assert sorted(pk for s in run.suggestions for pk in s["comment_ids"]) == [c.pk for c in elsewhere]


def test_pending_and_rejected_comments_are_left_out(consultation, section, labelled):
    pending = CommentFactory(section=section, text="Payment should be made on the day.")
    ids = {
        pk
        for s in suggestions.compute_suggestions(suggestions.comments_to_group(consultation), 6)
        for pk in s["comment_ids"]
    }
    assert pending.pk not in ids and len(ids) == 120


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"count": "abc"}, "Write a number from 2 to 30 with the digits 0 to 9."),
        ({"count": "٣"}, "Write a number from 2 to 30 with the digits 0 to 9."),
        ({"count": "1"}, "Ask for at least 2 themes."),
        ({"count": "99"}, "Ask for at most 30 themes."),
        ({"part": "section-999999"}, "Choose the whole consultation, a section or a question."),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_is_stored(
    client, analyst, consultation, labelled, data, error
):
    response = ask(client, consultation, **data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not SuggestionRun.objects.exists()


def test_too_few_comments_are_refused(client, analyst, consultation, section):
    response = ask(client, consultation)
    assert response.status_code == 400
    assert "There are not enough approved comments with words to group" in response.content.decode()


def accept(client, run, number, name):
    return client.post(
        reverse("admin:guidance_suggestion_accept", args=[run.consultation_id, run.pk, number]), {"name": name}
    )


def test_accepting_creates_the_theme_renamed_and_only_suggests_it(client, analyst, consultation, labelled):
    ask(client, consultation)
    run = SuggestionRun.objects.get()
    first = run.suggestions[0]
    response = accept(client, run, first["number"], "  Paying   people fairly ")
    theme = Theme.objects.get()
    assert theme.name == "Paying people fairly" and theme.consultation == consultation
    assert response.url == reverse("admin:guidance_theme_suggestions", args=[theme.pk])
    assert set(theme.suggestions.values_list("comment_id", flat=True)) == set(first["comment_ids"])
    assert set(theme.suggestions.values_list("state", flat=True)) == {"suggested"}
    assert not theme.comments.exists()  # nothing is coded before it is confirmed
    page = client.get(response.url).content.decode()
    assert f"{len(first['comment_ids'])} waiting for review" in page
    run.refresh_from_db()
    assert run.suggestions[0]["status"] == "accepted"
    assert accept(client, run, first["number"], "Again").status_code == 400  # once only
    assert Theme.objects.count() == 1


def test_a_name_already_taken_is_refused_and_nothing_is_stored(client, analyst, consultation, labelled):
    Theme.objects.create(consultation=consultation, name="Payment")
    ask(client, consultation)
    run = SuggestionRun.objects.get()
    response = accept(client, run, run.suggestions[0]["number"], "payment")
    assert response.status_code == 400
    assert "already has a theme called “payment”" in response.content.decode()
    assert Theme.objects.count() == 1 and not ThemeSuggestion.objects.exists()
    assert accept(client, run, run.suggestions[0]["number"], "   ").status_code == 400


def test_merging_two_suggestions_makes_one_with_both_comments(client, analyst, consultation, labelled):
    ask(client, consultation)
    run = SuggestionRun.objects.get()
    one, other = run.suggestions[0], run.suggestions[1]
    url = reverse("admin:guidance_suggestion_merge", args=[consultation.pk, run.pk])
    assert client.post(url, {"first": one["number"], "second": one["number"]}).status_code == 400
    client.post(url, {"first": one["number"], "second": other["number"]})
    run.refresh_from_db()
    merged = run.suggestions[-1]
    assert merged["status"] == "open" and merged["comment_ids"] == sorted(one["comment_ids"] + other["comment_ids"])
    assert [s["status"] for s in run.suggestions[:2]] == ["merged", "merged"]
    page = client.get(reverse("admin:guidance_suggestion_run", args=[consultation.pk, run.pk])).content.decode()
    assert merged["name"] in page and one["name"] not in page.split("Merge two suggestions")[0]


def test_discarding_hides_a_suggestion_and_codes_nothing(client, analyst, consultation, labelled):
    ask(client, consultation)
    run = SuggestionRun.objects.get()
    number = run.suggestions[0]["number"]
    client.post(reverse("admin:guidance_suggestion_discard", args=[consultation.pk, run.pk, number]))
    run.refresh_from_db()
    assert run.suggestions[0]["status"] == "discarded"
    assert not Theme.objects.exists() and not ThemeSuggestion.objects.exists()


def test_confirming_and_removing_in_bulk_on_one_page(client, analyst, consultation, labelled):
    ask(client, consultation)
    run = SuggestionRun.objects.get()
    accept(client, run, run.suggestions[0]["number"], "First theme")
    theme = Theme.objects.get()
    ids = list(theme.suggestions.values_list("comment_id", flat=True))
    decide = reverse("admin:guidance_theme_suggestions_decide", args=[theme.pk])
    client.post(decide, {"comments": ids[:3], "decision": "confirm"})
    assert set(theme.comments.values_list("pk", flat=True)) == set(ids[:3])
    client.post(decide, {"comments": ids[3:5], "decision": "remove"})
    assert theme.comments.count() == 3
    assert set(theme.suggestions.filter(state="refused").values_list("comment_id", flat=True)) == set(ids[3:5])
    page = client.get(reverse("admin:guidance_theme_suggestions", args=[theme.pk])).content.decode()
    assert f"{len(ids) - 5} waiting for review" in page
    assert f'value="{ids[0]}"' not in page and f'value="{ids[5]}"' in page


def test_a_bulk_decision_with_nothing_ticked_or_a_comment_not_waiting_is_refused(
    client, analyst, consultation, labelled
):
    ask(client, consultation)
    run = SuggestionRun.objects.get()
    accept(client, run, run.suggestions[0]["number"], "First theme")
    theme = Theme.objects.get()
    decide = reverse("admin:guidance_theme_suggestions_decide", args=[theme.pk])
    response = client.post(decide, {"decision": "confirm"})
    assert response.status_code == 400 and "Tick at least one comment first." in response.content.decode()
    outsider = Comment.objects.exclude(pk__in=theme.suggestions.values("comment_id")).first()
    response = client.post(decide, {"comments": [outsider.pk], "decision": "confirm"})
    assert response.status_code == 400 and "no longer waiting for review" in response.content.decode()
    assert not theme.comments.exists()


def test_moderators_may_not_use_the_pages_and_writes_need_a_post(client, consultation, labelled):
    client.force_login(UserFactory(moderator=True))
    assert client.get(reverse("admin:guidance_consultation_themes", args=[consultation.pk])).status_code == 403
    assert ask(client, consultation).status_code == 403
    client.force_login(UserFactory(analyst=True))
    assert client.get(reverse("admin:guidance_consultation_suggest_themes", args=[consultation.pk])).status_code == 405
    assert not SuggestionRun.objects.exists()


def test_the_dashboard_and_the_navigation_link_to_the_themes_page(client, analyst, consultation):
    page = client.get(reverse("admin:guidance_consultation_dashboard", args=[consultation.pk])).content.decode()
    assert reverse("admin:guidance_consultation_themes", args=[consultation.pk]) in page
    assert "Suggest themes, code by example" in page


def test_above_the_limit_the_worker_works_it_out_and_the_page_says_how_far(
    client, analyst, settings, consultation, labelled
):
    settings.THEME_SUGGESTIONS_IN_REQUEST_LIMIT = 100
    response = ask(client, consultation)
    run = SuggestionRun.objects.get()
    assert run.state == "waiting" and run.suggestions == []
    page = client.get(response.url).content.decode()
    assert "Waiting for the worker to start" in page and "Refresh this page" in page
    Worker(housekeeping_seconds=0).send_what_is_due()
    run.refresh_from_db()
    assert run.state == "done" and len(run.suggestions) == 6
    assert "Representative comments" in client.get(response.url).content.decode()


def test_a_run_left_unfinished_by_a_stopped_worker_is_taken_again(consultation, labelled, settings):
    settings.THEME_SUGGESTIONS_IN_REQUEST_LIMIT = 100
    run = suggestions.request_suggestions(consultation, count=6)
    assert suggestions.take_waiting_run().pk == run.pk
    assert suggestions.take_waiting_run() is None  # taken: not twice
    SuggestionRun.objects.filter(pk=run.pk).update(started_at=run.requested_at - suggestions.STALLED)
    assert suggestions.work_out_waiting() == 1
    assert SuggestionRun.objects.get().state == "done"


def test_the_command_prints_suggestions_as_json_and_changes_nothing(consultation, labelled, capsys):
    before = (Theme.objects.count(), ThemeSuggestion.objects.count(), SuggestionRun.objects.count())
    with CaptureQueriesContext(connection) as queries:
        call_command("suggest_themes", consultation.slug, "--count", "6", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert len(printed) == 6
    assert {"name", "key_phrases", "comment_ids"} == set(printed[0])
    assert sorted(pk for s in printed for pk in s["comment_ids"]) == sorted(labelled)
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert (Theme.objects.count(), ThemeSuggestion.objects.count(), SuggestionRun.objects.count()) == before


def test_the_command_reads_one_section_or_question_and_refuses_what_does_not_exist(
    consultation, section, labelled, capsys
):
    call_command("suggest_themes", consultation.slug, "--section", str(section.number), "--count", "3", "--json")
    assert len(json.loads(capsys.readouterr().out)) == 3
    from django.core.management.base import CommandError

    for arguments, message in [
        (["--section", "99"], "has no section 99"),
        (["--section", "two"], "is not a section number"),
        (["--question", "Q7"], "has no question Q7"),
        (["--count", "1"], "--count must be between 2 and 30"),
    ]:
        with pytest.raises(CommandError, match=message):
            call_command("suggest_themes", consultation.slug, *arguments)
    with pytest.raises(CommandError, match="No consultation has the slug"):
        call_command("suggest_themes", "no-such-consultation")
