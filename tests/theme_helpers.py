"""Shared by the tests of suggested themes and code by example: the labelled comments, a
consultation holding them, and a tiny model2vec model made on the spot."""

import csv
import re
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from guidance.analysis import engines
from guidance.models import Comment
from tests.factories import CommentFactory

LABELLED = Path(__file__).with_name("data") / "labelled_comments.csv"


def labelled_comments():
    with LABELLED.open(encoding="utf-8", newline="") as file:
        return [(row["text"], row["theme"]) for row in csv.DictReader(file)]


def suggestion_agreement(using, count=6):
    """Adjusted Rand index between the suggested groups and the labels."""
    rows = labelled_comments()
    groups = engines.suggest_groups([text for text, _ in rows], count, using=using)
    found = [0] * len(rows)
    for number, group in enumerate(groups):
        for position in group["members"]:
            found[position] = number
    return adjusted_rand_score([theme for _, theme in rows], found)


def example_accuracy(using, examples_per_theme=5):
    """Code by example's accuracy: the first few comments of each theme are its examples, every other
    comment is coded with the theme it is most like."""
    examples, labels, others, truth, seen = [], [], [], [], {}
    for text, theme in labelled_comments():
        if seen.get(theme, 0) < examples_per_theme:
            seen[theme] = seen.get(theme, 0) + 1
            examples.append(text)
            labels.append(theme)
        else:
            others.append(text)
            truth.append(theme)
    coded = engines.code_by_example(examples, labels, others, using=using)
    return sum(label == theme for (label, _), theme in zip(coded, truth, strict=True)) / len(truth)


def approve_labelled(section):
    """The labelled comments, approved, on the section: {comment id: its theme}."""
    themes = {}
    for text, theme in labelled_comments():
        comment = CommentFactory(section=section, text=text)
        themes[comment.pk] = theme
    Comment.objects.filter(pk__in=themes).update(status=Comment.Status.APPROVED)
    return themes


def save_tiny_model(folder):
    """A model2vec model of the labelled comments' words, with random vectors from a fixed seed, saved
    to the folder as a real model is installed. Returns the folder."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    words = sorted({word for text, _ in labelled_comments() for word in re.findall(r"[a-z]+", text.lower())})
    vocabulary = {"[UNK]": 0, "[PAD]": 1} | {word: index + 2 for index, word in enumerate(words)}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocabulary, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    vectors = np.random.default_rng(7).normal(size=(len(vocabulary), 16)).astype(np.float32)
    StaticModel(vectors=vectors, tokenizer=tokenizer, config={}).save_pretrained(folder)
    return folder
