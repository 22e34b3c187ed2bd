"""How comments are grouped by what they say, and compared with the examples of a theme: computed
here, on the server, from the comments' words alone (no text leaves it).

Two engines, chosen by the THEME_ENGINE setting (docs/analysis.md, "Suggested themes"):

- "tfidf" (built in): each comment is weighed by its words and word pairs (TF-IDF, words cut to
  their stems with the Snowball stemmer, so "paid", "pay" and "paying" count as one), reduced to
  its main directions (LSA) and grouped with k-means. Code by example is a logistic regression on
  the same weights.
- "embeddings": each comment becomes the mean of its words' vectors from a model2vec model kept in
  a local folder (THEME_EMBEDDING_MODEL_PATH; nothing is downloaded), grouped with k-means. Code by
  example is a logistic regression on those vectors.

Either way a group's name is made of its key phrases, the words and pairs that weigh most in its
comments and least elsewhere (TF-IDF), and its three representative comments are the ones nearest
its centre. Every random choice has a fixed seed: the same comments give the same suggestions.

Nothing here reads or writes the database: it takes texts and gives numbers.
"""

import re
import warnings
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import numpy as np
import snowballstemmer
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# scikit-learn is imported by the functions that use it, not here: it takes seconds to import, and
# every web process loads this module with the staff pages' addresses, while only the worker and an
# analyst's request for suggestions ever need it.

SEED = 0
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Words that say nothing about a theme in a consultation on guidance: every comment may use them.
CONSULTATION_WORDS = {"guidance", "document", "section", "think", "feel", "would", "also", "really", "just"}


@lru_cache(maxsize=1)
def stop_words():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return ENGLISH_STOP_WORDS | CONSULTATION_WORDS


