"""The authorization matrix: every URL pattern × every role, and the 404 for objects out of scope.

``MATRIX`` must name every URL pattern the project serves: ``test_matrix_covers_every_url_pattern``
fails when a pattern is added without a row here, so no page escapes the access rule unnoticed.

Codes: 200 shown, 302 sent to sign in (or away from it), 403 the role may not do this at all,
404 the object is outside the user's organisations (existence does not leak), 405 wrong method.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audits.models import AuditCase, AuditDraw
from claims.models import Adjustment, PaymentRun, Remittance
from claims.payments.runs import payment_run_close, payment_run_create
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from documents.models import Document
from imports.models import ImportBatch, RegistrySync
from notices.models import Notice
from notices.services import notice_create
from outcomes.models import Meeting
from outcomes.services import outcomes_period_for
from tests import factories as f

ROLES = ("anonymous", "manager", "officer", "auditor", "administrator")


@dataclass
class World:
    """Two practices in one commissioner (the manager acts for the first) and a second commissioner."""

    users: dict = field(default_factory=dict)
    own: dict = field(default_factory=dict)
    neighbour: dict = field(default_factory=dict)  # same commissioner, another practice
    foreign: dict = field(default_factory=dict)  # another commissioner


def _organisation(commissioner):
    pcn = f.PCNFactory(commissioner=commissioner)
    practice = f.PracticeFactory(pcn=pcn)
    home = f.CareHomeFactory(commissioner=commissioner)
    alignment = f.AlignmentFactory(care_home=home, practice=practice)
    agreement = f.AgreementFactory(practice=practice)
    variation = agreement.variations.create(
        title="2019 addendum", offered_on=datetime.date(2019, 9, 1)
    )
    batch = ImportBatch.objects.create(
        kind="practices",
        original_filename="practices.csv",
        content=b"ods_code,name,pcn_code,pcn_name,commissioner_code,commissioner_name,email\n",
        commissioner=commissioner,
    )
    sync = RegistrySync.objects.create(  # read by a worker: waiting for confirmation
        commissioner=commissioner,
        files_date=datetime.date(2026, 11, 1),
        status=RegistrySync.Status.PREVIEWED,
        rows={},
    )
    quarter = quarter_for(Period(2019, 1))  # 2019/20 Q1: the 2019/20 Q2 worksheet stays open
    claim = worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={home.pk: LineEntry(opening=5, new_permanent=0, temporary=0, moved_out=0, died=0)},
        by=None,
        submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(12), LONDON),
    )
    # A closed run (it took nothing: the claim is not approved), so its export can be downloaded.
    run_date = datetime.date(2019, 8, 1) + datetime.timedelta(days=practice.pk)
    run = payment_run_close(
        run=f.authorised(
            payment_run_create(
                backdated=True, commissioner=commissioner, run_date=run_date, by=None
            )
        ),
        by=None,
    )
    # A remittance with its advice built, and an email to the practice.
    advice = Document.of(kind=Document.Kind.REMITTANCE_ADVICE, filename="a.pdf", content=b"%PDF-")
    advice.save()
    remittance = Remittance.objects.create(
        payment_run=run, practice=practice, amount_pence=0, advice=advice
    )
    notice, _ = notice_create(
        key=f"matrix:{practice.pk}",
        kind=Notice.Kind.CLAIM,
        practice_id=practice.pk,
        subject="A claim update",
        body="Body",
    )
    resident = f.ResidentFactory(practice=practice, care_home=home)
    outcomes_period_for(2026, 1)
    sheet = Document.of(kind=Document.Kind.ATTENDANCE_SHEET, filename="s.pdf", content=b"%PDF-")
    sheet.save()
    meeting = Meeting.objects.create(
        practice=practice,
        care_home=home,
        met_on=datetime.date(2026, 5, 1),
        attendees="Dr A, Ms B",
        notes="Two admissions discussed.",
        attendance_sheet=sheet,
    )
    audit_case = AuditCase.objects.create(
        practice=practice, financial_year=2026, source="flagged", flag_reason="Matrix"
    )
    draw = AuditDraw.objects.create(
        commissioner=commissioner, financial_year=2026, seed=1, eligible=[practice.ods_code],
        count=1, asked_for="1", drawn=[practice.ods_code],
    )  # fmt: skip
    # A recovery raised by another officer, waiting for approval (set up directly: the claim is
    # not paid, which the service would require).
    adjustment = Adjustment.objects.create(
        claim=claim,
        practice=practice,
        amount_pence=-1000,
        reason=Adjustment.Reason.AUDIT_FINDING,
        explanation="Matrix",
        raised_by=f.officer(commissioner),
        raised_at=datetime.datetime(2019, 9, 1, 12, tzinfo=LONDON),
    )
    return {
        "adjustment": adjustment,
        "audit_case": audit_case,
        "draw": draw,
        "meeting": meeting,
        "resident": resident,
        "remittance": remittance,
        "notice": notice,
        "pcn": pcn,
        "practice": practice,
        "home": home,
        "alignment": alignment,
        "agreement": agreement,
        "variation": variation,
        "batch": batch,
        "sync": sync,
        "claim": claim,
        "run": run,
    }


@pytest.fixture
def world(db):
    commissioner = f.CommissionerFactory(code="03L")
    other_commissioner = f.CommissionerFactory(code="02P")
    w = World(
        own=_organisation(commissioner),
        neighbour=_organisation(commissioner),
        foreign=_organisation(other_commissioner),
    )
    # An open run per commissioner (one at a time), for the pages that change, cancel or confirm
    # closing an open run; made after the closed runs above.
    for organisation, owner in ((w.own, commissioner), (w.foreign, other_commissioner)):
        organisation["open_run"] = payment_run_create(
            backdated=True, commissioner=owner, run_date=datetime.date(2019, 11, 1), by=None
        )
    w.neighbour["open_run"] = w.own["open_run"]
    w.users = {
        "anonymous": None,
        "manager": f.practice_manager(w.own["practice"]),
        "officer": f.officer(commissioner),
        "auditor": f.auditor(commissioner),
        "administrator": f.administrator(),
    }
    return w


# URL kwargs built from one organisation's objects.
def _pcn(o):
    return {"code": o["pcn"].code}


def _practice(o):
    return {"ods_code": o["practice"].ods_code}


def _agreement(o):
    return {"ods_code": o["practice"].ods_code, "pk": o["agreement"].pk}


def _variation(o):
    return {**_agreement(o), "variation": o["variation"].pk}


def _home(o):
    return {"cqc_location_id": o["home"].cqc_location_id}


def _sync(o):
    return {"pk": o["sync"].pk}


def _alignment(o):
    return {"pk": o["alignment"].pk}


def _batch(o):
    return {"pk": o["batch"].pk}


def _none(o):
    return {}


def _claim(o):
    return {"pk": o["claim"].pk}


def _line(o):
    return {"pk": o["claim"].pk, "line": o["claim"].lines.get().pk}


def _run(o):
    return {"pk": o["run"].pk}


def _open_run(o):
    return {"pk": o["open_run"].pk}


def _adjustment(o):
    return {"pk": o["adjustment"].pk}


def _remittance(o):
    return {"ods_code": o["practice"].ods_code, "pk": o["remittance"].pk}


def _resident(o):
    return {"ods_code": o["practice"].ods_code, "pk": o["resident"].pk}


def _outcomes_report(o):
    return {"ods_code": o["practice"].ods_code, "period": "2026-27-H1"}


def _audit_case(o):
    return {"pk": o["audit_case"].pk}


def _draw(o):
    return {"pk": o["draw"].pk}


def _meeting(o):
    return {"ods_code": o["practice"].ods_code, "pk": o["meeting"].pk}


def _notice(o):
    return {"pk": o["notice"].pk}


def _worksheet(o):
    return {"ods_code": o["practice"].ods_code, "quarter": "2019-20-Q2"}


# Quarters and tariffs are scheme-wide data (docs/adr/0007): no organisation owns them.
def _quarter(o):
    return {"quarter": "2019-20-Q2"}


def _tariff(o):
    return {"year": 2018}


# An outstanding page names a quarter (scheme-wide); what it lists is bounded by the scope (tested
# below); a chase names a practice, so another commissioner's is a 404.
def _owed(o):
    return {"kind": "worksheets", "period": "2019-20-Q2"}


def _chase(o):
    return {**_owed(o), "ods_code": o["practice"].ods_code}


def _figure(o):
    return {"figure": "submissions"}


def _accruals_figure(o):
    return {"figure": "by-practice"}


def _help_page(o):
    """The guide belongs to no practice or commissioner: the same page for everyone."""
    return {"page": "practice-manager"}


SCHEME_WIDE = {_none, _quarter, _tariff, _figure, _accruals_figure, _help_page, _owed}


def codes(manager, officer, auditor, administrator, anonymous=302):
    return dict(
        anonymous=anonymous,
        manager=manager,
        officer=officer,
        auditor=auditor,
        administrator=administrator,
    )


OFFICER_ONLY = codes(403, 200, 403, 403)
ADMINISTRATOR_ONLY = codes(403, 403, 403, 200)
MANAGER_ONLY = codes(200, 403, 403, 403)
REGISTRY_READERS = codes(403, 200, 200, 200)
EVERYONE = codes(200, 200, 200, 200)
AUDITORS = codes(403, 200, 200, 403)


# url name → (kwargs builder, expected GET status per role[, method])
MATRIX = {
    "home": (_none, EVERYONE),
    "login": (_none, codes(302, 302, 302, 302, anonymous=200)),
    "logout": (_none, codes(302, 302, 302, 302, anonymous=302), "post"),
    # Two-factor pages: staff who have already given their code are sent on; a manager has none to
    # set up (the pages are theirs to open, but nothing requires them).
    "two_factor_verify": (_none, codes(200, 200, 200, 200)),
    "two_factor_setup": (_none, codes(200, 302, 302, 302)),
    # The code again before money moves (ADR 0041): a manager has no second factor to give.
    "two_factor_step_up": (_none, codes(302, 200, 200, 200)),
    # Sign in with NHSmail: off (404) unless configured; tests/oidc signs in through a real provider.
    "nhsmail:start": (_none, codes(404, 404, 404, 404, anonymous=404)),
    "nhsmail:callback": (_none, codes(404, 404, 404, 404, anonymous=404)),
    "nhsmail:step_up": (_none, codes(404, 404, 404, 404, anonymous=404)),
    "accessibility": (_none, codes(200, 200, 200, 200, anonymous=200)),
    # The user guide: public, like the accessibility statement (ADR 0028).
    "help": (_none, codes(200, 200, 200, 200, anonymous=200)),
    "help_page": (_help_page, codes(200, 200, 200, 200, anonymous=200)),
    # Probes for the platform: no sign-in, no data in the answer (carehomes_les/health.py).
    "healthz": (_none, codes(200, 200, 200, 200, anonymous=200)),
    "readyz": (_none, codes(200, 200, 200, 200, anonymous=200)),
    "practices:pcn_list": (_none, REGISTRY_READERS),
    "practices:pcn_create": (_none, OFFICER_ONLY),
    "practices:pcn_detail": (_pcn, REGISTRY_READERS),
    "practices:pcn_edit": (_pcn, OFFICER_ONLY),
    "practices:practice_list": (_none, EVERYONE),
    "practices:practice_create": (_none, OFFICER_ONLY),
    "practices:practice_detail": (_practice, EVERYONE),
    "practices:practice_edit": (_practice, OFFICER_ONLY),
    "practices:practice_contacts": (_practice, codes(200, 200, 403, 403)),
    "practices:agreement_notice": (_agreement, OFFICER_ONLY),
    "practices:variation_create": (_agreement, OFFICER_ONLY),
    "practices:variation_edit": (_variation, OFFICER_ONLY),
    "carehomes:care_home_list": (_none, EVERYONE),
    "carehomes:care_home_create": (_none, OFFICER_ONLY),
    "carehomes:care_home_detail": (_home, EVERYONE),
    "carehomes:care_home_edit": (_home, OFFICER_ONLY),
    "carehomes:alignment_create": (_home, OFFICER_ONLY),
    "carehomes:alignment_edit": (_alignment, OFFICER_ONLY),
    # The care-home register holds NHS numbers: the practice's managers only. Everyone in scope
    # reads the compliance summary (counts and percentages).
    "carehomes:register": (_practice, MANAGER_ONLY),
    "carehomes:resident_create": (_practice, MANAGER_ONLY),
    "carehomes:resident_edit": (_resident, MANAGER_ONLY),
    "carehomes:clinic_create": (_practice, MANAGER_ONLY),
    "carehomes:compliance": (_practice, EVERYONE),
    "imports:upload": (_none, OFFICER_ONLY),
    "imports:preview": (_batch, OFFICER_ONLY),
    "imports:confirm": (_batch, codes(403, 302, 403, 403), "post"),
    "imports:discard": (_batch, codes(403, 302, 403, 403), "post"),
    "imports:sync_upload": (_none, OFFICER_ONLY),
    "imports:sync_preview": (_sync, OFFICER_ONLY),
    "imports:sync_confirm": (_sync, codes(403, 302, 403, 403), "post"),
    "imports:sync_discard": (_sync, codes(403, 302, 403, 403), "post"),
    # Starting a job again is for one waiting more than 15 minutes: this sync is read, so 409.
    "imports:sync_restart": (_sync, codes(403, 409, 403, 403), "post"),
    "periods:index": (_none, codes(403, 200, 200, 200)),
    # Worksheets: managers fill in and upload their own; officers, auditors and administrators read.
    "claims:worksheets": (_none, MANAGER_ONLY),
    "claims:practice_quarters": (_practice, EVERYONE),
    "claims:worksheet": (_worksheet, EVERYONE),
    "claims:worksheet_download": (_worksheet, EVERYONE),
    "claims:worksheet_upload": (_worksheet, MANAGER_ONLY),
    # Claims: officers, auditors and administrators read; officers act. Each action is a POST: a
    # success redirects (302); a refusal, or a form to complete, re-renders the claim page (200).
    "review:queue": (_none, REGISTRY_READERS),
    "review:queue_csv": (_none, REGISTRY_READERS),
    "review:claim": (_claim, REGISTRY_READERS),
    # Bulk check/approve: nothing selected gives a page saying so; a foreign claim in the
    # selection is a 404 (test_foreign_posts_are_404_and_change_nothing).
    "review:bulk": (_none, OFFICER_ONLY),
    "review:check": (_claim, codes(403, 302, 403, 403), "post"),
    "review:approve": (_claim, OFFICER_ONLY, "post"),  # not checked yet: refused
    "review:finance_approve": (_claim, OFFICER_ONLY, "post"),
    "review:query": (_claim, OFFICER_ONLY, "post"),  # no message given
    "review:reject": (_claim, OFFICER_ONLY, "post"),
    "review:waive": (_claim, OFFICER_ONLY, "post"),
    "review:correct_opening": (_line, OFFICER_ONLY, "post"),
    # Payment runs: the commissioner's staff read; officers create, close, export and mark paid.
    "payment_runs:list": (_none, REGISTRY_READERS),
    "payment_runs:create": (_none, OFFICER_ONLY),
    "payment_runs:run": (_run, REGISTRY_READERS),
    "payment_runs:authorise": (_run, OFFICER_ONLY, "post"),  # already closed: refused
    # Closing is confirmed on its own page (GET); the POSTs are in test_foreign_run_posts_are_404.
    "payment_runs:close": (_open_run, OFFICER_ONLY),
    "payment_runs:edit": (_open_run, OFFICER_ONLY),
    "payment_runs:cancel": (_open_run, OFFICER_ONLY),
    "payment_runs:mark_paid": (_run, OFFICER_ONLY, "post"),  # no payment reference: refused
    "payment_runs:finance_export": (_run, OFFICER_ONLY),
    "payment_runs:payments_csv": (_run, OFFICER_ONLY),
    "payment_runs:payments_xlsx": (_run, OFFICER_ONLY),
    "payment_runs:money_owed": (_none, REGISTRY_READERS),
    "payment_runs:invoice_requests": (_none, OFFICER_ONLY),
    "payment_runs:finance_details": (_none, OFFICER_ONLY),
    # Adjustments of paid claims: read with the claims; officers raise and decide them. Approving
    # succeeds (302: raised by another officer); the others, without a reason or in the wrong
    # status, re-render the page with the refusal (200).
    "adjustments:list": (_none, REGISTRY_READERS),
    "adjustments:raise": (_none, OFFICER_ONLY),
    "adjustments:detail": (_adjustment, REGISTRY_READERS),
    "adjustments:approve": (_adjustment, codes(403, 302, 403, 403), "post"),
    "adjustments:finance_approve": (_adjustment, OFFICER_ONLY, "post"),
    "adjustments:refuse": (_adjustment, OFFICER_ONLY, "post"),
    "adjustments:cancel": (_adjustment, OFFICER_ONLY, "post"),
    "payment_runs:practice_payments": (_practice, EVERYONE),
    "payment_runs:remittance_advice": (_remittance, EVERYONE),
    "payment_runs:remittances_progress": (_run, REGISTRY_READERS),
    "payment_runs:remittances_retry": (_run, codes(403, 302, 403, 403), "post"),
    # Outcomes reports: managers send their own; everyone in scope reads them.
    "outcomes:index": (_none, REGISTRY_READERS),
    "outcomes:practice": (_practice, EVERYONE),
    "outcomes:report": (_outcomes_report, EVERYONE),
    "outcomes:meetings": (_practice, EVERYONE),
    "outcomes:meeting_create": (_practice, MANAGER_ONLY),
    "outcomes:attendance_sheet": (_meeting, EVERYONE),
    # Audits: the commissioner's officers and auditors draw, flag and take cases to an outcome.
    # Each action is a POST: a success redirects; a refusal or an incomplete form re-renders (200).
    "audits:index": (_none, AUDITORS),
    "audits:draw_create": (_none, AUDITORS),
    "audits:draw": (_draw, AUDITORS),
    "audits:flag": (_none, AUDITORS),
    "audits:case": (_audit_case, AUDITORS),
    "audits:case_request_evidence": (_audit_case, AUDITORS, "post"),  # no message: the form again
    "audits:case_start_review": (_audit_case, codes(403, 302, 302, 403), "post"),
    "audits:case_findings": (_audit_case, AUDITORS, "post"),  # no findings: the form again
    "audits:case_close": (_audit_case, AUDITORS, "post"),  # not under review: refused
    "audits:pack_request": (_audit_case, codes(403, 302, 302, 403), "post"),
    "audits:pack": (_audit_case, codes(403, 302, 302, 403)),  # not built yet: back to the case
    # Emails to practices: the commissioner's staff read; officers try failed ones again.
    "notices:list": (_none, REGISTRY_READERS),
    "notices:detail": (_notice, REGISTRY_READERS),
    "notices:retry": (_notice, codes(403, 302, 403, 403), "post"),
    "reminders_run": (_none, codes(403, 302, 403, 403), "post"),
    # Outstanding worksheets and outcomes reports: the commissioner's staff read and download;
    # officers chase (a success or a refusal both go back to the page with a message).
    "outstanding:index": (_none, codes(403, 302, 302, 302)),
    "outstanding:page": (_owed, REGISTRY_READERS),
    "outstanding:csv": (_owed, REGISTRY_READERS),
    "outstanding:xlsx": (_owed, REGISTRY_READERS),
    "outstanding:chase": (_chase, codes(403, 302, 403, 403), "post"),
    # Commissioning reports: the commissioner's staff and administrators read; officers record a
    # home's coverage and set the checks' thresholds. Managers compare schemes for their own practice.
    "reports:index": (_none, REGISTRY_READERS),
    "reports:dashboard": (_none, REGISTRY_READERS),
    "reports:dashboard_csv": (_figure, REGISTRY_READERS),
    "reports:dashboard_xlsx": (_figure, REGISTRY_READERS),
    "reports:schemes": (_none, REGISTRY_READERS),
    "reports:practice_schemes": (_practice, EVERYONE),
    "reports:checks": (_none, REGISTRY_READERS),
    # Accruals: each page and download holds only the user's commissioner's practices (tested in
    # tests/reports/test_accruals.py); a practice manager may not open them at all.
    "reports:accruals": (_none, REGISTRY_READERS),
    "reports:accruals_csv": (_accruals_figure, REGISTRY_READERS),
    "reports:accruals_xlsx": (_accruals_figure, REGISTRY_READERS),
    "reports:check_thresholds": (_none, OFFICER_ONLY),
    "carehomes:coverage": (_none, REGISTRY_READERS),
    "carehomes:coverage_sitrep": (_none, REGISTRY_READERS),
    "carehomes:coverage_edit": (_home, OFFICER_ONLY),
    # The scheme-wide defaults are the administrators'; an officer extends a quarter's due date
    # for their own commissioner's practices only (ADR 0043).
    "periods:due_date": (_quarter, ADMINISTRATOR_ONLY),
    "periods:tariff_create": (_none, ADMINISTRATOR_ONLY),
    "periods:tariff_edit": (_tariff, ADMINISTRATOR_ONLY),
    "periods:extend": (_quarter, OFFICER_ONLY),
    # Django's admin is for administrators only (users and roles); everyone else is sent to its sign-in.
    "admin:*": (_none, codes(302, 302, 302, 200)),
}


def _all_url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if inner == "admin:":
                yield "admin:*"
                continue
            yield from _all_url_names(entry, inner)
        elif isinstance(entry, URLPattern):
            assert entry.name, (
                f"URL pattern {entry.pattern} has no name, so the matrix cannot list it"
            )
            yield f"{namespace}{entry.name}"


def test_matrix_covers_every_url_pattern():
    served = set(_all_url_names())
    missing = served - MATRIX.keys()
    stale = MATRIX.keys() - served
    assert not missing, f"URL patterns with no row in the authorization matrix: {sorted(missing)}"
    assert not stale, f"Matrix rows for URL patterns that no longer exist: {sorted(stale)}"


def _request(client, world, role, name, kwargs, method="get"):
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    if name == "admin:*":
        url = reverse("admin:index")
    else:
        url = reverse(name, kwargs=kwargs)
    return getattr(client, method)(url)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix_role_gets_expected_status(client, world, name, role):
    build, expected, *method = MATRIX[name]
    response = _request(client, world, role, name, build(world.own), *method)
    assert response.status_code == expected[role], (
        f"{role} on {name}: expected {expected[role]}, got {response.status_code}"
    )


OBJECT_PAGES = sorted(name for name, (build, *_rest) in MATRIX.items() if build not in SCHEME_WIDE)


def _pages_open_to(role):
    """Object pages the role may use at all: on these, a foreign object must be a 404."""
    return [name for name in OBJECT_PAGES if MATRIX[name][1][role] == 200]


@pytest.mark.parametrize("name", _pages_open_to("manager"))
def test_manager_gets_404_on_another_practices_pages(client, world, name):
    build, _expected, *method = MATRIX[name]
    response = _request(client, world, "manager", name, build(world.neighbour), *method)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "name"),
    [(role, name) for role in ("officer", "auditor") for name in _pages_open_to(role)],
)
def test_commissioner_staff_get_404_on_another_commissioners_pages(client, world, role, name):
    build, _expected, *method = MATRIX[name]
    response = _request(client, world, role, name, build(world.foreign), *method)
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_accruals_never_show_another_commissioners_practices(client, world, role):
    """The accruals pages take no object in their URL, so the 404 tests above cannot reach them:
    the claim each practice has in review must be listed for their own commissioner only."""
    client.force_login(world.users[role])
    page = client.get(reverse("reports:accruals")).content.decode()
    download = client.get(reverse("reports:accruals_csv", args=["lines"])).content.decode()
    for text in (page, download):
        assert world.own["practice"].ods_code in text
        assert world.neighbour["practice"].ods_code in text
        assert world.foreign["practice"].ods_code not in text


RUN_POSTS = {
    "payment_runs:close": {"confirmed": "yes"},
    "payment_runs:edit": {"run_date": "2099-01-01"},
    "payment_runs:cancel": {"reason": "Matrix"},
    "review:bulk": {"action": "check", "claims": []},
}


@pytest.mark.parametrize("name", sorted(RUN_POSTS))
def test_foreign_posts_are_404_and_change_nothing(client, world, name):
    """The confirmation, change and cancel POSTs on another commissioner's open run are 404 and the
    run stays as it was; a bulk action naming another commissioner's claim is 404 too."""
    client.force_login(world.users["officer"])
    data = dict(RUN_POSTS[name])
    if name == "review:bulk":
        data["claims"] = [world.foreign["claim"].pk]
        url = reverse(name)
    else:
        url = reverse(name, kwargs=_open_run(world.foreign))
    response = client.post(url, data)
    assert response.status_code == 404
    run = world.foreign["open_run"]
    run.refresh_from_db()
    assert (run.status, run.run_date) == (PaymentRun.Status.OPEN, datetime.date(2019, 11, 1))
    world.foreign["claim"].refresh_from_db()
    assert world.foreign["claim"].checked_by_id is None


