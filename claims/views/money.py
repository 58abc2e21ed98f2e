"""Adjustments, money owed by practices, the finance hand-off downloads and the commissioner's
finance details (docs/adr/0022). Every write is one service (``claims/payments/adjustments.py``,
``claims/payments/runs.py``, ``practices/services.py``); every read comes from ``self.scope``, so another
commissioner's adjustment or run is a 404."""

from __future__ import annotations

from functools import cached_property

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from accounts.access import Permission
from accounts.base_views import ServiceFormView
from accounts.views import AccessMixin
from claims import wording
from claims.models import Adjustment, PaymentRun, Worksheet
from claims.payments.adjustments import (
    adjustment_approve,
    adjustment_cancel,
    adjustment_finance_approve,
    adjustment_raise,
    adjustment_refuse,
)
from claims.payments.finance_export import payments_csv, payments_xlsx
from claims.payments.forms import AdjustmentForm, EndAdjustmentForm, FinanceDetailsForm
from claims.payments.runs import balances_owed
from claims.worksheets.xlsx import CONTENT_TYPE
from core.downloads import csv_download
from core.money import pounds
from core.pagination import page_of
from practices.models import Commissioner, Practice
from practices.services import commissioner_finance_save

# Audit cases sit above claims (docs/adr/0029): an adjustment names its case by a foreign key declared
# by name, and this page reaches the model through it rather than importing the audits app.
AuditCase = Adjustment._meta.get_field("audit_case").related_model

A = Adjustment.Status


# -- adjustments ---------------------------------------------------------------------------------


class AdjustmentListView(AccessMixin, TemplateView):
    permission = Permission.VIEW_CLAIMS
    template_name = "adjustments/list.html"

    def get_context_data(self, **kwargs):
        adjustments = Adjustment.objects.visible_to(self.scope).order_by("-raised_at", "-pk")
        page = page_of(self.request, adjustments)  # bounded (ADR 0044)
        return super().get_context_data(
            page=page,
            adjustments=[(a, wording.money(a.amount_pence)) for a in page],
            can_adjust=self.scope.can(Permission.ADJUST_PAYMENTS),
            **kwargs,
        )


class AdjustmentRaiseView(ServiceFormView):
    """Raise a recovery or underpayment on a paid claim. ``?audit_case=<pk>`` (from a case closed
    with "recovery of payment") prefills the case, the reason and the practice's paid claims;
    ``?claim=<pk>`` the claim."""

    permission = Permission.ADJUST_PAYMENTS
    form_class = AdjustmentForm
    template_name = "adjustments/raise.html"
    submit_label = "Raise adjustment"
    success_message = "Adjustment raised. A different officer must approve it."

    @cached_property
    def audit_case(self):
        """The case in ``?audit_case=``: another commissioner's is a 404."""
        wanted = self.request.GET.get("audit_case", "")
        if not wanted.isdigit():
            return None
        return get_object_or_404(AuditCase.objects.visible_to(self.scope), pk=int(wanted))

    def _paid_claim(self, wanted: str):
        if not wanted.isdigit():
            return None
        return (
            Worksheet.objects.visible_to(self.scope)
            .filter(status=Worksheet.Status.PAID, pk=int(wanted))
            .select_related("practice")
            .first()
        )

    @cached_property
    def practice(self):
        """Whose paid claims the form offers (issue 18: one practice's, never the commissioner's
        whole history): the audit case's, ``?practice=<ODS code>`` (another commissioner's is a
        404), or the practice of the claim in ``?claim=`` or of the claim posted."""
        if self.audit_case is not None:
            return self.audit_case.practice
        ods_code = self.request.GET.get("practice", "").strip().upper()
        if ods_code:
            return get_object_or_404(Practice.objects.visible_to(self.scope), ods_code=ods_code)
        claim = self._paid_claim(self.request.GET.get("claim", "")) or (
            self._paid_claim(self.request.POST.get("claim", ""))
            if self.request.method == "POST"
            else None
        )
        return claim.practice if claim is not None else None

    def get(self, request, *args, **kwargs):
        self.audit_case  # noqa: B018 - a foreign case is a 404 before anything is drawn
        self.practice  # noqa: B018 - and so is a foreign practice
        return super().get(request, *args, **kwargs)

    def paid_claims(self):
        claims = Worksheet.objects.visible_to(self.scope).filter(status=Worksheet.Status.PAID)
        if self.practice is None:
            return claims.none()
        return claims.filter(practice=self.practice).order_by("-quarter__year", "-quarter__number")

    def practices_with_paid_claims(self):
        """The first step when no practice is given: the practices in scope with a paid claim."""
        return (
            Practice.objects.visible_to(self.scope)
            .filter(
                Exists(
                    Worksheet.objects.filter(
                        practice_id=OuterRef("pk"), status=Worksheet.Status.PAID
                    )
                )
            )
            .order_by("name", "ods_code")
        )

    def get_form_kwargs(self):
        cases = AuditCase.objects.visible_to(self.scope).filter(status=AuditCase.Status.CLOSED)
        if self.practice is not None:
            cases = cases.filter(practice=self.practice)
        return {**super().get_form_kwargs(), "claims": self.paid_claims(), "audit_cases": cases}

    def get_initial(self):
        initial = {}
        if self.audit_case is not None:
            initial.update(audit_case=self.audit_case.pk)
            if self.audit_case.outcome == AuditCase.Outcome.RECOVERY:
                initial.update(reason=Adjustment.Reason.AUDIT_FINDING)
        claim = self.request.GET.get("claim", "")
        if claim.isdigit() and self.paid_claims().filter(pk=int(claim)).exists():
            initial.update(claim=int(claim))
        return initial

    def get_heading(self):
        if self.audit_case is not None:
            return f"Raise a recovery: {self.audit_case.practice.name}"
        return "Raise an adjustment"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            audit_case=self.audit_case,
            practice=self.practice,
            practices=self.practices_with_paid_claims() if self.practice is None else None,
            **kwargs,
        )

    def perform(self, form):
        return adjustment_raise(
            claim=form.cleaned_data["claim"],
            amount_pence=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
            explanation=form.cleaned_data["explanation"],
            audit_case=form.cleaned_data["audit_case"],
            by=self.request.user,
        )

    def get_success_url(self, result=None):
        return reverse("adjustments:detail", args=[result.pk])

    def cancel_url(self):
        if self.audit_case is not None:
            return reverse("audits:case", args=[self.audit_case.pk])
        return reverse("adjustments:list")


