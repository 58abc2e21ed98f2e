"""Care homes and their alignment with GP practices."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accounts.models import Role
from core.identifiers import validate_cqc_location_id, validate_uk_postcode
from practices.models import Commissioner, Practice


class CqcCategory(models.TextChoices):
    """What CQC's service user bands say a home is (ADR 0024)."""

    ELDERLY = "elderly", "Elderly"
    EMI = "emi", "Elderly mentally infirm (EMI)"
    LEARNING_DISABILITY = "learning_disability", "Learning disability"
    MIXED = "mixed", "Learning disability and other bands"


class CareHomeQuerySet(models.QuerySet):
    # The condition of eligible(), for use inside an aggregate's filter.
    ELIGIBLE = ~Q(category=CqcCategory.LEARNING_DISABILITY)

    def eligible(self):
        """Homes the LES pays for: elderly and EMI, residential or nursing (not learning disability)."""
        return self.filter(self.ELIGIBLE)

    def visible_to(self, scope):
        """Officers and auditors: homes registered in their commissioner's area, and homes aligned
        with one of its practices across a boundary. Practice managers: homes ever aligned with their
        practices.

        The commissioner's homes are one set of ids, a ``UNION`` of the homes registered to it and
        those aligned with its practices, each read by an index: the database looks up those few
        hundred homes instead of testing every home in the country against an ``OR`` (issue 18,
        ADR 0045)."""
        qs = self.select_related("commissioner")
        if scope.sees_everything:
            return qs
        if scope.is_commissioner_staff:
            registered = CareHome.objects.filter(commissioner_id=scope.commissioner_id)
            aligned = Alignment.objects.filter(practice__pcn__commissioner_id=scope.commissioner_id)
            ids = (
                registered.order_by().values("pk").union(aligned.order_by().values("care_home_id"))
            )
            return qs.filter(pk__in=ids)
        if scope.practice_ids:
            aligned = Alignment.objects.filter(practice_id__in=scope.practice_ids)
            return qs.filter(pk__in=aligned.values("care_home_id"))
        return qs.none()

    def to_manage(self, scope):
        """Homes whose details ``scope`` may change: those registered to its commissioner. A home
        aligned across the boundary is seen, and may be aligned, but its own commissioner keeps it."""
        if scope.sees_everything:
            return self.visible_to(scope)
        if scope.is_commissioner_staff:
            return self.visible_to(scope).filter(commissioner_id=scope.commissioner_id)
        return self.none()


class CareHome(models.Model):
    """A care home registered with the CQC, identified by its CQC location ID.

    Homes for people with a learning disability are recorded (practices still look after their
    residents) but are outside this LES: the CCG removed them (seed 000)."""

    class Category(models.TextChoices):
        ELDERLY = "elderly", "Elderly"
        EMI = "emi", "Elderly mentally infirm (EMI)"
        LEARNING_DISABILITY = "learning_disability", "Learning disability"

    cqc_location_id = models.CharField(
        "CQC location ID", max_length=13, unique=True, validators=[validate_cqc_location_id]
    )
    name = models.CharField(max_length=200)
    postcode = models.CharField(max_length=8, validators=[validate_uk_postcode])
    category = models.CharField(max_length=20, choices=Category.choices)
    acuity_tier = models.CharField(
        "acuity tier",
        max_length=10,
        choices=[("standard", "Standard acuity"), ("higher", "Higher acuity")],
        default="standard",
        help_text="Set by officers; used only by the acuity-tiered scheme in the scheme comparison.",
    )
    nursing = models.BooleanField("nursing home", default=False)
    beds = models.PositiveIntegerField("registered beds")
    commissioner = models.ForeignKey(
        Commissioner,
        on_delete=models.PROTECT,
        related_name="care_homes",
        help_text="The commissioner in whose area the home is registered.",
    )
    cqc_category = models.CharField(
        "category from CQC",
        max_length=20,
        choices=CqcCategory.choices,
        blank=True,
        help_text="Derived from the service user bands of CQC's file at the last registry sync.",
    )
    category_overridden = models.BooleanField(
        "category set by an officer",
        default=False,
        help_text="The officer's category is kept whatever CQC's file says (ADR 0024).",
    )
    cqc_registered_on = models.DateField("registered with CQC", null=True, blank=True)
    deregistered_on = models.DateField(
        "deregistered from",
        null=True,
        blank=True,
        help_text="The home was missing from CQC's active locations from this month.",
    )

    objects = CareHomeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(beds__gte=1), name="care_home_beds_at_least_one"),
            models.CheckConstraint(
                condition=Q(category__in=["elderly", "emi", "learning_disability"]),
                name="care_home_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(cqc_location_id__regex=r"^1-[0-9]{8,11}$"),
                name="care_home_cqc_format",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.cqc_location_id})"

    def get_absolute_url(self):
        return reverse(
            "carehomes:care_home_detail", kwargs={"cqc_location_id": self.cqc_location_id}
        )

    @property
    def is_eligible(self) -> bool:
        return self.category != self.Category.LEARNING_DISABILITY

    @property
    def kind(self) -> str:
        return "Nursing" if self.nursing else "Residential"

    @property
    def category_from_cqc(self) -> str:
        """The category CQC's bands give (a mixed home counts as learning disability: not paid
        until an officer decides), or blank before the first sync."""
        return category_for_cqc(self.cqc_category)


