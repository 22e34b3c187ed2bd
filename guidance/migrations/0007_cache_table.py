"""The database cache's table (settings.DATABASE_CACHE_TABLE), which holds the rate-limit counters
when REDIS_URL is not set: made here so that `migrate` alone leaves a working portal. Made whatever
the cache is, so switching from Redis to the database later needs nothing more. Django's own
`createcachetable` makes it the same way and does nothing when it is already there, as it is on a
database where that command was run before this migration existed."""

from django.conf import settings
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, settings.DATABASE_CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(settings.DATABASE_CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("guidance", "0006_limitcounter")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