class AdjustmentMixin(AccessMixin):
    def get_adjustment(self) -> Adjustment:
        return get_object_or_404(Adjustment.objects.visible_to(self.scope), pk=self.kwargs["pk"])

    def page(self, adjustment: Adjustment, *, failed=None, refuse_form=None, cancel_form=None):
        user = self.request.user
        can_adjust = self.scope.can(Permission.ADJUST_PAYMENTS)
        pending = adjustment.status in (A.RAISED, A.AWAITING_FINANCE)
        return render(
            self.request,
            "adjustments/detail.html",
            {
                "adjustment": adjustment,
                "amount": wording.money(adjustment.amount_pence),
                "failed_form": failed,
                "can_approve": can_adjust and adjustment.status == A.RAISED,
                "can_finance_approve": can_adjust
                and adjustment.status == A.AWAITING_FINANCE
                and getattr(user, "is_finance_approver", False),
                "can_refuse": can_adjust and pending and adjustment.raised_by_id != user.pk,
                "can_cancel": can_adjust and pending,
                "refuse_form": refuse_form
                or EndAdjustmentForm(prefix="refuse", label="Reason for refusing"),
                "cancel_form": cancel_form
                or EndAdjustmentForm(prefix="cancel", label="Reason for cancelling"),
            },
        )


class AdjustmentView(AdjustmentMixin, View):
    permission = Permission.VIEW_CLAIMS

    def get(self, request, pk):
        return self.page(self.get_adjustment())


class AdjustmentActionView(AdjustmentMixin, View):
    """POST only. ``action``: approve, finance_approve, refuse or cancel. A refusal re-renders the
    page with the reason and writes nothing."""

    permission = Permission.ADJUST_PAYMENTS
    http_method_names = ["post"]
    action = ""

    def post(self, request, pk):
        from claims.review.forms import ActionForm

        adjustment = self.get_adjustment()
        forms = {}
        if self.action in ("refuse", "cancel"):
            label = "Reason for refusing" if self.action == "refuse" else "Reason for cancelling"
            form = EndAdjustmentForm(request.POST, prefix=self.action, label=label)
            forms[f"{self.action}_form"] = form
        else:
            form = ActionForm(request.POST)
        if form.is_valid():
            try:
                message = self.perform(adjustment, form)
            except ValidationError as refused:
                form.add_error(None, refused.messages)
        if form.errors:
            return self.page(self.get_adjustment(), failed=form, **forms)
        messages.success(request, message)
        return HttpResponseRedirect(reverse("adjustments:detail", args=[adjustment.pk]))

    def perform(self, adjustment, form) -> str:
        by = self.request.user
        if self.action == "approve":
            adjustment = adjustment_approve(adjustment=adjustment, by=by)
            if adjustment.status == A.AWAITING_FINANCE:
                return "Approved. It is above the finance threshold: a finance approver must also approve it."
            return "Approved. It will be netted in the next payment run."
        if self.action == "finance_approve":
            adjustment_finance_approve(adjustment=adjustment, by=by)
            return "Finance approval given. It will be netted in the next payment run."
        reason = form.cleaned_data["reason"]
        if self.action == "refuse":
            adjustment_refuse(adjustment=adjustment, by=by, reason=reason)
            return "Adjustment refused."
        adjustment_cancel(adjustment=adjustment, by=by, reason=reason)
        return "Adjustment cancelled."


