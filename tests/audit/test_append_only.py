import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AppendOnlyError, AuditEvent
from audit.services import audit_record
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
