"""Staff search of comments' words (CommentQuerySet.search, guidance/responses/models.py): full-text in
English on PostgreSQL, a plain word match elsewhere; ranked up to a bound, newest first beyond it."""

import re

from django.db import connection
from django.db.models import F, FloatField, Value
from django.db.models.expressions import Col, Expression

# Staff search of comments' text (CommentQuerySet.search): English stemming, so "pay", "pays" and
# "paying" find one another. On PostgreSQL, migration 0026 keeps each comment's words in this form
# in a column of the database's own making, with a GIN index.
SEARCH_CONFIG = "english"
SEARCH_VECTOR_COLUMN = "search_vector"


class StoredSearchVector(Expression):
    """The comment's words as a tsvector, from the generated column migration 0026 adds on
    PostgreSQL: stored, so ranking a search's matches reads them instead of parsing every text
    again. The model does not declare the column (SQLite has no tsvector, and every other read of
    comments would fetch it), so only search() reads it, through this expression."""

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        from django.contrib.postgres.search import SearchVectorField

        column = SearchVectorField()
        column.set_attributes_from_name(SEARCH_VECTOR_COLUMN)
        column.model = None  # no model's field: Django takes it for a column of the query's own table
        return Col(query.get_initial_alias(), column)


def matching(queryset, text, *, ranked_at_most, many=None):
    """The comments of `queryset` whose words match `text` (CommentQuerySet.search says how)."""
    unranked = Value(0.0, output_field=FloatField())
    if not text.strip():
        return queryset.annotate(search_rank=unranked)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        matches = queryset.alias(search_vector=StoredSearchVector()).filter(search_vector=query)
        ranked = matches.annotate(search_rank=SearchRank(F("search_vector"), query))
        best_first = ranked.order_by("-search_rank", "created_at", "pk")
    else:
        matches = queryset
        for phrase, word in re.findall(r'"([^"]*)"|(\S+)', text):
            if (phrase or word).strip():
                matches = matches.filter(text__icontains=(phrase or word).strip())
        best_first = matches.annotate(search_rank=unranked).order_by("created_at", "pk")
    if ranked_at_most is None:
        # To be counted: whether to rank is not asked, which would read the matches once more.
        return matches.annotate(search_rank=unranked)
    if matches.more_than(ranked_at_most) if many is None else many:
        # Ranking reads every match's words (a second for a word in a fifth of a million
        # comments); the newest fifty are found by walking the primary key back from the end.
        return matches.annotate(search_rank=unranked).order_by("-pk")
    return best_first
