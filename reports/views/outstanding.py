"""The outstanding pages (/outstanding/…): who owes a quarter's worksheet or a half-year's outcomes
report past its due date, with contacts, days late and the emails already sent; the download of the
same rows; and an officer's "chase". Reads come from ``reports/outstanding.py`` through the
viewer's scope; the write is ``reports.outstanding.practice_chase``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.access import Permission
from accounts.views import AccessMixin
from claims import selectors
from notices.models import Notice
from practices.models import Practice
from reports import outstanding
from reports.outstanding import practice_chase
from reports.views.dashboard import XLSX


class OwedMixin(AccessMixin):
    permission = Permission.VIEW_CLAIMS

    def owed(self) -> outstanding.Owed:
        owed = outstanding.owed_from_url(self.kwargs["kind"], self.kwargs["period"])
        if owed is None:
            raise Http404("No such quarter or half-year.")
        return owed


class OutstandingIndexView(AccessMixin, View):
    """Straight to the latest quarter that has fallen due."""

    permission = Permission.VIEW_CLAIMS

    def get(self, request):
        quarter = selectors.last_quarter_due(timezone.localdate())
        return HttpResponseRedirect(outstanding.Owed(outstanding.WORKSHEETS, quarter).url())


class OutstandingView(OwedMixin, TemplateView):
    template_name = "notices/outstanding.html"
    paginate_by = 25

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        owed = self.owed()
        practices = outstanding.overdue_in_scope(self.scope, owed, today)
        page = Paginator(practices, self.paginate_by).get_page(self.request.GET.get("page"))
        rows = outstanding.outstanding_rows(owed, page.object_list, today=today)
        # An officer's practices are due on their commissioner's extended date, if it set one.
        due_date = owed.due_date_for(self.scope.commissioner_id)
        return super().get_context_data(
            owed=owed,
            today=today,
            due_date=due_date,
            extended_from=owed.due_date if due_date != owed.due_date else None,
            due=selectors.has_fallen_due(due_date, today),
            choices=outstanding.recent_owed(today),
            page_obj=page,
            rows=rows,
            can_chase=self.scope.can(Permission.SEND_NOTICES),
            **kwargs,
        )


class OutstandingDownloadView(OwedMixin, View):
    """Every row of the page (all pages), as CSV or XLSX."""

    file_format = "csv"

    def get(self, request, kind, period):
        today = timezone.localdate()
        owed = self.owed()
        practices = outstanding.overdue_in_scope(self.scope, owed, today)
        figure = outstanding.outstanding_figure(
            owed, outstanding.outstanding_rows(owed, practices, today=today)
        )
        name = f"{figure.filename}-{today.isoformat()}.{self.file_format}"
        if self.file_format == "xlsx":
            response = HttpResponse(figure.xlsx_bytes(), content_type=XLSX)
        else:
            response = HttpResponse(figure.csv_bytes(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ChaseView(OwedMixin, View):
    """POST: email the practice through the outbox, at most once a day."""

    permission = Permission.SEND_NOTICES

    def post(self, request, kind, period, ods_code):
        owed = self.owed()
        practice = get_object_or_404(Practice.objects.visible_to(self.scope), ods_code=ods_code)
        try:
            notice = practice_chase(practice=practice, owed=owed, by=request.user)
        except ValidationError as refusal:
            messages.error(request, " ".join(refusal.messages))
        else:
            if notice.status == Notice.Status.FAILED:
                messages.error(request, f"{practice.name} was not emailed: {notice.last_error}")
            else:
                messages.success(
                    request,
                    f"{practice.name} ({practice.ods_code}) chased for the {owed.label}: the "
                    "email is on its way.",
                )
        return HttpResponseRedirect(f"{owed.url()}#practice-{practice.ods_code}")
