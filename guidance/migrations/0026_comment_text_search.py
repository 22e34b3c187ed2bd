"""Staff search of comments' words (CommentQuerySet.search), on PostgreSQL only: each comment's
words as a tsvector in a generated column, search_vector, that the database keeps up to date
itself whoever writes the text, and a GIN index of it.

Stored rather than an index on the expression alone: a search ranks its matches (ts_rank), and
ranking from the expression parses every matching comment's text again, about forty times slower
for a common word (docs/performance.md, "Staff search"). The model does not declare the column
(guidance.responses.search.StoredSearchVector reads it): SQLite has neither tsvector nor GIN, and
there the search is a simpler match and nothing is made.

Adding the column rewrites the comments table under a lock: about a minute for a million comments,
during which forms cannot be stored (run migrate at a quiet hour). The index is then built
CONCURRENTLY, which blocks no one, hence a migration that is not one transaction; a build cut
short leaves an invalid index, dropped and built again the next time migrate runs.
"""

from django.db import migrations

COLUMN = "search_vector"
INDEX = "comment_text_search"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE guidance_comment ADD COLUMN IF NOT EXISTS {COLUMN} tsvector "
        "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, COALESCE(text, ''))) STORED"
    )
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    schema_editor.execute(f"CREATE INDEX CONCURRENTLY {INDEX} ON guidance_comment USING gin ({COLUMN})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
        schema_editor.execute(f"ALTER TABLE guidance_comment DROP COLUMN IF EXISTS {COLUMN}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("guidance", "0025_quotes"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
