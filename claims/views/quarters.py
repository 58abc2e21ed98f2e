"""A practice's quarters: every quarter from its first aligned quarter (not before 2018/19 Q1) to
the current one, each with where its worksheet stands. Read in a fixed number of queries, whatever
the number of quarters and homes: the practice's alignments, agreements and worksheets, the stored
quarters and the lateness bands, each once; the rest is worked out here."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.access import Permission
from accounts.views import AccessMixin
from claims import selectors, wording
from claims.worksheets.quarters import now_and_earlier, practice_quarters
from core.pagination import page_of
from practices.models import Practice

VIEW_WORKSHEETS = (Permission.SUBMIT_WORKSHEET, Permission.VIEW_CLAIMS)


class PracticeQuartersView(AccessMixin, TemplateView):
    """The practice's quarters. Practice managers fill in or upload a worksheet from here; officers
    and auditors see where each quarter stands and open submitted worksheets read-only."""

    permission = VIEW_WORKSHEETS
    template_name = "claims/practice_quarters.html"

    def get_context_data(self, **kwargs):
        practice = get_object_or_404(
            Practice.objects.visible_to(self.scope), ods_code=self.kwargs["ods_code"]
        )
        today = timezone.localdate()
        # The quarters to submit and the one not yet open are always shown; the earlier ones,
        # which grow with the practice's history, twelve a page (issue 18).
        now, earlier = now_and_earlier(practice_quarters(self.scope, practice, today=today))
        page = page_of(self.request, earlier, per_page=12)
        return super().get_context_data(
            practice=practice,
            today=today,
            rows=now + list(page),
            page=page,
            bands=[wording.band_text(band) for band in selectors.bands()],
            can_submit=self.scope.can(Permission.SUBMIT_WORKSHEET),
            **kwargs,
        )


class WorksheetsIndexView(AccessMixin, TemplateView):
    """A practice manager's way in: their practices, each with its quarters."""

    permission = Permission.SUBMIT_WORKSHEET
    template_name = "claims/worksheets_index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            practices=Practice.objects.visible_to(self.scope).order_by("name"), **kwargs
        )