def lsa_dimensions(texts, count):
    """LSA's dimensions: a few more than the groups asked for, growing with the comments. On short
    comments, few dimensions group best (docs/analysis.md has the figures); at most 100."""
    return min(100, count + 2 + len(texts) // 200)


class Words:
    """Cuts a text into its stems and stem pairs (TF-IDF's terms), remembering for each term the
    words it came from most often, so a key phrase is shown as people wrote it ("paid for time"),
    not as its stems ("paid time")."""

    def __init__(self):
        self.stemmer = snowballstemmer.stemmer("english")
        self.stems = {}
        self.written = defaultdict(Counter)

    def stem(self, word):
        stem = self.stems.get(word)
        if stem is None:
            stem = self.stems[word] = self.stemmer.stemWord(word)
        return stem

    def __call__(self, text):
        words = [word for word in WORD.findall(text.lower().replace("’", "'")) if len(word) > 1]
        stop = stop_words()
        kept = [(self.stem(word), word) for word in words if word not in stop]
        terms = []
        for index, (stem, word) in enumerate(kept):
            terms.append(stem)
            self.written[stem][word] += 1
            if index:
                pair = f"{kept[index - 1][0]} {stem}"
                terms.append(pair)
                self.written[pair][f"{kept[index - 1][1]} {word}"] += 1
        return terms

    def as_written(self, term):
        return self.written[term].most_common(1)[0][0] if self.written[term] else term


def weigh(texts, words=None):
    """Each text's TF-IDF weights over stems and stem pairs: (matrix, vectorizer, words)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = words or Words()
    vectorizer = TfidfVectorizer(
        analyzer=words,
        # Terms in one comment only, or in most, tell no group apart; on few comments, keep them all.
        min_df=2 if len(texts) >= 50 else 1,
        max_df=0.5 if len(texts) >= 50 else 1.0,
        sublinear_tf=True,
        dtype=np.float32,
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no word at all in any text (only stop words, numbers, punctuation)
        vectorizer = TfidfVectorizer(analyzer=words, dtype=np.float32)
        matrix = vectorizer.fit_transform([*texts, "comment"])[: len(texts)]
    return matrix, vectorizer, words


def group_vectors(vectors, count):
    """k-means with a fixed seed: each row's group number, 0 to count - 1. Never more groups than
    there are different comments (identical ones cannot be told apart)."""
    from sklearn.cluster import KMeans

    different = len(np.unique(np.round(np.asarray(vectors), 6), axis=0))
    count = max(1, min(count, different))
    return KMeans(n_clusters=count, n_init=10, random_state=SEED).fit_predict(vectors)


def key_phrases(matrix, vectorizer, words, labels, how_many=4):
    """For each group, the terms that weigh most in its comments compared with all the others,
    as people wrote them, longest-lived first: a pair is kept over the single words it holds."""
    terms = vectorizer.get_feature_names_out()
    overall = np.asarray(matrix.mean(axis=0)).ravel()
    phrases = {}
    for label in sorted(set(labels)):
        inside = np.asarray(matrix[labels == label].mean(axis=0)).ravel()
        score = inside - overall
        chosen = []
        for index in np.argsort(-score, kind="stable"):
            if score[index] <= 0 or len(chosen) >= how_many:
                break
            term = str(terms[index])
            # "public contributor" says more than "public" and "contributor": one or the other.
            if any(term in kept.split() or set(kept.split()) & set(term.split()) for kept in chosen):
                continue
            chosen.append(term)
        phrases[label] = [words.as_written(term) for term in chosen]
    return phrases


def representatives(vectors, labels, how_many=3):
    """For each group, the positions of the comments nearest its centre (cosine), nearest first."""
    from sklearn.preprocessing import normalize

    vectors = normalize(vectors)
    chosen = {}
    for label in sorted(set(labels)):
        members = np.flatnonzero(labels == label)
        centre = np.asarray(vectors[members].mean(axis=0)).ravel()
        nearness = np.asarray(vectors[members] @ centre).ravel()
        chosen[label] = [int(members[i]) for i in np.argsort(-nearness, kind="stable")[:how_many]]
    return chosen


class TfidfEngine:
    name = "tfidf"

    def vectors(self, texts, matrix, count):
        """TF-IDF reduced to its main directions (LSA): comments that share no word but share
        the words their neighbours use come closer."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.preprocessing import normalize

        dimensions = min(lsa_dimensions(texts, count), matrix.shape[0] - 1, matrix.shape[1] - 1)
        if dimensions < 2:
            return normalize(matrix).toarray()
        return normalize(TruncatedSVD(n_components=dimensions, random_state=SEED).fit_transform(matrix))

    def features(self, texts):
        return weigh(texts)[0]


class EmbeddingEngine:
    name = "embeddings"

    def __init__(self, path):
        self.model = load_model(path)

    def vectors(self, texts, matrix, count=None):
        from sklearn.preprocessing import normalize

        return normalize(self.model.encode(list(texts), use_multiprocessing=False))

    def features(self, texts):
        return self.vectors(texts, None)


def check_model_folder(path):
    """The folder of a model2vec model, or ImproperlyConfigured saying why not. Only a folder on
    this machine: a name such as "minishlab/potion-base-8M" would be downloaded, and no comment's
    text, nor any request for it, leaves the server."""
    if not path:
        raise ImproperlyConfigured(
            'THEME_ENGINE is "embeddings" but THEME_EMBEDDING_MODEL_PATH is empty: set it to the folder of a '
            "model2vec model on this machine (docs/analysis.md, “Suggested themes”)."
        )
    folder = Path(path)
    if not folder.is_absolute() or not folder.is_dir():
        raise ImproperlyConfigured(
            f"THEME_EMBEDDING_MODEL_PATH is {path!r}, which is not a folder on this machine (an absolute path). "
            "Models are never downloaded: copy the model's folder here first (docs/analysis.md)."
        )
    missing = [name for name in ("config.json", "model.safetensors", "tokenizer.json") if not (folder / name).is_file()]
    if missing:
        raise ImproperlyConfigured(
            f"THEME_EMBEDDING_MODEL_PATH {path!r} holds no model2vec model: {', '.join(missing)} missing."
        )
    return folder


@lru_cache(maxsize=2)
def load_model(path):
    from model2vec import StaticModel

    return StaticModel.from_pretrained(check_model_folder(path))


def engine():
    """The engine the settings choose."""
    chosen = getattr(settings, "THEME_ENGINE", "tfidf")
    if chosen == "tfidf":
        return TfidfEngine()
    if chosen == "embeddings":
        return EmbeddingEngine(str(settings.THEME_EMBEDDING_MODEL_PATH))
    raise ImproperlyConfigured(f'THEME_ENGINE is {chosen!r}: it must be "tfidf" or "embeddings".')


def suggest_groups(texts, count, using=None, progress=lambda words: None):
    """Group the texts into at most `count` groups. Returns a list of groups, largest first (then
    by their first text), each {"key_phrases", "members", "representatives"}: positions in texts."""
    from sklearn.exceptions import ConvergenceWarning

    using = using or engine()
    if not texts:
        return []
    progress("Weighing the words of each comment")
    # A few nearly identical comments (a variance of 0, fewer distinct points than groups) make
    # scikit-learn warn; the groups are still the right ones.
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        matrix, vectorizer, words = weigh(texts)
        vectors = using.vectors(texts, matrix, count)
        progress("Grouping the comments")
        labels = group_vectors(vectors, count)
    progress("Naming each group")
    phrases = key_phrases(matrix, vectorizer, words, labels)
    nearest = representatives(vectors, labels)
    groups = [
        {
            "key_phrases": phrases[label],
            "members": [int(i) for i in np.flatnonzero(labels == label)],
            "representatives": nearest[label],
        }
        for label in sorted(set(labels))
    ]
    return sorted(groups, key=lambda group: (-len(group["members"]), group["members"][0]))


def name_of(phrases):
    """A suggested theme's name: its key phrases, as a theme's name may hold (100 characters)."""
    name = ", ".join(phrases[:3]) or "Comments with few words in common"
    name = name[:1].upper() + name[1:]
    return name if len(name) <= 100 else name[:99].rsplit(",", 1)[0] + "…"


def code_by_example(example_texts, example_labels, candidate_texts, using=None):
    """For each candidate text, the label of the examples it is most like and how sure that is,
    from 0 to 1: [(label, confidence)]. With examples of several labels, a logistic regression's
    probability; with one label only, the candidate's nearness (cosine) to its nearest example."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import normalize

    using = using or engine()
    if not candidate_texts:
        return []
    texts = [*example_texts, *candidate_texts]
    features = using.features(texts)
    examples, candidates = features[: len(example_texts)], features[len(example_texts) :]
    labels = sorted(set(example_labels))
    if len(labels) == 1:
        nearness = normalize(candidates) @ normalize(examples).T
        nearness = nearness.toarray() if hasattr(nearness, "toarray") else np.asarray(nearness)
        best = np.clip(nearness.max(axis=1), 0, 1)
        return [(labels[0], float(value)) for value in best]
    classifier = LogisticRegression(C=10, max_iter=1000, random_state=SEED)
    with warnings.catch_warnings():
        # Few examples that a line separates perfectly: the fit is as good as it gets.
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.fit(examples, example_labels)
    probabilities = classifier.predict_proba(candidates)
    best = probabilities.argmax(axis=1)
    return [(classifier.classes_[i], float(probabilities[row, i])) for row, i in enumerate(best)]
