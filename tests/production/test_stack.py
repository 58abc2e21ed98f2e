"""The production stack works as shipped: the processes docker-compose.yml runs, started by the same
bin/ scripts with the same environment variables, against a fresh PostgreSQL database, Redis and a
real SMTP server, driven over real HTTP.

No Docker engine runs here, so the containers are replaced by processes on this machine: static
files are built by ``bin/build-static``, the database by ``bin/release``, then ``bin/web``
(gunicorn), ``bin/worker``, ``bin/worker-pdf`` and ``bin/beat`` run side by side. A practice
manager submits a worksheet, two officers check and approve it, one prepares a payment run, the
other authorises it, the first closes it, and the remittance advice arrives at the SMTP server with its PDF attached.

``test_static_built_in_development_mode_breaks_production`` keeps ``bin/build-static`` honest: the
Dockerfile's old step (collectstatic in development mode) gave every page a 500 in production.

The browser talks to gunicorn as a TLS-terminating proxy would: plain HTTP with
``X-Forwarded-Proto: https`` (production settings trust it and mark cookies Secure), and the test's
cookie jar sends the Secure cookies over that hop as the proxy's client sends them over TLS."""

from __future__ import annotations

import contextlib
import datetime
import email
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
import requests
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet
from django.conf import settings
from django_otp.oath import totp

from core.periods import LONDON

pytestmark = pytest.mark.production_stack

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "bin"
BROKER_DB = 9  # a Redis database index the rest of the suite never uses
STARTUP_SECONDS = 90
EMAIL_SECONDS = 120


# -- helpers -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll(condition, *, timeout: float, what: str, processes=()):
    """Return ``condition()``'s first truthy value; fail after ``timeout`` seconds, or at once if
    one of ``processes`` has exited."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        for process in processes:
            if process.exited():
                pytest.fail(
                    f"{process.name} exited ({process.returncode()}) while waiting for {what}"
                )
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)  # a polling interval, not a guess at how long the work takes


def database_admin_dsn(dbname: str = "postgres") -> dict:
    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        pytest.fail(
            "The production-stack test needs PostgreSQL: set DATABASE_URL, as `make test` does."
        )
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
        "dbname": dbname,
    }


def database_url(name: str) -> str:
    dsn = database_admin_dsn()
    auth = dsn["user"] + (f":{dsn['password']}" if dsn["password"] else "")
    return f"postgres://{auth}@{dsn['host']}:{dsn['port']}/{name}"


def broker_url() -> str:
    """The suite's Redis (host and port from CELERY_BROKER_URL), on a database of its own."""
    url = urlsplit(os.environ.get("CELERY_BROKER_URL") or settings.CELERY_BROKER_URL)
    if url.scheme != "redis":
        pytest.fail(
            "The production-stack test needs Redis: set CELERY_BROKER_URL, as `make test` does."
        )
    return urlunsplit((url.scheme, url.netloc, f"/{BROKER_DB}", "", ""))


# -- the SMTP server -----------------------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.original_content, policy=default_policy)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def received(self) -> list[EmailMessage]:
        with self._lock:
            return list(self.messages)


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, mailbox
    finally:
        controller.stop()


# -- the database --------------------------------------------------------------------------------


@pytest.fixture
def stack_database():
    name = f"les_stack_{secrets.token_hex(4)}"
    admin = psycopg2.connect(**database_admin_dsn())
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield database_url(name)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def stack_broker():
    import redis

    url = broker_url()
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


# -- the processes -------------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def exited(self) -> bool:
        return self.popen.poll() is not None

    def returncode(self):
        return self.popen.returncode

    def stop(self) -> None:
        """SIGTERM the process group (a warm shutdown), then SIGKILL what is left."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        # The group may outlive its leader (pool children): kill whatever is left of it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=30)


@dataclass
class Stack:
    """The environment compose gives every app service, and the processes started with it."""

    env: dict
    directory: Path
    processes: list[Process] = field(default_factory=list)

    def run(self, script: str, *, extra_env: dict | None = None, timeout: float = 300):
        """Run a one-shot script (bin/build-static, bin/release, manage.py …) to completion."""
        command = [str(BIN / script)] if not isinstance(script, list) else script
        result = subprocess.run(
            command,
            cwd=ROOT,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
        )
        assert result.returncode == 0, (
            f"{command} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
        return result

    def start(self, script: str, *, extra_env: dict | None = None) -> Process:
        log = self.directory / f"{script}.log"
        with log.open("w") as log_file:
            popen = subprocess.Popen(
                [str(BIN / script)],
                cwd=ROOT,
                env={**self.env, **(extra_env or {})},
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped with all its children
            )
        process = Process(script, popen, log)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            process.stop()
        for process in self.processes:
            # Shown by pytest only when the test fails.
            print(f"--- {process.name} (exit {process.returncode()}) ---")
            print(process.log.read_text()[-6000:])


def base_environment(tmp_path: Path, *, database: str, broker: str, smtp_port: int) -> dict:
    """What docker-compose.yml's ``x-app`` environment holds, pointed at this machine's services.
    Nothing else is inherited from the test's own environment but PATH (with this checkout's
    Python first, as the image's) and HOME."""
    for name in ("static", "private", "var"):
        (tmp_path / name).mkdir()
    return {
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "APP_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "TOTP_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": broker,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "STATIC_ROOT": str(tmp_path / "static"),
        "PRIVATE_STORAGE_ROOT": str(tmp_path / "private"),
        "VAR_DIR": str(tmp_path / "var"),
    }


