"""Making the real PostgreSQL refuse partway through a piece of work.

``refusing(model, on_insert=n, how=...)`` installs, for the length of a ``with``, a trigger on the
model's table that lets the first ``n - 1`` inserts through and refuses the ``n``-th (once; later
inserts pass again, so the user can try again). ``how``:

- ``"raise"``: the statement fails with an error, as a full disk, a statement timeout or a
  constraint added behind the service's back would make it fail; the connection survives.
- ``"terminate"``: the server ends the session (``pg_terminate_backend`` of the backend doing the
  insert), as a database restart or fail-over does; the connection is gone.

The count is a sequence, which no rollback undoes, so ``fault.inserts`` says how many inserts were
tried, including those a rollback has since taken away."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from django.apps import apps
from django.db import connection

HOW = {
    "raise": "RAISE EXCEPTION 'refused by the fault test: insert % into %', n, TG_TABLE_NAME;",
    "terminate": (
        "PERFORM pg_terminate_backend(pg_backend_pid());"
        " PERFORM pg_sleep(60);"  # the session ends at the first check for interrupts
    ),
}


@dataclass
class Fault:
    table: str
    on_insert: int

    @property
    def inserts(self) -> int:
        """How many inserts into the table were tried since the fault was set up."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM fault_inserts"
            )
            return cursor.fetchone()[0]

    @property
    def fired(self) -> bool:
        return self.inserts >= self.on_insert


@contextlib.contextmanager
def refusing(model, *, on_insert: int, how: str):
    """``model``: a model class or ``"app_label.Model"``."""
    if isinstance(model, str):
        model = apps.get_model(model)
    table = model._meta.db_table
    body = HOW[how]
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE fault_inserts")
        cursor.execute(
            f"""
            CREATE FUNCTION fault_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE n bigint := nextval('fault_inserts');
            BEGIN
              IF n = {int(on_insert)} THEN {body} END IF;
              RETURN NEW;
            END $$
            """
        )
        cursor.execute(
            f'CREATE TRIGGER fault_refuse BEFORE INSERT ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION fault_refuse()"
        )
    try:
        yield Fault(table=table, on_insert=on_insert)
    finally:
        connection.close()  # whatever state the fault left this connection in
        with connection.cursor() as cursor:
            cursor.execute(f'DROP TRIGGER IF EXISTS fault_refuse ON "{table}"')
            cursor.execute("DROP FUNCTION IF EXISTS fault_refuse()")
            cursor.execute("DROP SEQUENCE IF EXISTS fault_inserts")


def row_counts() -> dict[str, int]:
    """Rows in every table of the project's models (sessions aside: signing in writes one)."""
    counts = {}
    for model in apps.get_models():
        if model._meta.label in {"sessions.Session"} or model._meta.proxy:
            continue
        counts[model._meta.label] = model._default_manager.count()
    return counts
