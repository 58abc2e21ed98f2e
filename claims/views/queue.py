"""The officers' review queue (SPEC §7): claims in scope with their filters, counts per status and
the CSV download of what is shown."""

from __future__ import annotations

from django.db.models import Count, Q
from django.views import View

from accounts.access import Permission
from accounts.base_views import ScopedTableView
from accounts.views import AccessMixin
from claims import selectors
from claims.filters import ACTIONABLE, ALL, ClaimFilter
from claims.models import Quarter, Worksheet
from claims.tables import CLAIM_CSV_COLUMNS, ClaimTable, claim_csv_rows
from core.downloads import csv_download
from practices.models import PCN

S = Worksheet.Status


class ClaimQueueMixin(AccessMixin):
    permission = Permission.VIEW_CLAIMS

    def scoped_queryset(self):
        return (
            Worksheet.objects.visible_to(self.scope)
            .select_related("practice__pcn", "waived_by", "payment_run")
            .order_by("-quarter__year", "-quarter__number", "practice__name")
        )

    @property
    def can_review(self) -> bool:
        return self.scope.can(Permission.REVIEW_CLAIMS)

    def claim_filter(self, data) -> ClaimFilter:
        """The queue's filters over the claims in scope, with choices from the scope. An officer
        who reviews claims starts on the claims they can act on."""
        if self.can_review and not (data or {}).get("show"):
            data = data.copy() if data else {}
            data["show"] = ACTIONABLE
        return ClaimFilter(
            data or None,
            queryset=self.scoped_queryset(),
            request=self.request,
            can_review=self.can_review,
            pcns=PCN.objects.visible_to(self.scope).order_by("name"),
            quarters=Quarter.objects.filter(
                pk__in=Worksheet.objects.visible_to(self.scope).values("quarter_id")
            ).order_by("-year", "-number"),
        )


class ClaimQueueView(ClaimQueueMixin, ScopedTableView):
    table_class = ClaimTable
    filterset_class = ClaimFilter
    template_name = "review/queue.html"
    heading = "Claims"

    def get_filterset(self, filterset_class):
        return self.claim_filter(self.request.GET)

    def status_counts(self) -> list[dict]:
        """How many claims match the other filters, per status: one aggregate query."""
        data = self.request.GET.copy()
        for name in ("status", "page", "sort"):
            data.pop(name, None)
        counts = (
            self.claim_filter(data)
            .qs.order_by()
            .aggregate(**{value: Count("pk", filter=Q(status=value)) for value in S.values})
        )
        links = []
        for value, label in S.choices:
            query = data.copy()
            query["status"] = value
            links.append(
                {
                    "label": label,
                    "count": counts[value],
                    "url": f"{self.request.path}?{query.urlencode()}",
                    "current": self.request.GET.get("status") == value,
                }
            )
        return links

    def get_table_kwargs(self):
        return {} if self.can_review else {"exclude": ("select",)}

    def views(self) -> list[dict]:
        """ "Claims you can act on (12)" and "All claims (140)": the two starting points."""
        if not self.can_review:
            return []
        claims = Worksheet.objects.visible_to(self.scope)
        counts = {
            ACTIONABLE: selectors.claims_actionable_by(claims, self.request.user).count(),
            ALL: claims.count(),
        }
        current = self.request.GET.get("show") or ACTIONABLE
        labels = {ACTIONABLE: "Claims you can act on", ALL: "All claims"}
        return [
            {
                "label": labels[key],
                "count": counts[key],
                "url": f"{self.request.path}?show={key}",
                "current": key == current,
            }
            for key in (ACTIONABLE, ALL)
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status_counts"] = self.status_counts()
        context["views"] = self.views()
        context["can_review"] = self.can_review
        context["filtered"] = any(
            self.request.GET.get(k) for k in ("quarter", "status", "pcn", "band", "late")
        )
        return context


class ClaimQueueCsvView(ClaimQueueMixin, View):
    """The queue as CSV: exactly the rows the same filters (and sort) give on screen, every page."""

    def get(self, request):
        claims = self.claim_filter(request.GET).qs
        table = ClaimTable(claims, order_by=request.GET.get("sort") or None)
        return csv_download("claims.csv", CLAIM_CSV_COLUMNS, claim_csv_rows(table.data))
