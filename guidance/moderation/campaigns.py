"""Campaigns and duplicates: comments on the same section or question whose text is the same, or
nearly the same, share a group. A comment is stored not compared yet (Comment.compared_at empty,
which the moderation screen says), whichever way it came (sent online, typed in by staff,
imported); the worker compares the waiting comments within seconds, oldest first, in batches
(group_waiting, from `manage.py run_worker`), so a campaign is found as it arrives without a form
ever waiting for the comparison. A comment whose words change is compared again the same way
(compare_again). "Find campaigns" (assign_groups, the consultations' action and `manage.py
find_campaigns`) recomputes every group from scratch.

The measure (also in docs/analysis.md):

1. Normalise each comment's text: Unicode NFKC, case folded, every run of punctuation and
   whitespace turned into one space, trimmed. "I SUPPORT this!!" and "i support  this" become
   the same string. An answer of choices alone has no words and is in no campaign.
2. Each text becomes its set of word 3-shingles (every run of three consecutive words; a text of
   fewer than three words is one shingle, itself, so it only ever matches exactly).
3. Two texts are near-copies when at least 70% of the shorter one's shingles are in the longer
   (containment over the shorter text) and the longer has at most one and a half times as many
   shingles as the shorter. So a 30-word campaign text with a sentence of up to 14 words added,
   or a word changed (three shingles lost of 28: 89% kept), is a near-copy; a template with a
   paragraph of one's own as long as half of it or longer stands alone, and so does a short
   comment that a long one happens to quote. Identical texts (once normalised) always are.
4. Groups are the connected components of "near-copy" (union-find), so variants of one template
   all join one group even when two far-apart variants are not near-copies of each other. Only
   comments on the same section or question are compared: the same words on another section are
   said about something else.

A group's number is the smallest comment id in it; a comment in no group has no number (NULL).

Comparing a new comment: it is looked up by its keys, the hashes of its KEYS_PER_COMMENT shingles
with the smallest hashes (a bottom-k MinHash sketch). Near-copies nearly always share one: when
one text holds the other with a sentence added, they miss only if every one of the longer text's
12 smallest shingles is in the sentence, about (1/3)^12 at the most, one in half a million; with
a word or two changed in a text of 30 words, never (fewer than 12 shingles differ). At the
measure's very edge (70% contained, one and a half
times as long) the chance of a miss is about 0.3%; "Find campaigns" compares every pair and finds
those. One query finds the comments of the same section or question sharing a key, at most
CANDIDATES of them, those sharing the most first; a second reads their texts, and each is
measured as above. The new comment joins every group it has a near-copy in (merging them), or
starts one with its near-copies. It gets keys of its own unless it is word for word a comment
that has them, or KEYED_ENOUGH comments with keys are already near-copies of it: so a campaign
of thousands of copies keeps about 16 comments with keys, and each new copy costs the same. The
comments of one section or question are compared by one transaction at a time (a PostgreSQL
advisory lock per section or question, taken by the worker for the rest of its batch's
transaction; SQLite's writers already take turns), so two copies arriving together still find
each other, and two workers never compare one comment twice: a worker passes over the sections
and questions another holds (pg_try_advisory_xact_lock) rather than waiting, and reads again,
once it holds them, which of its comments are still waiting. A request never takes these locks.
The costs are in docs/performance.md (bench/campaigns.py, bench/arrival.py).

"Find campaigns" (assign_groups) compares every pair within each section and question exactly,
without comparing every pair: the prefix filter of the All-Pairs algorithm (Bayardo, Ma and
Srikant, 2007). Order each set's shingles from the rarest to the most common; two sets that share
at least o shingles share one among the first |A| − o + 1 of each, and a near-copy of a set of n
shingles shares at least ⌈0.7 · ⌈n / 1.5⌉⌉ (prefix_length). So only texts that share a prefix
shingle are compared. A campaign with thousands of slightly different copies would still compare
each new copy with every earlier one, so a group keeps at most 16 members per shingle as
comparison points, and a text already in a group is not compared with that group again: a new
copy joins the group if it is a near-copy of any of those 16. The price is that a variant close
only to members outside those 16 stays out (it still joins if it is close to any of them, as
variants of one letter are); the labelled tests show no such miss. It also gives keys to every
comment that has none (those stored before comments were compared on arrival) and marks every
comment compared. It takes the locks of the consultation's sections and questions first, waiting
for a worker's batch on them to end; a comment arriving while it runs is left to the worker.
"""

