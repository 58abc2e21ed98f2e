"""The service requirements the audit checks (service specification 3.2; SPEC §8), as rules.

Pure: no ORM, request or clock. Given what the practice's care-home register records of a
resident (admission, leaving, the dates of the assessment, care plan and reviews) or of a home's
clinics, and the day to judge on, each function says whether a requirement is met, not yet due,
due, or missed. The register pages, the officers' summaries and the audit pack all ask here.

- **Assessment** by the lead GP within two weeks of admission: on or before day 14 (the admission
  day is day 0). Assessed on day 15 or later is missed, and so is not assessed by then.
- **Two-monthly review** of every resident (with the carer), **lead-GP review** and **medication
  review** every 6 months: the next is due by the same day of the month that many months after
  the last (or after admission, if none yet; the last day of a shorter month where that day does
  not exist). Today on or before that day: met (or not yet due, before the first); after it:
  overdue.
- **Care plan**: each permanent resident has one, due by the end of the assessment fortnight
  (decided here: the plan is written at the admission assessment); temporary residents do not
  need one (3.5).
- **Clinics** at least fortnightly at each home: no gap of more than 14 days between consecutive
  clinics, nor between the last clinic and the day judged, within the period judged.

A resident who has left is judged on the day they left: the register does not chase reviews of
someone no longer in the home.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from core.periods import add_months

ASSESSMENT_DAYS = 14
CLINIC_GAP_DAYS = 14
TWO_MONTHLY = 2
SIX_MONTHLY = 6


class Status(enum.StrEnum):
    MET = "met"
    NOT_YET_DUE = "not_yet_due"  # a first assessment or review whose time has not come
    MISSED = "missed"  # done late, or not done by the day it was due
    NOT_REQUIRED = "not_required"  # a care plan for a temporary resident


# The statuses an auditor counts as compliant.
COMPLIANT = frozenset({Status.MET, Status.NOT_YET_DUE, Status.NOT_REQUIRED})


@dataclass(frozen=True)
class Check:
    status: Status
    due: datetime.date | None = None  # when it was or is due
    done: datetime.date | None = None  # when it was last done

    @property
    def compliant(self) -> bool:
        return self.status in COMPLIANT


@dataclass(frozen=True)
class ResidentRecord:
    """What the register holds of one resident's care (no identifiers: the rules need none)."""

    admitted_on: datetime.date
    permanent: bool = True
    left_on: datetime.date | None = None
    assessed_on: datetime.date | None = None
    care_plan_on: datetime.date | None = None
    two_monthly_review_on: datetime.date | None = None
    lead_gp_review_on: datetime.date | None = None
    medication_review_on: datetime.date | None = None


def judged_on(record: ResidentRecord, today: datetime.date) -> datetime.date:
    return min(today, record.left_on) if record.left_on else today


def _deadline(record: ResidentRecord, today: datetime.date, due: datetime.date) -> Check:
    """Something not yet done: not yet due until ``due``, missed after it."""
    return Check(Status.NOT_YET_DUE if judged_on(record, today) <= due else Status.MISSED, due)


def assessment(record: ResidentRecord, today: datetime.date) -> Check:
    due = record.admitted_on + datetime.timedelta(days=ASSESSMENT_DAYS)
    if record.assessed_on is not None:
        on_time = record.admitted_on <= record.assessed_on <= due
        return Check(Status.MET if on_time else Status.MISSED, due, record.assessed_on)
    return _deadline(record, today, due)


def periodic(
    record: ResidentRecord, last: datetime.date | None, months: int, today: datetime.date
) -> Check:
    """A review due every ``months`` months: after the last one, or after admission."""
    day = judged_on(record, today)
    due = add_months(last or record.admitted_on, months)
    if day <= due:
        return Check(Status.MET if last else Status.NOT_YET_DUE, due, last)
    return Check(Status.MISSED, due, last)


def care_plan(record: ResidentRecord, today: datetime.date) -> Check:
    if not record.permanent:
        return Check(Status.NOT_REQUIRED)
    if record.care_plan_on is not None:
        return Check(Status.MET, done=record.care_plan_on)
    # The plan is written at the admission assessment (decided here): due by the same day.
    return _deadline(record, today, record.admitted_on + datetime.timedelta(days=ASSESSMENT_DAYS))


REQUIREMENTS = {
    "assessment": "Assessed by the lead GP within two weeks of admission",
    "care_plan": "Care plan (permanent residents)",
    "two_monthly_review": "Reviewed every two months",
    "lead_gp_review": "Seen by the lead GP every six months",
    "medication_review": "Medication review every six months",
}


def resident_checks(record: ResidentRecord, today: datetime.date) -> dict[str, Check]:
    """Every requirement of 3.2 for one resident, keyed as :data:`REQUIREMENTS`."""
    return {
        "assessment": assessment(record, today),
        "care_plan": care_plan(record, today),
        "two_monthly_review": periodic(record, record.two_monthly_review_on, TWO_MONTHLY, today),
        "lead_gp_review": periodic(record, record.lead_gp_review_on, SIX_MONTHLY, today),
        "medication_review": periodic(record, record.medication_review_on, SIX_MONTHLY, today),
    }


@dataclass(frozen=True)
class ClinicGap:
    after: datetime.date | None  # the clinic before the gap (None: the period's start)
    before: datetime.date  # the next clinic, or the day judged
    days: int


def clinic_gaps(
    clinics: Iterable[datetime.date], start: datetime.date, today: datetime.date
) -> list[ClinicGap]:
    """The gaps of more than 14 days without a clinic at a home between ``start`` and ``today``
    (from ``start`` to the first clinic, between clinics, and from the last clinic to ``today``).
    None: the home had clinics at least fortnightly."""
    days = sorted({d for d in clinics if start <= d <= today})
    gaps = []
    previous, previous_label = start, None
    for day in [*days, today]:
        gap = (day - previous).days
        if gap > CLINIC_GAP_DAYS:
            gaps.append(ClinicGap(previous_label, day, gap))
        previous, previous_label = day, day
    return gaps


@dataclass(frozen=True)
class Tally:
    """How many of ``total`` residents meet a requirement: counts and a percentage, never names."""

    compliant: int
    total: int

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return (self.compliant * 100 + self.total // 2) // self.total  # half-up, whole percent


def tally(records: Iterable[ResidentRecord], today: datetime.date) -> dict[str, Tally]:
    counts = {key: [0, 0] for key in REQUIREMENTS}
    for record in records:
        for key, check in resident_checks(record, today).items():
            if check.status == Status.NOT_REQUIRED:
                continue
            counts[key][1] += 1
            counts[key][0] += check.compliant
    return {key: Tally(*value) for key, value in counts.items()}
