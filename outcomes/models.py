"""Reporting outcomes (service specification 4.1): the half-yearly outcomes report each practice
submits about emergency admissions from its care homes, and the evidence of the bi-monthly meetings
between the lead GP and each home's manager."""

from __future__ import annotations

import calendar
import datetime
import re

from django.conf import settings
from django.db import models
from django.db.models import Q

from practices.models import OfPracticeQuerySet

_SLUG = re.compile(r"^(\d{4})-(\d{2})-H([12])$")


class OutcomesPeriod(models.Model):
    """A half-year an outcomes report covers: the first half of a financial year (April to
    September, due 30 September by default) or the second (October to March, due 31 March). The
    due dates are data: an officer may move one before it passes."""

    year = models.PositiveSmallIntegerField(
        help_text="The calendar year the financial year starts."
    )
    half = models.PositiveSmallIntegerField(
        choices=[(1, "April to September"), (2, "October to March")]
    )
    due_date = models.DateField()

    class Meta:
        ordering = ["year", "half"]
        constraints = [
            models.UniqueConstraint(fields=["year", "half"], name="outcomes_period_once"),
            models.CheckConstraint(condition=Q(half__in=[1, 2]), name="outcomes_period_half"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """``2026/27 April to September``."""
        return f"{self.year}/{(self.year + 1) % 100:02d} {self.get_half_display()}"

    @property
    def slug(self) -> str:
        """``2026-27-H1``: the period in URLs."""
        return f"{self.year}-{(self.year + 1) % 100:02d}-H{self.half}"

    @staticmethod
    def parse_slug(slug: str) -> tuple[int, int] | None:
        match = _SLUG.match(slug or "")
        if not match or (int(match[1]) + 1) % 100 != int(match[2]):
            return None
        return int(match[1]), int(match[3])

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 4, 1) if self.half == 1 else datetime.date(self.year, 10, 1)

    @property
    def last_day(self) -> datetime.date:
        return (
            datetime.date(self.year, 9, 30)
            if self.half == 1
            else datetime.date(self.year + 1, 3, calendar.monthrange(self.year + 1, 3)[1])
        )

    @property
    def opens_on(self) -> datetime.date:
        """The first day a report can be sent: the first of its last month (September or March),
        when the practice reports on the half-year (specification 4.1: "in September and
        March")."""
        return (
            datetime.date(self.year, 9, 1) if self.half == 1 else datetime.date(self.year + 1, 3, 1)
        )

    @staticmethod
    def default_due_date(year: int, half: int) -> datetime.date:
        """30 September or 31 March: the last day of the half-year (specification 4.1)."""
        return datetime.date(year, 9, 30) if half == 1 else datetime.date(year + 1, 3, 31)

    @staticmethod
    def containing(day: datetime.date) -> tuple[int, int]:
        year = day.year if day.month >= 4 else day.year - 1
        return year, 1 if 4 <= day.month <= 9 else 2

    @staticmethod
    def before(year: int, half: int) -> tuple[int, int]:
        """The half-year before ``(year, half)``."""
        return (year, 1) if half == 2 else (year - 1, 2)


class OutcomesReportQuerySet(OfPracticeQuerySet):
    def visible_to(self, scope):
        """Outcomes reports of the practices in scope."""
        return super().visible_to(scope).select_related("practice", "period", "submitted_by")


class MeetingQuerySet(OfPracticeQuerySet):
    def visible_to(self, scope):
        """Meeting evidence of the practices in scope (anonymised: auditors review it)."""
        return super().visible_to(scope).select_related("practice", "care_home", "recorded_by")


class OutcomesReport(models.Model):
    """A practice's outcomes report for a half-year: emergency admissions from its care homes, the
    relevant actions taken, unplanned visits to the homes and changes in practice as a result of
    the bi-monthly discussions with the homes' managers. Anonymised: no patient belongs in it."""

    practice = models.ForeignKey(
        "practices.Practice", on_delete=models.PROTECT, related_name="outcomes_reports"
    )
    period = models.ForeignKey(OutcomesPeriod, on_delete=models.PROTECT, related_name="reports")
    emergency_admissions = models.PositiveIntegerField("number of emergency admissions")
    unplanned_visits = models.PositiveIntegerField("number of unplanned visits to the homes")
    actions_taken = models.TextField("relevant actions taken")
    changes_in_practice = models.TextField("changes in practice as a result of discussion")
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = OutcomesReportQuerySet.as_manager()

    class Meta:
        ordering = ["period__year", "period__half", "practice__ods_code"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "period"], name="outcomes_report_once")
        ]

    def __str__(self):
        return f"Outcomes report {self.period.label} of {self.practice}"


class Meeting(models.Model):
    """A meeting of the practice's lead GP with a care home's manager to discuss unplanned
    admissions (bi-monthly: six a year for each practice and home, specification 3.2), with its
    evidence: the attendees, anonymised notes and the signed attendance sheet (PDF or image)."""

    practice = models.ForeignKey(
        "practices.Practice", on_delete=models.PROTECT, related_name="meetings"
    )
    care_home = models.ForeignKey(
        "carehomes.CareHome", on_delete=models.PROTECT, related_name="meetings"
    )
    met_on = models.DateField("meeting date")
    attendees = models.TextField(help_text="Names and roles of those present.")
    notes = models.TextField("notes (anonymised)")
    attendance_sheet = models.OneToOneField(
        "documents.Document", on_delete=models.PROTECT, related_name="meeting"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-met_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "care_home", "met_on"], name="meeting_once_a_day"
            )
        ]

    def __str__(self):
        return f"Meeting at {self.care_home.name} on {self.met_on:%-d %b %Y}"