import functools
import hashlib
import math
import re
import unicodedata
from collections import Counter, defaultdict
from fractions import Fraction

from django.db import connection, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from guidance.models import CampaignKey, Comment

SHINGLE_WORDS = 3
# The share of the shorter text's shingles that must be in the longer.
SIMILARITY_THRESHOLD = 0.7
# How many times as many shingles as the shorter the longer text may have.
LONGEST_RATIO = Fraction(3, 2)
# "Find campaigns": comparison points a group keeps per shingle (see the module docstring).
MEMBERS_PER_SHINGLE = 16
# On arrival: the keys a comment is found by, how many comments sharing keys are measured, and
# how many near-copies with keys make more keys needless.
KEYS_PER_COMMENT = 12
CANDIDATES = 100
KEYED_ENOUGH = 16
# The first number of the two-number PostgreSQL advisory locks taken on a section's or a
# question's comments while they are compared (the second is its id).
SECTION_LOCK, QUESTION_LOCK = 71, 72
# The worker: comments compared in one transaction. Small enough that a moderator deciding on one
# of them waits a fraction of a second at most for the batch to end; large enough that a burst of
# posts is caught up with in a few rounds.
BATCH = 50

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


@functools.cache
def fewest_shared(threshold, shorter):
    """How many shingles a near-copy must share with a text of `shorter` shingles, the shorter of
    the two: exact arithmetic, so that 0.7 of 10 is 7 and not 7.000000000000001. Kept once worked
    out: the worker asks it for every candidate it measures."""
    return max(1, math.ceil(Fraction(threshold).limit_denominator(1000) * shorter))


def near_copies(a, b, threshold=SIMILARITY_THRESHOLD):
    """Whether two texts' shingle sets are near-copies (see the module docstring)."""
    shorter, longer = sorted((len(a), len(b)))
    # longer > LONGEST_RATIO * shorter, in whole numbers.
    if not shorter or longer * LONGEST_RATIO.denominator > LONGEST_RATIO.numerator * shorter:
        return False
    return len(a & b) >= fewest_shared(threshold, shorter)


def prefix_length(size, threshold=SIMILARITY_THRESHOLD):
    """How many of a set's first shingles (in any one order of all shingles) hold one that each of
    its near-copies shares: its size less the fewest it can share with any near-copy, plus one.
    The smallest a near-copy can be is its size over LONGEST_RATIO."""
    smallest_partner = math.ceil(size / LONGEST_RATIO)
    return size - fewest_shared(threshold, min(size, smallest_partner)) + 1


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
    """Group (pk, text) pairs, all on one section or question. Returns {pk: group number} for
    comments in a group of two or more; the group number is the smallest pk in the group."""
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
        prefix = ordered[: prefix_length(len(ordered), threshold)]
        compared = set()
        for shingle in prefix:
            for root, members in members_by_shingle[shingle].items():
                if union_find.find(root) == union_find.find(index):
                    continue
                for other in members:
                    if other in compared:
                        continue
                    compared.add(other)
                    if near_copies(sets[index], sets[other], threshold):
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
    """(Re)compute Comment.group for every comment of the consultation, each section's and each
    question's apart, in one transaction; give keys to the comments not compared yet (those stored
    before comments were compared as they arrive, and those waiting for the worker) and mark them
    compared. It waits for a worker comparing on the same sections and questions to finish its
    batch, and the worker passes them over until it is done. Returns (number of groups, number of
    comments in a group, number of comments changed)."""
    now = timezone.now()
    with transaction.atomic():
        comments = Comment.objects.filter(consultation=consultation)
        targets = set(comments.order_by().values_list("section_id", "question_id").distinct())
        _take_turns(targets, wait=True)
        rows = list(
            Comment.objects.filter(consultation=consultation)
            .select_for_update()
            .values_list("pk", "text", "group", "section_id", "question_id", "compared_at")
            .order_by("pk")
        )
        # A comment on a section or question that had none when the locks were taken is the
        # worker's: it is not locked here, so it is left to it.
        rows = [row for row in rows if (row[3], row[4]) in targets]
        by_target = defaultdict(list)
        for pk, text, _, section_id, question_id, _ in rows:
            by_target[section_id, question_id].append((pk, text))
        group_of = {}
        for pairs in by_target.values():
            group_of.update(find_groups(pairs, threshold=threshold))
        changed = [Comment(pk=pk, group=group_of.get(pk)) for pk, _, current, *_ in rows if group_of.get(pk) != current]
        Comment.objects.bulk_update(changed, ["group"], batch_size=1000)
        uncompared = [(pk, text, section, question) for pk, text, _, section, question, at in rows if not at]
        for start in range(0, len(uncompared), 1000):
            pks = [pk for pk, *_ in uncompared[start : start + 1000]]
            # Those whose words changed still have the keys of their earlier words.
            CampaignKey.objects.filter(comment__in=pks).delete()
            Comment.objects.filter(pk__in=pks).update(compared_at=now)
        _give_keys(uncompared, group_of)
    return len(set(group_of.values())), len(group_of), len(changed)


