"""The commissioning reports' own settings: the scheme comparison's rates and the cross-practice
checks' thresholds."""

from django.db import models


class SchemeRates(models.Model):
    """The per-bed annual rates the scheme comparison prices other schemes at, in pence: the national
    PCN DES care-home premium (about £120 a bed, seed 001) and an acuity-tiered scheme (about £190 a
    bed for higher-acuity homes, seed 001; the standard tier defaults to the DES rate). A year without
    its own row uses the most recent earlier year's, as tariffs do."""

    year = models.PositiveSmallIntegerField(
        unique=True, help_text="The calendar year in which the financial year starts."
    )
    des_per_bed_pence = models.PositiveIntegerField("network DES, per bed a year (pence)")
    standard_acuity_per_bed_pence = models.PositiveIntegerField(
        "acuity-tiered scheme, standard acuity, per bed a year (pence)"
    )
    higher_acuity_per_bed_pence = models.PositiveIntegerField(
        "acuity-tiered scheme, higher acuity, per bed a year (pence)"
    )

    class Meta:
        ordering = ["year"]
        verbose_name_plural = "scheme rates"

    def __str__(self):
        return f"Scheme rates from {self.year}/{(self.year + 1) % 100:02d}"

    @classmethod
    def for_year(cls, year: int) -> "SchemeRates":
        return (
            cls.objects.filter(year__lte=year).order_by("-year").first()
            or cls.objects.order_by("year").first()
            or cls(year=year, des_per_bed_pence=12000, standard_acuity_per_bed_pence=12000,
                   higher_acuity_per_bed_pence=19000)
        )  # fmt: skip


class CheckThresholds(models.Model):
    """When the cross-practice checks call a quarter's figures a jump: a change from the practice's
    previous quarter of at least ``jump_percent`` per cent *and* at least ``jump_min_patients``
    patients (so that 2 → 4 is not flagged). One row for the commissioner's scheme, kept by officers."""

    jump_percent = models.DecimalField(max_digits=5, decimal_places=1, default=25)
    jump_min_patients = models.PositiveIntegerField(default=5)

    class Meta:
        verbose_name_plural = "check thresholds"

    def __str__(self):
        return f"A jump is {self.jump_percent}% and {self.jump_min_patients} patients"

    @classmethod
    def current(cls) -> "CheckThresholds":
        return cls.objects.order_by("pk").first() or cls()
