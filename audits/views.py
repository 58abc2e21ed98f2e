"""Audit pages: the draws and cases of the commissioner, drawing and flagging, a draw (with its
seed and eligible list, and whether drawing again gives the same practices), and a case with its
actions. Every write is one service in ``audits/services.py``; reads come from ``self.scope``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.access import Permission
from accounts.base_views import ServiceFormView
from accounts.views import AccessMixin
from audits import services
from audits.forms import CloseForm, DrawForm, EvidenceRequestForm, FindingsForm, FlagForm
from audits.models import AuditCase, AuditDraw
from audits.packs import audit_pack_request
from audits.separation import separation_refusal
from core.pagination import page_of
from documents.downloads import document_response
from history.models import AuditEvent
from practices.models import Commissioner, Practice

LATEST_DRAWS = 20  # the index lists the latest draws; each case links to its own


def audit_years(today=None) -> list[int]:
    """This financial year and the three before it."""
    current = services.FinancialYear.containing(today or timezone.localdate()).year
    return [current - offset for offset in range(4)]


class AuditIndexView(AccessMixin, TemplateView):
    permission = Permission.CONDUCT_AUDITS
    template_name = "audits/index.html"

    def get_context_data(self, **kwargs):
        from audits.selectors import AUDIT_EVIDENCE_DAYS, cases_evidence_overdue

        cases = AuditCase.objects.visible_to(self.scope)
        wanted = self.request.GET.get("status", "")
        shown = ""
        if wanted == "overdue":  # the home pages link here: evidence asked for too long ago
            cases = cases_evidence_overdue(cases, timezone.localdate())
            shown = f"Evidence asked for more than {AUDIT_EVIDENCE_DAYS} days ago"
        elif wanted in AuditCase.Status.values:
            cases = cases.filter(status=wanted)
            shown = AuditCase.Status(wanted).label
        # Bounded (ADR 0044): the cases a page at a time (latest year first), the latest draws.
        cases = cases.order_by("-financial_year", "practice__ods_code", "pk")
        return super().get_context_data(
            draws=AuditDraw.objects.visible_to(self.scope)[:LATEST_DRAWS],
            draw_count=AuditDraw.objects.visible_to(self.scope).count(),
            latest_draws=LATEST_DRAWS,
            cases=page_of(self.request, cases),
            shown=shown,
            **kwargs,
        )


class DrawCreateView(ServiceFormView):
    permission = Permission.CONDUCT_AUDITS
    form_class = DrawForm
    heading = "Draw practices for audit"
    submit_label = "Draw practices"
    success_message = "Practices drawn, and an audit case opened for each."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "years": audit_years()}

    def perform(self, form):
        commissioner = Commissioner.objects.visible_to(self.scope).first()
        if commissioner is None:
            raise ValidationError("Only a commissioner's officers and auditors draw practices.")
        return services.audit_draw(
            commissioner=commissioner,
            financial_year=form.cleaned_data["financial_year"],
            count=form.cleaned_data["count"],
            percent=form.cleaned_data["percent"],
            by=self.request.user,
        )

    def get_success_url(self, result=None):
        return reverse("audits:draw", args=[result.pk])

    def cancel_url(self):
        return reverse("audits:index")


class FlagView(ServiceFormView):
    permission = Permission.CONDUCT_AUDITS
    form_class = FlagForm
    heading = "Add a practice flagged for irregularities"
    submit_label = "Open an audit case"
    success_message = "Audit case opened."

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "years": audit_years(),
            "practices": Practice.objects.visible_to(self.scope).order_by("name"),
        }

    def get_initial(self):
        """A cross-practice check's "Add to an audit" link pre-fills the form (reports/views/checks.py);
        the choices still come from the scope, so a practice outside it is simply not selected."""
        given = {k: self.request.GET.get(k) for k in ("practice", "financial_year", "reason")}
        return {**super().get_initial(), **{k: v for k, v in given.items() if v}}

    def perform(self, form):
        data = form.cleaned_data
        return services.audit_case_flag(
            practice=data["practice"],
            financial_year=data["financial_year"],
            reason=data["reason"],
            by=self.request.user,
        )

    def get_success_url(self, result=None):
        return reverse("audits:case", args=[result.pk])

    def cancel_url(self):
        return reverse("audits:index")


class DrawView(AccessMixin, TemplateView):
    permission = Permission.CONDUCT_AUDITS
    template_name = "audits/draw.html"

    def get_context_data(self, **kwargs):
        draw = get_object_or_404(AuditDraw.objects.visible_to(self.scope), pk=self.kwargs["pk"])
        return super().get_context_data(
            draw=draw,
            repeats=services.draw_repeats(draw),
            cases=AuditCase.objects.visible_to(self.scope).filter(draw=draw),
            **kwargs,
        )


ACTIONS = {
    "request_evidence": (EvidenceRequestForm, "Evidence requested: the practice has been emailed."),
    "start_review": (None, "The case is under review."),
    "findings": (FindingsForm, "Findings recorded."),
    "close": (CloseForm, "The case is closed."),
}


class CaseMixin(AccessMixin):
    permission = Permission.CONDUCT_AUDITS

    def get_case(self) -> AuditCase:
        return get_object_or_404(AuditCase.objects.visible_to(self.scope), pk=self.kwargs["pk"])

    def case_page(self, case, failed: dict | None = None):
        failed = failed or {}
        # Each form has its own prefix: the findings and closing forms both have a "findings" field,
        # and every field id on the page must be unique for its label to name it.
        forms = {
            name: failed.get(name) or (form(prefix=name) if form else None)
            for name, (form, _message) in ACTIONS.items()
        }
        if not failed.get("findings"):
            forms["findings"] = FindingsForm(prefix="findings", initial={"findings": case.findings})
        if not failed.get("close"):
            forms["close"] = CloseForm(prefix="close", initial={"findings": case.findings})
        history = (
            AuditEvent.objects.filter(object_type="audits.auditcase", object_id=str(case.pk))
            .select_related("actor")
            .order_by("at", "pk")
        )
        return render(
            self.request,
            "audits/case.html",
            {
                "case": case,
                "forms": forms,
                "history": history,
                "failed": bool(failed),
                "can_adjust": self.scope.can(Permission.ADJUST_PAYMENTS),
                # Findings and closing are not offered to whoever reviewed the claims audited.
                "separation": separation_refusal(self.request.user, case),
            },
        )


class CaseView(CaseMixin, View):
    def get(self, request, pk):
        return self.case_page(self.get_case())


class CaseActionView(CaseMixin, View):
    """POST only: one form, one service; a refusal re-renders the case with the reason."""

    http_method_names = ["post"]
    action = ""

    def post(self, request, pk):
        case = self.get_case()
        form_class, message = ACTIONS[self.action]
        form = form_class(request.POST, prefix=self.action) if form_class else None
        if form is not None and not form.is_valid():
            return self.case_page(case, {self.action: form})
        data = form.cleaned_data if form is not None else {}
        try:
            if self.action == "request_evidence":
                services.audit_case_request_evidence(
                    case=case, by=request.user, message=data["message"]
                )
            elif self.action == "start_review":
                services.audit_case_start_review(case=case, by=request.user)
            elif self.action == "findings":
                services.audit_case_record_findings(
                    case=case, findings=data["findings"], by=request.user
                )
            else:
                services.audit_case_close(
                    case=case, outcome=data["outcome"], findings=data["findings"], by=request.user
                )
        except ValidationError as refused:
            form = form or EvidenceRequestForm(prefix=self.action)
            form.add_error(None, refused.messages)
            return self.case_page(self.get_case(), {self.action: form})
        messages.success(request, message)
        return HttpResponseRedirect(reverse("audits:case", args=[case.pk]))


class PackRequestView(CaseMixin, View):
    """POST: build the audit pack from the evidence as it is now (a task; the page says when)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        audit_pack_request(case=self.get_case(), by=request.user)
        messages.success(
            request, "The audit pack is being built. Refresh this page in a minute to download it."
        )
        return HttpResponseRedirect(reverse("audits:case", args=[pk]))


class PackDownloadView(CaseMixin, View):
    def get(self, request, pk):
        case = self.get_case()
        if case.pack is None:
            messages.info(request, "No audit pack has been built for this case yet.")
            return HttpResponseRedirect(reverse("audits:case", args=[pk]))
        return document_response(case.pack)
