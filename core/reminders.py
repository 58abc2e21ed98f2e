"""When a reminder or a late notice is due: the one timing rule of every reminder the service
sends (a quarter's worksheet, a half-year's outcomes report). Pure: no ORM, no clock; dates are
Europe/London calendar dates."""

from __future__ import annotations

import datetime

MIN_LEAD_DAYS = 7  # a reminder never goes later than a week before the due date
DAY = datetime.timedelta(days=1)


def reminder_window(due: datetime.date, lead_days: int) -> tuple[datetime.date, datetime.date]:
    """First and last day a reminder may go: ``lead_days`` before the due date to 7 days before."""
    lead_days = max(lead_days, MIN_LEAD_DAYS)
    return due - lead_days * DAY, due - MIN_LEAD_DAYS * DAY


def what_is_due(
    today: datetime.date, due: datetime.date, lead_days: int, last_day_late: int | None
) -> str | None:
    """``"reminder"`` (in the reminder window), ``"missed"`` (the window passed unsent: recorded,
    never sent late), ``"late"`` (from the day after the due date to ``last_day_late`` days after
    it; ``None``: however late) or ``None`` (nothing is due)."""
    first, last = reminder_window(due, lead_days)
    if first <= today <= last:
        return "reminder"
    if last < today <= due:
        return "missed"
    days_late = (today - due).days
    if days_late >= 1 and (last_day_late is None or days_late <= last_day_late):
        return "late"
    return None
