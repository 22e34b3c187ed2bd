"""How long suggested themes and code by example take on 10,000 comments, with the built-in engine.

    .venv/bin/python bench/suggest_themes.py [--comments 10000] [--count 8]

Makes the comments from tests/data/labelled_comments.csv: each is two of its sentences' halves
joined, from two comments of one theme, with a few words of the other themes' comments added, so
that no two are the same and every theme's words are shared a little. No database: it times the
engine (guidance/analysis/engines.py), which is what grows with the comments (reading 10,000
comments' texts is one query). Prints the time of each step, the process's CPU time, and the
adjusted Rand index of the groups against the themes the comments were made from.

The target (docs/performance.md): under 60 seconds on 2 cores.
"""

import argparse
import csv
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.test_settings")


def made_up_comments(how_many, seed=1):
    rows = list(csv.DictReader((ROOT / "tests/data/labelled_comments.csv").open(encoding="utf-8")))
    by_theme = {}
    for row in rows:
        by_theme.setdefault(row["theme"], []).append(row["text"].rstrip("."))
    rng = random.Random(seed)
    themes = sorted(by_theme)
    texts, labels = [], []
    for n in range(how_many):
        theme = themes[n % len(themes)]
        first, second = rng.sample(by_theme[theme], 2)
        other = rng.choice(by_theme[rng.choice(themes)]).split()
        start = rng.randrange(max(1, len(other) - 3))
        words_first, words_second = first.split(), second.split()
        text = " ".join(
            [
                *words_first[: max(3, len(words_first) // 2 + rng.randrange(3))],
                *words_second[len(words_second) // 2 :],
                "and",
                *other[start : start + 3],
                f"({n})",
            ]
        )
        texts.append(text + ".")
        labels.append(theme)
    return texts, labels


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--count", type=int, default=8)
    arguments = parser.parse_args()

    import django

    django.setup()
    from sklearn.metrics import adjusted_rand_score

    from guidance.analysis import engines

    texts, labels = made_up_comments(arguments.comments)
    using = engines.TfidfEngine()
    steps = []
    started = cpu_started = None

    def progress(words):
        steps.append((words, time.perf_counter()))

    started, cpu_started = time.perf_counter(), time.process_time()
    groups = engines.suggest_groups(texts, arguments.count, using=using, progress=progress)
    grouped = time.perf_counter()
    found = [0] * len(texts)
    for number, group in enumerate(groups):
        for position in group["members"]:
            found[position] = number
    print(f"{len(texts)} comments, {arguments.count} themes asked for, {os.cpu_count()} CPUs")
    for (words, at), (_, then) in zip(steps, [*steps[1:], (None, grouped)], strict=True):
        print(f"  {words}: {then - at:.1f} s")
    print(f"Suggested themes: {grouped - started:.1f} s (CPU {time.process_time() - cpu_started:.1f} s)")
    agreement = adjusted_rand_score(labels, found)
    print(f"  agreement with the themes they were made from (adjusted Rand index): {agreement:.2f}")
    for group in groups:
        print(f"  {len(group['members']):5d}  {engines.name_of(group['key_phrases'])}")

    examples, example_labels, seen = [], [], {}
    for text, label in zip(texts, labels, strict=True):
        if seen.get(label, 0) < 5:
            seen[label] = seen.get(label, 0) + 1
            examples.append(text)
            example_labels.append(label)
    started = time.perf_counter()
    coded = engines.code_by_example(examples, example_labels, texts, using=using)
    right = sum(label == truth for (label, _), truth in zip(coded, labels, strict=True)) / len(labels)
    print(f"Code by example, 5 examples a theme: {time.perf_counter() - started:.1f} s, accuracy {right:.2f}")


if __name__ == "__main__":
    main()
