"""Demo data: a Rotherham-sized commissioner for trying the service on the embedded default.

About 30 practices in 6 PCNs, 36 elderly and EMI homes (about 1,450 residents' worth of beds
taken up) plus a few learning-disability homes, and one sign-in per role. Deterministic: the same
seed gives the same registry, and loading twice changes nothing."""

import contextlib
import datetime
import random
from unittest import mock

from django.db import transaction
from django.utils import timezone

from accounts.models import PracticeMembership, Role, User
from carehomes.models import Alignment, CareHome, Coverage
from claims import selectors
from claims.models import Adjustment, Quarter, Worksheet
from claims.payments.adjustments import (
    adjustment_approve,
    adjustment_finance_approve,
    adjustment_raise,
)
from claims.payments.runs import (
    payment_run_authorise,
    payment_run_close,
    payment_run_create,
    payment_run_mark_paid,
)
from claims.review.services import claim_approve, claim_check, claim_finance_approve
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.identifiers import nhs_test_number
from core.periods import LONDON, Period
from outcomes.reminders import reminders_run
from practices.models import PCN, Agreement, Commissioner, Practice, PracticeContact

DEMO_PASSWORD = "demo-care-homes-2026"  # noqa: S105 - printed by make run; the command refuses production
DEMO_USERS = [
    # username, first, last, role
    ("officer", "Rachel", "Garrison", Role.CONTRACTING_OFFICER),
    ("finance", "Priya", "Shah", Role.CONTRACTING_OFFICER),
    ("director", "Morgan", "Lee", Role.CONTRACTING_OFFICER),  # a finance approver
    ("auditor", "Tom", "Okafor", Role.AUDITOR),
    ("manager", "Janet", "Hughes", Role.PRACTICE_MANAGER),
    ("admin", "Sam", "Patel", Role.ADMINISTRATOR),
]
PCN_NAMES = [
    "Rotherham Central North",
    "Maltby Wickersley",
    "Raven",
    "Health Village Dearne",
    "Wentworth 1",
    "Rother Valley South",
]
PLACES = [
    "Broom Lane",
    "Clifton",
    "Greasbrough",
    "Kimberworth",
    "Rawmarsh",
    "Parkgate",
    "Wath",
    "Swinton",
    "Maltby",
    "Wickersley",
    "Dinnington",
    "Kiveton Park",
    "Thurcroft",
    "Brinsworth",
    "Treeton",
    "Aston",
    "Swallownest",
    "Bramley",
    "Thrybergh",
    "Dalton",
    "Herringthorpe",
    "Whiston",
    "Canklow",
    "Eastwood",
    "Ferham",
    "Blackburn",
    "Thorpe Hesley",
    "Wingfield",
    "Rockingham",
    "Sitwell",
]
HOME_WORDS = ["Lodge", "House", "Court", "Grange", "Manor", "View", "Gardens", "Hall"]
HOME_NAMES = [
    "Oakwood",
    "Beechcroft",
    "Moorgate",
    "Hollybank",
    "Ashfield",
    "Willow",
    "Cherry Tree",
    "Elmhurst",
    "Fern",
    "Laurel",
    "Rosedale",
    "Heather",
    "Meadow",
    "Brook",
    "Birchwood",
    "Chestnut",
    "Primrose",
    "Lilac",
    "Orchard",
    "Poplar",
    "Rowan",
    "Sycamore",
    "Thornbury",
    "Valley",
    "Westfield",
    "Yew Tree",
    "Abbey",
    "Bluebell",
    "Clover",
    "Daisy",
    "Foxglove",
    "Hawthorn",
    "Ivy",
    "Juniper",
    "Kingfisher",
    "Linden",
    "Maple",
    "Northfield",
    "Oaklands",
    "Riverside",
]
LEAD_GPS = [
    "Dr A Gunasekera",
    "Dr M Ahmed",
    "Dr K Brown",
    "Dr L Chen",
    "Dr P Davies",
    "Dr S Evans",
    "Dr R Fletcher",
    "Dr H Green",
    "Dr N Iqbal",
    "Dr J Jones",
]


def scheme_start(today: datetime.date) -> datetime.date:
    """The demo's alignments start at the beginning of last financial year, so the demo always
    shows about six quarters of history whatever day it is loaded."""
    return Period(Period.containing(today).year - 1, 1).first_day


