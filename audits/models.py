"""Audits of practices (specification 4.3; SPEC §8): the random draws that choose practices, and
the audit cases that follow each chosen or flagged practice to an outcome."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.periods import Period
from practices.models import OfCommissionerQuerySet, Practice


class AuditDrawQuerySet(OfCommissionerQuerySet):
    related = ("commissioner", "drawn_by")


class AuditCaseQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """Audit cases of the commissioner's practices (the commissioner's staff and
        administrators; practices hear of theirs by email)."""
        if not (scope.sees_everything or scope.is_commissioner_staff):
            return self.none()
        return self.filter(practice__in=Practice.objects.visible_to(scope)).select_related(
            "practice", "draw", "opened_by", "closed_by"
        )


class AuditDraw(models.Model):
    """Practices chosen at random for audit in a financial year. The seed, the list of eligible
    practices and the number asked for are stored, so anyone can repeat the draw and get the same
    practices (``audits/selection.py``)."""

    commissioner = models.ForeignKey(
        "practices.Commissioner", on_delete=models.PROTECT, related_name="audit_draws"
    )
    financial_year = models.PositiveSmallIntegerField(
        help_text="The calendar year the financial year starts (2026 for 2026/27)."
    )
    seed = models.BigIntegerField()
    eligible = models.JSONField(help_text="ODS codes of the practices that could be drawn, sorted.")
    count = models.PositiveIntegerField(help_text="How many were drawn.")
    asked_for = models.CharField(max_length=40, help_text="What the officer asked: '3' or '10%'.")
    drawn = models.JSONField(help_text="ODS codes drawn, in the order drawn.")
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    drawn_at = models.DateTimeField(auto_now_add=True)

    objects = AuditDrawQuerySet.as_manager()

    class Meta:
        ordering = ["-drawn_at", "-pk"]

    def __str__(self):
        return f"Audit draw {self.pk} for {self.year_label}"

    @property
    def year_label(self) -> str:
        return Period(self.financial_year, 1).financial_year


class AuditCase(models.Model):
    """One practice's audit for a financial year: opened by a draw or because the practice was
    flagged for irregularities, then evidence requested from the practice, reviewed, and closed
    with an outcome and the auditor's findings."""

    class Source(models.TextChoices):
        DRAWN = "drawn", "Drawn at random"
        FLAGGED = "flagged", "Flagged for irregularities"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        EVIDENCE_REQUESTED = "evidence_requested", "Evidence requested"
        UNDER_REVIEW = "under_review", "Under review"
        CLOSED = "closed", "Closed"

    class Outcome(models.TextChoices):
        COMPLIANT = "compliant", "Compliant"
        ACTION_PLAN = "action_plan", "Action plan agreed"
        RECOVERY = "recovery", "Recovery of payment"
        COUNTER_FRAUD = "counter_fraud", "Referred to counter fraud"

    practice = models.ForeignKey(
        "practices.Practice", on_delete=models.PROTECT, related_name="audit_cases"
    )
    financial_year = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=10, choices=Source.choices)
    draw = models.ForeignKey(
        AuditDraw, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    flag_reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    findings = models.TextField(blank=True)
    evidence_requested_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    pack = models.OneToOneField(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_case",
        help_text="The latest audit pack PDF.",
    )
    pack_requested_at = models.DateTimeField(null=True, blank=True)

    objects = AuditCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-financial_year", "practice__ods_code"]
        constraints = [
            # One audit of a practice a year, however it was chosen.
            models.UniqueConstraint(
                fields=["practice", "financial_year"], name="audit_case_once_a_year"
            ),
            models.CheckConstraint(
                condition=Q(
                    status="closed",
                    outcome__in=["compliant", "action_plan", "recovery", "counter_fraud"],
                )
                | (~Q(status="closed") & Q(outcome="")),
                name="audit_case_closed_has_outcome",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=~Q(source="flagged") | ~Q(flag_reason=""),
                name="audit_case_flag_has_reason",
            ),
        ]

    def __str__(self):
        return f"Audit of {self.practice} for {self.year_label}"

    @property
    def year_label(self) -> str:
        return Period(self.financial_year, 1).financial_year
