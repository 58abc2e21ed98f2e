"""The practice's care-home register (service specification 3.2): writes and the reads its pages,
the officers' summary and the audit pack share. Compliance is judged by ``carehomes/compliance.py``.

NHS numbers stay with the practice: they are stored on the resident (checked: modulus 11 and the
England ranges) and shown only on the practice's own register pages. History events name the
resident by its row, never by NHS number, and the summaries officers and auditors see are counts
and percentages (ADR 0010)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from carehomes import compliance
from carehomes.models import Alignment, CareHome, Clinic, Resident
from core.identifiers import validate_nhs_number
from history.services import audit_record, changed_fields, snapshot

# How far back the clinics of a home are judged on the register pages.
CLINIC_WINDOW = datetime.timedelta(days=91)

CARE_DATES = [
    "assessed_on",
    "care_plan_on",
    "two_monthly_review_on",
    "lead_gp_review_on",
    "medication_review_on",
]
AUDITED = ["care_home_id", "kind", "admitted_on", "left_on", "leaving_reason", *CARE_DATES]


def _check(resident: Resident, today: datetime.date) -> dict[str, str]:
    """Problems with the resident's figures, by field, in words a practice manager can act on."""
    errors: dict[str, str] = {}
    try:
        resident.nhs_number = validate_nhs_number(
            resident.nhs_number, allow_test_numbers=not settings.PRODUCTION
        )
    except ValidationError as error:
        errors["nhs_number"] = error.messages[0]
    admitted, left = resident.admitted_on, resident.left_on
    if admitted and admitted > today:
        errors["admitted_on"] = "The admission date cannot be in the future."
    if left:
        if left > today:
            errors["left_on"] = "The leaving date cannot be in the future."
        elif admitted and left < admitted:
            errors["left_on"] = "The leaving date must be on or after the admission date."
        if not resident.leaving_reason:
            errors["leaving_reason"] = "Say why the resident left: moved from the home, or died."
    elif resident.leaving_reason:
        errors["left_on"] = "Give the leaving date, or clear the reason for leaving."
    for name in CARE_DATES:
        day = getattr(resident, name)
        label = Resident._meta.get_field(name).verbose_name
        if day is None or admitted is None:
            continue
        if day < admitted:
            errors[name] = f"The date of the {label} cannot be before the admission date."
        elif day > (left or today):
            errors[name] = (
                f"The date of the {label} cannot be after the leaving date."
                if left and day <= today
                else f"The date of the {label} cannot be in the future."
            )
    if resident.care_home_id and admitted and "admitted_on" not in errors:
        aligned = Alignment.objects.covering(admitted, left or today).filter(
            practice_id=resident.practice_id, care_home_id=resident.care_home_id
        )
        if not aligned.exists():
            errors["care_home"] = (
                "The home was not aligned with the practice during this stay: check the home "
                "and the dates, or ask the contracting team about the alignment."
            )
    return errors


@transaction.atomic
def resident_save(*, resident: Resident, by, today: datetime.date | None = None) -> Resident:
    """Add a resident to the register, or change their record. Refuses, naming each field, figures
    that cannot be right; writes the change and its history event together."""
    today = today or timezone.localdate()
    errors = _check(resident, today)
    if errors:
        raise ValidationError(errors)
    creating = resident._state.adding
    before = {} if creating else snapshot(Resident.objects.get(pk=resident.pk), AUDITED)
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:
        raise ValidationError(
            {
                "nhs_number": "This patient is already on the register in a stay that has not "
                "ended: record their leaving date on that stay first."
            }
        ) from None
    after = snapshot(resident, AUDITED)
    changes = after if creating else changed_fields(before, after)
    if changes:
        audit_record(
            by=by,
            action="resident_save",
            obj=resident,
            summary=f"Register: resident {resident.pk} at {resident.care_home.name} "
            + ("added" if creating else "changed " + ", ".join(sorted(changes))),
            before=before,
            after=after,
        )
    return resident


@transaction.atomic
def clinic_record(
    *, practice, care_home: CareHome, held_on: datetime.date, clinician: str, by, today=None
) -> Clinic:
    today = today or timezone.localdate()
    if held_on > today:
        raise ValidationError({"held_on": "The clinic date cannot be in the future."})
    aligned = Alignment.objects.covering(held_on, held_on).filter(
        practice=practice, care_home=care_home
    )
    if not aligned.exists():
        raise ValidationError(
            {"care_home": "The home was not aligned with the practice on the clinic date."}
        )
    try:
        with transaction.atomic():
            clinic = Clinic.objects.create(
                practice=practice, care_home=care_home, held_on=held_on, clinician=clinician.strip()
            )
    except IntegrityError:
        raise ValidationError(
            {"held_on": f"A clinic at {care_home.name} on this date is already recorded."}
        ) from None
    audit_record(
        by=by,
        action="clinic_record",
        obj=clinic,
        summary=f"Register: clinic at {care_home.name} on {held_on:%-d %B %Y}",
        after=snapshot(clinic, ["care_home_id", "held_on", "clinician"]),
    )
    return clinic