def test_officer_gets_404_chasing_another_commissioners_practice(client, world):
    """The chase answers 302 in its own commissioner, so the 404 tests above do not reach it."""
    client.force_login(world.users["officer"])
    response = client.post(reverse("outstanding:chase", kwargs=_chase(world.foreign)))
    assert response.status_code == 404
    assert not Notice.objects.filter(kind=Notice.Kind.CHASE).exists()


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_outstanding_pages_never_show_another_commissioners_practices(client, world, role):
    client.force_login(world.users[role])
    page = client.get(reverse("outstanding:page", kwargs=_owed(world.own))).content.decode()
    download = client.get(reverse("outstanding:csv", kwargs=_owed(world.own))).content.decode()
    for text in (page, download):
        assert world.own["practice"].ods_code in text
        assert world.neighbour["practice"].ods_code in text
        assert world.foreign["practice"].ods_code not in text


# -- every action POST against another practice's and another commissioner's objects (issue 19) --

# What each action would need to succeed on one's own object, so that a 404 on a foreign one is
# the access rule answering, not a form left blank.
ACTION_DATA = {
    "review:query": {"query-message": "Please explain the openings."},
    "review:reject": {"reject-reason": "Not eligible.", "reject-counter_fraud_referral": ""},
    "review:waive": {"waive-reason": "Flooded surgery."},
    "payment_runs:mark_paid": {"payment_reference": "BACS-1"},
    "adjustments:refuse": {"refuse-reason": "No evidence."},
    "adjustments:cancel": {"cancel-reason": "Raised in error."},
    "audits:case_request_evidence": {"request_evidence-message": "Attendance sheets."},
    "audits:case_findings": {"findings-findings": "Sheets for 5 of 6 meetings."},
    "audits:case_close": {"close-outcome": "compliant", "close-findings": "All in order."},
}
OBJECT_POSTS = sorted(
    name
    for name, (build, _expected, *method) in MATRIX.items()
    if method == ["post"] and build not in SCHEME_WIDE
)