def _give_keys(comments, group_of):
    """Keys for (pk, text, section id, question id) of comments compared by "Find campaigns": one
    comment of each text on each section or question, and at most KEYED_ENOUGH of each group."""
    keyed_texts, keyed_in_group, rows = set(), Counter(), []
    for pk, text, section_id, question_id in comments:
        normalised = normalise(text)
        group = group_of.get(pk)
        if not normalised or (section_id, question_id, normalised) in keyed_texts:
            continue
        if group is not None and keyed_in_group[group] >= KEYED_ENOUGH:
            continue
        keyed_texts.add((section_id, question_id, normalised))
        keyed_in_group[group] += 1
        rows += [
            CampaignKey(comment_id=pk, section_id=section_id, question_id=question_id, key=key)
            for key in keys_of(shingles(normalised))
        ]
    CampaignKey.objects.bulk_create(rows, batch_size=1000)


# As a comment arrives ------------------------------------------------------------------------------


def shingle_hash(shingle):
    """A shingle as a signed 64-bit number, the same in every process (unlike hash())."""
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big", signed=True)


def keys_of(shingle_set):
    """A text's keys: the KEYS_PER_COMMENT smallest hashes of its shingles."""
    return sorted(shingle_hash(shingle) for shingle in shingle_set)[:KEYS_PER_COMMENT]


def _lock(section_id, question_id):
    return (SECTION_LOCK, section_id) if section_id else (QUESTION_LOCK, question_id)


def _take_turns(targets, *, wait):
    """Take the advisory locks of these (section id, question id) pairs until the transaction
    ends, so that the comments of each are compared by one transaction at a time and two copies
    still find each other. With wait=False (the worker) a lock another transaction holds is passed
    over, never waited for; with wait=True ("Find campaigns") they are waited for, in one order, so
    two transactions never wait for each other's. Returns the pairs whose locks are held."""
    if connection.vendor != "postgresql":
        return set(targets)  # SQLite's writers already take turns (IMMEDIATE transactions, consult/settings.py).
    held = set()
    with connection.cursor() as cursor:
        for target in sorted(targets, key=lambda target: _lock(*target)):
            if wait:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", _lock(*target))
                held.add(target)
            else:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", _lock(*target))
                if cursor.fetchone()[0]:
                    held.add(target)
    return held


def waiting():
    """The comments not compared yet (new, or whose words changed: compare_again), oldest first."""
    return Comment.objects.filter(compared_at__isnull=True).order_by("pk")


