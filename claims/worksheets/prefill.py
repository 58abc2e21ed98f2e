"""What a practice's worksheet starts with before anyone types: the web form's initial figures and
the downloaded spreadsheet's are both :func:`worksheet_prefill`, so the two never disagree.

- "In another home" starts at 0: most homes have none, it is not paid, and a blank the practice
  had to fill was three errors a quarter (issue 16).
- Where the practice keeps a care-home register (ADR 0010), the new permanent, temporary, moved-out
  and died figures come from it, and a baseline opening from its residents at the start of the
  quarter. Without a register they stay blank for the practice to enter.
- A carried-forward opening is not pre-filled here: it is fixed (SPEC §4), shown, never typed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from carehomes.register import QuarterFigures, register_figures
from claims import selectors
from claims.worksheets.forms import field_name
from practices.models import Practice

# What the register can fill in (it cannot know of patients living in other homes).
REGISTER_FIGURES = ("new_permanent", "temporary", "moved_out", "died")


@dataclass
class Prefill:
    """The starting figures by care home id (``{"temporary": 2, ...}``; a figure left out starts
    blank), whether they came from the register, and the homes where the register's residents at
    the start differ from the opening carried forward (the practice checks which is right)."""

    figures: dict[int, dict[str, int]] = field(default_factory=dict)
    from_register: bool = False
    differences: list[dict] = field(default_factory=list)

    def value(self, care_home_id: int, figure: str) -> int | None:
        return self.figures.get(care_home_id, {}).get(figure)

    def initial(self) -> dict[str, int]:
        """The figures as the worksheet form's ``initial`` (field names ``home-<id>-<figure>``)."""
        return {
            field_name(pk, figure): value
            for pk, figures in self.figures.items()
            for figure, value in figures.items()
        }


def worksheet_prefill(
    *,
    practice: Practice,
    first_day: datetime.date,
    last_day: datetime.date,
    openings: list[selectors.Opening],
) -> Prefill:
    """The figures the practice's worksheet for the quarter ``first_day``–``last_day`` starts with."""
    register = register_figures(practice, first_day, last_day)
    prefill = Prefill(from_register=bool(register))
    for opening in openings:
        home = opening.care_home
        figures = prefill.figures.setdefault(home.pk, {"in_other_home": 0})
        if not register:
            continue
        found = register.get(home.pk, QuarterFigures())
        for figure in REGISTER_FIGURES:
            figures[figure] = getattr(found, figure)
        if opening.is_baseline:
            figures["opening"] = found.at_start
        elif opening.value != found.at_start:
            prefill.differences.append(
                {"home": home, "carried": opening.value, "register": found.at_start}
            )
    return prefill