def category_for_cqc(cqc_category: str) -> str:
    if cqc_category == CqcCategory.MIXED:
        return CareHome.Category.LEARNING_DISABILITY
    return cqc_category


class AlignmentQuerySet(models.QuerySet):
    def covering(self, first_day: datetime.date, last_day: datetime.date):
        """Alignments in force on any day from ``first_day`` to ``last_day`` inclusive: the rule for a
        home counting as aligned in a quarter (SPEC section 2)."""
        return self.filter(start_date__lte=last_day).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=first_day)
        )

    def current(self, today: datetime.date):
        return self.covering(today, today)

    def visible_to(self, scope):
        """An alignment is seen with its practice: a manager never sees which other practices share
        a home."""
        qs = self.select_related("care_home", "practice", "practice__pcn")
        if scope.sees_everything:
            return qs
        return qs.filter(practice__in=Practice.objects.visible_to(scope))


class ResidentQuerySet(models.QuerySet):
    def visible_to(self, scope):
        """The care-home register, with NHS numbers: a practice manager's own practices only.
        Officers, auditors and administrators read the register as counts
        (``carehomes.register.practice_compliance``), never as rows."""
        if scope.role != Role.PRACTICE_MANAGER:
            return self.none()
        return self.filter(practice_id__in=scope.practice_ids).select_related(
            "care_home", "practice"
        )


