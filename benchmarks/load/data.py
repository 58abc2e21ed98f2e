"""The data and sign-ins of the load benchmark (issue 8; not a test). run.sh calls both steps.

``seed``: into the scratch PostgreSQL database ``les_load`` (DATABASE_URL; created if missing, then
migrated and emptied), the national-scale registry of ``benchmarks/national_scale.py`` (its own
generator: 42 commissioners, 1,250 PCNs, 6,300 practices, 15,000 care homes, 20,000 alignments),
dated like the demo so that the pages show what they would show today: alignments from the start of
last financial year and worksheets for every quarter whose due date has passed. All quarters but
the latest are bulk-inserted by national_scale's ``load_quarters`` and then checked, approved and
paid in a dated payment run per quarter; the latest is imported with ``import_worksheets`` (every
worksheet through ``worksheet_submit``, as national_scale does for its fourth quarter), 2% of
practices missing, and waits in the review queue. The benchmark's commissioner (``00X``, 152
practices) is reviewed and paid through the real services (``claim_check``, ``claim_approve``,
``payment_run_close``...), so its claims carry their history; the other 41 are set paid in bulk.
Remittance advice PDFs are not built (the run pages show them waiting). The users: an officer and
an auditor of ``00X`` and a practice manager of one of its practices (the one with most homes).
Skipped when the database already holds it, unless ``--force``.

``sessions OUT``: a signed-in session for each of those users, created directly in the session
store (no sign-in form, so neither two-factor sign-in nor lockout is in the way), written with the
URLs' parameters to the JSON file OUT that ``locustfile.py`` reads. When django-otp is installed,
the officer and auditor get a confirmed TOTP device and their sessions are marked verified with it.
Run this step with the SECRET_KEY the server will use: sessions and their auth hash are signed
with it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/les_load \
        .venv/bin/python benchmarks/load/data.py seed [--force]
    ... benchmarks/load/data.py sessions var/load/sessions.json
"""

from __future__ import annotations

import argparse
import atexit
import datetime
import importlib
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.load.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/les_load")
os.environ.setdefault("DEBUG", "false")
# The embedded default's side effects, whatever run.sh set for the server: tasks run in-process and
# any email is written to a throwaway folder (the seed submits and pays through the services).
os.environ["APP_ENV"] = "development"
os.environ.pop("EMAIL_HOST", None)
os.environ.pop("CELERY_BROKER_URL", None)
os.environ.pop("REDIS_URL", None)
os.environ["EMAIL_FILE_PATH"] = tempfile.mkdtemp(prefix="les-load-mail-")
atexit.register(shutil.rmtree, os.environ["EMAIL_FILE_PATH"], ignore_errors=True)

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
)
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, F, Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import PracticeMembership, Role, User  # noqa: E402
from benchmarks import national_scale  # noqa: E402  (its generator; importing it runs nothing)
from carehomes.models import Alignment  # noqa: E402
from claims.models import PaymentRun, Quarter, Remittance, Worksheet  # noqa: E402
from claims.payments.runs import (  # noqa: E402
    payment_run_authorise,
    payment_run_close,
    payment_run_create,
    payment_run_mark_paid,
)
from claims.review.services import claim_approve, claim_check, claim_finance_approve  # noqa: E402
from claims.worksheets.services import quarter_for  # noqa: E402
from core.periods import LONDON, Period  # noqa: E402
from practices.models import Commissioner, Practice  # noqa: E402

SEED = 20268
COMMISSIONER = "00X"  # national_scale's first commissioner: 152 practices in 30 PCNs
# In the latest quarter, about 2% of practices (drawn by the seed) have not submitted.
MISSING = 0.02
USERS = {
    # username: (role, finance approver); the officer checks, the others approve
    "load-officer": (Role.CONTRACTING_OFFICER, False),
    "load-approver": (Role.CONTRACTING_OFFICER, False),
    "load-finance": (Role.CONTRACTING_OFFICER, True),
    "load-auditor": (Role.AUDITOR, False),
    "load-manager": (Role.PRACTICE_MANAGER, False),
}
S = Worksheet.Status


def ensure_database():
    db = settings.DATABASES["default"]
    if connection.vendor != "postgresql" or "load" not in db["NAME"]:
        sys.exit(
            f"Refusing to empty {db['NAME']!r}: point DATABASE_URL at a scratch *load* database."
        )
    server = psycopg2.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"],
        port=db["PORT"] or 5432,
    )
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
    server.close()


