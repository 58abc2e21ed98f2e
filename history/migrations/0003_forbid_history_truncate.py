"""On PostgreSQL, refuse TRUNCATE of the history tables too: migration 0002's row triggers stop
UPDATE and DELETE, but TRUNCATE fires no row triggers and would empty the table in one statement
(``manage.py flush`` does exactly that). A statement-level trigger refuses it.

The one allowance is for the test harness: Django empties every table with TRUNCATE after each
transactional test, and tests/conftest.py sets the session variable ``les.allow_history_truncate``
to ``on`` around that flush only. No application code sets it (ADR 0020)."""

from django.db import migrations

# Every append-only history table. A later history table attaches the same two functions (0002's
# row trigger and this statement trigger) in its own migration.
HISTORY_TABLES = ["audit_auditevent"]

FUNCTION = """
CREATE OR REPLACE FUNCTION les_forbid_history_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('les.allow_history_truncate', true) = 'on' THEN
        RETURN NULL;  -- the test harness's flush between tests (tests/conftest.py), nothing else
    END IF;
    RAISE EXCEPTION 'history rows are append-only: TRUNCATE on % refused', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""

TRIGGER = """
CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION les_forbid_history_truncate();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in HISTORY_TABLES:
        schema_editor.execute(TRIGGER.format(table=table), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in HISTORY_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};", params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS les_forbid_history_truncate();", params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [migrations.RunPython(forward, backward)]
