"""Audits: drawing practices, flagging one, and taking a case from open to closed. Each write is
atomic with its history event; asking a practice for evidence emails it through the outbox."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audits import selection
from audits.models import AuditCase, AuditDraw
from audits.separation import separation_refusal
from claims.selectors import practices_expected
from core.periods import Period
from history.services import audit_record
from notices.models import Notice
from notices.services import notice_create
from practices.models import Practice

S = AuditCase.Status


@dataclass(frozen=True)
class FinancialYear:
    year: int

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 4, 1)

    @property
    def last_day(self) -> datetime.date:
        return datetime.date(self.year + 1, 3, 31)

    @property
    def label(self) -> str:
        return Period(self.year, 1).financial_year

    @classmethod
    def containing(cls, day: datetime.date) -> FinancialYear:
        return cls(Period.containing(day).year)


def eligible_practices(commissioner, financial_year: int):
    """The commissioner's practices in the LES that year: an agreement in force and an eligible
    care home aligned on some day of it."""
    return practices_expected(
        FinancialYear(financial_year), Practice.objects.filter(pcn__commissioner=commissioner)
    )


def _open_case(practice, financial_year, *, source, by, draw=None, reason="") -> AuditCase:
    return AuditCase.objects.create(
        practice=practice,
        financial_year=financial_year,
        source=source,
        draw=draw,
        flag_reason=reason,
        opened_by=by if getattr(by, "pk", None) else None,
    )


@transaction.atomic
def audit_draw(
    *,
    commissioner,
    financial_year: int,
    by,
    count: int | None = None,
    percent: Decimal | None = None,
    seed: int | None = None,
) -> AuditDraw:
    """Draw practices at random and open a case for each that has none that year yet."""
    practices = {p.ods_code: p for p in eligible_practices(commissioner, financial_year)}
    if not practices:
        raise ValidationError(
            f"No practice of {commissioner.name} was in the LES in "
            f"{FinancialYear(financial_year).label}: there is nobody to draw."
        )
    try:
        wanted = selection.how_many(len(practices), count=count, percent=percent)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    if wanted == 0:
        raise ValidationError("Ask for at least one practice.")
    seed = selection.new_seed() if seed is None else seed
    eligible = sorted(practices)
    drawn = selection.draw(eligible, wanted, seed)
    record = AuditDraw.objects.create(
        commissioner=commissioner,
        financial_year=financial_year,
        seed=seed,
        eligible=eligible,
        count=wanted,
        asked_for=f"{percent.normalize():f}%" if percent is not None else str(count),
        drawn=drawn,
        drawn_by=by if getattr(by, "pk", None) else None,
    )
    already = set(
        AuditCase.objects.filter(
            practice__in=practices.values(), financial_year=financial_year
        ).values_list("practice__ods_code", flat=True)
    )
    # In code order, not draw order: two draws at once then insert their shared practices in
    # the same order, so the later one waits for the earlier and skips its cases, rather than
    # each holding a case the other needs (a deadlock PostgreSQL ends by failing one draw).
    for code in sorted(drawn):
        if code in already:
            continue
        try:
            with transaction.atomic():  # a colleague's draw or flag at the same moment wins
                _open_case(
                    practices[code],
                    financial_year,
                    source=AuditCase.Source.DRAWN,
                    by=by,
                    draw=record,
                )
        except IntegrityError:
            pass
    audit_record(
        by=by,
        action="audit_draw",
        obj=record,
        summary=f"Audit draw for {record.year_label}: {wanted} of {len(eligible)} practices",
        after={"seed": str(seed), "eligible": eligible, "drawn": drawn},
    )
    return record


def draw_repeats(record: AuditDraw) -> bool:
    """Whether drawing again from the stored seed and list gives the stored practices."""
    return selection.draw(record.eligible, record.count, record.seed) == record.drawn


@transaction.atomic
def audit_case_flag(*, practice, financial_year: int, reason: str, by) -> AuditCase:
    """Add a practice flagged for irregularities (specification 4.3), with the reason."""
    if not reason.strip():
        raise ValidationError({"reason": "Say what irregularity the practice is flagged for."})
    try:
        with transaction.atomic():
            case = _open_case(
                practice,
                financial_year,
                source=AuditCase.Source.FLAGGED,
                by=by,
                reason=reason.strip(),
            )
    except IntegrityError:
        raise ValidationError(
            f"{practice.name} already has an audit case for {FinancialYear(financial_year).label}."
        ) from None
    audit_record(
        by=by,
        action="audit_case_flag",
        obj=case,
        summary=f"Audit case opened for {practice.ods_code}: flagged",
        reason=case.flag_reason,
    )
    return case


def _move(case: AuditCase, allowed, to: str, *, by, action: str, reason: str = "", **fields):
    case = AuditCase.objects.select_for_update().get(pk=case.pk)
    if case.status not in allowed:
        raise ValidationError(
            f"The case is {case.get_status_display().lower()}: it cannot be "
            f"{dict(S.choices)[to].lower()} from there."
        )
    before = case.status
    case.status = to
    for name, value in fields.items():
        setattr(case, name, value)
    case.save()
    audit_record(
        by=by,
        action=action,
        obj=case,
        summary=f"Audit case of {case.practice.ods_code}: {case.get_status_display().lower()}",
        before={"status": before},
        after={"status": to, **{k: v for k, v in fields.items() if k != "closed_by"}},
        reason=reason,
    )
    return case


@transaction.atomic
def audit_case_request_evidence(*, case: AuditCase, by, message: str) -> AuditCase:
    """Ask the practice for its evidence: the case waits for it, and the practice is emailed."""
    if not message.strip():
        raise ValidationError({"message": "Say what evidence the practice should send."})
    case = _move(
        case,
        {S.OPEN},
        S.EVIDENCE_REQUESTED,
        by=by,
        action="audit_case_request_evidence",
        reason=message.strip(),
        evidence_requested_at=timezone.now(),
    )
    practice = case.practice
    link = settings.SITE_URL + reverse("outcomes:meetings", args=[practice.ods_code])
    notice_create(
        key=f"audit:{case.pk}:evidence",
        kind=Notice.Kind.AUDIT,
        practice_id=practice.pk,
        subject=f"Care home LES audit {case.year_label}: please send your evidence",
        body="\n".join(
            [
                f"Dear {practice.name} ({practice.ods_code}),",
                "",
                f"Your practice has been selected for audit of the Care Home LES for "
                f"{case.year_label} (service specification 4.3). Please send:",
                "",
                message.strip(),
                "",
                "Upload meeting evidence and keep your care-home register up to date in the "
                f"service: {link}",
                "Do not send patient-identifiable data.",
            ]
        ),
    )
    return case


@transaction.atomic
def audit_case_start_review(*, case: AuditCase, by) -> AuditCase:
    return _move(
        case, {S.OPEN, S.EVIDENCE_REQUESTED}, S.UNDER_REVIEW, by=by, action="audit_case_review"
    )


@transaction.atomic
def audit_case_record_findings(*, case: AuditCase, findings: str, by) -> AuditCase:
    """The auditor's findings so far (their one write): kept on the case, each change in history."""
    case = AuditCase.objects.select_for_update().get(pk=case.pk)
    if case.status == S.CLOSED:
        raise ValidationError("The case is closed: its findings are final.")
    if refusal := separation_refusal(by, case):
        raise ValidationError(refusal)
    before = case.findings
    case.findings = findings.strip()
    case.save(update_fields=["findings"])
    audit_record(
        by=by,
        action="audit_case_findings",
        obj=case,
        summary=f"Audit case of {case.practice.ods_code}: findings recorded",
        before={"findings": before},
        after={"findings": case.findings},
    )
    return case


@transaction.atomic
def audit_case_close(*, case: AuditCase, outcome: str, findings: str, by) -> AuditCase:
    if outcome not in AuditCase.Outcome.values:
        raise ValidationError({"outcome": "Choose the outcome of the audit."})
    if not findings.strip():
        raise ValidationError({"findings": "Write the findings the outcome rests on."})
    if refusal := separation_refusal(by, case):
        raise ValidationError(refusal)
    return _move(
        case,
        {S.UNDER_REVIEW},
        S.CLOSED,
        by=by,
        action="audit_case_close",
        outcome=outcome,
        findings=findings.strip(),
        closed_at=timezone.now(),
        closed_by=by if getattr(by, "pk", None) else None,
    )
