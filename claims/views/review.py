"""The officers' review of a claim (SPEC §7): the claim page with its calculation, history and actions.
The queue is ``claims/views/queue.py``.

Each action is a POST to its own URL that calls exactly one service of ``claims/review/services.py``; a
refusal (``TransitionRefused``, a ``ValidationError``) re-renders the claim page with the reason in
the error summary, and the service has written nothing. Every lookup goes through ``self.scope``:
another commissioner's claim is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Case, Prefetch, Q, Value, When
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import capfirst
from django.views import View

from accounts.access import Permission
from accounts.step_up import StepUpMixin
from accounts.views import AccessMixin
from claims import selectors, wording
from claims.models import ApprovalPolicy, Worksheet, WorksheetLine
from claims.review import services as review
from claims.review.forms import ActionForm, OpeningCorrectionForm, QueryForm, RejectForm, WaiveForm
from claims.tables import (
    RELEASE_SHORT,
)
from claims.views.page import stored_payment_summary
from claims.views.runs import payment_expectation, with_expectation
from claims.worksheets.calculation import line_rows
from claims.worksheets.exports import percent_text
from core.periods import LONDON
from history.models import AuditEvent

S = Worksheet.Status

STATUS_TAGS = {
    S.SUBMITTED: "nhsuk-tag--blue",
    S.QUERIED: "nhsuk-tag--yellow",
    S.CHECKED: "nhsuk-tag--aqua-green",
    S.AWAITING_FINANCE: "nhsuk-tag--purple",
    S.APPROVED: "nhsuk-tag--green",
    S.REJECTED: "nhsuk-tag--red",
    S.SCHEDULED: "nhsuk-tag--white",
    S.PAID: "nhsuk-tag--grey",
}


# -- the claim page ------------------------------------------------------------------------------


# -- history ---------------------------------------------------------------------------------------

ACTIONS = {
    "worksheet_submit": "Submitted",
    "worksheet_resubmit": "Resubmitted after a query",
    "claim_check": "Checked",
    "claim_approve": "Approved",
    "claim_finance_approve": "Finance approval given",
    "claim_query": "Queried",
    "claim_reject": "Rejected",
    "claim_waive": "Deduction waived",
    "opening_correct": "Opening corrected",
    "claim_recalculate": "Recalculated",
    "payment_run_close": "Taken into a payment run",
    "payment_run_mark_paid": "Paid",
}
FIGURES = {
    "status": "Status",
    "gross_pence": "Gross",
    "days_late": "Days late",
    "deduction_percent": "Deduction rate",
    "deduction_pence": "Deduction",
    "net_pence": "Net",
    "release": "Release",
    "waived": "Waived",
}


def _figure(key: str, value) -> str:
    if value is None:
        return "none"
    if key.endswith("_pence"):
        return wording.money(int(value))
    if key == "status":
        return S(value).label if value in S.values else str(value)
    if key == "release":
        return RELEASE_SHORT.get(value, str(value))
    if key == "waived":
        return "yes" if value else "no"
    if key == "deduction_percent":
        return f"{percent_text(Decimal(str(value)))}%"
    return str(value)


def figure_changes(event: AuditEvent) -> list[str]:
    """``Status: Submitted → Checked``, ``Net: £570.00 → £600.00``; a first submission's figures."""
    changes = []
    for key, label in FIGURES.items():
        if key not in event.after:
            continue
        after = _figure(key, event.after[key])
        if key not in event.before:
            changes.append(f"{label}: {after}")
        elif event.before[key] != event.after[key]:
            changes.append(f"{label}: {_figure(key, event.before[key])} → {after}")
    return changes


@dataclass
class HistoryRow:
    event: AuditEvent
    action: str
    detail: str
    changes: list[str]

    @property
    def who(self) -> str:
        actor = self.event.actor
        return (actor.get_full_name() or actor.username) if actor else "Bulk load or system"


