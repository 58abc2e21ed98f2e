"""Payment runs (SPEC §7): the commissioner's runs, creating one, the run page (a preview of the claims
due while it is open; the claims taken, totals per practice, the finance export and "mark as paid"
once closed), and a practice's payments. Every write is one service in ``claims/payments/runs.py``; every read
comes from ``self.scope``, so another commissioner's run is a 404."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from django_tables2 import RequestConfig, SingleTableView

from accounts.access import Permission
from accounts.base_views import ServiceFormView
from accounts.step_up import StepUpMixin
from accounts.views import AccessMixin
from claims import wording
from claims.models import Adjustment, PaymentRun, Remittance, Worksheet
from claims.payments.forms import MarkPaidForm
from claims.payments.remittances import remittances_progress, remittances_queue
from claims.payments.run_page import (
    RunTotals,
    practice_lines,
    run_adjustments,
    run_claims,
    run_remittances,
    run_totals,
)
from claims.payments.runs import (
    FINANCE_COLUMNS,
    RunPlan,
    deferral_served,
    finance_export,
    payment_run_authorise,
    payment_run_cancel,
    payment_run_close,
    payment_run_create,
    payment_run_mark_paid,
    payment_run_reschedule,
    run_plan,
)
from claims.review.forms import ActionForm, PaymentRunCancelForm, PaymentRunForm
from claims.rules import Release
from claims.tables import ClaimTable, PaymentRunTable
from core.downloads import csv_download
from core.links import url_for_each
from core.pagination import PER_PAGE, page_of
from core.periods import london_date
from documents.downloads import document_response
from notices.models import Notice
from notices.services import practice_recipients
from practices.models import Practice

S = Worksheet.Status
A = Adjustment.Status
# Adjustments a practice sees: approved ones (raised ones may yet be refused).
PRACTICE_SEES = (A.APPROVED, A.SCHEDULED, A.PAID)
# The run page's lists, each a page at a time (ADR 0044); the claims table's is "claims-page".
PRACTICES_PAGE = "practices-page"
ADJUSTMENTS_PAGE = "adjustments-page"


# -- when a claim is paid ----------------------------------------------------------------------


def with_expectation(claims: QuerySet[Worksheet]) -> QuerySet[Worksheet]:
    """Annotate ``skipped_one`` by the rule :func:`claims.payments.runs.claims_due` uses."""
    return claims.annotate(
        skipped_one=deferral_served(OuterRef("practice__pcn__commissioner_id"))
    ).select_related("payment_run")


def payment_expectation(claim: Worksheet) -> str:
    """Where the claim's money stands, in a practice's words. ``claim`` comes from
    :func:`with_expectation`."""
    run = claim.payment_run
    if claim.status == S.PAID:
        return f"Paid in payment run {run.reference} ({wording.day(run.run_date)})"
    if claim.status == S.SCHEDULED:
        return f"Scheduled for {wording.day(run.run_date)} (payment run {run.reference})"
    if claim.status == S.REJECTED:
        return "Rejected: not paid"
    if claim.status == S.QUERIED:
        return "Queried: paid once the practice resubmits and the claim is approved"
    if claim.release == Release.NONE or claim.net_pence == 0:
        return "No payment (100% deduction)"
    if claim.status == S.APPROVED:
        if claim.release == Release.NEXT_RUN or getattr(claim, "skipped_one", False):
            return "Approved: due into the next payment run"
        return "Approved, deferred: due into the payment run after next"
    return f"Not yet approved. {wording.release_text(claim.release)}"


# -- the runs ----------------------------------------------------------------------------------


class PaymentRunListView(AccessMixin, SingleTableView):
    permission = Permission.VIEW_CLAIMS
    table_class = PaymentRunTable
    template_name = "payment_runs/list.html"
    # The table pages itself; a ListView's paginate_by would also page (and count) the runs.
    table_pagination = {"per_page": PER_PAGE}

    def get_queryset(self):
        totals = (
            Remittance.objects.filter(payment_run=OuterRef("pk"))
            .order_by()
            .values("payment_run")
            .annotate(total=Sum("amount_pence"))
            .values("total")
        )
        # Both as subqueries, computed for the page's 25 runs only; a join grouped over every run
        # of the commissioner's history grew with it (issue 18).
        claims = (
            Worksheet.objects.filter(payment_run=OuterRef("pk"))
            .order_by()
            .values("payment_run")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            PaymentRun.objects.visible_to(self.scope)
            .select_related(None)
            .only("reference", "run_date", "status")  # what a row shows
            .annotate(
                claim_count=Coalesce(Subquery(claims, output_field=IntegerField()), 0),
                total_pence=Subquery(totals, output_field=IntegerField()),
            )
            .order_by("-run_date", "-pk")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            can_run=self.scope.can(Permission.RUN_PAYMENTS),
            open_run=PaymentRun.objects.visible_to(self.scope)
            .filter(status=PaymentRun.Status.OPEN)
            .select_related(None)
            .only("reference")
            .first(),
            **kwargs,
        )


class PaymentRunCreateView(ServiceFormView):
    permission = Permission.RUN_PAYMENTS
    form_class = PaymentRunForm
    heading = "Create a payment run"
    submit_label = "Create payment run"
    success_message = "Payment run created. Another officer must authorise it before it is closed."
    template_name = "payment_runs/form.html"

    def perform(self, form):
        return payment_run_create(
            commissioner=self.request.user.commissioner,
            run_date=form.cleaned_data["run_date"],
            by=self.request.user,
        )

    def get_success_url(self, result=None):
        return reverse("payment_runs:run", args=[result.pk])

    def cancel_url(self):
        return reverse("payment_runs:list")


@dataclass
class PracticeTotal:
    """One practice's row on the run page: its claims, adjustments and balance brought forward,
    what it is paid and what it carries forward."""

    practice: object
    claims: list = field(default_factory=list)
    adjustments: list = field(default_factory=list)
    amount_pence: int = 0
    brought_forward_pence: int = 0
    carried_pence: int = 0
    remittance: Remittance | None = None
    email: object = None  # the remittance's notices.Notice, once written
    advice_url: str = ""  # the remittance advice's download, once built
    email_url: str = ""

    @property
    def amount(self) -> str:
        return wording.money(self.amount_pence)

    @property
    def brought_forward(self) -> str:
        return wording.money(self.brought_forward_pence)

    @property
    def carried(self) -> str:
        return wording.money(self.carried_pence)


def _totals(plan: RunPlan, emails=None) -> list[PracticeTotal]:
    emails = emails or {}
    # Each row's links reversed once a page (core.links): a page has a hundred of them.
    advice_url = url_for_each("payment_runs:remittance_advice", keys=2)
    email_url = url_for_each("notices:detail")
    claim_url, adjustment_url = url_for_each("review:claim"), url_for_each("adjustments:detail")
    rows = []
    for lines in plan.practices:
        for claim in lines.claims:
            claim.page_url = claim_url(claim.pk)
        for adjustment in lines.adjustments:
            adjustment.page_url = adjustment_url(adjustment.pk)
        remittance = lines.remittance
        email = emails.get(remittance.pk) if remittance else None
        rows.append(
            PracticeTotal(
                lines.practice,
                lines.claims,
                lines.adjustments,
                remittance.amount_pence if remittance else lines.payable_pence,
                lines.brought_forward_pence,
                remittance.carried_pence if remittance else lines.carried_pence,
                remittance=remittance,
                email=email,
                advice_url=(
                    advice_url(lines.practice.ods_code, remittance.pk)
                    if remittance and remittance.advice_id
                    else ""
                ),
                email_url=email_url(email.pk) if email else "",
            )
        )
    return rows


class RunMixin(AccessMixin):
    def get_run(self) -> PaymentRun:
        return get_object_or_404(
            PaymentRun.objects.visible_to(self.scope).select_related(
                "created_by", "closed_by", "authorised_by", "paid_by"
            ),
            pk=self.kwargs["pk"],
        )

    def run_page(self, run: PaymentRun, *, failed: ActionForm | None = None, paid_form=None):
        """The run's page, bounded (ADR 0044): its practices, claims and adjustments a page at a
        time. A closed run's totals are one aggregate over its remittances and only the page's
        practices are read; an open run is netted in full (what it would pay is the sum of every
        practice's netting), then paged."""
        can_run = self.scope.can(Permission.RUN_PAYMENTS)
        context = {"run": run, "can_run": can_run, "failed_form": failed}
        if run.status == PaymentRun.Status.OPEN:
            plan = run_plan(run)
            totals = _totals(plan)
            authorised_now = bool(run.authorised_at) and (
                plan.items == sorted(run.authorised_items)
                and plan.total_pence == run.authorised_total_pence
            )
            context.update(
                left_out=plan.left_out,
                authorised_now=authorised_now,
                authorised_total=wording.money(run.authorised_total_pence or 0),
                can_authorise=can_run and run.created_by_id != self.request.user.pk,
            )
            practices = page_of(self.request, totals, param=PRACTICES_PAGE)
            claims, adjustments = plan.claims, plan.adjustments
            counts = RunTotals(
                claims=len(plan.claims),
                adjustments=len(plan.adjustments),
                practices=len(totals),
                total_pence=sum(t.amount_pence for t in totals),
                carried_pence=sum(t.carried_pence for t in totals),
                any_brought_forward=any(t.brought_forward_pence for t in totals),
            )
        else:
            counts = run_totals(run)
            practices = page_of(
                self.request, run_remittances(run), param=PRACTICES_PAGE, count=counts.practices
            )
            lines = practice_lines(run, practices.object_list)
            emails = {
                n.remittance_id: n
                for n in Notice.objects.visible_to(self.scope)
                .filter(remittance__in=[line.remittance for line in lines])
                .select_related(None)
                .only("remittance_id", "status", "sent_at")  # what the page shows of each
            }
            practices.object_list = _totals(RunPlan(lines), emails)
            claims, adjustments = run_claims(run), run_adjustments(run)
            context.update(
                progress=remittances_progress(run),
                payable_yet=london_date(timezone.now()) >= run.run_date,
            )
        context.update(
            counts=counts,
            totals=practices,
            adjustments=page_of(
                self.request, adjustments, param=ADJUSTMENTS_PAGE, count=counts.adjustments
            ),
            practices_page=PRACTICES_PAGE,
            adjustments_page=ADJUSTMENTS_PAGE,
            total=wording.money(counts.total_pence),
            carried_total=wording.money(counts.carried_pence),
            any_carried=counts.any_carried,
            any_brought_forward=counts.any_brought_forward,
            paid_form=paid_form or MarkPaidForm(),
        )
        table = ClaimTable(claims, orderable=False, exclude=("select",), prefix="claims-")
        table.caption = (
            "Claims due into the run"
            if run.status == PaymentRun.Status.OPEN
            else "Claims in the run"
        )
        table.data._length = counts.claims  # counted already: no second COUNT(*)
        RequestConfig(self.request, paginate={"per_page": PER_PAGE}).configure(table)
        context["claims_table"] = table
        return render(self.request, "payment_runs/run.html", context)


class PaymentRunView(RunMixin, View):
    permission = Permission.VIEW_CLAIMS

    def get(self, request, pk):
        return self.run_page(self.get_run())


class PaymentRunActionView(RunMixin, View):
    """POST only: one button, one service. A refusal re-renders the run page with the reason."""

    permission = Permission.RUN_PAYMENTS
    http_method_names = ["post"]

    def perform(self, run: PaymentRun) -> str:
        raise NotImplementedError

    def post(self, request, pk):
        run = self.get_run()
        form = ActionForm(request.POST)
        try:
            message = self.perform(run)
        except ValidationError as refused:
            form.is_valid()
            form.add_error(None, refused.messages)
            return self.run_page(self.get_run(), failed=form)
        messages.success(request, message)
        return HttpResponseRedirect(reverse("payment_runs:run", args=[run.pk]))


def _left_out(run) -> str:
    left_out = getattr(run, "left_out", [])
    if not left_out:
        return ""
    return (
        " Left out, for a quarter that starts after the practice's LES agreement ended: "
        + ", ".join(c.reference for c in left_out)
        + "."
    )


class PaymentRunAuthoriseView(StepUpMixin, PaymentRunActionView):
    """The second person: authorises what the run would pay if closed now."""

    step_up_action = "authorise a payment run"

    def step_up_return_url(self, request, pk):
        return reverse("payment_runs:run", args=[self.get_run().pk])

    def perform(self, run):
        run = payment_run_authorise(run=run, by=self.request.user)
        return (
            f"{run.reference} authorised to pay {wording.money(run.authorised_total_pence)}. "
            "It can now be closed." + _left_out(run)
        )


class PaymentRunCloseView(StepUpMixin, PaymentRunActionView):
    """Closing is confirmed on its own page (GET): the practices, claims, adjustments, total and who
    will be emailed. Only a POST from that page (``confirmed``) closes; any other POST shows it."""

    http_method_names = ["get", "post"]
    step_up_action = "close a payment run"

    def step_up_return_url(self, request, pk):
        return reverse("payment_runs:close", args=[self.get_run().pk])

    def get(self, request, pk):
        run = self.get_run()
        if run.status != PaymentRun.Status.OPEN:
            messages.info(request, f"{run.reference} is {run.get_status_display().lower()}.")
            return HttpResponseRedirect(reverse("payment_runs:run", args=[run.pk]))
        return self.confirmation(run)

    def confirmation(self, run: PaymentRun, failed: ActionForm | None = None):
        plan = run_plan(run)
        authorised_now = bool(run.authorised_at) and (
            plan.items == sorted(run.authorised_items)
            and plan.total_pence == run.authorised_total_pence
        )
        rows = [(total, practice_recipients(total.practice.pk)) for total in _totals(plan)]
        return render(
            self.request,
            "payment_runs/close_confirm.html",
            {
                "run": run,
                "rows": rows,
                "claims": plan.claims,
                "adjustments": plan.adjustments,
                "left_out": plan.left_out,
                "total": wording.money(plan.total_pence),
                "carried": wording.money(-plan.carried_pence),
                "any_carried": bool(plan.carried_pence),
                "authorised_now": authorised_now,
                "no_recipients": [t.practice for t, emails in rows if not emails],
                "failed_form": failed,
            },
        )

    def post(self, request, pk):
        run = self.get_run()  # another commissioner's run is a 404, confirmed or not
        if request.POST.get("confirmed") != "yes":
            return HttpResponseRedirect(reverse("payment_runs:close", args=[run.pk]))
        try:
            message = self.perform(run)
        except ValidationError as refused:
            form = ActionForm(request.POST)
            form.is_valid()
            form.add_error(None, refused.messages)
            run = self.get_run()
            if run.status == PaymentRun.Status.OPEN:
                return self.confirmation(run, failed=form)
            return self.run_page(run, failed=form)
        messages.success(request, message)
        return HttpResponseRedirect(reverse("payment_runs:run", args=[run.pk]))

    def perform(self, run):
        run = payment_run_close(run=run, by=self.request.user)
        remittances = run.remittances.aggregate(
            practices=Count("pk"), total=Sum("amount_pence"), carried=Sum("carried_pence")
        )
        message = (
            f"{run.reference} closed: {run.claims.count()} claims for "
            f"{remittances['practices']} practices, {wording.money(remittances['total'] or 0)}."
        )
        if adjustments := run.adjustments.count():
            message += f" {adjustments} adjustment{'s' if adjustments != 1 else ''} netted."
        if remittances["carried"]:
            message += (
                f" {wording.money(-remittances['carried'])} owed by practices is carried to the "
                "next run."
            )
        return message + _left_out(run)


class OpenRunFormView(RunMixin, ServiceFormView):
    """A form about an open run (its date, its cancellation); a run no longer open goes back to its
    page with the reason, and the service refuses a POST that races a close."""

    permission = Permission.RUN_PAYMENTS
    template_name = "payment_runs/form.html"

    def get(self, request, *args, **kwargs):
        self.run = self.get_run()
        if self.run.status != PaymentRun.Status.OPEN:
            messages.info(
                request,
                f"{self.run.reference} is {self.run.get_status_display().lower()}: only an open "
                "run can be changed or cancelled.",
            )
            return HttpResponseRedirect(reverse("payment_runs:run", args=[self.run.pk]))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.run = self.get_run()
        return super().post(request, *args, **kwargs)

    def get_heading(self) -> str:
        return f"{self.heading}: {self.run.reference}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(run=self.run, **kwargs)

    def get_success_url(self, result=None):
        return reverse("payment_runs:run", args=[result.pk])

    def cancel_url(self):
        return reverse("payment_runs:run", args=[self.run.pk])


class PaymentRunEditView(OpenRunFormView):
    form_class = PaymentRunForm
    heading = "Change the payment date"
    submit_label = "Save payment date"

    def get_initial(self):
        return {"run_date": self.run.run_date}

    def perform(self, form):
        authorised = self.run.authorised_at is not None
        run = payment_run_reschedule(
            run=self.run, run_date=form.cleaned_data["run_date"], by=self.request.user
        )
        message = (
            f"Payment date changed to {wording.day(run.run_date)}: the run is now {run.reference}."
        )
        if authorised:
            message += " Its authorisation is cleared: another officer must authorise it again."
        messages.success(self.request, message)
        return run


class PaymentRunCancelView(OpenRunFormView):
    form_class = PaymentRunCancelForm
    heading = "Cancel the payment run"
    submit_label = "Cancel payment run"

    def perform(self, form):
        run = payment_run_cancel(
            run=self.run, by=self.request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(
            self.request,
            f"{run.reference} cancelled. It paid nothing; approved claims wait for the next run.",
        )
        return run


class PaymentRunMarkPaidView(RunMixin, View):
    """Record finance's payment reference; refused before the run's payment date."""

    permission = Permission.RUN_PAYMENTS
    http_method_names = ["post"]

    def post(self, request, pk):
        run = self.get_run()
        form = MarkPaidForm(request.POST)
        if form.is_valid() or run.status != PaymentRun.Status.CLOSED:
            form.errors.clear()  # the service says what is wrong first (an open run, say)
            try:
                run = payment_run_mark_paid(
                    run=run,
                    by=request.user,
                    payment_reference=request.POST.get("payment_reference", ""),
                )
            except ValidationError as refused:
                form.add_error(None, refused.messages)
        if form.errors:
            return self.run_page(self.get_run(), failed=form, paid_form=form)
        messages.success(request, f"{run.reference} marked as paid.")
        return HttpResponseRedirect(reverse("payment_runs:run", args=[run.pk]))


class RemittancesRetryView(PaymentRunActionView):
    """Queue again the remittance advice that failed to build (after the cause is put right)."""

    def perform(self, run):
        if run.status == PaymentRun.Status.OPEN:
            raise ValidationError("Remittance advice is built when the run is closed.")
        count = remittances_queue(run)
        if not count:
            return "Every remittance advice of the run is built."
        return f"Building {count} remittance advice{'s' if count != 1 else ''} again."


class RemittanceProgressView(RunMixin, View):
    """How far the run's remittance advice has got, as JSON for the run page's progress line
    (static/js/progress.js); the page itself says the same without JavaScript."""

    permission = Permission.VIEW_CLAIMS

    def get(self, request, pk):
        progress = remittances_progress(self.get_run())
        return JsonResponse(
            {
                "total": progress.total,
                "built": progress.built,
                "failed": progress.failed,
                "emailed": progress.emailed,
                "email_failed": progress.email_failed,
                "complete": progress.complete,
                "summary": progress.summary,
            }
        )


class RemittanceAdviceView(AccessMixin, View):
    """The remittance advice PDF of one practice in one run, for the practice and the officers.
    Another practice's remittance is a 404 (``self.scope``)."""

    permission = (Permission.VIEW_CLAIMS, Permission.VIEW_OWN_PRACTICE)

    def get(self, request, ods_code, pk):
        remittance = get_object_or_404(
            Remittance.objects.visible_to(self.scope).select_related("advice"),
            practice__ods_code=ods_code,
            pk=pk,
        )
        if remittance.advice is None:
            messages.info(
                request,
                f"The remittance advice for {remittance.payment_run.reference} is still being "
                "prepared. Try again in a few minutes.",
            )
            return HttpResponseRedirect(reverse("payment_runs:practice_payments", args=[ods_code]))
        return document_response(remittance.advice)


class FinanceExportView(RunMixin, View):
    """The finance team's CSV (``claims.payments.runs.finance_export``), downloaded as
    ``<reference>-finance.csv``; its text cells neutralised like every download of the service."""

    permission = Permission.RUN_PAYMENTS

    def get(self, request, pk):
        run = self.get_run()
        if run.status in (PaymentRun.Status.OPEN, PaymentRun.Status.CANCELLED):
            messages.info(request, "The finance export is made when the run is closed.")
            return HttpResponseRedirect(reverse("payment_runs:run", args=[run.pk]))
        _header, *rows = csv.reader(io.StringIO(finance_export(run)))
        return csv_download(f"{run.reference}-finance.csv", FINANCE_COLUMNS, rows)


# -- a practice's payments ----------------------------------------------------------------------


class PracticePaymentsView(AccessMixin, TemplateView):
    """Each claim of the practice with where its money stands, and what each run paid it. Practice
    managers see their own practices; officers and auditors those of their commissioner."""

    permission = (Permission.VIEW_CLAIMS, Permission.VIEW_OWN_PRACTICE)
    template_name = "payment_runs/practice_payments.html"

    def get_context_data(self, **kwargs):
        practice = get_object_or_404(
            Practice.objects.visible_to(self.scope), ods_code=self.kwargs["ods_code"]
        )
        claims = with_expectation(
            Worksheet.objects.visible_to(self.scope)
            .filter(practice=practice)
            .order_by("-quarter__year", "-quarter__number")
        )
        remittances = Remittance.objects.visible_to(self.scope).filter(practice=practice)
        remittances = remittances.order_by("-payment_run__run_date", "-payment_run__pk")
        remittances = remittances.select_related("advice").defer("advice__content")
        adjustments = Adjustment.objects.visible_to(self.scope).filter(practice=practice)
        if not self.scope.can(Permission.VIEW_CLAIMS):  # a practice sees decided ones only
            adjustments = adjustments.filter(status__in=PRACTICE_SEES)
        # A page of each (issue 18, ADR 0044): twelve quarters (three years) of claims, twelve runs,
        # twelve adjustments; a practice's history grows every quarter.
        claims = page_of(self.request, claims, per_page=12, param="claims_page")
        remittances = page_of(self.request, remittances, per_page=12, param="runs_page")
        adjustments = page_of(self.request, adjustments, per_page=12, param="adjustments_page")
        return super().get_context_data(
            practice=practice,
            claims_page=claims,
            remittances_page=remittances,
            adjustments_page=adjustments,
            adjustments=[(a, wording.money(a.amount_pence)) for a in adjustments],
            claims=[
                (claim, wording.money(claim.net_pence), payment_expectation(claim))
                for claim in claims
            ],
            remittances=[
                (r, wording.money(r.amount_pence), wording.money(-r.carried_pence))
                for r in remittances
            ],
            can_view_claims=self.scope.can(Permission.VIEW_CLAIMS),
            **kwargs,
        )
