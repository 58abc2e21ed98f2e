"""core.bulk.insert_rows writes what bulk_create writes (issue 18, ADR 0046): the same instances
inserted both ways give the same rows, value for value, including text that an array literal has
to escape, JSON, decimals, aware datetimes, choices and foreign keys set to instances saved since."""

import datetime
from decimal import Decimal

import pytest

from claims.models import Worksheet, WorksheetLine
from claims.worksheets.services import quarter_for
from core.bulk import insert_rows
from core.periods import LONDON, Period
from history.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db

AWKWARD = [
    'St John\'s "Surgery", {Leeds}',
    'back\\slash and \\" both',
    "NULL",
    "",
    " leading and trailing spaces ",
    "line one\nline two\ttabbed",
    "£8,052.00 — Ysbyty Gwynedd, Ærø",
    "{}",
    ",",
]


def rows(model, pks, exclude=("id",)) -> list[dict]:
    return [
        {k: v for k, v in row.items() if k not in exclude}
        for row in model.objects.filter(pk__in=pks).order_by("pk").values()
    ]


def events(user):
    return [
        AuditEvent(
            actor=user if n % 2 else None,
            action="worksheet_submit",
            object_type="claims.worksheet",
            object_id=str(n),
            summary=text,
            reason=text * 2,
            before={} if n % 3 else {"text": text, "n": n, "nothing": None},
            after={"nested": {"list": [1, "two", text, None, True]}, "amount": "12.50", "£": text},
        )
        for n, text in enumerate(AWKWARD)
    ]


def test_history_rows_match_bulk_create_even_for_text_that_needs_escaping():
    user = f.UserFactory()
    by_django = AuditEvent.objects.bulk_create(events(user))
    ours = events(user)
    insert_rows(ours)

    assert all(e.pk is not None and not e._state.adding for e in ours)
    assert rows(AuditEvent, [e.pk for e in ours], ("id", "at")) == rows(
        AuditEvent, [e.pk for e in by_django], ("id", "at")
    )
    stored = AuditEvent.objects.get(pk=ours[0].pk)
    assert stored.summary == AWKWARD[0]
    assert stored.after["nested"]["list"][2] == AWKWARD[0]
    # auto_now_add: the moment of the insert, the same for every row and on the instances too.
    moments = set(
        AuditEvent.objects.filter(pk__in=[e.pk for e in ours]).values_list("at", flat=True)
    )
    assert len(moments) == 1 and ours[-1].at == moments.pop()


def worksheets_and_lines(practices, quarter, homes, carried_from):
    worksheets, lines = [], []
    for n, practice in enumerate(practices):
        worksheet = Worksheet(
            practice=practice,
            quarter=quarter,
            first_submitted_at=datetime.datetime(2019, 7, 10 + n, 10, 30, 15, 250, tzinfo=LONDON),
            submitted_at=datetime.datetime(2019, 12, 1, 9, 0, tzinfo=LONDON),  # GMT, not BST
            gross_pence=100_000 + n,
            days_late=n,
            band_deduction_percent=Decimal("12.5"),
            deduction_percent=Decimal("7.25") if n else 0,  # an int into a decimal column
            deduction_pence=7_250,
            net_pence=92_750 + n,
            release="next_run",
            waived=bool(n % 2),
            waiver_reason=AWKWARD[1] if n % 2 else "",
        )
        worksheets.append(worksheet)
        for k, home in enumerate(homes):
            lines.append(
                WorksheetLine(
                    worksheet=worksheet,  # not saved yet: takes its id once it is
                    care_home=home,
                    opening=10 + k,
                    new_permanent="3",  # text into an integer column: the field converts it
                    temporary=0,
                    moved_out=1,
                    died=k,
                    in_other_home=0,
                    opening_source=WorksheetLine.OpeningSource.CARRIED_FORWARD
                    if k
                    else WorksheetLine.OpeningSource.BASELINE,
                    carried_from=carried_from if k else None,
                    beds_warning_confirmed=bool(k),
                )
            )
    return worksheets, lines


def test_worksheets_and_lines_match_bulk_create():
    practices = [f.PracticeFactory(), f.PracticeFactory()]
    homes = [f.CareHomeFactory(), f.CareHomeFactory()]
    earlier = Worksheet.objects.create(
        practice=practices[0],
        quarter=quarter_for(Period(2019, 1)),
        first_submitted_at=datetime.datetime(2019, 7, 1, tzinfo=LONDON),
        submitted_at=datetime.datetime(2019, 7, 1, tzinfo=LONDON),
    )
    carried = WorksheetLine.objects.create(
        worksheet=earlier, care_home=homes[1], opening=5, new_permanent=1, temporary=0,
        moved_out=0, died=0, opening_source="baseline",
    )  # fmt: skip
    expected_worksheets, expected_lines = worksheets_and_lines(
        practices, quarter_for(Period(2019, 2)), homes, carried
    )
    Worksheet.objects.bulk_create(expected_worksheets)
    WorksheetLine.objects.bulk_create(expected_lines)
    expected = (
        rows(Worksheet, [w.pk for w in expected_worksheets], ("id",)),
        rows(WorksheetLine, [line.pk for line in expected_lines], ("id", "worksheet_id")),
    )
    # The same instances again, for the next quarter (one worksheet a practice and quarter).
    worksheets, lines = worksheets_and_lines(
        practices, quarter_for(Period(2019, 3)), homes, carried
    )
    insert_rows(worksheets)
    insert_rows(lines)

    got = (
        rows(Worksheet, [w.pk for w in worksheets], ("id",)),
        rows(WorksheetLine, [line.pk for line in lines], ("id", "worksheet_id")),
    )
    for row in expected[0] + got[0]:
        row.pop("quarter_id")
    assert got == expected
    assert [line.worksheet_id for line in lines] == [w.pk for w in worksheets for _ in homes]
    assert WorksheetLine.objects.filter(pk__in=[line.pk for line in lines]).filter(
        worksheet__quarter__number=3
    ).count() == len(lines)


def test_an_unsaved_related_instance_is_refused_and_nothing_is_written():
    practice = f.PracticeFactory()
    worksheet = Worksheet(
        practice=practice,
        quarter=quarter_for(Period(2019, 1)),
        first_submitted_at=datetime.datetime(2019, 7, 1, tzinfo=LONDON),
        submitted_at=datetime.datetime(2019, 7, 1, tzinfo=LONDON),
    )
    line = WorksheetLine(
        worksheet=worksheet, care_home=f.CareHomeFactory(), opening=1, new_permanent=0,
        temporary=0, moved_out=0, died=0, opening_source="baseline",
    )  # fmt: skip
    with pytest.raises(ValueError, match="unsaved related object 'worksheet'"):
        insert_rows([line])
    assert not WorksheetLine.objects.exists()


def test_rows_already_saved_or_of_two_models_are_refused():
    user = f.UserFactory()
    saved = AuditEvent.objects.create(action="x", object_type="y", object_id="1", summary="s")
    with pytest.raises(ValueError, match="already has a primary key"):
        insert_rows([saved])
    with pytest.raises(TypeError, match="one model at a time"):
        insert_rows([*events(user)[:1], f.PracticeFactory.build()])
    insert_rows([])  # nothing to do
