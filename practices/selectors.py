"""Reads shared by reports: the PCN a practice belonged to in a quarter."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol

from practices.models import PCN, PCNMembership, Practice


class Span(Protocol):
    first_day: datetime.date
    last_day: datetime.date


def _pcn_id_of(memberships: list[PCNMembership], span: Span, current_pcn_id: int) -> int:
    """THE RULE: the membership in force on the span's last day; else the latest that overlaps the
    span (the practice left its PCN during it); else the practice's current PCN (a practice added
    by hand or by the SPEC import, with no dated membership)."""
    overlapping = [
        m
        for m in memberships
        if (m.start_date is None or m.start_date <= span.last_day)
        and (m.end_date is None or m.end_date >= span.first_day)
    ]
    for m in overlapping:
        if m.covers(span.last_day):
            return m.pcn_id
    if overlapping:
        latest = max(overlapping, key=lambda m: m.start_date or datetime.date.min)
        return latest.pcn_id
    return current_pcn_id


def pcn_ids_in_quarters(
    practice_ids: Iterable[int], spans: Iterable[Span]
) -> dict[tuple[int, Span], int]:
    """``{(practice_id, span): pcn_id}`` for every practice and span (a quarter or any object with
    ``first_day`` and ``last_day``), in two queries."""
    practice_ids = set(practice_ids)
    spans = list(spans)
    current = dict(Practice.objects.filter(pk__in=practice_ids).values_list("pk", "pcn_id"))
    by_practice: dict[int, list[PCNMembership]] = defaultdict(list)
    for membership in PCNMembership.objects.filter(practice_id__in=practice_ids):
        by_practice[membership.practice_id].append(membership)
    return {
        (practice_id, span): _pcn_id_of(by_practice[practice_id], span, current[practice_id])
        for practice_id in current
        for span in spans
    }


def pcn_in_quarter(practice: Practice, quarter: Span) -> PCN:
    """The PCN ``practice`` belonged to in ``quarter`` (see :func:`_pcn_id_of`)."""
    pcn_id = _pcn_id_of(list(practice.pcn_memberships.all()), quarter, practice.pcn_id)
    return practice.pcn if pcn_id == practice.pcn_id else PCN.objects.get(pk=pcn_id)