@transaction.atomic
def load_demo_data(seed: int = 2019, today: datetime.date | None = None) -> dict:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    start = scheme_start(today)
    commissioner, _ = Commissioner.objects.get_or_create(
        code="03L",
        defaults={
            "name": "NHS Rotherham CCG",
            "contact_email": "care-home-les.payments@rotherham.example.nhs.uk",
            "cost_centre": "7720",
            "gl_code": "52150",
        },
    )
    counts = {
        "pcns": 0,
        "practices": 0,
        "care_homes": 0,
        "alignments": 0,
        "users": 0,
        "worksheets": 0,
    }

    practices = []
    for p_index, pcn_name in enumerate(PCN_NAMES):
        pcn, created = PCN.objects.get_or_create(
            code=f"U{51660 + p_index:05d}",
            defaults={"name": f"{pcn_name} PCN", "commissioner": commissioner},
        )
        counts["pcns"] += created
        for n in range(5):
            index = p_index * 5 + n
            practice, created = Practice.objects.get_or_create(
                ods_code=f"C87{index + 1:03d}",
                defaults={
                    "name": f"{PLACES[index]} Medical Centre",
                    "pcn": pcn,
                    "supplier_number": f"SUP{404100 + index + 1}",
                },
            )
            if created:
                counts["practices"] += 1
                Agreement.objects.create(
                    practice=practice, signed_on=start - datetime.timedelta(days=20)
                )
                PracticeContact.objects.create(
                    practice=practice, email=f"manager.c87{index + 1:03d}@nhs.example"
                )
            practices.append(practice)

    # 36 elderly and EMI homes and 4 learning-disability homes; beds chosen so occupancy is ~1,450.
    for h_index in range(40):
        ld = h_index >= 36
        category = (
            CareHome.Category.LEARNING_DISABILITY
            if ld
            else (CareHome.Category.EMI if h_index % 3 == 0 else CareHome.Category.ELDERLY)
        )
        home, created = CareHome.objects.get_or_create(
            cqc_location_id=f"1-1016{13000 + h_index * 37:05d}",
            defaults={
                "name": f"{HOME_NAMES[h_index]} {HOME_WORDS[h_index % len(HOME_WORDS)]}",
                "postcode": f"S{60 + h_index % 7} {1 + h_index % 9}{'ABDEFGHJ'[h_index % 8]}{'LNPQRSTU'[(h_index * 3) % 8]}",
                "category": category,
                "nursing": h_index % 4 == 0,
                "beds": 8 if ld else rng.randint(28, 56),
                "commissioner": commissioner,
            },
        )
        counts["care_homes"] += created
        aligned = [practices[(h_index * 7) % len(practices)]]
        if h_index in (3, 17):  # a large home across two practice areas (seed 001)
            aligned.append(practices[(h_index * 7 + 1) % len(practices)])
        for practice in aligned:
            _, created = Alignment.objects.get_or_create(
                care_home=home,
                practice=practice,
                start_date=start,
                defaults={"lead_gp": LEAD_GPS[(h_index + practice.pk) % len(LEAD_GPS)]},
            )
            counts["alignments"] += created

    manager_practices = [practices[0], practices[7]]
    for username, first, last, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@nhs.example",
                "role": role,
                "commissioner": commissioner
                if role in (Role.CONTRACTING_OFFICER, Role.AUDITOR)
                else None,
                "is_finance_approver": username == "director",
                "is_staff": role == Role.ADMINISTRATOR,
                "is_superuser": role == Role.ADMINISTRATOR,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            counts["users"] += 1
            if role == Role.PRACTICE_MANAGER:
                for practice in manager_practices:
                    PracticeMembership.objects.create(user=user, practice=practice)

    counts["coverage_records"] = _load_coverage(commissioner)
    if not Worksheet.objects.exists():
        counts["worksheets"] = _load_worksheets(rng, practices, start, today)
        _review_and_pay(commissioner, today)
        counts["residents"] = _load_register(rng, manager_practices, today)
        counts["outcomes_reports"] = _load_outcomes_reports(rng, practices, today)
        counts["meetings"] = _load_meetings(manager_practices, today)
        # Whatever reminders or late notices are due today, as the daily schedule would send.
        counts["reminders"] = sum(reminders_run(today).values())
    return counts


