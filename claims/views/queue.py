"""The officers' review queue (SPEC §7): claims in scope with their filters, counts per status and
the CSV download of what is shown."""

from __future__ import annotations

from functools import cached_property

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views import View

from accounts.access import Permission
from accounts.base_views import ScopedTableView
from accounts.views import AccessMixin
from claims import selectors
from claims.filters import ACTIONABLE, ALL, ClaimFilter
from claims.models import Quarter, Worksheet
from claims.tables import CLAIM_CSV_COLUMNS, ClaimTable, claim_csv_rows
from core.downloads import csv_download
from core.periods import Period
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

    @cached_property
    def quarters(self) -> list[Quarter]:
        """The quarters with a claim in scope, newest first: read once a request (the filter is
        built twice, for the page and for the status counts, and the CSV's years come from it)."""
        return list(selectors.quarters_with(Worksheet.objects.visible_to(self.scope)))

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
            quarters=Quarter.objects.filter(pk__in=[q.pk for q in self.quarters]).order_by(
                "-year", "-number"
            ),
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

    def csv_years(self) -> list[dict]:
        """The CSV's financial years (ADR 0044), latest (the default) first, each with its link
        keeping the page's filters."""
        query = self.request.GET.copy()
        query.pop("page", None)
        years = []
        for year in dict.fromkeys(q.year for q in self.quarters):
            query["year"] = str(year)
            years.append(
                {
                    "label": financial_year_label(year),
                    "url": f"{reverse('review:queue_csv')}?{query.urlencode()}",
                }
            )
        return years

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status_counts"] = self.status_counts()
        context["views"] = self.views()
        context["can_review"] = self.can_review
        context["csv_years"] = self.csv_years()
        context["filtered"] = any(
            self.request.GET.get(k) for k in ("quarter", "status", "pcn", "band", "late")
        )
        return context


class ClaimQueueCsvView(ClaimQueueMixin, View):
    """The queue as CSV: the rows the same filters (and sort) give on screen, every page, in one
    period (ADR 0044): the quarter filtered on, else the financial year asked for (``year``),
    else the latest financial year with claims. A whole history is not one download."""

    def get(self, request):
        claim_filter = self.claim_filter(request.GET)
        claims = claim_filter.qs
        quarter = claim_filter.form.cleaned_data.get("quarter") if claim_filter.is_valid() else None
        if quarter is not None:
            filename = f"claims-{quarter.slug}.csv"
        else:
            years = list(dict.fromkeys(q.year for q in self.quarters))
            asked = request.GET.get("year")
            year = years[0] if years else None
            if asked is not None:
                year = int(asked) if asked.isdigit() else None
                if year not in years:
                    messages.error(
                        request,
                        f"There are no claims for the financial year “{asked}”: choose one of "
                        + ", ".join(financial_year_label(y) for y in years)
                        + "."
                        if years
                        else "There are no claims to download yet.",
                    )
                    query = request.GET.copy()
                    query.pop("year", None)
                    return HttpResponseRedirect(f"{reverse('review:queue')}?{query.urlencode()}")
            claims = claims.filter(quarter__year=year) if year else claims.none()
            label = financial_year_label(year).replace("/", "-") if year else "none"
            filename = f"claims-{label}.csv"
        table = ClaimTable(claims, order_by=request.GET.get("sort") or None)
        return csv_download(filename, CLAIM_CSV_COLUMNS, claim_csv_rows(table.data))


def financial_year_label(year: int) -> str:
    """``2019`` → ``2019/20``."""
    return Period(year, 1).financial_year
