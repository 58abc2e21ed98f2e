"""Organisations of the LES: commissioners, primary care networks, GP practices, and the
practice's agreement to provide the service."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.identifiers import validate_commissioner_code, validate_pcn_code, validate_practice_ods
from core.periods import add_months

NOTICE_PERIOD_MONTHS = 6  # spec 4.4: either party may withdraw with 6 months' written notice


class CommissionerQuerySet(models.QuerySet):
    def visible_to(self, scope):
        if scope.sees_everything:
            return self
        if scope.is_commissioner_staff:
            return self.filter(pk=scope.commissioner_id)
        return self.none()


class Commissioner(models.Model):
    """The body that commissions the LES and pays for it: a CCG, or an ICB place since 2022.

    Contracting officers and auditors work for exactly one commissioner and see only its data."""

    code = models.CharField(max_length=3, unique=True, validators=[validate_commissioner_code])
    name = models.CharField(max_length=200)
    # For the remittance advice and the finance hand-off (docs/adr/0022); kept by officers.
    contact_email = models.EmailField(
        blank=True, help_text="Where practices write about payments; named on every remittance."
    )
    cost_centre = models.CharField(max_length=20, blank=True)
    gl_code = models.CharField("general-ledger code", max_length=20, blank=True)

    objects = CommissionerQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z0-9]{3}$"), name="commissioner_code_format"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"


class OfCommissionerQuerySet(models.QuerySet):
    """Rows that belong to a commissioner (PCNs, payment runs, audit draws) are seen by its officers
    and auditors, and by administrators; never by a practice manager."""

    related: tuple[str, ...] = ("commissioner",)

    def visible_to(self, scope):
        qs = self.select_related(*self.related)
        if scope.sees_everything:
            return qs
        if scope.is_commissioner_staff:
            return qs.filter(commissioner_id=scope.commissioner_id)
        return qs.none()


class PCNQuerySet(OfCommissionerQuerySet):
    pass


class PCN(models.Model):
    """A primary care network: a grouping of practices used for reporting.

    The LES contract is held by each practice, never by the PCN (seed 000), so no money is paid
    to a PCN."""

    code = models.CharField("PCN code", max_length=6, unique=True, validators=[validate_pcn_code])
    name = models.CharField(max_length=200)
    commissioner = models.ForeignKey(Commissioner, on_delete=models.PROTECT, related_name="pcns")

    objects = PCNQuerySet.as_manager()

    class Meta:
        verbose_name = "PCN"
        verbose_name_plural = "PCNs"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^U[0-9]{5}$"), name="pcn_code_format")
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def get_absolute_url(self):
        return reverse("practices:pcn_detail", kwargs={"code": self.code})


class PracticeQuerySet(models.QuerySet):
    def with_registry(self):
        return self.select_related("pcn", "pcn__commissioner")

    def visible_to(self, scope):
        """The practices ``scope`` acts for: all for administrators, the commissioner's for its
        officers and auditors, a practice manager's own."""
        qs = self.with_registry()
        if scope.sees_everything:
            return qs
        if scope.is_commissioner_staff:
            return qs.filter(pcn__commissioner_id=scope.commissioner_id)
        if scope.practice_ids:
            return qs.filter(pk__in=scope.practice_ids)
        return qs.none()


class OfPracticeQuerySet(models.QuerySet):
    """Rows that belong to a practice are seen with their practice."""

    def visible_to(self, scope):
        return self.filter(practice__in=Practice.objects.visible_to(scope))


class Practice(models.Model):
    """A GP practice, identified by its ODS code. The practice holds the LES agreement, submits the
    quarterly worksheet for its aligned care homes and is paid for it."""

    ods_code = models.CharField(
        "ODS code", max_length=6, unique=True, validators=[validate_practice_ods]
    )
    name = models.CharField(max_length=200)

    class OdsStatus(models.TextChoices):
        ACTIVE = "A", "Active"
        CLOSED = "C", "Closed"
        DORMANT = "D", "Dormant"
        PROPOSED = "P", "Proposed"

    pcn = models.ForeignKey(
        PCN,
        on_delete=models.PROTECT,
        related_name="practices",
        verbose_name="PCN",
        help_text="The current PCN; the dated history is in PCN memberships (pcn_in_quarter).",
    )
    supplier_number = models.CharField(
        max_length=20, blank=True, help_text="The practice's supplier number in the finance system."
    )
    postcode = models.CharField(max_length=8, blank=True)
    opened_on = models.DateField("opened", null=True, blank=True)
    closed_on = models.DateField(
        "closed from",
        null=True,
        blank=True,
        help_text="From ODS (epraccur): no worksheet is expected for a quarter after it.",
    )
    ods_status = models.CharField("ODS status", max_length=1, choices=OdsStatus.choices, blank=True)

    objects = PracticeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ods_code__regex=r"^[A-Z][0-9]{5}$"), name="practice_ods_format"
            )
        ]
        # A commissioner's practices (``pcn_id IN`` its PCNs, the scope of almost every page) read
        # from the index alone, not by scanning every practice in the country (issue 18).
        indexes = [models.Index(fields=["pcn", "id"], name="practice_pcn_id_idx")]

    def __str__(self):
        return f"{self.name} ({self.ods_code})"

    def get_absolute_url(self):
        return reverse("practices:practice_detail", kwargs={"ods_code": self.ods_code})

    @property
    def commissioner(self) -> Commissioner:
        return self.pcn.commissioner