def _load_register(rng: random.Random, practices, today: datetime.date) -> int:
    """The demo manager's practices keep their care-home register: a few residents per home with
    their care mostly up to date (some reviews overdue, one who died), and clinics about
    fortnightly over the last 13 weeks (every third home with a three-week gap). NHS numbers come
    from NHS England's test range."""
    from carehomes.models import Resident
    from carehomes.register import clinic_record, resident_save

    manager = User.objects.get(username="manager")
    count, day = 0, datetime.timedelta(days=1)
    for practice in practices:
        homes = [a.care_home for a in Alignment.objects.current(today).filter(practice=practice)]
        for h_index, home in enumerate(homes):
            for _ in range(rng.randint(3, 6)):
                admitted = today - rng.randint(10, 400) * day
                assessed = admitted + rng.choice([2, 5, 9, 13, 16]) * day
                resident = Resident(
                    practice=practice,
                    care_home=home,
                    nhs_number=nhs_test_number(practice.pk * 1000 + count),
                    kind=rng.choice([Resident.Kind.PERMANENT] * 4 + [Resident.Kind.TEMPORARY]),
                    admitted_on=admitted,
                    assessed_on=assessed if assessed <= today else None,
                )
                if resident.kind == Resident.Kind.PERMANENT and resident.assessed_on:
                    resident.care_plan_on = resident.assessed_on
                for name, months in (
                    ("two_monthly_review_on", 2),
                    ("lead_gp_review_on", 6),
                    ("medication_review_on", 6),
                ):
                    last = today - rng.randint(5, months * 31 + 20) * day
                    if last > admitted:
                        setattr(resident, name, last)
                if rng.random() < 0.1:
                    resident.left_on = today - rng.randint(1, 5) * day
                    resident.leaving_reason = Resident.LeavingReason.DIED
                    if resident.left_on < admitted:
                        resident.left_on, resident.leaving_reason = None, ""
                for name in ("two_monthly_review_on", "lead_gp_review_on", "medication_review_on"):
                    if resident.left_on and (getattr(resident, name) or today) > resident.left_on:
                        setattr(resident, name, None)
                resident_save(resident=resident, by=manager, today=today)
                count += 1
            clinic_day = today - 90 * day
            while clinic_day <= today:
                clinic_record(
                    practice=practice,
                    care_home=home,
                    held_on=clinic_day,
                    clinician="Dr A Gunasekera",
                    by=manager,
                    today=today,
                )
                gap = 21 if h_index % 3 == 2 and clinic_day < today - 45 * day else 14
                clinic_day += gap * day
    return count


def _load_meetings(practices, today: datetime.date) -> int:
    """Bi-monthly meetings with each home's manager this financial year, the latest one missed at
    every other home, each with a (demo) signed attendance sheet."""
    from documents.pdf import render_pdf
    from outcomes.evidence import CheckedFile, financial_year_start, meeting_record

    sheet = CheckedFile(
        render_pdf(
            '<!DOCTYPE html><html lang="en-GB"><head><title>Attendance sheet</title></head>'
            "<body><h1>Attendance sheet (demo)</h1><p>Lead GP and care home manager: "
            "unplanned admissions review. Signed by both.</p></body></html>"
        ),
        "application/pdf",
        "pdf",
    )
    manager = User.objects.get(username="manager")
    count = 0
    for practice in practices:
        alignments = Alignment.objects.current(today).filter(practice=practice)
        for index, alignment in enumerate(alignments.select_related("care_home")):
            day = financial_year_start(today) + datetime.timedelta(days=20)
            while day <= today - datetime.timedelta(days=(60 if index % 2 else 0)):
                meeting_record(
                    practice=practice,
                    care_home=alignment.care_home,
                    met_on=day,
                    attendees=f"{alignment.lead_gp} (lead GP); the home's manager",
                    notes="Unplanned admissions since the last meeting reviewed; falls "
                    "prevention and anticipatory care plans agreed.",
                    sheet=sheet,
                    by=manager,
                    today=today,
                )
                count += 1
                day += datetime.timedelta(days=61)
    return count


