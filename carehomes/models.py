"""Care homes and their alignment with GP practices."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from carehomes_les.identifiers import validate_cqc_location_id, validate_uk_postcode
from practices.models import Commissioner, Practice


class CareHomeQuerySet(models.QuerySet):
    def eligible(self):
        """Homes the LES pays for: elderly and EMI, residential or nursing (not learning disability)."""
        return self.exclude(category=CareHome.Category.LEARNING_DISABILITY)


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
    nursing = models.BooleanField("nursing home", default=False)
    beds = models.PositiveIntegerField("registered beds")
    commissioner = models.ForeignKey(
        Commissioner,
        on_delete=models.PROTECT,
        related_name="care_homes",
        help_text="The commissioner in whose area the home is registered.",
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


class AlignmentQuerySet(models.QuerySet):
    def covering(self, first_day: datetime.date, last_day: datetime.date):
        """Alignments in force on any day from ``first_day`` to ``last_day`` inclusive: the rule for a
        home counting as aligned in a quarter (SPEC section 2)."""
        return self.filter(start_date__lte=last_day).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=first_day)
        )

    def current(self, today: datetime.date):
        return self.covering(today, today)


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
