"""The cross-practice checks page, and the officers' form for the thresholds it uses.

The rules are pure (``reports/checks.py``) and the reads are ``reports/check_data.py``; the page
only picks the quarter and turns each flag's claims into links: to the claim, and (for those who
conduct audits) to the flag form of ``audits:flag`` pre-filled with the practice, the financial
year and the flag's message as the reason."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.access import Permission
from accounts.base_views import ServiceFormView
from accounts.views import AccessMixin
from reports import check_data, checks, services
from reports.forms import CheckThresholdsForm, QuarterChoiceForm
from reports.models import CheckThresholds


@dataclass(frozen=True)
class ClaimLink:
    practice: checks.PracticeRef
    claim_url: str
    audit_url: str | None  # None: the user does not conduct audits


def claim_links(flag: checks.Flag, *, can_audit: bool) -> list[ClaimLink]:
    audit = reverse("audits:flag")
    return [
        ClaimLink(
            practice=claim.practice,
            claim_url=reverse("review:claim", args=[claim.worksheet_id]),
            audit_url=(
                audit
                + "?"
                + urlencode(
                    {
                        "practice": claim.practice.id,
                        "financial_year": flag.period.year,
                        "reason": flag.message,
                    }
                )
                if can_audit
                else None
            ),
        )
        for claim in flag.claims
    ]


class ChecksView(AccessMixin, TemplateView):
    """``?quarter=2019-20-Q2``: that quarter's flags against the quarter before; without it, the
    latest quarter with worksheets. A quarter the user has no worksheets for is not found."""

    permission = Permission.VIEW_INSIGHT
    template_name = "reports/checks.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        periods = check_data.quarters_with_worksheets(self.scope)
        context["can_change_thresholds"] = self.scope.can(Permission.RECORD_COVERAGE)
        if not periods:
            context["thresholds"] = check_data.thresholds_in_force()
            return context
        wanted = self.request.GET.get("quarter") or periods[0].slug
        form = QuarterChoiceForm({"quarter": wanted}, periods=periods)
        if not form.is_valid():
            raise Http404("No worksheets in that quarter.")
        period = next(p for p in periods if p.slug == form.cleaned_data["quarter"])
        result = check_data.check_quarter(self.scope, period)
        can_audit = self.scope.can(Permission.CONDUCT_AUDITS)
        context.update(
            quarter_form=form,
            period=period,
            result=result,
            thresholds=result.thresholds,
            groups=[
                {
                    "kind": kind,
                    "count_label": kind.count_label(len(flags)),
                    "rows": [(flag, claim_links(flag, can_audit=can_audit)) for flag in flags],
                }
                for kind, flags in result.by_kind()
            ],
        )
        return context


class CheckThresholdsView(ServiceFormView):
    permission = Permission.RECORD_COVERAGE
    form_class = CheckThresholdsForm
    template_name = "reports/check_thresholds.html"
    heading = "Jump thresholds for the cross-practice checks"
    submit_label = "Save thresholds"
    success_message = "Thresholds saved."

    def get_initial(self):
        current = CheckThresholds.current()
        return {
            "jump_percent": current.jump_percent,
            "jump_min_patients": current.jump_min_patients,
        }

    def perform(self, form):
        return services.check_thresholds_set(
            by=self.request.user,
            jump_percent=form.cleaned_data["jump_percent"],
            jump_min_patients=form.cleaned_data["jump_min_patients"],
        )

    def get_success_url(self, result=None):
        return reverse("reports:checks")

    def cancel_url(self):
        return reverse("reports:checks")