def claim_history(claim: Worksheet) -> list[HistoryRow]:
    """Every event of the claim, oldest first, with its payment run's closing and payment."""
    where = Q(object_type="claims.worksheet", object_id=str(claim.pk))
    if claim.payment_run_id:
        where |= Q(
            object_type="claims.paymentrun",
            object_id=str(claim.payment_run_id),
            action__in=["payment_run_close", "payment_run_mark_paid"],
        )
    rows = []
    for event in AuditEvent.objects.filter(where).select_related("actor").order_by("at", "pk"):
        if event.object_type == "claims.paymentrun":
            reference = claim.payment_run.reference
            detail = (
                f"Scheduled in payment run {reference}"
                if event.action == "payment_run_close"
                else f"Payment run {reference} marked as paid"
            )
            rows.append(HistoryRow(event, ACTIONS[event.action], detail, []))
            continue
        action = ACTIONS.get(event.action, event.action)
        detail = capfirst(event.summary.removeprefix(f"{claim.reference}: "))
        rows.append(
            HistoryRow(event, action, "" if detail == action else detail, figure_changes(event))
        )
    return rows


# -- which actions the claim allows ----------------------------------------------------------------


def allowed_actions(claim: Worksheet, user) -> set[str]:
    """The actions the claim allows this officer. The next review step (check, approve, finance
    approval) is offered only to an officer who may take it (``selectors.review_step``: two
    different people, the finance approver, the agreement); the page explains the step otherwise.
    The services enforce the same rules whatever the URL."""
    status = claim.status
    actions = set()
    step = selectors.review_step(claim, user)
    if step.action:  # check, approve or finance approval: only when this officer may take it
        actions.add(step.action)
    if status in review.OPEN:
        actions.add("query")
    if status in (*review.OPEN, S.QUERIED):
        actions.add("reject")
    if status in (*review.OPEN, S.QUERIED, S.APPROVED) and claim.days_late and not claim.waived:
        actions.add("waive")
    if status not in (*review.LOCKED_FOR_CHANGE, S.REJECTED):
        actions.add("correct")
    return actions


def action_forms() -> dict:
    return {
        "check": ActionForm(prefix="check"),
        "approve": ActionForm(prefix="approve"),
        "finance_approve": ActionForm(prefix="finance"),
        "query": QueryForm(prefix="query"),
        "reject": RejectForm(prefix="reject"),
        "waive": WaiveForm(prefix="waive"),
    }


PEOPLE = ("submitted_by", "checked_by", "approved_by", "finance_approved_by", "waived_by")


def claim_queryset(scope):
    lines = WorksheetLine.objects.select_related(
        "care_home", "carried_from__worksheet__quarter"
    ).order_by("care_home__name", "care_home_id")
    return with_expectation(
        Worksheet.objects.visible_to(scope).select_related("practice__pcn")
    ).prefetch_related(Prefetch("lines", lines))


def with_people(claim: Worksheet) -> Worksheet:
    """The claim's submitter, checker, approvers and waiver, read in one query. Joined into the
    claim's own query they made a twelve-table join that PostgreSQL took 8 ms to plan and under
    1 ms to run (issue 18)."""
    ids = {getattr(claim, f"{name}_id") for name in PEOPLE} - {None}
    people = get_user_model().objects.in_bulk(ids) if ids else {}
    for name in PEOPLE:
        setattr(claim, name, people.get(getattr(claim, f"{name}_id")))
    return claim


def claim_page(request, scope, pk: int, *, failed: tuple[str, object] | None = None):
    """The claim page; ``failed`` is the (action, form) whose refusal the page must show."""
    claim = with_people(get_object_or_404(claim_queryset(scope), pk=pk))
    lines = list(claim.lines.all())
    rates = selectors.rates_for(claim.quarter)
    can_review = scope.can(Permission.REVIEW_CLAIMS)
    actions = allowed_actions(claim, request.user) if can_review else set()
    forms = action_forms()
    rows = line_rows(lines, rates)
    if "correct" in actions:
        for row in rows:
            row.form = OpeningCorrectionForm(
                prefix=f"line-{row.line.pk}", home_name=row.line.care_home.name
            )
    step = selectors.review_step(claim, request.user) if can_review else None
    failed_key, failed_form = failed or (None, None)
    if failed_key in forms:
        forms[failed_key] = failed_form
    elif failed_key == "correct":
        for row in rows:
            if failed_form.prefix == f"line-{row.line.pk}":
                row.form = failed_form
    context = {
        "claim": claim,
        "status_tag": STATUS_TAGS.get(claim.status, ""),
        "practice": claim.practice,
        "quarter": claim.quarter,
        "worksheet": claim,  # for claims/_payment.html
        "rows": rows,
        "headings": ["Opening", "New permanent", "Temporary", "Moved out", "Died"],
        "preview": stored_payment_summary(claim, lines, rates, selectors.bands()),
        "expectation": payment_expectation(claim),
        "history": claim_history(claim),
        "can_review": can_review,
        "actions": actions,
        "forms": forms,
        "failed_form": failed_form,
        "failed_key": failed_key,
        "first_submitted": claim.first_submitted_at.astimezone(LONDON),
        "submitted": claim.submitted_at.astimezone(LONDON),
        "step": step,
        "other_actions": actions - {"check", "approve", "finance_approve"},
        "gross": wording.money(claim.gross_pence),
        "deduction": deduction_text(claim),
        "net": wording.money(claim.net_pence),
        "next_claim": next_claim(scope, request.user, claim) if can_review else None,
        "can_adjust": claim.status == S.PAID and scope.can(Permission.ADJUST_PAYMENTS),
        "threshold": (
            wording.money(ApprovalPolicy.current().finance_threshold_pence)
            if "approve" in actions
            else ""
        ),
    }
    return render(request, "review/claim.html", context)