# -- money owed ----------------------------------------------------------------------------------


def _owed(scope) -> list:
    """Practices in scope whose last run carried money owed, with that balance."""
    owed = [
        remittance
        for commissioner in Commissioner.objects.visible_to(scope)
        for remittance in balances_owed(commissioner.pk).values()
    ]
    visible = set(
        Practice.objects.visible_to(scope)
        .filter(pk__in={r.practice_id for r in owed})
        .values_list("pk", flat=True)
    )
    return sorted((r for r in owed if r.practice_id in visible), key=lambda r: r.practice.ods_code)


INVOICE_COLUMNS = [
    "practice_ods", "practice_name", "supplier_number", "cost_centre", "gl_code",
    "amount_owed", "last_run_reference", "last_run_date",
]  # fmt: skip


class MoneyOwedView(AccessMixin, TemplateView):
    """Money practices owe after recoveries larger than their claims: netted in their next run, or
    invoiced by finance (the invoice-request CSV)."""

    permission = Permission.VIEW_CLAIMS
    template_name = "adjustments/owed.html"

    def get_context_data(self, **kwargs):
        owed = _owed(self.scope)
        return super().get_context_data(
            owed=[(r, wording.money(-r.carried_pence)) for r in owed],
            total=wording.money(-sum(r.carried_pence for r in owed)),
            can_run=self.scope.can(Permission.RUN_PAYMENTS),
            **kwargs,
        )


class InvoiceRequestsView(AccessMixin, View):
    permission = Permission.RUN_PAYMENTS

    def get(self, request):
        rows = [
            [
                r.practice.ods_code,
                r.practice.name,
                r.practice.supplier_number,
                r.payment_run.commissioner.cost_centre,
                r.payment_run.commissioner.gl_code,
                pounds(-r.carried_pence),
                r.payment_run.reference,
                r.payment_run.run_date.isoformat(),
            ]
            for r in _owed(self.scope)
        ]
        return csv_download("invoice-requests.csv", INVOICE_COLUMNS, rows)


# -- the finance hand-off ------------------------------------------------------------------------


class PaymentsExportView(AccessMixin, View):
    """One row per claim and adjustment of a closed run (``claims/payments/finance_export.py``)."""

    permission = Permission.RUN_PAYMENTS
    kind = "csv"

    def get(self, request, pk):
        run = get_object_or_404(
            PaymentRun.objects.visible_to(self.scope).select_related("commissioner"), pk=pk
        )
        if run.status in (PaymentRun.Status.OPEN, PaymentRun.Status.CANCELLED):
            messages.info(request, "The payments file is made when the run is closed.")
            return HttpResponseRedirect(reverse("payment_runs:run", args=[run.pk]))
        if self.kind == "xlsx":
            response = HttpResponse(payments_xlsx([run]), content_type=CONTENT_TYPE)
        else:
            response = HttpResponse(payments_csv([run]), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{run.reference}-payments.{self.kind}"'
        )
        return response


class FinanceDetailsView(ServiceFormView):
    """The commissioner's payments contact, cost centre and ledger code (officers; history kept)."""

    permission = Permission.RUN_PAYMENTS
    form_class = FinanceDetailsForm
    heading = "Finance details"
    submit_label = "Save finance details"
    success_message = "Finance details saved."

    def get_form_kwargs(self):
        commissioner = get_object_or_404(
            Commissioner.objects.visible_to(self.scope), pk=self.request.user.commissioner_id
        )
        return {**super().get_form_kwargs(), "instance": commissioner}

    def perform(self, form):
        return commissioner_finance_save(commissioner=form.instance, by=self.request.user)

    def get_success_url(self, result=None):
        return reverse("payment_runs:list")

    def cancel_url(self):
        return reverse("payment_runs:list")
