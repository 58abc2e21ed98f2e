"""Remittance advice (SPEC §7, ADR 0009): closing a payment run builds one PDF per practice, stores
it as a Document and emails it to the practice's contacts; the PDF says what was paid for what,
claim by claim and home by home, and is tagged for screen readers. The renderer reads only our
static files."""

from __future__ import annotations

import datetime
import http.server
import io
import shutil
import threading
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from django.core import mail
from django.db import close_old_connections, connection

from claims.models import Remittance, Worksheet
from claims.payments.remittances import (
    MAX_BUILD_ATTEMPTS,
    BuildFailed,
    remittance_build,
    remittances_progress,
)
from claims.payments.runs import payment_run_close, payment_run_create
from claims.review.services import claim_approve, claim_check, claim_waive
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from documents.models import Document
from documents.pdf import FetchRefused, StaticOnlyFetcher, render_pdf
from notices.models import Notice
from tests import factories as f

D = datetime.date
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PREVIEWS = PROJECT_ROOT / "test-output" / "remittances"
Q1, Q2 = Period(2019, 1), Period(2019, 2)  # due 14 July and 14 October 2019


def entry(opening=None, new=0, temporary=0, moved=0, died=0) -> LineEntry:
    return LineEntry(
        opening=opening, new_permanent=new, temporary=temporary, moved_out=moved, died=died
    )


def submit(practice, period, entries, days_late=0):
    quarter = quarter_for(period)
    moment = datetime.datetime.combine(
        quarter.due_date + datetime.timedelta(days=days_late), datetime.time(12), LONDON
    )
    return worksheet_submit(
        practice=practice, quarter=quarter, entries=entries, by=None, submitted_at=moment
    )


