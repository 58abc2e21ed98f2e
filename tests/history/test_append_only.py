import pytest
from django.db import DatabaseError, connection, transaction

from history.models import AppendOnlyError, AuditEvent
from history.services import audit_record
from tests import factories as f


@pytest.fixture
def event(db):
    practice = f.PracticeFactory()
    return audit_record(by=None, action="test", obj=practice, summary="made")


def test_audit_event_cannot_be_changed_in_code(event):
    event.summary = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()


def test_audit_event_cannot_be_deleted_in_code(event):
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger is PostgreSQL's; CI runs on PostgreSQL"
)
@pytest.mark.parametrize(
    "sql", ["UPDATE audit_auditevent SET summary = 'x'", "DELETE FROM audit_auditevent"]
)
def test_audit_event_change_refused_by_postgresql(event, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.get().summary == "made"


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger is PostgreSQL's; CI runs on PostgreSQL"
)


@postgres_only
@pytest.mark.parametrize(
    "sql", ["TRUNCATE audit_auditevent", "TRUNCATE accounts_user, audit_auditevent CASCADE"]
)
def test_audit_event_truncate_refused_by_postgresql(event, sql):
    with connection.cursor() as cursor:
        # The test's own transaction holds the event's deferred foreign-key checks; PostgreSQL
        # will not TRUNCATE a table with pending ones, so run them now and reach the trigger.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE on audit_auditevent refused"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.get().summary == "made"


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_manage_py_flush_cannot_empty_history():
    from django.core.management import CommandError, call_command

    audit_record(by=None, action="test", obj=f.PracticeFactory(), summary="made")
    with pytest.raises(CommandError) as refused:
        call_command("flush", interactive=False, verbosity=0)
    assert "append-only: TRUNCATE on audit_auditevent refused" in str(refused.value.__cause__)
    assert AuditEvent.objects.count() == 1


@postgres_only
def test_history_truncate_allowance_is_off_outside_the_test_flush(event):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('les.allow_history_truncate', true)")
        assert cursor.fetchone()[0] in (None, "")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_transactional_test_with_history_is_still_flushed_after_it():
    """The flush after this test TRUNCATEs audit_auditevent with the harness's allowance; were it
    refused, this test would error in its teardown."""
    audit_record(by=None, action="test", obj=f.PracticeFactory(), summary="made")
    assert AuditEvent.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_transactional_test_starts_with_empty_history():
    assert AuditEvent.objects.count() == 0