def _posts_open_to(role):
    """Object actions the role may take at all (on its own objects: not a 403)."""
    return [name for name in OBJECT_POSTS if MATRIX[name][1][role] != 403]


def _writes():
    """Every write leaves a history row or an email in the outbox."""
    from history.models import AuditEvent

    return AuditEvent.objects.count(), Notice.objects.count()


@pytest.mark.parametrize(
    ("role", "owner", "name"),
    [("manager", "neighbour", name) for name in _posts_open_to("manager")]
    + [
        (role, "foreign", name)
        for role in ("officer", "auditor", "manager")
        for name in _posts_open_to(role)
    ],
)
def test_every_action_post_on_another_organisations_object_is_404_and_writes_nothing(
    client, world, role, owner, name
):
    build, _expected, _method = MATRIX[name]
    client.force_login(world.users[role])
    before = _writes()
    response = client.post(
        reverse(name, kwargs=build(getattr(world, owner))), ACTION_DATA.get(name, {})
    )
    assert response.status_code == 404, f"{role} posting {name} on a {owner} object"
    assert _writes() == before


def test_the_action_posts_cover_the_actions_named_in_issue_19():
    names = set(_posts_open_to("officer")) | set(_posts_open_to("auditor"))
    assert {
        "review:check",
        "payment_runs:mark_paid",
        "payment_runs:remittances_retry",
        "notices:retry",
        "imports:confirm",
        "imports:discard",
        "imports:sync_confirm",
        "imports:sync_discard",
        "audits:case_start_review",
        "audits:case_findings",
        "audits:case_close",
        "audits:pack_request",
    } <= names
