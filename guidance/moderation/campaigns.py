"""Campaigns and duplicates: comments whose text is the same, or nearly the same, share a group.

The method (also in docs/analysis.md):

1. Normalise each comment's text: Unicode NFKC, case folded, every run of punctuation and
   whitespace turned into one space, trimmed. "I SUPPORT this!!" and "i support  this" become
   the same string.
2. Exact groups: comments with the same normalised text.
3. Near-identical: each distinct normalised text becomes its set of word 3-shingles (every run
   of three consecutive words; a text of fewer than three words is one shingle, itself, so it
   only ever matches exactly). Two texts are near-identical when the Jaccard similarity of their
   shingle sets, |A ∩ B| / |A ∪ B|, is at least 0.8. One changed word in a 100-word template
   keeps about 94%; a personal sentence of 15 words added to it keeps about 87%; a paragraph of
   30 words drops below 80%, and the comment stands alone.
4. Groups are the connected components of "same or near-identical" (union-find), so variants
   of one template all join one group even when two far-apart variants are below 0.8 to each
   other.

Finding the near-identical pairs exactly without comparing every pair: the prefix filter of
the All-Pairs algorithm (Bayardo, Ma and Srikant, 2007). Order each set's shingles from the
rarest to the most common; two sets with Jaccard ≥ t must share a shingle among the first
|A| − ⌈t·|A|⌉ + 1 of each. So only texts that share a prefix shingle are compared. A campaign
with thousands of slightly different copies would still compare each new copy with every
earlier one, so a group keeps at most 16 members per shingle as comparison points, and a text
already in a group is not compared with that group again: a new copy joins the group if it is
near-identical to any of those 16. The price is that a variant close only to members outside
those 16 stays out (it still joins if it is close to any of them, as variants of one letter
are); the labelled tests show no such miss. 30,000 comments, 10,000 of them unique variants of
one letter and the rest ordinary text, group in about 12 seconds on the 2-core development
machine (10,000 variants alone: 3 seconds).

A group's number is the smallest comment id in it; a comment in no group has no number (NULL).
"""

import math
import re
import unicodedata
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from guidance.models import Comment

SHINGLE_WORDS = 3
SIMILARITY_THRESHOLD = 0.8
# Comparison points a group keeps per shingle (see the module docstring).
MEMBERS_PER_SHINGLE = 16

_PUNCTUATION_AND_SPACE = re.compile(r"[\W_]+")


def normalise(text):
    """The text with case, whitespace and punctuation differences removed."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return _PUNCTUATION_AND_SPACE.sub(" ", text).strip()


def shingles(normalised_text):
    words = normalised_text.split()
    if len(words) < SHINGLE_WORDS:
        return frozenset([normalised_text])
    return frozenset(" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1))


def jaccard(a, b):
    if not a and not b:
        return 1.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


class _UnionFind:
    def __init__(self, size):
        self.parent = list(range(size))

    def find(self, item):
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a, b):
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def find_groups(comments, threshold=SIMILARITY_THRESHOLD):
    """Group (pk, text) pairs. Returns {pk: group number} for comments in a group of two or
    more; the group number is the smallest pk in the group."""
    pks_by_text = defaultdict(list)
    for pk, text in comments:
        # An answer made of its choices alone has no words: it is in no campaign.
        if normalised := normalise(text):
            pks_by_text[normalised].append(pk)
    texts = list(pks_by_text)
    sets = [shingles(text) for text in texts]

    frequency = Counter(shingle for shingle_set in sets for shingle in shingle_set)
    union_find = _UnionFind(len(texts))
    # shingle -> {group root when added: up to MEMBERS_PER_SHINGLE texts of that group}
    members_by_shingle = defaultdict(dict)
    # Shorter sets first; every pair of texts that share a prefix shingle is still considered.
    for index in sorted(range(len(texts)), key=lambda i: len(sets[i])):
        ordered = sorted(sets[index], key=lambda shingle: (frequency[shingle], shingle))
        prefix = ordered[: len(ordered) - math.ceil(threshold * len(ordered)) + 1]
        compared = set()
        for shingle in prefix:
            for root, members in members_by_shingle[shingle].items():
                if union_find.find(root) == union_find.find(index):
                    continue
                for other in members:
                    if other in compared:
                        continue
                    compared.add(other)
                    if jaccard(sets[index], sets[other]) >= threshold:
                        union_find.union(index, other)
                        break
        root = union_find.find(index)
        for shingle in prefix:
            members = members_by_shingle[shingle].setdefault(root, [])
            if len(members) < MEMBERS_PER_SHINGLE:
                members.append(index)

    pks_by_root = defaultdict(list)
    for index, text in enumerate(texts):
        pks_by_root[union_find.find(index)].extend(pks_by_text[text])
    group_of = {}
    for pks in pks_by_root.values():
        if len(pks) > 1:
            group = min(pks)
            group_of.update(dict.fromkeys(pks, group))
    return group_of


def assign_groups(consultation, threshold=SIMILARITY_THRESHOLD):
    """(Re)compute Comment.group for every comment of the consultation, in one transaction.
    Returns (number of groups, number of comments in a group, number of comments changed)."""
    with transaction.atomic():
        rows = list(
            Comment.objects.filter(consultation=consultation)
            .select_for_update()
            .values_list("pk", "text", "group")
            .order_by("pk")
        )
        group_of = find_groups(((pk, text) for pk, text, _ in rows), threshold=threshold)
        changed = [Comment(pk=pk, group=group_of.get(pk)) for pk, _, current in rows if group_of.get(pk) != current]
        Comment.objects.bulk_update(changed, ["group"], batch_size=1000)
    return len(set(group_of.values())), len(group_of), len(changed)


def with_group_size(queryset):
    """Annotate each comment with group_size: how many comments share its group (1 when it is
    in none). Counted in the database, over the whole group, whatever else the queryset filters."""
    size = (
        Comment.objects.filter(group=OuterRef("group"))
        .order_by()
        .values("group")
        .annotate(size=Count("pk"))
        .values("size")
    )
    return queryset.annotate(group_size=Coalesce(Subquery(size, output_field=IntegerField()), Value(1)))


def in_a_group(queryset):
    """Comments that are part of a group (the queue's "part of a group" filter)."""
    return queryset.filter(group__isnull=False)


def whole_groups(queryset):
    """The selected comments plus every other member of their groups: what "moderate the whole
    group" acts on."""
    groups = queryset.filter(group__isnull=False).values("group")
    return Comment.objects.filter(pk__in=queryset.values("pk")) | Comment.objects.filter(group__in=groups)
