"""Bulk check and bulk approve (issue 16): officers select claims on the queue, see them with their
total on a confirmation page, and confirm. Each claim still goes through its one service
(``claims.review.claim_check`` / ``claim_approve``: four-eyes, the agreement rule, the row lock);
claims the officer may not take that step on are listed as skipped with the reason
(``claims.selectors.review_step``), never sent.

All or nothing per confirmation (docs/adr/0027): the claims confirmed are acted on in one
transaction; if any is refused (another officer acted on it meanwhile, its figures changed), none
is, and the page names the claim and the reason. A selection whose total no longer matches what was
confirmed is refused the same way."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from accounts.access import Permission
from accounts.step_up import StepUpMixin
from accounts.views import AccessMixin
from claims import selectors, wording
from claims.models import ApprovalPolicy, Worksheet
from claims.review import services as review
from claims.review.forms import ActionForm

S = Worksheet.Status

ACTIONS = {
    "check": {"verb": "Check", "done": "checked", "service": review.claim_check},
    "approve": {"verb": "Approve", "done": "approved", "service": review.claim_approve},
}


def _skip_reason(claim: Worksheet, action: str, step: selectors.ReviewStep) -> str:
    if step.reason:
        return step.reason
    if step.action == "check":
        return "Not checked yet: it must be checked before it is approved."
    if step.action == "approve":
        return "Already checked: it needs approving, not checking."
    return "It is awaiting finance approval: a finance approver gives it on the claim's page."


@dataclass
class Selection:
    action: str
    act: list[Worksheet]
    skipped: list[tuple[Worksheet, str]]

    @property
    def total_pence(self) -> int:
        return sum(c.net_pence for c in self.act)


class BulkReviewView(StepUpMixin, AccessMixin, View):
    permission = Permission.REVIEW_CLAIMS
    step_up_action = "approve claims above the finance threshold"

    def step_up_needed(self, request):
        selection = self.selection(request.POST)
        threshold = ApprovalPolicy.current().finance_threshold_pence
        return bool(
            selection
            and selection.action == "approve"
            and any(c.net_pence > threshold for c in selection.act)
        )

    def step_up_return_url(self, request):
        query = {"action": request.POST.get("action", ""), "claims": request.POST.getlist("claims")}
        return f"{reverse('review:bulk')}?{urlencode(query, doseq=True)}"

    def selection(self, data) -> Selection | None:
        action = data.get("action", "")
        if action not in ACTIONS:
            return None
        try:
            ids = {int(value) for value in data.getlist("claims")}
        except ValueError:
            return None
        claims = list(
            Worksheet.objects.visible_to(self.scope)
            .filter(pk__in=ids)
            .select_related("practice", "quarter", "checked_by")
            .order_by("-quarter__year", "-quarter__number", "practice__name", "pk")
        )
        if len(claims) != len(ids):
            raise Http404("A claim selected is not one of yours.")
        act, skipped = [], []
        for claim in claims:
            step = selectors.review_step(claim, self.request.user)
            if step.action == action:
                act.append(claim)
            else:
                skipped.append((claim, _skip_reason(claim, action, step)))
        return Selection(action, act, skipped)

    def page(self, selection: Selection | None, form: ActionForm | None = None):
        context = {"selection": selection, "failed_form": form}
        if selection is not None:
            context.update(
                verb=ACTIONS[selection.action]["verb"],
                total=wording.money(selection.total_pence),
                rows=[(c, wording.money(c.net_pence)) for c in selection.act],
            )
        return render(self.request, "review/bulk.html", context)

    def get(self, request):
        selection = self.selection(request.GET)
        if selection is None or not (selection.act or selection.skipped):
            form = ActionForm({})
            form.is_valid()
            form.add_error(None, "Select the claims to check or approve on the claims page.")
            return self.page(None, form)
        return self.page(selection)

    def post(self, request):
        selection = self.selection(request.POST)
        if selection is None or not selection.act:
            return HttpResponseRedirect(reverse("review:queue"))
        form = ActionForm(request.POST)
        form.is_valid()
        confirmed_total = request.POST.get("total_pence", "")
        if confirmed_total != str(selection.total_pence) or selection.skipped:
            form.add_error(
                None,
                "The claims changed since you saw them: nothing was done. Check the list again "
                "and confirm.",
            )
            return self.page(selection, form)
        service = ACTIONS[selection.action]["service"]
        try:
            with transaction.atomic():
                results = []
                for claim in sorted(selection.act, key=lambda c: c.pk):  # one lock order
                    try:
                        results.append(service(claim=claim, by=request.user))
                    except ValidationError as refused:
                        refused.claim = claim
                        raise
        except ValidationError as refused:
            claim = refused.claim
            form.add_error(
                None,
                f"{claim.reference} ({claim.practice.name}, {claim.quarter.label}) was refused: "
                f"{' '.join(refused.messages)} Nothing was done: no claim in the list was "
                f"{ACTIONS[selection.action]['done']}.",
            )
            return self.page(self.selection(request.POST), form)
        done = ACTIONS[selection.action]["done"]
        message = (
            f"{len(results)} claim{'s' if len(results) != 1 else ''} {done}, "
            f"{wording.money(selection.total_pence)} in all."
        )
        if selection.action == "check":
            message += " A different officer must now approve them."
        else:
            finance = sum(1 for c in results if c.status == S.AWAITING_FINANCE)
            if finance:
                message += (
                    f" {finance} {'is' if finance == 1 else 'are'} above the finance threshold "
                    "and now await a finance approver."
                )
        messages.success(request, message)
        return HttpResponseRedirect(reverse("review:queue"))
