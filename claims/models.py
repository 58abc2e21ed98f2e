"""Quarters, tariffs, lateness bands, and the quarterly worksheets practices submit as claims."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from carehomes.models import CareHome
from claims import rules
from core.formatting import money
from core.periods import Period
from practices.models import OfCommissionerQuerySet, OfPracticeQuerySet, Practice


class Quarter(models.Model):
    """A quarter of the financial year (Q1 April–June … Q4 January–March) for which every practice
    submits a worksheet by the due date: by default the 14th day after the quarter ends (SPEC §3);
    an officer may change it until it passes."""

    year = models.PositiveSmallIntegerField(
        help_text="The calendar year in which the financial year starts."
    )
    number = models.PositiveSmallIntegerField("quarter")
    due_date = models.DateField("submission due date")

    class Meta:
        ordering = ["year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="quarter_unique"),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=4), name="quarter_number_1_to_4"
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def period(self) -> Period:
        return Period(self.year, self.number)

    @property
    def label(self) -> str:
        return self.period.label

    @property
    def slug(self) -> str:
        return self.period.slug

    @property
    def first_day(self) -> datetime.date:
        return self.period.first_day

    @property
    def last_day(self) -> datetime.date:
        return self.period.last_day


class Tariff(models.Model):
    """The LES rates for a financial year, in pence. A year without its own row uses the most recent
    earlier year's. Rates can be changed only before the year starts, never silently afterwards."""

    year = models.PositiveSmallIntegerField(
        unique=True, help_text="The calendar year in which the financial year starts."
    )
    new_permanent_pence = models.PositiveIntegerField(
        "new permanent patient, first quarter (pence)"
    )
    continuing_pence = models.PositiveIntegerField("continuing patient, per quarter (pence)")
    temporary_pence = models.PositiveIntegerField("temporary patient, per quarter (pence)")

    class Meta:
        ordering = ["year"]

    def __str__(self):
        return f"Tariff from {Period(self.year, 1).financial_year}"

    @property
    def rates(self) -> rules.Rates:
        return rules.Rates(
            new_permanent=self.new_permanent_pence,
            continuing=self.continuing_pence,
            temporary=self.temporary_pence,
        )

    @property
    def starts_on(self) -> datetime.date:
        return Period(self.year, 1).first_day


class LatenessBand(models.Model):
    """A row of the late-submission table (spec 4.2, SPEC §6): how much is deducted from a worksheet
    submitted so many days late, and whether its payment is deferred one run."""

    min_days = models.PositiveSmallIntegerField()
    max_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Blank: no upper limit."
    )
    deduction_percent = models.DecimalField(max_digits=5, decimal_places=2)
    release = models.CharField(
        max_length=10,
        choices=[(r.value, r.name.replace("_", " ").capitalize()) for r in rules.Release],
    )

    class Meta:
        ordering = ["min_days"]
        constraints = [
            models.UniqueConstraint(fields=["min_days"], name="band_min_days_unique"),
            models.CheckConstraint(
                condition=Q(max_days__isnull=True) | Q(max_days__gte=F("min_days")),
                name="band_range",
            ),
            models.CheckConstraint(
                condition=Q(deduction_percent__gte=0, deduction_percent__lte=100),
                name="band_percent_range",
            ),
        ]

    def __str__(self):
        return self.band.label

    @property
    def band(self) -> rules.Band:
        return rules.Band(
            self.min_days, self.max_days, self.deduction_percent, rules.Release(self.release)
        )


# Statuses in the order of review (claims/review/services.py), as the check constraints name them.
UNDER_REVIEW = ["submitted", "queried"]  # no check or approval stands
CHECKED_ONWARDS = ["checked", "awaiting_finance", "approved", "scheduled", "paid"]
APPROVED_ONWARDS = ["awaiting_finance", "approved", "scheduled", "paid"]
FINAL_ONWARDS = ["approved", "scheduled", "paid"]  # finally approved: due into a run, or in one