def deduction_text(claim: Worksheet) -> str:
    """``£30.00 (5%, 3 days late)``; ``None (on time)``; a waiver says so."""
    if claim.waived:
        return f"{wording.money(claim.deduction_pence)} (deduction waived)"
    if not claim.days_late:
        return f"{wording.money(claim.deduction_pence)} (on time)"
    days = f"{claim.days_late} day{'s' if claim.days_late != 1 else ''} late"
    text = (
        f"{wording.money(claim.deduction_pence)} ({percent_text(claim.deduction_percent)}%, {days}"
    )
    return text + (", payment deferred one run)" if claim.deferred else ")")


def next_claim(scope, user, claim: Worksheet) -> Worksheet | None:
    """The next claim in the officer's queue ("Claims you can act on", in the queue's order):
    the first after this one, else the first (this claim is then done or not theirs to act on).
    The database finds it in the queue's own order (names compared by its collation, as the queue
    sorts them); one row is read, not the whole queue (issue 18)."""
    year, number, name = claim.quarter.year, claim.quarter.number, claim.practice.name
    after = (
        Q(quarter__year__lt=year)
        | Q(quarter__year=year, quarter__number__lt=number)
        | Q(quarter__year=year, quarter__number=number, practice__name__gt=name)
        | Q(quarter__year=year, quarter__number=number, practice__name=name, pk__gt=claim.pk)
    )
    return (
        selectors.claims_actionable_by(Worksheet.objects.visible_to(scope), user)
        .exclude(pk=claim.pk)
        .select_related("practice", "quarter")
        .annotate(wrapped=Case(When(after, then=Value(False)), default=Value(True)))
        .order_by("wrapped", "-quarter__year", "-quarter__number", "practice__name", "pk")
        .first()
    )


class ClaimView(AccessMixin, View):
    permission = Permission.VIEW_CLAIMS

    def get(self, request, pk):
        return claim_page(request, self.scope, pk)


# -- the actions ---------------------------------------------------------------------------------


class ClaimActionView(AccessMixin, View):
    """POST only: read the action's form, call its one service, say what happened and go back to
    the claim; or show the page again with the form's errors or the service's refusal."""

    permission = Permission.REVIEW_CLAIMS
    http_method_names = ["post"]
    key = ""
    form_class = ActionForm
    prefix = ""

    def get_form(self):
        return self.form_class(self.request.POST, prefix=self.prefix or self.key)

    def perform(self, claim: Worksheet, form) -> str:
        raise NotImplementedError

    def refused(self, form, refusal: ValidationError) -> None:
        """Show the service's refusal on the form, for the page's error summary."""
        form.add_error(None, refusal.messages)

    def post(self, request, pk, **kwargs):
        claim = get_object_or_404(Worksheet.objects.visible_to(self.scope), pk=pk)
        form = self.get_form()
        if form.is_valid():
            try:
                message = self.perform(claim, form)
            except ValidationError as refused:
                self.refused(form, refused)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(reverse("review:claim", args=[claim.pk]))
        return claim_page(request, self.scope, claim.pk, failed=(self.key, form))