def group_waiting(batch=BATCH, *, now=None):
    """The worker's round (guidance/management/commands/run_worker.py): compare up to `batch` of
    the comments waiting, oldest first, each with the others on its section or question, in one
    transaction (see the module docstring): it joins the groups of its near-copies, or starts one
    with them; it gets keys to be found by; it is marked compared. A comment compared before
    (compare_again) first leaves its group and loses its keys. Comments on a section or question
    another worker is comparing are left for a later round. Returns how many were compared: 0 when
    nothing was waiting, or all of it was in another worker's hands."""
    now = now or timezone.now()
    with transaction.atomic():
        first = list(waiting().values_list("pk", "section_id", "question_id")[:batch])
        held = _take_turns({(section_id, question_id) for _, section_id, question_id in first}, wait=False)
        # Read again once the locks are held: another worker may have compared some meanwhile.
        comments = list(
            waiting()
            .filter(pk__in=[pk for pk, *target in first if tuple(target) in held])
            .only("pk", "text", "group", "section_id", "question_id")
        )
        if not comments:
            return 0
        CampaignKey.objects.filter(comment__in=[comment.pk for comment in comments]).delete()
        # Copies on one section meet the same candidates: each text is cut into shingles once a batch.
        shingles_of = {}
        for comment in comments:
            if comment.group is not None:
                _leave_group(comment)
            _compare(comment, shingles_of)
            comment.compared_at = now
        Comment.objects.filter(pk__in=[comment.pk for comment in comments]).update(compared_at=now)
    return len(comments)


def _normalised_and_shingles(text):
    normalised = normalise(text)
    return normalised, shingles(normalised)


def _compare(comment, shingles_of):
    """Compare one comment (see the module docstring); `shingles_of` keeps {text: (normalised,
    shingles)} for the batch."""
    normalised = normalise(comment.text)
    if not normalised:
        return  # an answer of choices alone: in no campaign
    own = shingles(normalised)
    keys = keys_of(own)
    target = {"section_id": comment.section_id, "question_id": comment.question_id}
    candidates = (
        CampaignKey.objects.filter(**target, key__in=keys)
        .exclude(comment_id=comment.pk)
        .order_by()
        .values("comment")
        .annotate(shared=Count("*"))
        .order_by("-shared", "comment")
        .values_list("comment", flat=True)[:CANDIDATES]
    )
    matches = []
    # One query: the candidates (a subquery) with their texts and groups as they stand now.
    for pk, text, group in Comment.objects.filter(pk__in=candidates).values_list("pk", "text", "group"):
        if text not in shingles_of:
            shingles_of[text] = _normalised_and_shingles(text)
        other, other_shingles = shingles_of[text]
        if other == normalised or near_copies(own, other_shingles):
            matches.append((pk, group, other == normalised))
    if matches:
        groups = {group for _, group, _ in matches if group is not None}
        alone = [pk for pk, group, _ in matches if group is None]
        number = min([*groups, *alone, comment.pk])
        # Only the members of the other groups it joins move (rarely any), not the group it joins:
        # a campaign's thousands of copies are not touched again by each new one.
        Comment.objects.filter(Q(pk__in=[comment.pk, *alone]) | Q(group__in=groups - {number})).update(group=number)
        comment.group = number
    if not any(same for _, _, same in matches) and len(matches) < KEYED_ENOUGH:
        CampaignKey.objects.bulk_create(CampaignKey(comment=comment, **target, key=key) for key in keys)


def _leave_group(comment):
    """The comment, compared before, leaves its group: the rest stays together, renumbered if it
    took the group's number; a member that was alone with it is alone again. (A group that only
    this comment held together stays one until "Find campaigns" recomputes it.)"""
    rest = list(Comment.objects.filter(group=comment.group).exclude(pk=comment.pk).values_list("pk", flat=True))
    if len(rest) == 1:
        Comment.objects.filter(pk__in=rest).update(group=None)
    elif comment.group == comment.pk and rest:
        Comment.objects.filter(pk__in=rest).update(group=min(rest))
    Comment.objects.filter(pk=comment.pk).update(group=None)
    comment.group = None


def compare_again(comment_id):
    """The comment's words changed (its respondent changed them, or staff corrected or redacted
    them): the worker compares it afresh, as if it had just arrived (group_waiting). Until then
    it stays in the group it was in; the moderation screen says it is not compared yet only once
    it is in none."""
    Comment.objects.filter(pk=comment_id).update(compared_at=None)


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