class WorksheetQuerySet(OfPracticeQuerySet):
    def visible_to(self, scope):
        """Worksheets (claims) of the practices in scope."""
        return super().visible_to(scope).select_related("practice", "quarter")


class Worksheet(models.Model):
    """A practice's quarterly LES data worksheet (spec 4.1): one line for every eligible care home
    aligned with the practice in the quarter. Once submitted it is the practice's **claim** for the
    quarter; its payment figures are computed by ``claims/rules.py`` and stored with it. Lateness is
    fixed at the first submission."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"  # waiting for its first check
        QUERIED = "queried", "Queried"  # back with the practice to amend and resubmit
        CHECKED = "checked", "Checked"  # first tier done; waiting for financial approval
        AWAITING_FINANCE = "awaiting_finance", "Awaiting finance approval"  # above the threshold
        APPROVED = "approved", "Approved"  # due into a payment run
        REJECTED = "rejected", "Rejected"
        SCHEDULED = "scheduled", "Scheduled"  # taken into a closed payment run
        PAID = "paid", "Paid"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="worksheets")
    quarter = models.ForeignKey(Quarter, on_delete=models.PROTECT, related_name="worksheets")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    first_submitted_at = models.DateTimeField()
    submitted_at = models.DateTimeField(help_text="The latest submission (after a query, say).")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The payment, as the rules computed it (pence). Recomputed only by services.
    gross_pence = models.PositiveIntegerField(default=0)
    days_late = models.PositiveIntegerField(default=0)
    band_deduction_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    deduction_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    deduction_pence = models.PositiveIntegerField(default=0)
    net_pence = models.PositiveIntegerField(default=0)
    release = models.CharField(
        max_length=10,
        choices=LatenessBand._meta.get_field("release").choices,
        default=rules.Release.NEXT_RUN,
    )
    waived = models.BooleanField(default=False)
    # Review (SPEC §7): who decided what is also in the audit trail; these are the current facts.
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Final approval: the claim is due into a payment run from here.",
    )
    finance_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_net_pence = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The net payment the approver approved. A change to the figures sends the claim "
        "back to review, so an approved claim is always paid the amount two officers saw.",
    )
    query_message = models.TextField(blank=True)
    rejection_reason = models.TextField(blank=True)
    counter_fraud_referral = models.BooleanField(default=False)
    waiver_reason = models.TextField(blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    waived_at = models.DateTimeField(null=True, blank=True)
    payment_run = models.ForeignKey(
        "claims.PaymentRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        help_text="The one run that pays this claim.",
    )

    objects = WorksheetQuerySet.as_manager()

    class Meta:
        ordering = ["quarter__year", "quarter__number", "practice__ods_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "quarter"], name="worksheet_one_per_practice_quarter"
            ),
            models.CheckConstraint(
                condition=Q(net_pence=F("gross_pence") - F("deduction_pence")),
                name="worksheet_net_is_gross_less_deduction",
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__gte=F("first_submitted_at")),
                name="worksheet_resubmitted_after_first",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["scheduled", "paid"]) | Q(payment_run__isnull=False),
                name="worksheet_scheduled_has_run",
            ),
            models.CheckConstraint(
                condition=Q(waived=False) | ~Q(waiver_reason=""),
                name="worksheet_waiver_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(checked_by__isnull=True)
                | Q(approved_by__isnull=True)
                | ~Q(checked_by=F("approved_by")),
                name="worksheet_two_people_check_and_approve",
            ),
            # Four-eyes as an invariant (docs/adr/0021): whatever code or SQL writes the row, a
            # claim past its check names its checker; past its approval, two different people and
            # the net they approved, which must still be the net it will be paid.
            models.CheckConstraint(
                condition=~Q(status__in=UNDER_REVIEW)
                | Q(
                    checked_by__isnull=True,
                    checked_at__isnull=True,
                    approved_by__isnull=True,
                    approved_at__isnull=True,
                    finance_approved_by__isnull=True,
                    approved_net_pence__isnull=True,
                ),
                name="worksheet_unreviewed_has_no_checks",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=CHECKED_ONWARDS)
                | Q(checked_by__isnull=False, checked_at__isnull=False),
                name="worksheet_checked_has_checker",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=APPROVED_ONWARDS)
                | Q(
                    checked_by__isnull=False,
                    approved_by__isnull=False,
                    approved_net_pence__isnull=False,
                    approved_net_pence=F("net_pence"),
                )
                & ~Q(approved_by=F("checked_by")),
                name="worksheet_approved_by_another_at_its_net",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=FINAL_ONWARDS) | Q(approved_at__isnull=False),
                name="worksheet_approved_has_time",
            ),
            models.CheckConstraint(
                condition=Q(finance_approved_by__isnull=True)
                | ~Q(finance_approved_by=F("checked_by"))
                & ~Q(finance_approved_by=F("approved_by")),
                name="worksheet_finance_approver_is_a_third_person",
            ),
        ]

    def __str__(self):
        return f"{self.practice.name}, {self.quarter.label}"

    @property
    def reference(self) -> str:
        """The claim reference on remittances and the finance export: ``C87001-2019-20-Q2``."""
        return f"{self.practice.ods_code}-{self.quarter.slug}"

    @property
    def deferred(self) -> bool:
        return self.release == rules.Release.DEFERRED


class WorksheetLine(models.Model):
    """One care home's figures on a worksheet (SPEC §4). The opening is the same practice and home's
    closing in the previous quarter, carried forward and locked; only the pair's first quarter takes an
    entered baseline, and only an officer may correct a carried-forward opening (with a reason)."""

    class OpeningSource(models.TextChoices):
        BASELINE = "baseline", "Baseline entered by the practice"
        CARRIED_FORWARD = "carried_forward", "Carried forward"
        CORRECTED = "corrected", "Corrected by an officer"

    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="lines")
    care_home = models.ForeignKey(
        CareHome, on_delete=models.PROTECT, related_name="worksheet_lines"
    )
    opening = models.PositiveIntegerField()
    new_permanent = models.PositiveIntegerField()
    temporary = models.PositiveIntegerField()
    moved_out = models.PositiveIntegerField()
    died = models.PositiveIntegerField()
    in_other_home = models.PositiveIntegerField(default=0)
    opening_source = models.CharField(max_length=16, choices=OpeningSource.choices)
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_to",
        help_text="The previous quarter's line whose closing became this opening.",
    )
    beds_warning_confirmed = models.BooleanField(
        default=False,
        help_text="The submitter confirmed a closing above the home's registered beds.",
    )

    class Meta:
        ordering = ["care_home__name"]
        constraints = [
            models.UniqueConstraint(fields=["worksheet", "care_home"], name="line_one_per_home"),
            models.CheckConstraint(
                condition=Q(moved_out__lte=F("opening") + F("new_permanent") - F("died")),
                name="line_leavers_within_patients",
            ),
        ]

    def __str__(self):
        return f"{self.care_home.name} on {self.worksheet}"

    @property
    def figures(self) -> rules.Line:
        return rules.Line(
            opening=self.opening,
            new_permanent=self.new_permanent,
            temporary=self.temporary,
            moved_out=self.moved_out,
            died=self.died,
            in_other_home=self.in_other_home,
        )

    @property
    def closing(self) -> int:
        return self.figures.closing


class ApprovalPolicy(models.Model):
    """The commissioner's scheme of delegation for claims: above ``finance_threshold_pence`` (net) a
    finance approver must also approve. One row for the scheme (docs/adr/0007), kept by administrators."""

    finance_threshold_pence = models.PositiveIntegerField(
        default=500_000, help_text="Net claims above this (pence) also need a finance approver."
    )

    def __str__(self):
        return f"Finance approval above {money(self.finance_threshold_pence)}"

    @classmethod
    def current(cls) -> ApprovalPolicy:
        return cls.objects.order_by("pk").first() or cls()


class PaymentRunQuerySet(OfCommissionerQuerySet):
    """The payment runs of the commissioner (all of them for administrators)."""


class PaymentRun(models.Model):
    """A commissioner's dated payment run. Closing it takes every approved claim of the commissioner's
    practices due into it (a deferred claim skips one run; a 100% deduction is never paid), totals
    them per practice and produces the finance export and the remittance advice; then the run is
    marked paid."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        PAID = "paid", "Paid"
        # An open run cancelled by an officer (a wrong date, a run not wanted): it held no claims,
        # adjustments or remittances (those join a run only when it closes), so it frees nothing.
        CANCELLED = "cancelled", "Cancelled"

    commissioner = models.ForeignKey(
        "practices.Commissioner", on_delete=models.PROTECT, related_name="payment_runs"
    )
    reference = models.CharField(max_length=40, unique=True)
    run_date = models.DateField("payment date")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Two people (docs/adr/0022): one officer prepares the run, another (a finance approver above
    # the threshold) authorises exactly what it would pay; closing refuses if that has changed.
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    authorised_at = models.DateTimeField(null=True, blank=True)
    authorised_total_pence = models.PositiveIntegerField(null=True, blank=True)
    authorised_items = models.JSONField(
        default=list, blank=True, help_text="The claims and adjustments authorised, by reference."
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payment_reference = models.CharField(
        max_length=60, blank=True, help_text="The finance system's reference for the payment."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancellation_reason = models.TextField(blank=True)

    objects = PaymentRunQuerySet.as_manager()

    class Meta:
        ordering = ["-run_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "cancelled"]) | Q(closed_at__isnull=False),
                name="payment_run_closed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | ~Q(payment_reference=""),
                name="payment_run_paid_has_reference",
            ),
            models.CheckConstraint(
                condition=Q(authorised_by__isnull=True)
                | Q(created_by__isnull=True)
                | ~Q(authorised_by=F("created_by")),
                name="payment_run_two_people_prepare_and_authorise",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled")
                | (
                    Q(cancelled_at__isnull=False, closed_at__isnull=True)
                    & ~Q(cancellation_reason="")
                ),
                name="payment_run_cancelled_has_time_and_reason",
            ),
        ]

    def __str__(self):
        return f"Payment run {self.reference} ({self.run_date:%-d %b %Y})"


class RemittanceQuerySet(OfPracticeQuerySet):
    def visible_to(self, scope):
        """What each practice in scope was paid, run by run."""
        return super().visible_to(scope).select_related("practice", "payment_run")


class Remittance(models.Model):
    """What one practice is paid in one run: the total of its claims in the run. The remittance
    advice (PDF) is built from it."""

    payment_run = models.ForeignKey(
        PaymentRun, on_delete=models.PROTECT, related_name="remittances"
    )
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="remittances")
    amount_pence = models.PositiveIntegerField(help_text="Paid: 0 when the practice owes money.")
    brought_forward_pence = models.IntegerField(
        default=0, help_text="Money owed from the practice's last run (0 or negative), netted here."
    )
    carried_pence = models.IntegerField(
        default=0, help_text="Money still owed after this run (0 or negative), netted in the next."
    )
    advice = models.OneToOneField(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="remittance",
        help_text="The remittance advice PDF, once built.",
    )
    build_attempts = models.PositiveSmallIntegerField(default=0)
    build_error = models.TextField(blank=True, help_text="Why the last build failed.")

    objects = RemittanceQuerySet.as_manager()

    class Meta:
        ordering = ["practice__ods_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment_run", "practice"], name="remittance_one_per_practice"
            ),
            models.CheckConstraint(
                condition=Q(brought_forward_pence__lte=0, carried_pence__lte=0)
                & (Q(amount_pence=0) | Q(carried_pence=0)),
                name="remittance_pays_or_carries",
            ),
        ]

    def __str__(self):
        return f"{self.practice} in {self.payment_run.reference}: {money(self.amount_pence)}"

    @property
    def advice_filename(self) -> str:
        return f"remittance-advice-{self.payment_run.reference}-{self.practice.ods_code}.pdf"