@pytest.fixture
def stack(tmp_path, stack_database, stack_broker, smtp_server):
    smtp_port, mailbox = smtp_server
    stack = Stack(
        env=base_environment(
            tmp_path, database=stack_database, broker=stack_broker, smtp_port=smtp_port
        ),
        directory=tmp_path,
    )
    stack.mailbox = mailbox
    try:
        yield stack
    finally:
        stack.stop_all()


# -- the browser ---------------------------------------------------------------------------------


class Browser:
    """A person's browser over real HTTP: a cookie jar, the forms' CSRF tokens, and the headers a
    TLS-terminating proxy adds."""

    CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()
        origin = "https://" + urlsplit(base).netloc
        self.session.headers.update(
            {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1", "Origin": origin}
        )

    def _behind_the_proxy(self) -> None:
        """The client's half of the TLS hop is the proxy's: the Secure cookies (session, CSRF) go
        over the plain-HTTP hop to gunicorn, as the proxy's client sends them over HTTPS."""
        for cookie in self.session.cookies:
            cookie.secure = False

    def get(self, path: str, *, expect: int = 200) -> requests.Response:
        response = self.session.get(self.base + path, allow_redirects=False, timeout=60)
        self._behind_the_proxy()
        assert response.status_code == expect, (
            f"GET {path}: {response.status_code}\n{response.text[:3000]}"
        )
        return response

    def submit(self, page: str, data: dict, *, action: str | None = None, expect: int = 302):
        """Open ``page``, then post ``data`` with the page's CSRF token to ``action`` (the page
        itself by default)."""
        found = self.CSRF.search(self.get(page).text)
        assert found, f"No form with a CSRF token on {page}"
        response = self.session.post(
            self.base + (action or page),
            data={"csrfmiddlewaretoken": found[1], **data},
            allow_redirects=False,
            timeout=120,
        )
        self._behind_the_proxy()
        assert response.status_code == expect, (
            f"POST {action or page}: {response.status_code}\n{response.text[:3000]}"
        )
        return response

    def sign_in(self, username: str, password: str, totp_key: str | None = None) -> None:
        self.submit("/accounts/login/", {"username": username, "password": password})
        if totp_key is not None:
            # After the password, nothing but the two-factor page until the app's code is given.
            held = self.get("/", expect=302)
            assert held.headers["Location"].startswith("/accounts/two-factor/")
            code = f"{totp(bytes.fromhex(totp_key)):06d}"
            self.submit("/accounts/two-factor/", {"code": code})
        self.get("/")  # the home page, signed in


# -- the tests -----------------------------------------------------------------------------------


def stylesheet_urls(html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)


def test_production_stack_pays_a_claim_and_emails_its_remittance_advice(stack):
    stack.run("build-static")
    assert (Path(stack.env["STATIC_ROOT"]) / "staticfiles.json").exists()
    stack.run("release")
    password = secrets.token_urlsafe(18)
    seeded = json.loads(
        stack.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                "from tests.production.seed import seed; seed()",
            ],
            extra_env={"STACK_TEST_PASSWORD": password},
        )
        .stdout.strip()
        .splitlines()[-1]
    )

    port = free_port()
    web = stack.start("web", extra_env={"PORT": str(port), "WEB_CONCURRENCY": "2"})
    workers = [stack.start("worker"), stack.start("worker-pdf"), stack.start("beat")]
    everything = [web, *workers]
    base = f"http://127.0.0.1:{port}"

    def ready():
        with contextlib.suppress(requests.ConnectionError):
            return requests.get(f"{base}/readyz", timeout=10).status_code == 200
        return False

    poll(ready, timeout=STARTUP_SECONDS, what="/readyz to answer 200", processes=everything)
    assert requests.get(f"{base}/healthz", timeout=10).text == "ok\n"

    # The sign-in page and its stylesheets, by their hashed names from the manifest.
    anonymous = Browser(base)
    page = anonymous.get("/accounts/login/")
    sheets = stylesheet_urls(page.text)
    assert sheets and all(re.search(r"\.[0-9a-f]{12}\.css$", url) for url in sheets), sheets
    for url in sheets:
        sheet = anonymous.get(url)
        assert sheet.headers["Content-Type"].startswith("text/css")
        assert "immutable" in sheet.headers.get("Cache-Control", "")

    # A practice manager submits the worksheet of the quarter that has just ended.
    manager = Browser(base)
    manager.sign_in(seeded["manager"], password)
    worksheet = f"/practices/{seeded['practice']}/worksheets/{seeded['quarter']}/"
    home = seeded["care_home"]
    figures = {
        f"home-{home}-opening": "12",
        f"home-{home}-new_permanent": "2",
        f"home-{home}-temporary": "1",
        f"home-{home}-moved_out": "1",
        f"home-{home}-died": "1",
        f"home-{home}-in_other_home": "0",
    }
    manager.submit(worksheet, {**figures, "action": "check"}, expect=200)
    manager.submit(worksheet, {**figures, "action": "submit"})
    assert "worksheet has been submitted (on time)" in manager.get(worksheet).text

    # Officer A checks it, officer B approves it.
    checker, approver = Browser(base), Browser(base)
    first, second = seeded["officers"]
    checker.sign_in(first, password, seeded["totp_keys"][first])
    approver.sign_in(second, password, seeded["totp_keys"][second])
    claim = re.search(r'href="/claims/(\d+)/"', checker.get("/claims/").text)
    assert claim, "The submitted claim is not in the review queue"
    claim_page = f"/claims/{claim[1]}/"
    checker.submit(claim_page, {}, action=f"{claim_page}check/")
    approver.submit(claim_page, {}, action=f"{claim_page}approve/")
    assert "Approved" in approver.get(claim_page).text

    # Officer A prepares a payment run, officer B authorises it (two people, ADR 0022) and A
    # closes it: it takes the claim and queues the remittance advice.
    today = datetime.datetime.now(LONDON).date().isoformat()
    created = checker.submit("/payment-runs/new/", {"run_date": today})
    run_page = created.headers["Location"]
    approver.submit(run_page, {}, action=f"{run_page}authorise/")
    checker.submit(f"{run_page}close/", {"confirmed": "yes"})

    # worker-pdf builds the PDF, worker sends the email: it arrives at the SMTP server.
    def remittance_email():
        for message in stack.mailbox.received():
            pdfs = [
                part
                for part in message.iter_attachments()
                if part.get_content_type() == "application/pdf"
            ]
            if pdfs and seeded["contact"] in message["To"]:
                return message, pdfs
        return None

    message, pdfs = poll(
        remittance_email, timeout=EMAIL_SECONDS, what="the remittance email", processes=everything
    )
    assert "emittance" in message["Subject"]
    assert pdfs[0].get_content().startswith(b"%PDF-")
    assert pdfs[0].get_filename().endswith(f"-{seeded['practice']}.pdf")

    # Every process is still up: none crashed along the way (beat included).
    for process in everything:
        assert not process.exited(), f"{process.name} exited ({process.returncode()})"

    # The logs a team can search (ADR 0019): web writes one JSON line per request, and the tasks
    # queued by closing the run log their lines with that request's id, in the PDF worker.
    def json_lines(process: Process) -> list[dict]:
        return [
            json.loads(line)
            for line in process.log.read_text().splitlines()
            if line.startswith("{")
        ]

    requests_logged = [line for line in json_lines(web) if line.get("event") == "request"]
    close = [
        line
        for line in requests_logged
        if line["path"] == f"{run_page}close/" and line["method"] == "POST"
    ]
    assert len(close) == 1 and close[0]["status"] == 302 and close[0]["user_id"], close
    tasks = [line for line in json_lines(workers[1]) if line.get("event") == "task"]
    assert any(
        line["request_id"] == close[0]["request_id"] and line["outcome"] == "success"
        for line in tasks
    ), tasks
    everything_logged = "".join(p.log.read_text() for p in everything)
    assert seeded["contact"] not in everything_logged  # no email addresses in the logs


def test_static_built_in_development_mode_breaks_production(stack):
    """The Dockerfile's old static step: collectstatic in development mode writes no manifest, and
    production gunicorn then answers the sign-in page with a 500."""
    stack.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        extra_env={"APP_ENV": "development"},
    )
    assert not (Path(stack.env["STATIC_ROOT"]) / "staticfiles.json").exists()
    port = free_port()
    web = stack.start("web", extra_env={"PORT": str(port), "WEB_CONCURRENCY": "1"})
    base = f"http://127.0.0.1:{port}"

    def sign_in_page():
        with contextlib.suppress(requests.ConnectionError):
            # In a list: a Response with an error status is falsy itself.
            return [
                requests.get(
                    f"{base}/accounts/login/", headers={"X-Forwarded-Proto": "https"}, timeout=10
                )
            ]
        return None

    [response] = poll(sign_in_page, timeout=STARTUP_SECONDS, what="gunicorn", processes=[web])
    assert response.status_code == 500
    assert "Missing staticfiles manifest entry" in web.log.read_text()
