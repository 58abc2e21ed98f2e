"""Logs a team can search (ADR 0019): one JSON line per request and per task on stdout, every line
carrying the id of the request it belongs to (across the broker, into a real worker process), and
no NHS number, email address or query string in any line, whatever the URL or the exception said."""

import datetime
import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from carehomes_les.logging import JsonFormatter, redact, request_id_var
from notices.models import Notice
from notices.services import notice_create
from tests import factories as f
from tests.celery_worker import running_workers, wait_until
from tests.logging_support import EMAIL, NHS_NUMBER

HEX_ID = re.compile(r"[0-9a-f]{32}")
PERSONAL_DATA = (NHS_NUMBER, NHS_NUMBER.replace(" ", ""), EMAIL)


@pytest.fixture
def json_logs():
    """The console handler settings.LOGGING configured (with its filters), writing JSON, as
    ``LOG_FORMAT=json`` has it, to a buffer this test reads: ``json_logs()`` returns the lines
    written so far, each parsed (a line that is not JSON fails the test)."""
    (handler,) = [h for h in logging.getLogger().handlers if h.name == "console"]
    buffer = io.StringIO()
    formatter = handler.formatter
    stream = handler.setStream(buffer)
    handler.setFormatter(JsonFormatter())

    def read():
        return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]

    yield read
    handler.setStream(stream)
    handler.setFormatter(formatter)


def _events(lines, event):
    return [line for line in lines if line.get("event") == event]


def _assert_no_personal_data(text, *, query=True):
    for item in PERSONAL_DATA:
        assert item not in text
    if query:
        assert "?" not in text.replace("?[query]", "")  # no query string survives


# -- the redaction ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "NHS number 9434765919 on file",
        "NHS number 943 476 5919 on file",
        "NHS number 943-476-5919 on file",
        "(9434765919)",
        "nhs=943 476 5919&x=1",
    ],
)
def test_redact_nhs_number_in_any_usual_spelling_removed(text):
    cleaned = redact(text)
    assert "[nhs-number]" in cleaned
    assert not re.search(r"\d{3}[ -]?\d{3}[ -]?\d{4}", cleaned)


@pytest.mark.parametrize(
    "text",
    ["sent to ada.example@nhs.net", "To: <pm+les@practice.nhs.uk>", "a.b-c@x.co.uk, fine"],
)
def test_redact_email_address_removed(text):
    cleaned = redact(text)
    assert "[email]" in cleaned and "@" not in cleaned


def test_redact_query_string_removed_path_kept():
    assert redact('"GET /register/?q=Smith&nhs=1 HTTP/1.1" 200') == (
        '"GET /register/?[query] HTTP/1.1" 200'
    )


@pytest.mark.parametrize(
    "text",
    [
        "request 3f2a9c1b0d4e4f5a8b6c7d8e9f0a1b2c took 12.5ms",
        "task 1f0e3d2c-1234-4567-8901-123456789012 done",
        "call 01142 345678 or 01234567890",  # phone numbers: eleven digits
        "due 2024-01-15 12:00, £1234567.89",
        "practice C81001, claim 123456789",
    ],
)
def test_redact_ids_phone_numbers_dates_and_money_left_alone(text):
    assert redact(text) == text


# -- one line per request --------------------------------------------------------------------------


@pytest.mark.django_db
def test_request_logs_exactly_one_json_line_with_its_fields(client, json_logs):
    officer = f.officer()
    client.force_login(officer)
    signed_in = len(json_logs())  # the sign-in's own lines

    response = client.get(reverse("notices:list"), {"q": f"{NHS_NUMBER} {EMAIL}"})

    assert response.status_code == 200
    lines = json_logs()[signed_in:]
    (line,) = _events(lines, "request")
    assert HEX_ID.fullmatch(response["X-Request-ID"])
    assert line == {
        "time": line["time"],
        "level": "INFO",
        "logger": "carehomes_les.requests",
        "message": line["message"],
        "event": "request",
        "request_id": response["X-Request-ID"],
        "user_id": officer.pk,
        "method": "GET",
        "path": reverse("notices:list"),
        "status": 200,
        "duration_ms": line["duration_ms"],
    }
    moment = datetime.datetime.fromisoformat(line["time"])
    assert moment.utcoffset() == datetime.timedelta(0) and line["time"].endswith("Z")
    assert abs(moment - timezone.now()) < datetime.timedelta(minutes=1)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    _assert_no_personal_data(json.dumps(lines))