class ClaimCheckView(ClaimActionView):
    key = "check"

    def perform(self, claim, form):
        claim = review.claim_check(claim=claim, by=self.request.user)
        return f"Claim {claim.reference} checked. A different officer must now approve it."


class ClaimApproveView(StepUpMixin, ClaimActionView):
    key = "approve"
    step_up_action = "approve a claim above the finance threshold"

    def step_up_needed(self, request, pk, **kwargs):
        claim = get_object_or_404(Worksheet.objects.visible_to(self.scope), pk=pk)
        return claim.net_pence > ApprovalPolicy.current().finance_threshold_pence

    def step_up_return_url(self, request, pk, **kwargs):
        return reverse("review:claim", args=[pk])

    def perform(self, claim, form):
        claim = review.claim_approve(claim=claim, by=self.request.user)
        if claim.status == S.AWAITING_FINANCE:
            return (
                f"Claim {claim.reference} approved. Its net payment is above the finance "
                "threshold, so a finance approver must also approve it."
            )
        return f"Claim {claim.reference} approved: {wording.release_text(claim.release).lower()}."


class ClaimFinanceApproveView(StepUpMixin, ClaimActionView):
    key = "finance_approve"
    prefix = "finance"
    step_up_action = "give finance approval"

    def step_up_return_url(self, request, pk, **kwargs):
        return reverse("review:claim", args=[pk])

    def perform(self, claim, form):
        claim = review.claim_finance_approve(claim=claim, by=self.request.user)
        return f"Claim {claim.reference} given finance approval."


class ClaimQueryView(ClaimActionView):
    key = "query"
    form_class = QueryForm

    def perform(self, claim, form):
        claim = review.claim_query(
            claim=claim, by=self.request.user, message=form.cleaned_data["message"]
        )
        return f"Claim {claim.reference} queried: it is back with {claim.practice.name}."


class ClaimRejectView(ClaimActionView):
    key = "reject"
    form_class = RejectForm

    def perform(self, claim, form):
        claim = review.claim_reject(
            claim=claim,
            by=self.request.user,
            reason=form.cleaned_data["reason"],
            counter_fraud=form.cleaned_data["counter_fraud"],
        )
        referred = " and referred to counter fraud" if claim.counter_fraud_referral else ""
        return f"Claim {claim.reference} rejected{referred}."


class ClaimWaiveView(ClaimActionView):
    key = "waive"
    form_class = WaiveForm

    def perform(self, claim, form):
        before = claim.status
        claim = review.claim_waive(
            claim=claim, by=self.request.user, reason=form.cleaned_data["reason"]
        )
        message = (
            f"Deduction on claim {claim.reference} waived: net payment now "
            f"{wording.money(claim.net_pence)}."
        )
        if before in review.REVIEWED:
            message += " The claim is back in review: it needs a fresh check and approval."
        return message


class OpeningCorrectView(ClaimActionView):
    key = "correct"
    form_class = OpeningCorrectionForm

    def get_form(self):
        self.line = get_object_or_404(
            WorksheetLine.objects.select_related("care_home"),
            worksheet__in=Worksheet.objects.visible_to(self.scope).filter(pk=self.kwargs["pk"]),
            pk=self.kwargs["line"],
        )
        return OpeningCorrectionForm(
            self.request.POST, prefix=f"line-{self.line.pk}", home_name=self.line.care_home.name
        )

    def perform(self, claim, form):
        before = claim.status
        changed = review.opening_correct(
            line=self.line,
            opening=form.cleaned_data["opening"],
            by=self.request.user,
            reason=form.cleaned_data["reason"],
            beds_confirmed=form.cleaned_data["beds_confirmed"],
        )
        message = (
            f"Opening at {self.line.care_home.name} corrected to {form.cleaned_data['opening']}: "
            f"net payment now {wording.money(changed[0].net_pence)}."
        )
        if before in review.REVIEWED:
            message += " The claim is back in review: it needs a fresh check and approval."
        later = [c.reference for c in changed[1:]]
        if later:
            message += (
                f" Recalculated as a result (and back in review if checked): {', '.join(later)}."
            )
        return message

    def refused(self, form, refusal):
        if getattr(refusal, "code", None) == "beds_warning":  # a warning to confirm, beside its box
            form.ask_to_confirm_beds()
            form.add_error("beds_confirmed", refusal.messages)
        else:
            super().refused(form, refusal)