def seeded() -> bool:
    call_command("migrate", verbosity=0)
    return (
        User.objects.filter(username="load-manager").exists()
        and Practice.objects.count() == national_scale.PRACTICES
    )


def passed_periods(today: datetime.date, years: int = 1) -> tuple[datetime.date, list[Period]]:
    """From the start of the financial year ``years`` before this one (1: last financial year, as
    the demo), every quarter whose due date has passed."""
    start = Period(Period.containing(today).year - years, 1)
    periods, period = [], start
    while period.default_due_date < today:
        periods.append(period)
        period = period.next()
    return start.first_day, periods


def users(commissioner: Commissioner) -> dict[str, User]:
    made = {}
    for username, (role, finance) in USERS.items():
        user = User.objects.create(
            username=username,
            first_name=username.split("-")[1].title(),
            last_name="Load",
            email=f"{username}@nhs.example",
            role=role,
            commissioner=None if role == Role.PRACTICE_MANAGER else commissioner,
            is_finance_approver=finance,
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        made[username] = user
    return made


def manager_practice(commissioner: Commissioner) -> Practice:
    """The commissioner's practice with the most aligned homes (then the lowest ODS code)."""
    return (
        Practice.objects.filter(pcn__commissioner=commissioner)
        .annotate(homes=Count("alignments"))
        .order_by("-homes", "ods_code")
        .first()
    )


def review_and_pay_through_services(commissioner, people, quarters) -> None:
    checker, approver, finance = (
        people["load-officer"],
        people["load-approver"],
        people["load-finance"],
    )
    for quarter in quarters:
        claims = Worksheet.objects.filter(
            quarter=quarter, practice__pcn__commissioner=commissioner
        ).order_by("practice__ods_code")
        for claim in claims:
            claim = claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)
            if claim.status == S.AWAITING_FINANCE:
                claim_finance_approve(claim=claim, by=finance)
        run = payment_run_create(
            backdated=True,
            commissioner=commissioner,
            run_date=quarter.due_date + datetime.timedelta(days=30),
            by=checker,
        )
        payment_run_mark_paid(
            run=payment_run_close(run=payment_run_authorise(run=run, by=finance), by=checker),
            by=checker,
            payment_reference=f"BACS-{run.reference}",
        )


@transaction.atomic
def pay_in_bulk(commissioners, quarters) -> None:
    """Every claim of these quarters checked, approved and paid in one run per commissioner and
    quarter, written directly (no history rows): these commissioners' pages are not measured, but
    their rows are in every table the measured pages read."""
    checker, approver = (
        User.objects.create(
            username=f"bulk-{name}",
            role=Role.CONTRACTING_OFFICER,
            commissioner=commissioners[0],
        )
        for name in ("checker", "approver")
    )
    for quarter in quarters:
        approved_at = datetime.datetime.combine(
            quarter.due_date + datetime.timedelta(days=10), datetime.time(12), LONDON
        )
        paid_at = approved_at + datetime.timedelta(days=20)
        runs = PaymentRun.objects.bulk_create(
            [
                PaymentRun(
                    commissioner=c,
                    reference=f"PR-{c.code}-{paid_at:%Y%m%d}",
                    run_date=paid_at.date(),
                    status=PaymentRun.Status.PAID,
                    created_by=checker,
                    closed_by=checker,
                    closed_at=paid_at,
                    paid_at=paid_at,
                    payment_reference=f"BACS-{c.code}-{paid_at:%Y%m%d}",
                )
                for c in commissioners
            ]
        )
        for run in runs:
            claims = Worksheet.objects.filter(
                quarter=quarter, practice__pcn__commissioner_id=run.commissioner_id
            )
            reviewed = {
                "checked_by": checker,
                "checked_at": approved_at,
                "approved_by": approver,
                "approved_at": approved_at,
                "approved_net_pence": F("net_pence"),  # the check constraints' four-eyes
            }
            claims.filter(net_pence=0).update(status=S.APPROVED, **reviewed)
            claims.filter(net_pence__gt=0).update(status=S.PAID, payment_run=run, **reviewed)
            Remittance.objects.bulk_create(
                [
                    Remittance(payment_run=run, practice_id=practice_id, amount_pence=total)
                    for practice_id, total in run.claims.values("practice_id")
                    .annotate(total=Sum("net_pence"))
                    .values_list("practice_id", "total")
                ]
            )


