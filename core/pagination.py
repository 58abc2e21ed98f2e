"""Bounded lists (issue 18, ADR 0044): a page of any list or queryset, read from the query string.

A page number that is not a number, or is past the end, gives the first or the last page (never
an error): ``Paginator.get_page``. Pages draw their links with ``includes/pagination.html``."""

from __future__ import annotations

from django.core.paginator import Page, Paginator

PER_PAGE = 25


def page_of(
    request, items, *, per_page: int = PER_PAGE, param: str = "page", count: int | None = None
) -> Page:
    """The page of ``items`` (a list or an ordered queryset) that ``request.GET[param]`` asks
    for. A queryset is counted once (not at all when the caller knows ``count``) and only the
    page's rows are read."""
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.count = count  # a cached property: the caller's count stands in for COUNT(*)
    return paginator.get_page(request.GET.get(param))
