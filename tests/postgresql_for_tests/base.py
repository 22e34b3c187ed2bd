"""PostgreSQL as the portal uses it, but for one thing only the tests do: empty every table after a
test that commits (the browser tests, those of processes and locks). Django does it with one
TRUNCATE of every table, which makes new files for each table and index, slow however little the
test left; DELETE of the few rows a test leaves is quick. The foreign keys are
checked when the flush commits (Django makes them deferrable), by which time every table is empty.
consult/test_settings.py chooses this backend when the tests run on PostgreSQL."""

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        # The names are the models' own tables, quoted; nothing a visitor sent.
        deletes = [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608
        return ["SET CONSTRAINTS ALL DEFERRED;", *deletes]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