class PCNMembership(models.Model):
    """A practice's membership of a PCN from ``start_date`` to ``end_date`` (inclusive; either blank
    when unknown or open), as ODS's ePCN file dates it. Reports that group by PCN use the PCN the
    practice belonged to in each quarter (``practices.selectors.pcn_in_quarter``)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="pcn_memberships")
    pcn = models.ForeignKey(PCN, on_delete=models.PROTECT, related_name="practice_memberships")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "PCN membership"
        ordering = ["practice", models.F("start_date").asc(nulls_first=True)]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="pcn_membership_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.practice.ods_code} in {self.pcn.name}"

    def covers(self, day: datetime.date) -> bool:
        return (self.start_date is None or self.start_date <= day) and (
            self.end_date is None or day <= self.end_date
        )


class PracticeContact(models.Model):
    """An email address of the practice lead or manager. Reminders and remittance advice go to
    every contact; the practice keeps them up to date (spec 4.2)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="contacts")
    email = models.EmailField()

    objects = OfPracticeQuerySet.as_manager()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "email"], name="practice_contact_unique")
        ]

    def __str__(self):
        return self.email


class AgreementQuerySet(OfPracticeQuerySet):
    def visible_to(self, scope):
        return super().visible_to(scope).select_related("practice")


class Agreement(models.Model):
    """A practice's participation in the LES (schedule 2 of its contract).

    ``starts_on`` blank means a standing agreement in force from the start of the scheme (as
    ``import_practices`` records). When either party gives 6 months' written notice (spec 4.4) the
    agreement ends 6 months after the notice date; no claim is paid for a quarter that starts
    after the end."""

    class NoticeGivenBy(models.TextChoices):
        PRACTICE = "practice", "Practice"
        COMMISSIONER = "commissioner", "Commissioner"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="agreements")
    signed_on = models.DateField("signed", null=True, blank=True)
    starts_on = models.DateField("in force from", null=True, blank=True)
    notice_given_on = models.DateField("notice given", null=True, blank=True)
    notice_given_by = models.CharField(max_length=12, choices=NoticeGivenBy.choices, blank=True)
    ends_on = models.DateField(
        "ends",
        null=True,
        blank=True,
        help_text="6 months after the notice date; set with the notice.",
    )

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["practice__name", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(notice_given_on__isnull=True, ends_on__isnull=True, notice_given_by="")
                    | Q(notice_given_on__isnull=False, ends_on__isnull=False)
                    & ~Q(notice_given_by="")
                ),
                name="agreement_notice_complete",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=models.F("notice_given_on")),
                name="agreement_ends_after_notice",
            ),
        ]

    def __str__(self):
        return f"LES agreement of {self.practice}"

    @staticmethod
    def end_for_notice(notice_given_on: datetime.date) -> datetime.date:
        return add_months(notice_given_on, NOTICE_PERIOD_MONTHS)

    @property
    def status(self) -> str:
        if self.ends_on is None:
            return "In force"
        return f"Notice given: ends {self.ends_on:%-d %B %Y}"


class AgreementVariation(models.Model):
    """A contract variation or addendum offered to the practice. A practice is never obliged to
    sign (seed 000): while unsigned, the old terms stay in force."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="variations")
    title = models.CharField(max_length=200)
    offered_on = models.DateField("offered")
    signed_on = models.DateField("signed", null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["offered_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_on__isnull=True) | Q(signed_on__gte=models.F("offered_on")),
                name="variation_signed_after_offer",
            )
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.signed_on and self.offered_on and self.signed_on < self.offered_on:
            raise ValidationError(
                {"signed_on": "The date signed must be the same as or after the date offered."}
            )

    @property
    def is_signed(self) -> bool:
        return self.signed_on is not None
