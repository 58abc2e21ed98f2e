"""factory_boy builders for the registry. Tests build exactly the data they need with these."""

import datetime

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import PracticeMembership, Role, User
from carehomes.models import Alignment, CareHome, Resident
from core.identifiers import nhs_test_number
from practices.models import PCN, Agreement, Commissioner, Practice, PracticeContact

TEST_PASSWORD = "correct-horse-battery-staple"
# Hashing the same password once keeps factories fast; every test user signs in with TEST_PASSWORD.
_HASHED_PASSWORD = make_password(TEST_PASSWORD)


class CommissionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commissioner
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"Test CCG {n}")


class PCNFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PCN

    code = factory.Sequence(lambda n: f"U{10000 + n:05d}")
    name = factory.Sequence(lambda n: f"Test PCN {n}")
    commissioner = factory.SubFactory(CommissionerFactory)


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    ods_code = factory.Sequence(lambda n: f"C{10000 + n:05d}")
    name = factory.Sequence(lambda n: f"Test Medical Centre {n}")
    pcn = factory.SubFactory(PCNFactory)


class PracticeContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeContact

    practice = factory.SubFactory(PracticeFactory)
    email = factory.Sequence(lambda n: f"manager{n}@practice.nhs.uk")


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    practice = factory.SubFactory(PracticeFactory)
    signed_on = datetime.date(2018, 3, 1)
    starts_on = None


class CareHomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareHome

    cqc_location_id = factory.Sequence(lambda n: f"1-{100000000 + n}")
    name = factory.Sequence(lambda n: f"Test Care Home {n}")
    postcode = "S60 2UB"
    category = CareHome.Category.ELDERLY
    nursing = False
    beds = 40
    commissioner = factory.SubFactory(CommissionerFactory)


class AlignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alignment

    care_home = factory.SubFactory(CareHomeFactory)
    practice = factory.SubFactory(PracticeFactory)
    start_date = datetime.date(2018, 4, 1)
    end_date = None
    lead_gp = "Dr A Gunasekera"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.nhs.uk")
    password = _HASHED_PASSWORD
    role = Role.CONTRACTING_OFFICER
    commissioner = factory.SubFactory(CommissionerFactory)

    @factory.post_generation
    def practices(self, create, extracted, **kwargs):
        for practice in extracted or []:
            PracticeMembership.objects.create(user=self, practice=practice)


def officer(commissioner=None, **kwargs) -> User:
    return UserFactory(
        role=Role.CONTRACTING_OFFICER, commissioner=commissioner or CommissionerFactory(), **kwargs
    )


def auditor(commissioner=None, **kwargs) -> User:
    return UserFactory(
        role=Role.AUDITOR, commissioner=commissioner or CommissionerFactory(), **kwargs
    )


def practice_manager(*practices, **kwargs) -> User:
    return UserFactory(
        role=Role.PRACTICE_MANAGER, commissioner=None, practices=list(practices), **kwargs
    )


def administrator(**kwargs) -> User:
    return UserFactory(
        role=Role.ADMINISTRATOR, commissioner=None, is_staff=True, is_superuser=True, **kwargs
    )


class ResidentFactory(factory.django.DjangoModelFactory):
    """A resident on the practice's care-home register. NHS numbers come from NHS England's test
    range (999…), valid by the check digit and never a real patient's."""

    class Meta:
        model = Resident

    practice = factory.SubFactory(PracticeFactory)
    care_home = factory.SubFactory(CareHomeFactory)
    nhs_number = factory.Sequence(lambda n: nhs_test_number(n))
    kind = Resident.Kind.PERMANENT
    admitted_on = datetime.date(2026, 1, 5)


def authorised(run, by=None):
    """An open payment run authorised by a second officer (a finance approver), as closing it
    requires (docs/adr/0022)."""
    from claims.payments.runs import payment_run_authorise

    by = by or officer(run.commissioner, is_finance_approver=True)
    return payment_run_authorise(run=run, by=by)
