"""Links for the many rows of a page."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse


def url_for_each(name: str) -> Callable[[object], str]:
    """``reverse(name, args=[key])`` for the many rows of a table, reversed once: each ``reverse``
    costs about 0.1 ms (the URL resolver's thread-local lookups), a page of links several ms."""
    marker = "8205173946"
    head, tail = reverse(name, args=[marker]).split(marker)
    return lambda key: f"{head}{key}{tail}"
