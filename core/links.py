"""Links for the many rows of a page."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

_MARKERS = ("8205173946", "8205173947", "8205173948")


def url_for_each(name: str, keys: int = 1) -> Callable[..., str]:
    """``reverse(name, args=[key, …])`` for the many rows of a table, reversed once: each
    ``reverse`` costs about 0.1 ms (the URL resolver's thread-local lookups), a page of links
    several ms. ``keys``: how many arguments the URL takes (up to three)."""
    markers = _MARKERS[:keys]
    pieces = [reverse(name, args=list(markers))]
    for marker in markers:
        pieces[-1:] = pieces[-1].split(marker, 1)
    head, *tails = pieces

    def url(*args) -> str:
        return head + "".join(f"{arg}{tail}" for arg, tail in zip(args, tails, strict=True))

    return url