# -- reads -----------------------------------------------------------------------------------------


@dataclass
class HomeCompliance:
    """One home of a practice: counts and percentages per requirement, and its clinic gaps."""

    care_home: CareHome
    current: int = 0
    tallies: dict[str, compliance.Tally] = field(default_factory=dict)
    clinic_gaps: list[compliance.ClinicGap] = field(default_factory=list)
    last_clinic: datetime.date | None = None

    @property
    def clinics_fortnightly(self) -> bool:
        return not self.clinic_gaps

    @property
    def rows(self) -> list[tuple[str, compliance.Tally]]:
        return [(compliance.REQUIREMENTS[k], t) for k, t in self.tallies.items()]


def practice_compliance(practice, today: datetime.date | None = None) -> list[HomeCompliance]:
    """Per home the practice is aligned with now (or has residents on its register): how many of
    its current residents meet each requirement, and the clinics of the last 13 weeks. Counts only:
    no NHS numbers leave this function."""
    today = today or timezone.localdate()
    aligned = Alignment.objects.current(today).filter(practice=practice).select_related("care_home")
    homes = {a.care_home_id: a.care_home for a in aligned}
    aligned_from = {a.care_home_id: a.start_date for a in aligned}
    records = defaultdict(list)
    residents = Resident.objects.filter(practice=practice, left_on__isnull=True).select_related(
        "care_home"
    )
    for resident in residents.defer("nhs_number"):
        homes.setdefault(resident.care_home_id, resident.care_home)
        records[resident.care_home_id].append(resident.record)
    clinics = defaultdict(list)
    window_start = today - CLINIC_WINDOW
    for home_id, held_on in Clinic.objects.filter(practice=practice).values_list(
        "care_home_id", "held_on"
    ):
        clinics[home_id].append(held_on)
    result = []
    for home_id, home in sorted(homes.items(), key=lambda item: item[1].name):
        days = clinics.get(home_id, [])
        # A home aligned within the window is judged from the day it was aligned.
        start = max(window_start, aligned_from.get(home_id, window_start))
        result.append(
            HomeCompliance(
                care_home=home,
                current=len(records[home_id]),
                tallies=compliance.tally(records[home_id], today),
                clinic_gaps=compliance.clinic_gaps(days, start, today),
                last_clinic=max((d for d in days if d <= today), default=None),
            )
        )
    return result


# -- the worksheet, from the register ---------------------------------------------------------------


@dataclass(frozen=True)
class QuarterFigures:
    """What the register says of one home in one quarter, in the worksheet's terms (SPEC §4):
    permanent residents at the start, new permanent residents, temporary residents, and permanent
    residents who moved or died. Temporary residents are paid for the quarter and not carried
    forward, so their leaving is not counted."""

    at_start: int = 0
    new_permanent: int = 0
    temporary: int = 0
    moved_out: int = 0
    died: int = 0


def quarter_figures(stays, first_day: datetime.date, last_day: datetime.date) -> QuarterFigures:
    """The worksheet figures of ``stays`` (residents of one practice at one home) for a quarter."""
    counts = dict.fromkeys(("at_start", "new_permanent", "temporary", "moved_out", "died"), 0)
    for stay in stays:
        if stay.admitted_on > last_day or (stay.left_on and stay.left_on < first_day):
            continue  # not in the home that quarter
        if stay.kind == Resident.Kind.TEMPORARY:
            counts["temporary"] += 1
            continue
        counts["at_start" if stay.admitted_on < first_day else "new_permanent"] += 1
        if stay.left_on and stay.left_on <= last_day:
            counts[
                "moved_out" if stay.leaving_reason == Resident.LeavingReason.MOVED else "died"
            ] += 1
    return QuarterFigures(**counts)


def register_figures(practice, first_day, last_day) -> dict[int, QuarterFigures]:
    """Per care home id, the register's figures for the quarter; empty if the practice keeps no
    register (its worksheet is then not pre-filled)."""
    by_home: dict[int, list] = {}
    residents = Resident.objects.filter(practice=practice).only(
        "care_home_id", "kind", "admitted_on", "left_on", "leaving_reason"
    )
    for stay in residents:
        by_home.setdefault(stay.care_home_id, []).append(stay)
    return {home: quarter_figures(stays, first_day, last_day) for home, stays in by_home.items()}