class AdjustmentQuerySet(OfPracticeQuerySet):
    def visible_to(self, scope):
        """Recoveries and underpayments of the practices in scope."""
        return super().visible_to(scope).select_related(
            "practice", "claim__quarter", "claim__practice", "payment_run", "audit_case",
            "raised_by", "approved_by", "finance_approved_by", "ended_by",
        )  # fmt: skip


class Adjustment(models.Model):
    """Money put right after a claim was paid (docs/adr/0022): a **recovery** (negative: the practice
    was overpaid, say an audit found it) or an **underpayment** (positive). Raised by one officer,
    approved by a different one (and by a finance approver too when its size is above the
    threshold), then netted against the practice's claims in the commissioner's next payment run."""

    class Status(models.TextChoices):
        RAISED = "raised", "Raised"  # waiting for a second officer
        AWAITING_FINANCE = "awaiting_finance", "Awaiting finance approval"
        APPROVED = "approved", "Approved"  # due into the next payment run
        REFUSED = "refused", "Refused"
        CANCELLED = "cancelled", "Cancelled"
        SCHEDULED = "scheduled", "Scheduled"  # netted in a closed payment run
        PAID = "paid", "Paid"

    class Reason(models.TextChoices):
        AUDIT_FINDING = "audit_finding", "Audit finding"
        CORRECTED_FIGURES = "corrected_figures", "Corrected figures"
        DUPLICATE_PAYMENT = "duplicate_payment", "Duplicate payment"
        OTHER = "other", "Other"

    claim = models.ForeignKey(
        Worksheet,
        on_delete=models.PROTECT,
        related_name="adjustments",
        help_text="The paid claim put right.",
    )
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="adjustments")
    amount_pence = models.IntegerField(help_text="Negative: a recovery; positive: an underpayment.")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    explanation = models.TextField()
    audit_case = models.ForeignKey(
        "audits.AuditCase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adjustments",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RAISED)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    raised_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(
        null=True, blank=True, help_text="Final approval: due into the next payment run from here."
    )
    finance_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.TextField(blank=True, help_text="Why it was refused or cancelled.")
    payment_run = models.ForeignKey(
        PaymentRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adjustments",
        help_text="The one run that nets it.",
    )

    objects = AdjustmentQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_pence=0), name="adjustment_not_zero"),
            models.CheckConstraint(condition=~Q(explanation=""), name="adjustment_explained"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("raised_by")),
                name="adjustment_two_people_raise_and_approve",
            ),
            models.CheckConstraint(
                condition=Q(finance_approved_by__isnull=True)
                | ~Q(finance_approved_by=F("raised_by")),
                name="adjustment_finance_not_the_raiser",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["scheduled", "paid"]) | Q(payment_run__isnull=False),
                name="adjustment_scheduled_has_run",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["refused", "cancelled"]) | ~Q(ended_reason=""),
                name="adjustment_ended_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.kind.capitalize()} {self.reference}: {money(self.amount_pence)}"

    @property
    def reference(self) -> str:
        """``ADJ-12``: on the run page, the remittance and the finance export."""
        return f"ADJ-{self.pk}"

    @property
    def kind(self) -> str:
        return "recovery" if self.amount_pence < 0 else "underpayment"


class DueDateExtension(models.Model):
    """A commissioner's own, later due date for its practices' worksheets of one quarter (ADR 0043).

    The quarter's ``due_date`` is the scheme-wide default, set by administrators; a commissioner's
    officers may extend it for their practices, never to a day before the default. Lateness of those
    practices' worksheets is counted from the extended date (``selectors.effective_due_dates``)."""

    commissioner = models.ForeignKey(
        "practices.Commissioner", on_delete=models.PROTECT, related_name="due_date_extensions"
    )
    quarter = models.ForeignKey(Quarter, on_delete=models.PROTECT, related_name="extensions")
    due_date = models.DateField("extended due date")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["quarter", "commissioner"]
        constraints = [
            models.UniqueConstraint(
                fields=["commissioner", "quarter"], name="due_date_extension_unique"
            ),
        ]

    def __str__(self):
        return f"{self.quarter.label} due {self.due_date:%-d %B %Y} for {self.commissioner}"