class Alignment(models.Model):
    """A care home aligned with a GP practice from ``start_date`` to ``end_date`` (inclusive; blank while
    it continues). A large home may be aligned with more than one practice at once (seed 001). The
    alignment names the practice's lead GP for the home, who meets the home's manager bi-monthly."""

    care_home = models.ForeignKey(CareHome, on_delete=models.PROTECT, related_name="alignments")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="alignments")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    lead_gp = models.CharField("lead GP", max_length=200)

    objects = AlignmentQuerySet.as_manager()

    class Meta:
        ordering = ["care_home__name", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="alignment_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["care_home", "practice", "start_date"], name="alignment_unique_start"
            ),
        ]

    def __str__(self):
        return f"{self.care_home.name} ↔ {self.practice.name} from {self.start_date:%-d %b %Y}"

    def get_absolute_url(self):
        return self.care_home.get_absolute_url()

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError(
                {"end_date": "The end date must be the same as or after the start date."}
            )

    def covers(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class Resident(models.Model):
    """A patient of the practice living in a care home: one stay, from admission to leaving, on the
    practice's care-home register (service specification 3.2). Only the NHS number identifies the
    patient (no name, no date of birth): the practice's clinical system holds the rest, and
    officers and auditors only ever see counts and percentages from the register (ADR 0010).

    The dates are of the care the specification requires: the lead GP's assessment within two weeks
    of admission, the care plan (permanent residents), and the latest two-monthly review, lead-GP
    review and medication review. ``carehomes/compliance.py`` judges them."""

    class Kind(models.TextChoices):
        PERMANENT = "permanent", "Permanent"
        TEMPORARY = "temporary", "Temporary (including spot-purchase beds)"

    class LeavingReason(models.TextChoices):
        MOVED = "moved", "Moved from the home"
        DIED = "died", "Died"

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="residents")
    care_home = models.ForeignKey(CareHome, on_delete=models.PROTECT, related_name="residents")
    nhs_number = models.CharField("NHS number", max_length=10)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERMANENT)
    admitted_on = models.DateField("admission date")
    left_on = models.DateField("leaving date", null=True, blank=True)
    leaving_reason = models.CharField(max_length=10, choices=LeavingReason.choices, blank=True)
    assessed_on = models.DateField("lead GP's admission assessment", null=True, blank=True)
    care_plan_on = models.DateField("care plan written", null=True, blank=True)
    two_monthly_review_on = models.DateField("last two-monthly review", null=True, blank=True)
    lead_gp_review_on = models.DateField("last lead-GP review", null=True, blank=True)
    medication_review_on = models.DateField("last medication review", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["care_home__name", "admitted_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(nhs_number__regex=r"^[0-9]{10}$"),
                name="resident_nhs_number_digits",
                violation_error_message="The NHS number must be 10 digits.",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("admitted_on")),
                name="resident_leaves_after_admission",
                violation_error_message="The leaving date must be on or after the admission date.",
            ),
            models.CheckConstraint(
                condition=(Q(left_on__isnull=True) & Q(leaving_reason=""))
                | (Q(left_on__isnull=False) & Q(leaving_reason__in=["moved", "died"])),
                name="resident_leaving_has_reason",
                violation_error_message=(
                    "A resident who left needs both the leaving date and the reason."
                ),
            ),
            # One stay open at a time for a patient of a practice.
            models.UniqueConstraint(
                fields=["practice", "nhs_number"],
                condition=Q(left_on__isnull=True),
                name="resident_one_open_stay",
                violation_error_message=(
                    "This patient is already on the register in a stay that has not ended."
                ),
            ),
        ]

    def __str__(self):
        return f"Resident of {self.care_home.name} from {self.admitted_on:%-d %b %Y}"

    @property
    def nhs_number_display(self) -> str:
        """``485 777 3457``: the 3-3-4 grouping people read NHS numbers in."""
        n = self.nhs_number
        return f"{n[:3]} {n[3:6]} {n[6:]}"

    @property
    def record(self):
        """What the compliance rules judge."""
        from carehomes.compliance import ResidentRecord

        return ResidentRecord(
            admitted_on=self.admitted_on,
            permanent=self.kind == self.Kind.PERMANENT,
            left_on=self.left_on,
            assessed_on=self.assessed_on,
            care_plan_on=self.care_plan_on,
            two_monthly_review_on=self.two_monthly_review_on,
            lead_gp_review_on=self.lead_gp_review_on,
            medication_review_on=self.medication_review_on,
        )


class Clinic(models.Model):
    """A planned clinic the practice held at a care home (at least fortnightly, specification 3.2)."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="clinics")
    care_home = models.ForeignKey(CareHome, on_delete=models.PROTECT, related_name="clinics")
    held_on = models.DateField("clinic date")
    clinician = models.CharField(
        max_length=200, blank=True, help_text="The GP or clinician who held it (optional)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "care_home", "held_on"], name="clinic_once_a_day"
            )
        ]

    def __str__(self):
        return f"Clinic at {self.care_home.name} on {self.held_on:%-d %b %Y}"


class Coverage(models.Model):
    """How a care home is covered, in the words of NHS England's care-home support letter (seed 004)
    and its coverage sitrep: a named clinical lead, a weekly check-in of priority residents (which
    day, by whom), a multidisciplinary team, out-of-hours provision and personalised care plans.
    Recorded by the commissioner's officers; a home with no row has every gap."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    care_home = models.OneToOneField(CareHome, on_delete=models.CASCADE, related_name="coverage")
    clinical_lead = models.CharField("named clinical lead", max_length=200, blank=True)
    check_in_day = models.PositiveSmallIntegerField(
        "weekly check-in day", choices=Weekday.choices, null=True, blank=True
    )
    check_in_by = models.CharField(
        "weekly check-in by",
        max_length=200,
        blank=True,
        help_text="Who reviews the home's priority residents each week.",
    )
    mdt_in_place = models.BooleanField("multidisciplinary team in place", default=False)
    out_of_hours_provider = models.CharField("out-of-hours provider", max_length=200, blank=True)
    care_plans_recorded = models.BooleanField("personalised care plans recorded", default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "coverage"

    def __str__(self):
        return f"Coverage of {self.care_home.name}"
