"""The officers' review queue (SPEC §7): claims in scope with their filters, counts per status and
the CSV download of what is shown."""

from __future__ import annotations

from functools import cached_property

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef
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

    @cached_property
    def claims(self):
        """``Worksheet.objects.visible_to(self.scope)``, built once a request: every read of the
        page starts from it."""
        return Worksheet.objects.visible_to(self.scope)

    @cached_property
    def pcns(self):
        return PCN.objects.visible_to(self.scope).order_by("name")

    def scoped_queryset(self):
        """The claims in scope in the queue's order, with their practice and quarter; the page and
        the CSV each select what else they show."""
        return self.claims.order_by("-quarter__year", "-quarter__number", "practice__name")

    @cached_property
    def quarters(self) -> list[Quarter]:
        """The quarters with a claim in scope, newest first: read once a request (the filters'
        choices and the CSV's years come from it).
        For an officer who reviews, each says in the same query whether it has a claim they may
        take a step on (``to_review``), which :attr:`actionable` needs."""
        claims = self.claims
        quarters = selectors.quarters_with(claims)
        if self.can_review:
            reviewable = claims.filter(selectors.reviewable_by(self.request.user))
            quarters = quarters.annotate(
                to_review=Exists(reviewable.filter(quarter_id=OuterRef("pk")).order_by())
            )
        return list(quarters)

    @cached_property
    def bands(self):
        return selectors.bands()

    @property
    def can_review(self) -> bool:
        return self.scope.can(Permission.REVIEW_CLAIMS)

    @cached_property
    def actionable(self):
        """The condition "claims this officer can act on" over the claims in scope: read once a
        request, for the page's filter, the status counts' and the count of claims to act on."""
        return selectors.actionable_by(
            self.claims,
            self.request.user,
            quarters=[quarter for quarter in self.quarters if quarter.to_review],
        )

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
            pcns=self.pcns,
            quarters=self.quarters,
            bands=lambda: self.bands,
            actionable=self.actionable if self.can_review else None,
        )


class ClaimQueueView(ClaimQueueMixin, ScopedTableView):
    table_class = ClaimTable
    filterset_class = ClaimFilter
    template_name = "review/queue.html"
    heading = "Claims"

    def get_filterset(self, filterset_class):
        return self.claim_filter(self.request.GET)

    def get_table_data(self):
        """The page's rows read only what the table shows: no PCN, waiver or payment run."""
        return (
            super()
            .get_table_data()
            .only(
                "status", "waived", "net_pence",
                "practice__ods_code", "practice__name",
                "quarter__year", "quarter__number", "quarter__due_date",
            )
        )  # fmt: skip

    def get_table_pagination(self, table):
        """The number of claims shown is the status counts' sum (or the count of the status filtered
        on): the same filters, so no second count. When the filters are not valid the table is
        counted as usual (it is empty)."""
        paginate = super().get_table_pagination(table)
        filterset = self.filterset
        if paginate is not False and (not filterset.is_bound or filterset.is_valid()):
            counts = self._status_counts
            status = filterset.form.cleaned_data.get("status") if filterset.is_bound else None
            paginate["paginator_class"] = CountedPaginator
            paginate["count"] = counts[status] if status else sum(counts.values())
        return paginate

    @cached_property
    def _status_counts_data(self):
        data = self.request.GET.copy()
        for name in ("status", "page", "sort"):
            data.pop(name, None)
        return data

    @cached_property
    def _counts(self) -> dict[str, int]:
        """How many claims match the other filters, per status (keyed by status), and for an
        officer who reviews, how many claims there are to act on and in all (keyed ``ACTIONABLE``
        and ``ALL``). Counted by status (``GROUP BY``), so the "can act on" condition is written
        once, not once per status: one query when no filter but "show" is set (the queue as it
        opens); otherwise one for the status counts and one for the other two."""
        # The other filters are the page's own unless a status is chosen (the page number and the
        # sort filter nothing): then the page's filter serves.
        if self.request.GET.get("status"):
            claim_filter = self.claim_filter(self._status_counts_data)
        else:
            claim_filter = self.filterset
        counts = dict.fromkeys(S.values, 0)
        if self.can_review:
            chosen = claim_filter.form.cleaned_data if claim_filter.is_valid() else None
            if chosen is not None and not any(v for k, v in chosen.items() if k != "show"):
                by_status = (
                    self.claims.order_by()
                    .values("status")
                    .annotate(claims=Count("pk"), to_act=Count("pk", filter=self.actionable))
                )
                shown = "to_act" if chosen["show"] == ACTIONABLE else "claims"
                for row in by_status:
                    counts[row["status"]] = row[shown]
                    counts[ACTIONABLE] = counts.get(ACTIONABLE, 0) + row["to_act"]
                    counts[ALL] = counts.get(ALL, 0) + row["claims"]
                return {ACTIONABLE: 0, ALL: 0} | counts
        counts |= dict(
            claim_filter.qs.order_by().values_list("status").annotate(claims=Count("pk"))
        )
        if self.can_review:
            counts |= self.claims.aggregate(
                **{ACTIONABLE: Count("pk", filter=self.actionable), ALL: Count("pk")}
            )
        return counts

    @property
    def _status_counts(self) -> dict[str, int]:
        counts = self._counts
        return {value: counts[value] for value in S.values}

    def status_counts(self) -> list[dict]:
        data = self._status_counts_data
        counts = self._status_counts
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
        counts = self._counts
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


class CountedPaginator(Paginator):
    """A paginator told how many objects there are, rather than counting them."""

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count


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
        # The table orders the claims as the page's sort does.
        table = ClaimTable(claims, order_by=request.GET.get("sort") or None)
        return csv_download(filename, CLAIM_CSV_COLUMNS, claim_csv_rows(table.data.data))


def financial_year_label(year: int) -> str:
    """``2019`` → ``2019/20``."""
    return Period(year, 1).financial_year
