"""Remittance advice (SPEC §7): one PDF per practice per payment run, built in the background after
the run closes and emailed to the practice's contacts with the PDF attached.

``remittance_build`` renders outside any transaction (it is the slow part), then stores the PDF and
queues the email in one short transaction under a row lock: a worker that dies while rendering
leaves nothing, and a build that runs twice stores one document and one email (the email's unique
key is the remittance)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone

from claims import rules, selectors, wording
from claims.models import PaymentRun, Remittance, Worksheet, WorksheetLine
from claims.worksheets.calculation import line_rows
from core.formatting import money
from core.tasks import enqueue_on_commit
from documents.models import Document
from documents.pdf import render_pdf
from notices.models import Notice
from notices.services import notice_create

MAX_BUILD_ATTEMPTS = 3


class BuildFailed(Exception):
    """A build attempt failed; the task retries with backoff."""


def _claim_notes(claim: Worksheet, band: rules.Band) -> dict:
    if claim.waived:
        deduction = (
            f"{band.label}: deduction waived for exceptional circumstances by "
            f"{claim.waived_by.get_full_name() or claim.waived_by.username if claim.waived_by else 'an officer'}"
            f"{' on ' + wording.day(timezone.localtime(claim.waived_at).date()) if claim.waived_at else ''}"
        )
    else:
        deduction = (
            f"{band.label}: {wording.consequence(claim.band_deduction_percent, claim.release)}"
        )
    deferral = ""
    if claim.release == rules.Release.DEFERRED and not claim.waived:
        deferral = (
            f"Submitted {wording.days(claim.days_late)} late, so payment was deferred by one "
            "payment run"
            + (
                f"; approved {wording.day(timezone.localtime(claim.approved_at).date())}"
                if claim.approved_at
                else ""
            )
            + "."
        )
    return {"deduction": deduction, "deferral": deferral}


def remittance_context(remittance: Remittance) -> dict:
    run = remittance.payment_run
    lines = WorksheetLine.objects.select_related(
        "care_home", "carried_from__worksheet__quarter"
    ).order_by("care_home__name")
    claims = list(
        run.claims.filter(practice_id=remittance.practice_id)
        .select_related("quarter", "waived_by")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("quarter__year", "quarter__number")
    )
    bands = selectors.bands()
    rows = []
    for claim in claims:
        band = rules.band_for(claim.days_late, bands)
        rows.append(
            {
                "claim": claim,
                "lines": line_rows(claim.lines.all(), selectors.rates_for(claim.quarter)),
                "gross": wording.money(claim.gross_pence),
                "deduction_percent": wording.percent_text(claim.deduction_percent),
                "band": band.label,
                "deduction_amount": wording.money(claim.deduction_pence),
                "net": wording.money(claim.net_pence),
                "first_submitted": wording.day(timezone.localtime(claim.first_submitted_at).date()),
                **_claim_notes(claim, band),
            }
        )
    adjustments = list(
        run.adjustments.filter(practice_id=remittance.practice_id)
        .select_related("claim__quarter", "claim__practice")
        .order_by("pk")
    )
    netted = (
        sum(claim.net_pence for claim in claims)
        + sum(a.amount_pence for a in adjustments)
        + remittance.brought_forward_pence
    )
    if netted != remittance.amount_pence + remittance.carried_pence:
        raise BuildFailed(
            f"The claims and adjustments in {run.reference} for {remittance.practice.ods_code} "
            f"total {money(netted)}, not the remittance's "
            f"{money(remittance.amount_pence + remittance.carried_pence)}."
        )
    return {
        "adjustments": [
            {"adjustment": a, "amount": wording.money(a.amount_pence)} for a in adjustments
        ],
        "claims_total": wording.money(sum(claim.net_pence for claim in claims)),
        "brought_forward": wording.money(remittance.brought_forward_pence),
        "carried": wording.money(-remittance.carried_pence),
        "remittance": remittance,
        "run": run,
        "commissioner": run.commissioner,
        "practice": remittance.practice,
        "claims": rows,
        "total": wording.money(remittance.amount_pence),
        "run_date": wording.day(run.run_date),
        "title": f"Remittance advice {run.reference} for {remittance.practice.ods_code}",
        "reference": f"{run.reference} · {remittance.practice.ods_code}",
    }


def remittance_html(remittance: Remittance) -> str:
    return render_to_string("remittances/advice.html", remittance_context(remittance))


def _load(remittance_id: int) -> Remittance | None:
    return (
        Remittance.objects.select_related("practice__pcn", "payment_run__commissioner", "advice")
        .filter(pk=remittance_id)
        .first()
    )


def _email(remittance: Remittance) -> None:
    run = remittance.payment_run
    notice_create(
        key=f"remittance:{remittance.pk}",
        kind=Notice.Kind.REMITTANCE,
        practice_id=remittance.practice_id,
        remittance_id=remittance.pk,
        subject=f"Remittance advice {run.reference}: {wording.money(remittance.amount_pence)}",
        body="\n".join(
            [
                f"Dear {remittance.practice.name} ({remittance.practice.ods_code}),",
                "",
                f"{run.commissioner.name} is paying you {wording.money(remittance.amount_pence)} "
                f"for the Care Home Local Enhanced Service in payment run {run.reference} "
                f"dated {wording.day(run.run_date)}."
                + (
                    f" After recoveries you still owe {wording.money(-remittance.carried_pence)}: "
                    "it will be taken from your next payment."
                    if remittance.carried_pence
                    else ""
                ),
                "",
                "The remittance advice attached lists each claim by quarter and care home, with "
                "its counts, rates, any lateness deduction and the net amount, and any "
                "adjustment of an earlier payment.",
                *(
                    ["", f"Questions about this payment: {run.commissioner.contact_email}"]
                    if run.commissioner.contact_email
                    else []
                ),
            ]
        ),
    )


def remittance_build(remittance_id: int) -> Remittance | None:
    """Build and store the remittance advice if it is not built yet, and queue its email."""
    remittance = _load(remittance_id)
    if remittance is None or remittance.advice_id:
        return remittance
    try:
        pdf = render_pdf(remittance_html(remittance))
    except Exception as error:
        _record_failure(remittance_id, error)
        raise
    with transaction.atomic():
        remittance = Remittance.objects.select_for_update().get(pk=remittance_id)
        if remittance.advice_id:  # another worker finished first
            return remittance
        remittance.advice = Document.of(
            kind=Document.Kind.REMITTANCE_ADVICE,
            filename=remittance.advice_filename,
            content=pdf,
        )
        remittance.advice.save()
        remittance.build_attempts += 1
        remittance.build_error = ""
        remittance.save(update_fields=["advice", "build_attempts", "build_error"])
        remittance = _load(remittance_id)
        _email(remittance)
    return remittance


def _record_failure(remittance_id: int, error: Exception) -> None:
    with transaction.atomic():
        remittance = Remittance.objects.select_for_update().get(pk=remittance_id)
        remittance.build_attempts += 1
        remittance.build_error = f"{type(error).__name__}: {error}"[:2000]
        remittance.save(update_fields=["build_attempts", "build_error"])


def remittances_queue(run: PaymentRun, *, retrying: bool = True) -> int:
    """Queue a build for every remittance of the run without advice: after closing, or when an
    officer asks to try failed ones again (their attempts start again from nought).
    ``retrying=False`` (the periodic sweep) leaves out those that have failed
    ``MAX_BUILD_ATTEMPTS`` times, so a build that keeps failing waits for an officer."""
    from claims.tasks import remittance_build_task

    unbuilt = run.remittances.filter(advice__isnull=True)
    if retrying:
        unbuilt.filter(build_attempts__gte=MAX_BUILD_ATTEMPTS).update(
            build_attempts=0, build_error=""
        )
    else:
        unbuilt = unbuilt.filter(build_attempts__lt=MAX_BUILD_ATTEMPTS)
    ids = list(unbuilt.values_list("pk", flat=True))
    for pk in ids:
        enqueue_on_commit(remittance_build_task, pk)
    return len(ids)


def remittances_queue_unbuilt() -> int:
    """The periodic sweep: queue the builds a lost message (Redis down, a worker gone) left
    waiting, for every closed or paid run."""
    runs = (
        PaymentRun.objects.exclude(status=PaymentRun.Status.OPEN)
        .filter(remittances__advice__isnull=True)
        .distinct()
    )
    return sum(remittances_queue(run, retrying=False) for run in runs)


@dataclass(frozen=True)
class Progress:
    """How far a run's remittance advice has got. ``failed``: builds given up on after
    ``MAX_BUILD_ATTEMPTS``, waiting for an officer's "try again"."""

    total: int
    built: int
    failed: int
    emailed: int
    email_failed: int

    @property
    def complete(self) -> bool:
        """Nothing more will happen without an officer: every advice built and its email sent or
        failed, or a build given up on."""
        settled = self.emailed + self.email_failed
        return self.built + self.failed >= self.total and settled >= self.built

    @property
    def summary(self) -> str:
        """``28 of 30 remittance advices built, 27 emailed; 2 failed to build``."""
        noun = "remittance advice" if self.total == 1 else "remittance advices"
        text = f"{self.built} of {self.total} {noun} built, {self.emailed} emailed"
        problems = []
        if self.failed:
            problems.append(f"{self.failed} failed to build")
        if self.email_failed:
            problems.append(
                f"{self.email_failed} email{'s' if self.email_failed != 1 else ''} failed"
            )
        if problems:
            text += "; " + ", ".join(problems)
        return text + ("." if self.complete else ": still working.")


def remittances_progress(run: PaymentRun) -> Progress:
    """Counted by the database in one query, whatever the run's size (issue 18): its remittances
    (built, given up on) and their remittance emails (sent, failed)."""
    emails = Q(notices__kind=Notice.Kind.REMITTANCE)
    row = Remittance.objects.filter(payment_run=run).aggregate(
        total=Count("pk", distinct=True),
        built=Count("pk", distinct=True, filter=Q(advice__isnull=False)),
        failed=Count(
            "pk",
            distinct=True,
            filter=Q(advice__isnull=True, build_attempts__gte=MAX_BUILD_ATTEMPTS),
        ),
        emailed=Count("notices", filter=emails & Q(notices__status=Notice.Status.SENT)),
        email_failed=Count("notices", filter=emails & Q(notices__status=Notice.Status.FAILED)),
    )
    return Progress(**row)