@pytest.mark.django_db
def test_request_anonymous_logs_null_user(client, json_logs):
    response = client.get(reverse("login"))
    (line,) = _events(json_logs(), "request")
    assert line["user_id"] is None and line["status"] == response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", ["lb-7f3a.42_x", "a" * 64, "0123456789abcdef"])
def test_request_sane_incoming_id_reused(client, json_logs, incoming):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] == incoming
    (line,) = _events(json_logs(), "request")
    assert line["request_id"] == incoming


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming",
    ["a" * 65, "two words", 'x"}, {"injected": 1', "id\tx", f"{NHS_NUMBER}", "", "ünïcode"],
)
def test_request_insane_incoming_id_replaced(client, json_logs, incoming):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID=incoming)
    assert HEX_ID.fullmatch(response["X-Request-ID"])
    (line,) = _events(json_logs(), "request")
    assert line["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_request_ids_differ_between_requests(client, json_logs):
    first = client.get(reverse("login"))["X-Request-ID"]
    second = client.get(reverse("login"))["X-Request-ID"]
    assert first != second
    assert request_id_var.get() is None  # nothing leaks past the request


@pytest.mark.django_db
@pytest.mark.urls("tests.logging_support")
def test_request_failing_logs_error_with_traceback_and_its_id_redacted(client, json_logs):
    client.raise_request_exception = False
    response = client.get("/fails/", {"nhs": NHS_NUMBER})

    assert response.status_code == 500
    lines = json_logs()
    (error,) = [line for line in lines if line["logger"] == "django.request"]
    assert error["level"] == "ERROR"
    assert error["message"] == "Internal Server Error: /fails/"
    assert error["request_id"] == response["X-Request-ID"]
    assert (
        "ValueError: Could not process the resident with NHS number [nhs-number]"
        in (error["exception"])
    )
    assert "[email]" in error["exception"]
    (line,) = _events(lines, "request")
    assert (line["status"], line["level"]) == (500, "ERROR")
    _assert_no_personal_data(json.dumps(lines))


@pytest.mark.django_db
def test_request_not_found_logged_by_django_without_query(client, json_logs):
    response = client.get("/no-such-page/", {"email": EMAIL})
    assert response.status_code == 404
    lines = json_logs()
    (warning,) = [line for line in lines if line["logger"] == "django.request"]
    assert (warning["level"], warning["message"]) == ("WARNING", "Not Found: /no-such-page/")
    _assert_no_personal_data(json.dumps(lines))


@pytest.mark.django_db
def test_request_bad_host_logged_by_django_security_as_json(client, json_logs):
    response = client.get(reverse("login"), HTTP_HOST="evil.example")
    assert response.status_code == 400
    lines = json_logs()
    (error,) = [line for line in lines if line["logger"] == "django.security.DisallowedHost"]
    assert error["level"] == "ERROR" and "evil.example" in error["message"]
    assert error["request_id"] == response["X-Request-ID"]


def test_log_message_with_personal_data_redacted(json_logs):
    logging.getLogger("claims").warning(
        "Import row 4: %s already registered to %s", NHS_NUMBER, EMAIL
    )
    (line,) = json_logs()
    assert line["message"] == "Import row 4: [nhs-number] already registered to [email]"
    assert line["request_id"] is None


# -- one line per task, with the request's id ------------------------------------------------------


def _failed_notice_with_contact_now():
    commissioner = f.CommissionerFactory()
    practice = f.PracticeFactory(pcn__commissioner=commissioner)
    notice, _ = notice_create(
        key="claim:logging",
        kind=Notice.Kind.CLAIM,
        practice_id=practice.pk,
        subject="Your claim was queried",
        body="Please check the figures.",
    )
    assert notice.status == Notice.Status.FAILED  # no contact email yet
    f.PracticeContactFactory(practice=practice, email="pm@practice.nhs.uk")
    return commissioner, notice


@pytest.mark.django_db(transaction=True)
def test_task_run_in_process_logs_its_line_with_the_requests_id(client, json_logs):
    commissioner, notice = _failed_notice_with_contact_now()
    client.force_login(f.officer(commissioner))
    signed_in = len(json_logs())

    response = client.post(reverse("notices:retry", args=[notice.pk]))

    assert response.status_code == 302
    lines = json_logs()[signed_in:]
    (request,) = _events(lines, "request")
    (task,) = _events(lines, "task")
    assert task["request_id"] == request["request_id"] == response["X-Request-ID"]
    assert (task["task"], task["outcome"], task["level"]) == ("notices.send", "success", "INFO")
    assert task["task_id"] and task["duration_ms"] >= 0


@pytest.fixture
def json_worker(transactional_db, tmp_path):
    """A real worker process on Redis, logging as production does (``LOG_FORMAT=json``), with this
    module's failing task imported."""
    with running_workers(tmp_path) as workers:
        yield workers.start(env={"LOG_FORMAT": "json"}, include=("tests.logging_support",))


def _worker_lines(worker, *, where, what):
    """The worker's JSON lines, once one of them satisfies ``where`` (polled with a deadline)."""
    found = []

    def ready():
        found[:] = [
            json.loads(line) for line in worker.log_text().splitlines() if line.startswith("{")
        ]
        return any(where(line) for line in found)

    wait_until(ready, what=what)
    return found


def test_task_in_real_worker_logs_its_line_with_the_id_of_the_request_that_queued_it(
    json_worker, client
):
    worker = json_worker
    commissioner, notice = _failed_notice_with_contact_now()
    client.force_login(f.officer(commissioner))

    response = client.post(
        reverse("notices:retry", args=[notice.pk]), HTTP_X_REQUEST_ID="proxy-1f2e.7"
    )

    assert response["X-Request-ID"] == "proxy-1f2e.7"
    lines = _worker_lines(
        worker, where=lambda line: line.get("event") == "task", what="the task's log line"
    )
    (task,) = _events(lines, "task")
    assert task == {
        "time": task["time"],
        "level": "INFO",
        "logger": "carehomes_les.tasks",
        "message": task["message"],
        "event": "task",
        "request_id": "proxy-1f2e.7",
        "task": "notices.send",
        "task_id": task["task_id"],
        "outcome": "success",
        "duration_ms": task["duration_ms"],
    }
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT


@pytest.mark.urls("tests.logging_support")
def test_task_failing_in_real_worker_logs_failure_and_traceback_with_the_request_id_redacted(
    json_worker, client
):
    worker = json_worker

    response = client.get("/queues-failing-task/", {"nhs": NHS_NUMBER})

    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    lines = _worker_lines(
        worker, where=lambda line: line.get("event") == "task", what="the task's log line"
    )
    (task,) = _events(lines, "task")
    assert (task["task"], task["outcome"], task["level"]) == (
        "tests.logging.fail",
        "failure",
        "ERROR",
    )
    assert task["request_id"] == request_id
    # Celery's own report of the failure, traceback and all, is a JSON line with the same id.
    (error,) = [line for line in lines if "exception" in line]
    assert error["request_id"] == request_id and error["level"] == "ERROR"
    assert (
        "ValueError: Could not process the resident with NHS number [nhs-number]"
        in (error["exception"])
    )
    _assert_no_personal_data(worker.log_text(), query=False)


# -- configuration ---------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "k" * 64,
    "TOTP_ENCRYPTION_KEY": "dGVzdHMtb25seS10b3RwLWtleS1ub3QtZm9yLXVzZSE=",
    "ALLOWED_HOSTS": "les.example.nhs.uk",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/2",
    "DATABASE_URL": "postgres://u@127.0.0.1:5432/db",
    "EMAIL_HOST": "smtp.example",
}
LOG_A_LINE = (
    "import django, logging; django.setup(); "
    "logging.getLogger('claims').error('Could not pay %s', 'pm@practice.nhs.uk')"
)


def _python(code, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"LOG_FORMAT", "LOG_LEVEL", "APP_ENV", "DEBUG", "SENTRY_DSN", *PRODUCTION}
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="carehomes_les.settings")
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_production_logs_json_lines_on_stdout():
    result = _python(LOG_A_LINE, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    (line,) = [json.loads(text) for text in result.stdout.splitlines()]
    assert (line["level"], line["logger"], line["message"]) == (
        "ERROR",
        "claims",
        "Could not pay [email]",
    )
    assert result.stderr == ""


def test_settings_embedded_default_logs_readable_text():
    result = _python(LOG_A_LINE)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ERROR claims Could not pay \[email\]\n",
        result.stdout,
    )


def test_settings_log_format_json_chosen_on_the_embedded_default():
    result = _python(LOG_A_LINE, LOG_FORMAT="json")
    assert json.loads(result.stdout)["message"] == "Could not pay [email]"


@pytest.mark.parametrize(("name", "value"), [("LOG_FORMAT", "xml"), ("LOG_LEVEL", "LOUD")])
def test_settings_unknown_log_format_or_level_refused_with_the_fix(name, value):
    result = _python("import django; django.setup()", **{name: value})
    assert result.returncode != 0
    assert f"{name} must be" in result.stderr
