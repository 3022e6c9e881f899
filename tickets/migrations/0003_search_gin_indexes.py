"""Full-text search indexes for the queue's search, on PostgreSQL only.

The expressions match what tickets.filters.search_q generates
(SearchVector(..., config="simple")), so the planner can use them. SQLite has no GIN and
the search falls back to icontains there, so nothing is created.
"""

from django.db import migrations

INDEXES = [
    ("ticket_subject_fts", "tickets_ticket", "subject"),
    ("message_body_fts", "tickets_message", "body_text"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING GIN (to_tsvector('simple'::regconfig, COALESCE({column}, '')))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_attachment_inline_savedview")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
