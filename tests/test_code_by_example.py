"""Code by example: once a theme has three or more coded comments, the portal suggests it for the
uncoded comments most like them, each with how sure it is, least sure first, for an analyst to
confirm or remove in bulk. Nothing is coded until confirmed."""

import pytest
from django.urls import reverse

from guidance.analysis import engines, suggestions
from guidance.models import Comment, Theme, ThemeSuggestion
from tests.factories import UserFactory
from tests.theme_helpers import approve_labelled, example_accuracy, save_tiny_model

pytestmark = pytest.mark.django_db

# Measured on tests/data/labelled_comments.csv with 5 examples a theme (docs/analysis.md): 0.79.
TFIDF_ACCURACY_FLOOR = 0.75


@pytest.fixture
def labelled(consultation, section):
    return approve_labelled(section)


@pytest.fixture
def analyst(client):
    user = UserFactory(analyst=True)
    client.force_login(user)
    return user


def code_examples(consultation, labelled, per_theme=5):
    """Each labelled theme as a Theme, coded by hand on its first few comments."""
    themes, coded = {}, {}
    for pk, label in labelled.items():
        theme = themes.get(label) or themes.setdefault(
            label, Theme.objects.create(consultation=consultation, name=label)
        )
        if coded.get(label, 0) < per_theme:
            Comment.objects.get(pk=pk).themes.add(theme)
            coded[label] = coded.get(label, 0) + 1
    return themes


def test_the_built_in_engine_codes_as_well_as_measured():
    assert example_accuracy(engines.TfidfEngine()) >= TFIDF_ACCURACY_FLOOR


def test_the_embedding_engine_codes_by_example_with_a_local_model_and_repeats_itself(tmp_path):
    using = engines.EmbeddingEngine(str(save_tiny_model(tmp_path / "tiny")))
    first = engines.code_by_example(
        ["pay", "paid money", "training day"], [1, 1, 2], ["money for time", "a course"], using
    )
    assert [label for label, _ in first] in ([1, 1], [1, 2], [2, 1], [2, 2])
    assert all(0 <= confidence <= 1 for _, confidence in first)
    assert (
        engines.code_by_example(["pay", "paid money", "training day"], [1, 1, 2], ["money for time", "a course"], using)
        == first
    )


def test_a_theme_with_fewer_than_three_coded_comments_is_refused(client, analyst, consultation, labelled):
    theme = Theme.objects.create(consultation=consultation, name="Payment")
    for pk in list(labelled)[:2]:
        Comment.objects.get(pk=pk).themes.add(theme)
    response = client.post(reverse("admin:guidance_theme_by_example", args=[theme.pk]), follow=True)
    assert "Code at least 3 approved comments with “Payment” first" in response.content.decode()
    assert not ThemeSuggestion.objects.exists()


def test_suggestions_by_example_are_mostly_right_least_sure_first_and_code_nothing(
    client, analyst, consultation, labelled
):
    themes = code_examples(consultation, labelled)
    payment = themes["payment"]
    response = client.post(reverse("admin:guidance_theme_by_example", args=[payment.pk]), follow=True)
    suggested = list(payment.suggestions.order_by("confidence"))
    assert f"“payment” is suggested for {len(suggested)} uncoded comment(s)" in response.content.decode()
    assert len(suggested) >= 8
    right = sum(labelled[s.comment_id] == "payment" for s in suggested)
    assert right / len(suggested) >= 0.7
    assert all(s.state == "suggested" and s.origin == "example" and 0 < s.confidence <= 1 for s in suggested)
    assert payment.comments.count() == 5  # only the examples: nothing coded yet
    page = response.content.decode()
    positions = [page.index(f'value="{s.comment_id}"') for s in suggested]
    assert positions == sorted(positions)  # least sure first
    assert f"{round(suggested[0].confidence * 100)}% sure" in page


def test_coded_comments_and_those_of_other_themes_are_not_suggested(consultation, labelled):
    themes = code_examples(consultation, labelled)
    suggestions.suggest_by_example(themes["training"])
    coded = set(Comment.themes.through.objects.values_list("comment_id", flat=True))
    assert not coded & set(ThemeSuggestion.objects.values_list("comment_id", flat=True))


def test_confirmed_in_bulk_they_are_coded_and_refused_ones_are_not_suggested_again(
    client, analyst, consultation, labelled
):
    themes = code_examples(consultation, labelled)
    power = themes["power"]
    suggestions.suggest_by_example(power)
    ids = list(power.suggestions.values_list("comment_id", flat=True))
    decide = reverse("admin:guidance_theme_suggestions_decide", args=[power.pk])
    client.post(decide, {"comments": ids[:2], "decision": "confirm"})
    client.post(decide, {"comments": ids[2:4], "decision": "remove"})
    assert set(ids[:2]) <= set(power.comments.values_list("pk", flat=True))
    suggestions.suggest_by_example(power)
    again = set(power.suggestions.filter(state="suggested").values_list("comment_id", flat=True))
    assert not again & set(ids[:4])
    assert set(power.suggestions.filter(state="refused").values_list("comment_id", flat=True)) == set(ids[2:4])


def test_with_one_theme_alone_the_most_alike_comments_are_suggested(consultation, labelled):
    theme = Theme.objects.create(consultation=consultation, name="Accessibility")
    for pk in [pk for pk, label in labelled.items() if label == "accessibility"][:4]:
        Comment.objects.get(pk=pk).themes.add(theme)
    found = suggestions.suggest_by_example(theme)
    assert 0 < found < 116  # the uncoded comments sharing something with the examples
    most_alike = theme.suggestions.order_by("-confidence")[:5]
    assert sum(labelled[s.comment_id] == "accessibility" for s in most_alike) >= 3


def test_moderators_may_not_code_by_example_and_it_needs_a_post(client, consultation, labelled):
    theme = code_examples(consultation, labelled)["payment"]
    client.force_login(UserFactory(moderator=True))
    assert client.post(reverse("admin:guidance_theme_by_example", args=[theme.pk])).status_code == 403
    assert client.get(reverse("admin:guidance_theme_suggestions", args=[theme.pk])).status_code == 403
    client.force_login(UserFactory(analyst=True))
    assert client.get(reverse("admin:guidance_theme_by_example", args=[theme.pk])).status_code == 405
    assert not ThemeSuggestion.objects.exists()
