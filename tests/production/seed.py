"""The least data for the production-stack journey, loaded inside the production stack itself:
``python manage.py shell -c "from tests.production.seed import seed; seed()"`` with the stack's
environment (``APP_ENV=production``). Prints one line of JSON the test reads: ids, usernames and the
officers' authenticator keys (so the test can compute the codes their apps would show).

The quarter is the last one to have ended. Its submission due date is moved to a week from today,
as an officer may until it passes (``claims.models.Quarter``): the practice then submits on time
whatever day the test runs, so its claim is paid in full into the next payment run."""

from __future__ import annotations

import datetime
import json
import os

from django.db import transaction
from django.utils import timezone

from accounts.models import Authenticator, PracticeMembership, Role, User
from carehomes.models import Alignment, CareHome
from claims.models import Quarter
from core.periods import Period
from practices.models import PCN, Agreement, Commissioner, Practice, PracticeContact

CONTACT_EMAIL = "manager.c88001@practice.example.nhs.uk"


@transaction.atomic
def seed() -> None:
    password = os.environ["STACK_TEST_PASSWORD"]
    today = timezone.localdate()
    period = Period.containing(today).previous()
    quarter, _ = Quarter.objects.update_or_create(
        year=period.year,
        number=period.quarter,
        defaults={"due_date": max(period.default_due_date, today + datetime.timedelta(days=7))},
    )
    commissioner = Commissioner.objects.create(code="03L", name="NHS Rotherham CCG")
    pcn = PCN.objects.create(code="U51660", name="Maltby Wickersley PCN", commissioner=commissioner)
    practice = Practice.objects.create(ods_code="C88001", name="Maltby Health Centre", pcn=pcn)
    Agreement.objects.create(
        practice=practice, signed_on=period.first_day - datetime.timedelta(days=30)
    )
    PracticeContact.objects.create(practice=practice, email=CONTACT_EMAIL)
    home = CareHome.objects.create(
        cqc_location_id="1-101613000",
        name="Oakwood Lodge",
        postcode="S66 8DL",
        category=CareHome.Category.ELDERLY,
        nursing=False,
        beds=40,
        commissioner=commissioner,
    )
    Alignment.objects.create(
        care_home=home, practice=practice, start_date=period.first_day, lead_gp="Dr M Ahmed"
    )

    def user(username, first, last, role, **extra):
        person = User(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.nhs.uk",
            role=role,
            **extra,
        )
        person.set_password(password)
        person.save()
        return person

    officers = [
        user(
            "chris.checker", "Chris", "Checker", Role.CONTRACTING_OFFICER, commissioner=commissioner
        ),
        user(
            "alex.approver", "Alex", "Approver", Role.CONTRACTING_OFFICER, commissioner=commissioner
        ),
    ]
    manager = user("pat.manager", "Pat", "Manager", Role.PRACTICE_MANAGER)
    PracticeMembership.objects.create(user=manager, practice=practice)
    keys = {
        officer.username: Authenticator.objects.create(
            user=officer, name="Authenticator app", confirmed=True
        ).key
        for officer in officers
    }
    print(
        json.dumps(
            {
                "quarter": quarter.period.slug,
                "practice": practice.ods_code,
                "care_home": home.pk,
                "officers": [o.username for o in officers],
                "manager": manager.username,
                "totp_keys": keys,
                "contact": CONTACT_EMAIL,
            }
        )
    )
