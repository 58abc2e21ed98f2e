import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from core.periods import add_months
from history.models import AuditEvent
from practices import services
from practices.models import Agreement
from tests import factories as f

D = datetime.date


@pytest.mark.parametrize(
    ("notice", "end"),
    [
        (D(2019, 3, 15), D(2019, 9, 15)),
        (D(2019, 8, 31), D(2020, 2, 29)),  # leap year: the month's last day
        (D(2018, 8, 31), D(2019, 2, 28)),
        (D(2019, 10, 1), D(2020, 4, 1)),
        (D(2019, 12, 31), D(2020, 6, 30)),
    ],
)
def test_agreement_ends_six_months_after_notice(notice, end):
    assert Agreement.end_for_notice(notice) == end


def test_add_months_rolls_the_year():
    assert add_months(D(2019, 11, 30), 3) == D(2020, 2, 29)


@pytest.mark.django_db
def test_give_notice_sets_end_and_records_audit_event():
    agreement = f.AgreementFactory()
    officer = f.officer(agreement.practice.commissioner)
    services.agreement_give_notice(
        agreement=agreement, notice_given_on=D(2019, 10, 1), given_by="practice", by=officer
    )
    agreement.refresh_from_db()
    assert agreement.ends_on == D(2020, 4, 1)
    event = AuditEvent.objects.get(action="agreement_give_notice")
    assert event.actor == officer
    assert event.after["ends_on"] == "2020-04-01"


@pytest.mark.django_db
def test_give_notice_twice_refused():
    agreement = f.AgreementFactory()
    services.agreement_give_notice(
        agreement=agreement, notice_given_on=D(2019, 10, 1), given_by="practice", by=None
    )
    with pytest.raises(ValidationError, match="already been given"):
        services.agreement_give_notice(
            agreement=agreement, notice_given_on=D(2019, 11, 1), given_by="commissioner", by=None
        )


@pytest.mark.django_db
def test_database_refuses_notice_without_end():
    agreement = f.AgreementFactory()
    Agreement.objects.filter(pk=agreement.pk)
    with pytest.raises(IntegrityError):
        Agreement.objects.filter(pk=agreement.pk).update(
            notice_given_on=D(2019, 1, 1), notice_given_by="practice"
        )


@pytest.mark.django_db
def test_unsigned_variation_leaves_old_terms():
    agreement = f.AgreementFactory()
    variation = agreement.variations.create(title="Addendum", offered_on=D(2019, 9, 1))
    assert not variation.is_signed


@pytest.mark.django_db
def test_variation_signed_before_offer_refused():
    agreement = f.AgreementFactory()
    variation = agreement.variations.model(
        agreement=agreement, title="Addendum", offered_on=D(2019, 9, 1), signed_on=D(2019, 8, 1)
    )
    with pytest.raises(ValidationError):
        services.agreement_variation_save(variation=variation, by=None)
    assert not agreement.variations.exists()


@pytest.mark.django_db
def test_new_practice_gets_standing_agreement():
    pcn = f.PCNFactory()
    practice = services.practice_save(practice=f.PracticeFactory.build(pcn=pcn), by=None)
    agreement = practice.agreements.get()
    assert agreement.starts_on is None and agreement.ends_on is None


@pytest.mark.django_db
def test_contacts_replaced_and_audited():
    practice = f.PracticeContactFactory(email="old@nhs.example").practice
    changed = services.practice_contacts_set(
        practice=practice, emails=["New@nhs.example", "b@nhs.example"], by=None
    )
    assert changed
    assert sorted(practice.contacts.values_list("email", flat=True)) == [
        "b@nhs.example",
        "new@nhs.example",
    ]
    assert AuditEvent.objects.filter(action="practice_contacts_set").count() == 1
    assert not services.practice_contacts_set(
        practice=practice, emails=["b@nhs.example", "new@nhs.example"], by=None
    )
