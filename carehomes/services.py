"""Writes to care homes and alignments. Each is atomic and records an audit event."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from carehomes.models import Alignment, CareHome
from history.services import save_audited


@transaction.atomic
def care_home_save(*, care_home: CareHome, by) -> CareHome:
    """An officer's save. A category other than the one CQC's bands give is the officer's override,
    which the registry sync keeps (ADR 0024); choosing CQC's value again ends the override."""
    if care_home.cqc_category:
        care_home.category_overridden = care_home.category != care_home.category_from_cqc
    return save_audited(instance=care_home, by=by, action="care_home_save")


def _overlapping(alignment: Alignment):
    others = Alignment.objects.filter(care_home=alignment.care_home, practice=alignment.practice)
    if alignment.pk:
        others = others.exclude(pk=alignment.pk)
    if alignment.end_date is not None:
        others = others.filter(start_date__lte=alignment.end_date)
    return others.filter(Q(end_date__isnull=True) | Q(end_date__gte=alignment.start_date))


@transaction.atomic
def alignment_save(*, alignment: Alignment, by, reason: str = "") -> Alignment:
    """Align a home with a practice, or change the dates or lead GP of an alignment.

    Alignments of one home–practice pair may follow each other but never overlap, so a quarter
    never counts the same home twice for a practice."""
    # Lock the pair's alignments so two officers cannot create overlapping ones at once.
    list(
        Alignment.objects.select_for_update().filter(
            care_home_id=alignment.care_home_id, practice_id=alignment.practice_id
        )
    )
    clash = _overlapping(alignment).first()
    if clash is not None:
        raise ValidationError(
            f"{alignment.care_home.name} is already aligned with {alignment.practice.name} "
            f"from {clash.start_date:%-d %B %Y}"
            + (f" to {clash.end_date:%-d %B %Y}" if clash.end_date else "")
            + ": alignments of the same home and practice cannot overlap."
        )
    return save_audited(instance=alignment, by=by, action="alignment_save", reason=reason)