def emails_in_bulk(quarters, per_practice: int) -> int:
    """``per_practice`` sent emails (a reminder, then receipts) for every practice and quarter,
    written directly: the Emails page and its filters read this table."""
    Notice = apps.get_model("notices", "Notice")
    practices = list(Practice.objects.values_list("pk", "ods_code"))
    kinds = [Notice.Kind.REMINDER, Notice.Kind.RECEIPT, Notice.Kind.CLAIM, Notice.Kind.LATE]
    made = 0
    for quarter in quarters:
        sent = datetime.datetime.combine(quarter.due_date, datetime.time(9), LONDON)
        rows = [
            Notice(
                key=f"bulk-{quarter.pk}-{pk}-{n}",
                kind=kinds[n % len(kinds)],
                practice_id=pk,
                quarter=quarter,
                recipients=f"{ods.lower()}@nhs.example",
                subject=f"Care home LES {quarter.label}: worksheet for {ods}",
                body="Sent by the load benchmark's seed.",
                status=Notice.Status.SENT,
                sent_at=sent,
            )
            for pk, ods in practices
            for n in range(per_practice)
        ]
        made += len(Notice.objects.bulk_create(rows, batch_size=5000))
        # created_at is auto_now_add: date them as sent, as they would be in service.
        Notice.objects.filter(quarter=quarter, key__startswith="bulk-").update(created_at=sent)
    return made


def seed(force: bool, years: int = 1, emails: int = 0) -> None:
    ensure_database()
    connection.close()
    if not force and seeded():
        print(
            f"{settings.DATABASES['default']['NAME']} already holds the national-scale data "
            "(--force to generate it again)."
        )
        return
    today = timezone.localdate()
    first_day, periods = passed_periods(today, years)
    rng = random.Random(SEED)
    t0 = time.perf_counter()
    national_scale.reset()
    # flush also emptied the scheme rates and check thresholds a migration seeded: seed them again.
    importlib.import_module("reports.migrations.0004_scheme_rates_and_checks").seed(apps, None)
    _practices, pairs = national_scale.generate(rng)
    # national_scale dates the alignments from 2018; like the demo, from last financial year.
    Alignment.objects.update(start_date=first_day)
    by_practice, closing = national_scale.load_quarters(rng, pairs, periods[:-1])
    print(
        f"registry and {len(periods) - 1} quarters ({periods[0].label} to {periods[-2].label}) "
        f"in {time.perf_counter() - t0:.0f} s"
    )

    t1 = time.perf_counter()
    latest = periods[-1]
    submitting = {pk: homes for pk, homes in by_practice.items() if rng.random() >= MISSING}
    content = national_scale.quarter_file(rng, submitting, closing, latest)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as handle:
        handle.write(content)
    call_command("import_worksheets", handle.name, verbosity=0, stdout=io.StringIO())
    os.unlink(handle.name)
    quarter_for(latest.next())  # the open quarter, so its due date shows (as the demo)
    print(
        f"import_worksheets {latest.label}: {len(submitting)} worksheets "
        f"in {time.perf_counter() - t1:.0f} s"
    )

    t2 = time.perf_counter()
    commissioner = Commissioner.objects.get(code=COMMISSIONER)
    people = users(commissioner)
    PracticeMembership.objects.create(
        user=people["load-manager"], practice=manager_practice(commissioner)
    )
    paid = list(
        Quarter.objects.filter(pk__in=[quarter_for(p).pk for p in periods[:-1]]).order_by(
            "year", "number"
        )
    )
    # No remittance advice is built: the PDFs are not what these pages measure, and building
    # 760 of them would take minutes. The run pages show them waiting to be built.
    with mock.patch("claims.payments.runs.remittances_queue"):
        review_and_pay_through_services(commissioner, people, paid)
    pay_in_bulk(list(Commissioner.objects.exclude(pk=commissioner.pk).order_by("code")), paid)
    print(f"review and payment runs in {time.perf_counter() - t2:.0f} s")
    if emails:
        t3 = time.perf_counter()
        made = emails_in_bulk(paid, emails)
        print(f"{made} emails in {time.perf_counter() - t3:.0f} s")
    with connection.cursor() as cursor:  # as autovacuum would have, on a database in service
        cursor.execute("VACUUM ANALYZE")
    print(summary())