def _load_outcomes_reports(rng: random.Random, practices, today: datetime.date) -> int:
    """Outcomes reports for every half-year that has ended: most on time, some late, a few not
    sent (the latest half-year's missing ones show on the officers' page)."""
    from outcomes.models import OutcomesPeriod
    from outcomes.services import outcomes_period_for, outcomes_report_submit, practices_owing

    count = 0
    year, half = OutcomesPeriod.containing(today)
    for _ in range(3):
        year, half = OutcomesPeriod.before(year, half)
        period = outcomes_period_for(year, half)
        for practice in practices_owing(period).order_by("ods_code"):
            if rng.random() < 0.12:
                continue
            days = rng.choice([-6, -3, -1, 0, 0, 2, 9])
            moment = datetime.datetime.combine(
                period.due_date + datetime.timedelta(days=days), datetime.time(11), LONDON
            )
            if moment.date() > today or moment.date() < period.opens_on:
                continue
            outcomes_report_submit(
                practice=practice,
                period=period,
                figures={
                    "emergency_admissions": rng.randint(0, 25),
                    "unplanned_visits": rng.randint(2, 40),
                    "actions_taken": "Reviewed every emergency admission at the bi-monthly "
                    "meeting; falls-prevention advice given to the home's staff.",
                    "changes_in_practice": "Anticipatory medicines prescribed earlier for "
                    "residents nearing the end of life.",
                },
                by=None,
                submitted_at=moment,
            )
            count += 1
    return count


@contextlib.contextmanager
def _on(moment: datetime.datetime):
    """Replay an officer's action at the moment it happened in the demo's story: the services
    stamp their rows and history with ``timezone.now()``, and the demo's history must read in
    order (submitted, checked, approved, then paid in a run dated after the approval)."""
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(datetime.UTC)):
        yield


def _review_and_pay(commissioner, today: datetime.date) -> None:
    """The officers' side of the history: every claim but the latest quarter's checked by one officer
    and approved by the other (a day or two after it was submitted), then paid quarter by quarter in
    runs dated 30 days after the due date, each prepared by one officer and authorised by the director
    (a finance approver) two days before; a claim submitted too late for its quarter's run is
    approved after it. The latest quarter's claims wait in the review queue. After the second run an
    audit finds an overpayment: a recovery larger than the practice's next claim, so its next run
    pays it nothing and carries the rest; and an underpayment is put right for another practice."""
    checker, approver = User.objects.get(username="officer"), User.objects.get(username="finance")
    director = User.objects.get(username="director")
    quarters = list(
        Quarter.objects.filter(worksheets__isnull=False).distinct().order_by("year", "number")
    )
    day = datetime.timedelta(days=1)
    for index, quarter in enumerate(quarters[:-1]):
        run_date = quarter.due_date + 30 * day
        closing = datetime.datetime.combine(run_date - 2 * day, datetime.time(10), LONDON)
        before_run, after_run = [], []
        for claim in Worksheet.objects.filter(quarter=quarter).order_by("practice__ods_code"):
            submitted = timezone.localtime(claim.submitted_at, LONDON).date()
            checked = datetime.datetime.combine(
                max(submitted, quarter.due_date + day) + day, datetime.time(10, 30), LONDON
            )
            (before_run if checked + 2 * day < closing else after_run).append((claim, checked))
        for claim, checked in before_run:
            _review(claim, checked, checker=checker, approver=approver, director=director)
        if index == 2:
            with _on(closing - day):
                _adjust(checker, approver, director)
        with _on(closing):
            run = payment_run_create(
                backdated=True, commissioner=commissioner, run_date=run_date, by=checker
            )
            run = payment_run_close(run=payment_run_authorise(run=run, by=director), by=checker)
        if run_date <= today:
            with _on(datetime.datetime.combine(run_date, datetime.time(9), LONDON)):
                payment_run_mark_paid(
                    run=run, by=approver, payment_reference=f"BACS-{run_date:%Y%m%d}"
                )
        for claim, checked in after_run:
            _review(claim, checked, checker=checker, approver=approver, director=director)


def _review(claim, checked: datetime.datetime, *, checker, approver, director) -> None:
    with _on(checked):
        claim = claim_check(claim=claim, by=checker)
    with _on(checked + datetime.timedelta(days=1, hours=3)):
        claim = claim_approve(claim=claim, by=approver)
    if claim.status == Worksheet.Status.AWAITING_FINANCE:
        with _on(checked + datetime.timedelta(days=2)):
            claim_finance_approve(claim=claim, by=director)


