"""The audit pack (SPEC §8): one audit case as one PDF, built by a task (``audits/tasks.py``) with
the PDF machinery of the remittance advice (``documents/pdf.py``).

It holds, for the case's practice and financial year: the practice and its agreement; every
worksheet of the year with its calculation; the approvals, waivers and corrections with who, when
and why; the payments and remittances; the outcomes reports; the meetings with their evidence
listed; the care-home register's compliance summary (counts only); and the case itself.

Requesting a pack stamps the case; building stores a new pack only if the case's pack is older
than the request, under a row lock, so a build that runs twice stores one document."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from audits.models import AuditCase
from audits.services import FinancialYear
from carehomes.register import practice_compliance
from claims import selectors, wording
from claims.models import Adjustment, Remittance, Worksheet, WorksheetLine
from claims.worksheets.calculation import line_rows
from core.tasks import enqueue_on_commit
from documents.models import Document
from documents.pdf import render_pdf
from history.models import AuditEvent
from outcomes.models import Meeting, OutcomesReport
from outcomes.services import standing

# History of a claim that an auditor asks about: who checked, approved, queried, waived, corrected.
CLAIM_ACTIONS = {
    "claim_submit": "Submitted",
    "claim_check": "Checked",
    "claim_approve": "Approved",
    "claim_finance_approve": "Finance approved",
    "claim_query": "Queried",
    "claim_resubmit": "Resubmitted",
    "claim_reject": "Rejected",
    "claim_waive": "Deduction waived",
    "opening_correct": "Opening corrected",
    "opening_carry_forward": "Opening carried forward after a correction",
}


def pack_context(case: AuditCase) -> dict:
    practice = case.practice
    year = FinancialYear(case.financial_year)
    lines = WorksheetLine.objects.select_related("care_home", "carried_from__worksheet__quarter")
    claims = list(
        Worksheet.objects.filter(practice=practice, quarter__year=case.financial_year)
        .select_related("quarter", "payment_run", "waived_by")
        .prefetch_related(Prefetch("lines", queryset=lines.order_by("care_home__name")))
        .order_by("quarter__number")
    )
    events = (
        AuditEvent.objects.filter(
            object_type="claims.worksheet", object_id__in=[str(c.pk) for c in claims]
        )
        .select_related("actor")
        .order_by("at", "pk")
    )
    by_claim: dict[str, list] = {}
    for event in events:
        by_claim.setdefault(event.object_id, []).append(
            {
                "at": timezone.localtime(event.at),
                "what": CLAIM_ACTIONS.get(event.action, event.summary),
                "who": (event.actor.get_full_name() or event.actor.username)
                if event.actor
                else "the service",
                "why": event.reason,
            }
        )
    worksheets = [
        {
            "claim": claim,
            "lines": line_rows(claim.lines.all(), selectors.rates_for(claim.quarter)),
            "gross": wording.money(claim.gross_pence),
            "deduction": wording.money(claim.deduction_pence),
            "deduction_percent": wording.percent_text(claim.deduction_percent),
            "net": wording.money(claim.net_pence),
            "history": by_claim.get(str(claim.pk), []),
        }
        for claim in claims
    ]
    run_ids = {c.payment_run_id for c in claims if c.payment_run_id}
    remittances = list(
        Remittance.objects.filter(practice=practice, payment_run_id__in=run_ids)
        .select_related("payment_run", "advice")
        .defer("advice__content")
        .order_by("payment_run__run_date")
    )
    adjustments = list(
        Adjustment.objects.filter(practice=practice, claim__quarter__year=case.financial_year)
        .select_related("claim__quarter", "claim__practice", "payment_run", "raised_by")
        .order_by("raised_at", "pk")
    )
    reports = list(
        OutcomesReport.objects.filter(practice=practice, period__year=case.financial_year)
        .select_related("period")
        .order_by("period__half")
    )
    meetings = list(
        Meeting.objects.filter(
            practice=practice, met_on__gte=year.first_day, met_on__lte=year.last_day
        )
        .select_related("care_home", "attendance_sheet")
        .defer("attendance_sheet__content")
        .order_by("met_on")
    )
    today = min(timezone.localdate(), year.last_day)
    agreements = list(practice.agreements.prefetch_related("variations").order_by("pk"))
    case_events = (
        AuditEvent.objects.filter(object_type="audits.auditcase", object_id=str(case.pk))
        .select_related("actor")
        .order_by("at", "pk")
    )
    return {
        "case": case,
        "practice": practice,
        "commissioner": practice.pcn.commissioner,
        "year": year,
        "agreements": agreements,
        "worksheets": worksheets,
        "paid_total": wording.money(sum(r.amount_pence for r in remittances)),
        "remittances": [(r, wording.money(r.amount_pence)) for r in remittances],
        "adjustments": [(a, wording.money(a.amount_pence)) for a in adjustments],
        "reports": [(r, standing(r.period, r, today)) for r in reports],
        "meetings": meetings,
        "compliance": practice_compliance(practice, today),
        "compliance_day": today,
        "case_history": case_events,
        "built_at": timezone.localtime(),
        "title": f"Audit pack {year.label} for {practice.ods_code}",
        "reference": f"Audit pack {year.label} · {practice.ods_code}",
    }


def pack_html(case: AuditCase) -> str:
    return render_to_string("audits/pack.html", pack_context(case))


@transaction.atomic
def audit_pack_request(*, case: AuditCase, by) -> AuditCase:
    """Ask for the pack to be (re)built from the evidence as it is now."""
    from audits.tasks import audit_pack_build_task

    case = AuditCase.objects.select_for_update().get(pk=case.pk)
    case.pack_requested_at = timezone.now()
    case.save(update_fields=["pack_requested_at"])
    enqueue_on_commit(audit_pack_build_task, case.pk)
    return case


def _needs_building(case: AuditCase) -> bool:
    if case.pack_requested_at is None:
        return False
    return case.pack is None or case.pack.created_at < case.pack_requested_at


def audit_pack_build(case_id: int) -> AuditCase | None:
    """Build the pack if the case's is older than the last request. Renders outside any
    transaction (the slow part); stores under a row lock."""
    case = (
        AuditCase.objects.select_related("practice__pcn__commissioner", "pack")
        .filter(pk=case_id)
        .first()
    )
    if case is None or not _needs_building(case):
        return case
    pdf = render_pdf(pack_html(case))
    with transaction.atomic():
        case = (
            AuditCase.objects.select_for_update(of=("self",)).select_related("pack").get(pk=case_id)
        )
        if not _needs_building(case):
            return case  # another worker stored it first
        case.pack = Document.of(
            kind=Document.Kind.AUDIT_PACK,
            filename=f"audit-pack-{case.financial_year}-{case.practice.ods_code}.pdf",
            content=pdf,
        )
        case.pack.save()
        case.save(update_fields=["pack"])
    return case