def summary() -> str:
    commissioner = Commissioner.objects.get(code=COMMISSIONER)
    mine = Worksheet.objects.filter(practice__pcn__commissioner=commissioner)
    return (
        f"{Commissioner.objects.count()} commissioners, {Practice.objects.count()} practices, "
        f"{apps.get_model('carehomes', 'CareHome').objects.count()} care homes, "
        f"{Alignment.objects.count()} alignments, {Worksheet.objects.count()} worksheets "
        f"({apps.get_model('claims', 'WorksheetLine').objects.count()} lines), "
        f"{PaymentRun.objects.count()} payment runs, "
        f"{apps.get_model('audit', 'AuditEvent').objects.count()} history rows, "
        f"{apps.get_model('notices', 'Notice').objects.count()} emails; "
        f"{COMMISSIONER}: {Practice.objects.filter(pcn__commissioner=commissioner).count()} "
        f"practices, {mine.count()} claims ({mine.filter(status=S.SUBMITTED).count()} in review)"
    )


# -- sessions ------------------------------------------------------------------------------------


def signed_in(user: User, *, verify_otp: bool) -> str:
    """A session in the store as ``django.contrib.auth.login`` leaves it (and django-otp's
    ``login`` when ``verify_otp``); returns its key."""
    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore()
    backends = settings.AUTHENTICATION_BACKENDS
    backend = next((b for b in backends if b.endswith(".ModelBackend")), backends[0])
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if verify_otp:
        from django_otp import DEVICE_ID_SESSION_KEY

        from accounts.models import Authenticator

        device = Authenticator.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = Authenticator.objects.create(user=user, name="load benchmark", confirmed=True)
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        from accounts.step_up import VERIFIED_AT

        store[VERIFIED_AT] = int(time.time())  # the code just given, as at a real sign-in
    try:  # the absolute session lifetime counts from sign-in (carehomes_les/security.py)
        from carehomes_les.security import SIGNED_IN_AT

        store[SIGNED_IN_AT] = int(time.time())
    except ImportError:
        pass
    store.set_expiry(settings.SESSION_COOKIE_AGE)
    store.create()
    return store.session_key


def sessions(out: Path) -> None:
    call_command("migrate", verbosity=0)  # django-otp's tables, once it is installed
    if not User.objects.filter(username="load-manager").exists():
        sys.exit("No benchmark users: run `benchmarks/load/data.py seed` first.")
    otp = apps.is_installed("django_otp") and apps.is_installed("django_otp.plugins.otp_totp")
    commissioner = Commissioner.objects.get(code=COMMISSIONER)
    people = {u.username: u for u in User.objects.filter(username__in=USERS)}
    latest = Quarter.objects.filter(worksheets__isnull=False).order_by("-year", "-number").first()
    open_quarter = Period(latest.year, latest.number).next()
    in_review = (
        Worksheet.objects.filter(
            quarter=latest, status=S.SUBMITTED, practice__pcn__commissioner=commissioner
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    manager = people["load-manager"]
    practice = manager.practices.get()
    data = {
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "otp_verified": otp,
        "officer": signed_in(people["load-officer"], verify_otp=otp),
        "auditor": signed_in(people["load-auditor"], verify_otp=otp),
        "manager": signed_in(manager, verify_otp=False),
        "claims": list(in_review),
        "practices": list(
            Practice.objects.filter(pcn__commissioner=commissioner)
            .order_by("ods_code")
            .values_list("ods_code", flat=True)
        ),
        "manager_practice": practice.ods_code,
        "latest_quarter": Period(latest.year, latest.number).slug,
        "open_quarter": open_quarter.slug,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1))
    print(
        f"sessions for the officer, auditor and manager written to {out} "
        f"(two-factor: {'verified with a TOTP device' if otp else 'django-otp not installed'})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    steps = parser.add_subparsers(dest="step", required=True)
    seed_step = steps.add_parser("seed")
    seed_step.add_argument("--force", action="store_true", help="generate the data again")
    seed_step.add_argument(
        "--years",
        type=int,
        default=1,
        help="history from the start of the financial year this many years back (1: as the demo; "
        "5: the 10x copy of issue 18, 5.5 years)",
    )
    seed_step.add_argument(
        "--emails", type=int, default=0, help="sent emails per practice and paid quarter (bulk)"
    )
    sessions_step = steps.add_parser("sessions")
    sessions_step.add_argument("out", type=Path)
    args = parser.parse_args()
    if args.step == "seed":
        seed(args.force, args.years, args.emails)
    else:
        sessions(args.out)


if __name__ == "__main__":
    main()