def _adjust(raiser, approver, director) -> None:
    paid = Worksheet.objects.filter(status=Worksheet.Status.PAID).order_by(
        "quarter__year", "quarter__number", "practice__ods_code"
    )
    overpaid = paid.filter(practice__ods_code="C87003").first()
    underpaid = paid.filter(practice__ods_code="C87007").first()
    adjustments = []
    if overpaid is not None:
        adjustments.append(
            adjustment_raise(
                claim=overpaid,
                amount_pence=-2 * overpaid.net_pence,
                reason=Adjustment.Reason.AUDIT_FINDING,
                explanation="Residents counted at two homes in the quarter; paid twice.",
                by=raiser,
            )
        )
    if underpaid is not None:
        adjustments.append(
            adjustment_raise(
                claim=underpaid,
                amount_pence=6000,
                reason=Adjustment.Reason.CORRECTED_FIGURES,
                explanation="A temporary resident left off the worksheet.",
                by=raiser,
            )
        )
    for adjustment in adjustments:
        adjustment = adjustment_approve(adjustment=adjustment, by=approver)
        if adjustment.status == Adjustment.Status.AWAITING_FINANCE:
            adjustment_finance_approve(adjustment=adjustment, by=director)


# How late the demo practices were, in days after the due date (most on time; a few in each band).
LATENESS = [-9] * 12 + [-3] * 8 + [0] * 4 + [3, 6, 10, 16, 30]


def _load_worksheets(
    rng: random.Random, practices, start: datetime.date, today: datetime.date
) -> int:
    """Worksheets for every quarter whose due date has passed, through the real submission service,
    so the demo's figures are priced exactly as a practice's would be. In the latest passed quarter
    two practices have not submitted (they show as missing); the current quarter is open."""
    closing: dict[tuple[int, int], int] = {}
    count = 0
    period = Period.containing(start)
    passed = []
    while quarter_for(period).due_date < today:
        passed.append(period)
        period = period.next()
    for index, period in enumerate(passed):
        quarter = quarter_for(period)
        latest = index == len(passed) - 1
        for practice in practices:
            if latest and practice.ods_code in ("C87004", "C87019"):
                continue  # missing: the officers' queue shows them
            entries = {}
            for opening in selectors.openings(practice, quarter):
                home = opening.care_home
                sharers = home.alignments.count()
                first = closing.get((practice.pk, home.pk))
                if first is None:
                    first = round(home.beds * rng.uniform(0.9, 0.98) / sharers)
                new = rng.randint(1, 4)
                moved = rng.randint(0, 1)
                died = min(rng.randint(0, 3), first + new - moved)
                entries[home.pk] = LineEntry(
                    opening=None if opening.carried_from else first,
                    new_permanent=new,
                    temporary=rng.randint(0, 2),
                    moved_out=moved,
                    died=died,
                    in_other_home=rng.randint(0, 1),
                    beds_warning_confirmed=True,
                )
                closing[(practice.pk, home.pk)] = first + new - moved - died
            late_by = rng.choice(LATENESS)
            moment = datetime.datetime.combine(
                quarter.due_date + datetime.timedelta(days=late_by), datetime.time(11, 15), LONDON
            )
            worksheet_submit(
                practice=practice, quarter=quarter, entries=entries, by=None, submitted_at=moment
            )
            count += 1
    quarter_for(period)  # the open quarter, so its due date shows
    return count


# Who covers the demo homes (NHS England's care-home support letter, seed 004).
OUT_OF_HOURS_PROVIDERS = ["Rotherham GP Out of Hours", "Rotherham Community Health Services"]


def _load_coverage(commissioner) -> int:
    """Coverage for most demo homes, recorded by the officer through the real service, so the
    coverage page has gaps to highlight: two homes with nothing recorded (every gap), and one
    each with no clinical lead, a check-in with nobody named, no MDT, and two with no care plans.
    Nursing homes are put in the higher acuity tier. Homes already recorded are left alone."""
    from carehomes.coverage import coverage_record

    officer = User.objects.get(username="officer")
    count = 0
    homes = CareHome.objects.filter(commissioner=commissioner).order_by("cqc_location_id")
    recorded = set(Coverage.objects.values_list("care_home_id", flat=True))
    for index, home in enumerate(homes):
        if home.pk in recorded or index in (5, 22):
            continue  # already recorded; or nothing recorded yet (every gap)
        coverage_record(
            care_home=home,
            by=officer,
            clinical_lead="" if index == 9 else LEAD_GPS[index % len(LEAD_GPS)],
            check_in_day=index % 5,  # Monday to Friday
            check_in_by="" if index == 14 else "PCN care home team",
            mdt_in_place=index != 27,
            out_of_hours_provider=OUT_OF_HOURS_PROVIDERS[index % 2],
            care_plans_recorded=index not in (18, 31),
            acuity_tier="higher" if home.nursing else "standard",
        )
        count += 1
    return count