def pdf_text(content: bytes) -> str:
    """The PDF's text with runs of whitespace made single spaces (table cells come out in order)."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def save_preview(content: bytes, name: str) -> Path:
    """The first page as a PNG under test-output/remittances, for a person to look at."""
    PREVIEWS.mkdir(parents=True, exist_ok=True)
    path = PREVIEWS / f"{name}.png"
    document = pypdfium2.PdfDocument(content)
    try:
        document[0].render(scale=1.5).to_pil().save(path)
    finally:
        document.close()
    return path


class Scenario:
    """One commissioner, two practices, three homes. Oakwood Medical Centre claims 2019/20 Q1 on time
    and Q2 three days late (5% deducted) for two homes; Greasbrough Surgery claims Q1 ten days late
    with the deduction and deferral waived, and Q2 ten days late (10% deducted, deferred to the
    run after next)."""

    def __init__(self):
        self.commissioner = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
        self.checker = f.officer(
            self.commissioner, username="checker", first_name="Priya", last_name="Shah"
        )
        self.approver = f.officer(
            self.commissioner, username="approver", first_name="Asha", last_name="Okafor"
        )
        pcn = f.PCNFactory(commissioner=self.commissioner, name="Rotherham Central PCN")
        self.practice = f.PracticeFactory(ods_code="C87001", name="Oakwood Medical Centre", pcn=pcn)
        self.other = f.PracticeFactory(ods_code="C87002", name="Greasbrough Surgery", pcn=pcn)
        self.homes = {}
        for practice, name, cqc in [
            (self.practice, "Beechcroft House", "1-101010101"),
            (self.practice, "Oakwood Grange", "1-202020202"),
            (self.other, "Rosehill Lodge", "1-303030303"),
        ]:
            home = f.CareHomeFactory(
                name=name, cqc_location_id=cqc, beds=60, commissioner=self.commissioner
            )
            f.AlignmentFactory(care_home=home, practice=practice)
            self.homes[name] = home
        for practice in (self.practice, self.other):
            f.AgreementFactory(practice=practice)
        for email in ("manager@oakwood.nhs.example", "lead.gp@oakwood.nhs.example"):
            f.PracticeContactFactory(practice=self.practice, email=email)
        f.PracticeContactFactory(practice=self.other, email="manager@greasbrough.nhs.example")
        beech, oak, rose = (self.homes[n].pk for n in sorted(self.homes))

        # Q1 on time. Beechcroft 8×£60 + 2×£60 = £600; Oakwood 12×£60 + 2×£102 + 1×£60 = £984.
        self.on_time = submit(
            self.practice,
            Q1,
            {
                beech: entry(opening=8, temporary=2),
                oak: entry(opening=12, new=2, temporary=1, died=1),
            },
        )
        # Q2 three days late, openings carried forward (8 and 13): Beechcroft 8×£60 + 3×£102 +
        # 1×£60 = £846; Oakwood 13×£60 + 1×£102 = £882; gross £1,728.00, 5% = £86.40, net £1,641.60.
        self.late = submit(
            self.practice, Q2, {beech: entry(new=3, temporary=1), oak: entry(new=1)}, days_late=3
        )
        # Rosehill Q1 ten days late, waived: 20×£60 + 1×£102 = £1,302.00 paid in full.
        self.waived = submit(self.other, Q1, {rose: entry(opening=20, new=1)}, days_late=10)
        claim_waive(
            claim=self.waived,
            by=self.checker,
            reason="The surgery's systems were down for ten days after the flood.",
        )
        # Rosehill Q2 ten days late: 21×£60 = £1,260.00, 10% = £126.00, net £1,134.00, deferred.
        self.deferred = submit(self.other, Q2, {rose: entry(temporary=0)}, days_late=10)
        for claim in (self.on_time, self.late, self.waived, self.deferred):
            claim_approve(claim=claim_check(claim=claim, by=self.checker), by=self.approver)

    def run(self, day: datetime.date):
        run = payment_run_create(
            backdated=True, commissioner=self.commissioner, run_date=day, by=self.checker
        )
        return payment_run_close(run=f.authorised(run), by=self.checker)


@pytest.fixture
def scenario(db):
    return Scenario()


@pytest.fixture
def closed(scenario, django_capture_on_commit_callbacks):
    """The first run closed and its remittances built and emailed (the tasks run in-process once
    the close commits)."""
    with django_capture_on_commit_callbacks(execute=True):
        run = scenario.run(D(2019, 11, 1))
    return run


def remittance_of(run, practice) -> Remittance:
    return Remittance.objects.select_related("advice", "payment_run", "practice").get(
        payment_run=run, practice=practice
    )


def test_remittance_pdf_states_every_claim_line_and_the_total(scenario, closed, request):
    remittance = remittance_of(closed, scenario.practice)
    assert remittance.advice is not None
    content = bytes(remittance.advice.content)
    assert content.startswith(b"%PDF-")
    assert remittance.advice.size == len(content)
    text = pdf_text(content)

    for fact in [
        "Oakwood Medical Centre",
        "C87001",
        "NHS Rotherham CCG",
        "03L",
        "Rotherham Central PCN",
        "PR-03L-20191101",
        "1 November 2019",
        "Total paid £3,225.60",
        "Total paid in PR-03L-20191101: £3,225.60",
    ]:
        assert fact in text, fact
    # Each claim, home by home: count, rate and amount per category, the home's gross.
    for line in [
        "Beechcroft House CQC 1-101010101 Continuing (opening) 8 £60.00 £480.00",
        "New permanent 0 £102.00 £0.00 Temporary 2 £60.00 £120.00 Gross for Beechcroft House £600.00",
        "Oakwood Grange CQC 1-202020202 Continuing (opening) 12 £60.00 £720.00",
        "New permanent 2 £102.00 £204.00 Temporary 1 £60.00 £60.00 Gross for Oakwood Grange £984.00",
        "Beechcroft House CQC 1-101010101 Continuing (opening) 8 £60.00 £480.00",
        "New permanent 3 £102.00 £306.00 Temporary 1 £60.00 £60.00 Gross for Beechcroft House £846.00",
        "Oakwood Grange CQC 1-202020202 Continuing (opening) 13 £60.00 £780.00",
        "New permanent 1 £102.00 £102.00 Temporary 0 £60.00 £0.00 Gross for Oakwood Grange £882.00",
    ]:
        assert line in text, line
    # Each claim's gross, deduction and net, in quarter order.
    q1 = text.index("2019/20 Q1 · claim C87001-2019-20-Q1")
    q2 = text.index("2019/20 Q2 · claim C87001-2019-20-Q2")
    assert q1 < q2
    assert "First submitted 14 July 2019, on time." in text[q1:q2]
    assert "Gross £1,584.00 Deduction (0%) £0.00 Net paid for 2019/20 Q1 £1,584.00" in text[q1:q2]
    assert "First submitted 17 October 2019, 3 days late." in text[q2:]
    assert "Gross £1,728.00 Deduction (5%) £86.40 Net paid for 2019/20 Q2 £1,641.60" in text[q2:]
    assert "1–7 days late: 5% deducted." in text[q2:]
    assert "Waiver reason" not in text

    preview = save_preview(content, request.node.name)
    assert preview.is_file() and preview.stat().st_size > 0


def test_remittance_pdf_shows_the_waiver_and_who_granted_it(scenario, closed, request):
    remittance = remittance_of(closed, scenario.other)
    assert remittance.amount_pence == 130_200  # the waived claim in full; the deferred one waits
    text = pdf_text(bytes(remittance.advice.content))
    assert "Greasbrough Surgery" in text and "C87002" in text
    assert "First submitted 24 July 2019, 10 days late." in text
    # A waived claim shows its band and "waived", never "Deduction (0%)" (docs/adr/0022).
    assert (
        "Gross £1,302.00 8–14 days late: deduction waived £0.00 Net paid for 2019/20 Q1 £1,302.00"
        in text
    )
    assert "Deduction (0%)" not in text
    waived_at = Worksheet.objects.get(pk=scenario.waived.pk).waived_at
    assert (
        "8–14 days late: deduction waived for exceptional circumstances by Priya Shah on "
        f"{waived_at.astimezone(LONDON):%-d %B %Y}." in text
    )
    assert "Waiver reason: The surgery's systems were down for ten days after the flood." in text
    assert "C87002-2019-20-Q2" not in text
    assert "Total paid in PR-03L-20191101: £1,302.00" in text
    save_preview(bytes(remittance.advice.content), request.node.name)


def test_deferred_claim_is_on_the_later_runs_remittance(
    scenario, closed, django_capture_on_commit_callbacks, request
):
    with django_capture_on_commit_callbacks(execute=True):
        second = scenario.run(D(2019, 12, 1))
    assert list(second.remittances.values_list("practice__ods_code", flat=True)) == ["C87002"]
    content = bytes(remittance_of(second, scenario.other).advice.content)
    text = pdf_text(content)
    assert "2019/20 Q2 · claim C87002-2019-20-Q2" in text
    assert "Rosehill Lodge CQC 1-303030303 Continuing (opening) 21 £60.00 £1,260.00" in text
    assert "Gross £1,260.00 Deduction (10%) £126.00 Net paid for 2019/20 Q2 £1,134.00" in text
    assert "8–14 days late: 10% deducted, paid one run later." in text
    assert "Deferral: Submitted 10 days late, so payment was deferred by one payment run" in text
    assert "Total paid in PR-03L-20191201: £1,134.00" in text
    save_preview(content, request.node.name)


def test_remittance_pdf_is_tagged_pdf_ua_with_language_and_title(scenario, closed):
    remittance = remittance_of(closed, scenario.practice)
    reader = pypdf.PdfReader(io.BytesIO(bytes(remittance.advice.content)))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert "/StructTreeRoot" in root
    assert root["/StructTreeRoot"].get_object()["/K"]  # the tags hold the content
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title == "Remittance advice PR-03L-20191101 for C87001"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"]) is True
    assert b"pdfuaid" in reader.xmp_metadata.stream.get_data()


def test_remittance_pdf_embeds_liberation_sans(scenario, closed):
    reader = pypdf.PdfReader(
        io.BytesIO(bytes(remittance_of(closed, scenario.practice).advice.content))
    )
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+", 1)[-1]  # subset prefix: ABCDEF+
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts == {"Liberation-Sans", "Liberation-Sans-Bold"}


def test_remittance_build_twice_stores_one_document_and_sends_one_email(
    scenario, closed, django_capture_on_commit_callbacks
):
    remittance = remittance_of(closed, scenario.practice)
    document = remittance.advice
    with django_capture_on_commit_callbacks(execute=True):
        again = remittance_build(remittance.pk)
    assert again.advice_id == document.pk
    assert Document.objects.count() == 2  # one for each practice in the run
    assert Document.objects.filter(remittance__practice=scenario.practice).count() == 1
    notices = Notice.objects.filter(kind=Notice.Kind.REMITTANCE, practice=scenario.practice)
    assert [(n.key, n.status) for n in notices] == [
        (f"remittance:{remittance.pk}", Notice.Status.SENT)
    ]
    sent = [m for m in mail.outbox if m.to == notices[0].recipient_list]
    assert len(sent) == 1
    message = sent[0]
    assert sorted(message.to) == ["lead.gp@oakwood.nhs.example", "manager@oakwood.nhs.example"]
    assert message.subject == "Remittance advice PR-03L-20191101: £3,225.60"
    assert "Oakwood Medical Centre (C87001)" in message.body
    assert message.attachments == [
        (
            "remittance-advice-PR-03L-20191101-C87001.pdf",
            bytes(document.content),
            "application/pdf",
        )
    ]


def test_remittance_build_failure_is_recorded_and_leaves_no_document(scenario, settings, tmp_path):
    run = scenario.run(D(2019, 11, 1))  # not committed: the builds were not queued
    remittance = remittance_of(run, scenario.practice)
    empty = tmp_path / "no-static"
    empty.mkdir()
    settings.STATICFILES_DIRS = [empty]  # the stylesheet (and fonts) are missing
    with pytest.raises(FetchRefused, match="css/pdf.css is not one of our static files"):
        remittance_build(remittance.pk)
    remittance.refresh_from_db()
    assert (remittance.advice, remittance.build_attempts) == (None, 1)
    assert remittance.build_error == "FetchRefused: css/pdf.css is not one of our static files"
    assert not Document.objects.exists()
    assert not Notice.objects.filter(kind=Notice.Kind.REMITTANCE).exists()

    settings.STATICFILES_DIRS = [PROJECT_ROOT / "static"]  # fixed: trying again builds it
    built = remittance_build(remittance.pk)
    assert built.advice is not None
    assert (built.build_attempts, built.build_error) == (2, "")


def test_run_close_with_failing_renders_still_closes_and_records_each_failure(
    scenario, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.STATICFILES_DIRS = [tmp_path]
    with django_capture_on_commit_callbacks(execute=True):  # the builds run in-process and fail
        run = scenario.run(D(2019, 11, 1))
    assert run.status == run.Status.CLOSED
    rows = run.remittances.values_list("practice__ods_code", "advice", "build_attempts")
    assert sorted(rows) == [("C87001", None, 1), ("C87002", None, 1)]
    assert set(run.remittances.values_list("build_error", flat=True)) == {
        "FetchRefused: css/pdf.css is not one of our static files"
    }
    assert not Document.objects.exists() and mail.outbox == []


def test_remittance_build_total_mismatch_is_refused(scenario):
    run = scenario.run(D(2019, 11, 1))
    remittance = remittance_of(run, scenario.practice)
    Remittance.objects.filter(pk=remittance.pk).update(amount_pence=remittance.amount_pence + 1)
    with pytest.raises(BuildFailed, match="total £3,225.60, not the remittance's £3,225.61"):
        remittance_build(remittance.pk)
    remittance.refresh_from_db()
    assert remittance.advice is None and remittance.build_attempts == 1
    assert "BuildFailed" in remittance.build_error


def test_remittances_progress_counts_built_failed_and_emailed(
    scenario, settings, tmp_path, django_capture_on_commit_callbacks
):
    run = scenario.run(D(2019, 11, 1))  # not committed: the builds were not queued
    ours, theirs = remittance_of(run, scenario.practice), remittance_of(run, scenario.other)
    scenario.other.contacts.all().delete()  # its email cannot be sent
    progress = remittances_progress(run)
    assert (progress.total, progress.built, progress.failed, progress.emailed) == (2, 0, 0, 0)
    assert not progress.complete

    good = settings.STATICFILES_DIRS
    settings.STATICFILES_DIRS = [tmp_path]  # no stylesheet: every build fails
    with pytest.raises(FetchRefused):
        remittance_build(ours.pk)
    assert remittances_progress(run).failed == 0  # one failure: the task will try again
    for _ in range(MAX_BUILD_ATTEMPTS - 1):
        with pytest.raises(FetchRefused):
            remittance_build(ours.pk)
    progress = remittances_progress(run)
    assert (progress.built, progress.failed, progress.emailed) == (0, 1, 0)  # given up on

    settings.STATICFILES_DIRS = good
    with django_capture_on_commit_callbacks(execute=True):
        remittance_build(theirs.pk)
    progress = remittances_progress(run)
    assert (progress.built, progress.failed, progress.emailed, progress.email_failed) == (
        1,
        1,
        0,
        1,
    )
    assert progress.complete  # nothing more happens without an officer
    assert progress.summary == (
        "1 of 2 remittance advices built, 0 emailed; 1 failed to build, 1 email failed."
    )

    with django_capture_on_commit_callbacks(execute=True):  # an officer's "try again"
        remittance_build(ours.pk)
    progress = remittances_progress(run)
    assert (progress.total, progress.built, progress.failed) == (2, 2, 0)
    assert (progress.emailed, progress.email_failed, progress.complete) == (1, 1, True)
    assert [m.to for m in mail.outbox] == [
        ["lead.gp@oakwood.nhs.example", "manager@oakwood.nhs.example"]
    ]


# -- the renderer's fetcher ---------------------------------------------------------------------


def test_fetcher_refuses_http_and_https_urls():
    fetcher = StaticOnlyFetcher()
    for url in ["http://127.0.0.1/x.css", "https://example.com/logo.png", "ftp://example.com/a"]:
        with pytest.raises(FetchRefused, match="may not fetch"):
            fetcher.fetch(url)


def test_fetcher_refuses_files_outside_static():
    fetcher = StaticOnlyFetcher()
    inside = (PROJECT_ROOT / "static" / "css").as_uri()
    for url in [
        "file:///etc/passwd",
        f"{inside}/../../carehomes_les/settings.py",  # climbing out of static
        (PROJECT_ROOT / "carehomes_les" / "settings.py").as_uri(),
    ]:
        with pytest.raises(FetchRefused, match="only read our static files"):
            fetcher.fetch(url)


def test_fetcher_refuses_a_symlink_out_of_static(settings, tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "passwd.css").symlink_to("/etc/passwd")
    settings.STATICFILES_DIRS = [static]
    with pytest.raises(FetchRefused):
        StaticOnlyFetcher().fetch((static / "passwd.css").as_uri())


def test_fetcher_serves_a_static_file():
    stylesheet = PROJECT_ROOT / "static" / "css" / "pdf.css"
    response = StaticOnlyFetcher().fetch(stylesheet.as_uri())
    try:
        assert response.read() == stylesheet.read_bytes()
    finally:
        response.close()


def test_render_pdf_follows_a_changed_stylesheet(settings, tmp_path):
    static = tmp_path / "static"
    for folder in ("css", "fonts"):
        shutil.copytree(PROJECT_ROOT / "static" / folder, static / folder)
    settings.STATICFILES_DIRS = [static]
    html = (
        '<!DOCTYPE html><html lang="en-GB"><head><title>T</title></head>'
        "<body><p>Body</p></body></html>"
    )
    assert "Draft copy" not in pdf_text(render_pdf(html))
    with (static / "css" / "pdf.css").open("a") as stylesheet:
        stylesheet.write('\nbody::before { content: "Draft copy"; }\n')
    assert "Draft copy Body" in pdf_text(render_pdf(html))  # parsed again, not the cached copy


def test_render_pdf_makes_no_network_request_for_a_remote_image():
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        html = (
            f'<!DOCTYPE html><html lang="en-GB"><head><title>Probe</title>'
            f'<link rel="stylesheet" href="{url}/evil.css"></head><body>'
            f'<p>Probe</p><img src="{url}/tracker.png" alt="">'
            '<img src="file:///etc/passwd" alt=""></body></html>'
        )
        pdf = render_pdf(html)
    finally:
        server.shutdown()
        server.server_close()
    assert requests == []
    assert "Probe" in pdf_text(pdf)


# -- two workers at once -------------------------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are PostgreSQL's; CI runs on PostgreSQL"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_remittance_built_by_two_workers_at_once_is_stored_and_emailed_once():
    from carehomes_les.celery import app

    scenario = Scenario()
    app.conf.task_always_eager = False  # as if no worker were running yet: close only queues
    run = scenario.run(D(2019, 11, 1))
    app.conf.task_always_eager = True
    remittance = remittance_of(run, scenario.practice)
    assert remittance.advice is None
    barrier = threading.Barrier(2)
    outcomes = [None, None]

    def build(index):
        try:
            barrier.wait()
            outcomes[index] = remittance_build(remittance.pk)
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[index] = error
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=build, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(o, Remittance) for o in outcomes), outcomes
    assert outcomes[0].advice_id == outcomes[1].advice_id is not None
    assert Document.objects.filter(remittance__pk=remittance.pk).count() == 1
    assert Document.objects.count() == 1
    assert Notice.objects.filter(key=f"remittance:{remittance.pk}").count() == 1
    assert Worksheet.objects.filter(payment_run=run).count() == 3
