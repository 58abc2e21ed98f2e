"""The optional error reporter (ADR 0019): off unless ``SENTRY_DSN`` is set; when set, an error
reaches the reporter (here a small HTTP server on 127.0.0.1 standing in for Sentry, through the
real sentry-sdk transport) without the NHS number, email address or query string it carried."""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest

from tests.celery_worker import wait_until
from tests.test_logging import _python

# Through the WSGI application, as gunicorn calls it (the Django integration hooks in there).
REPORT_AN_ERROR = """
import django, sentry_sdk
django.setup()
from wsgiref.util import setup_testing_defaults
from django.conf import settings
from django.core.wsgi import get_wsgi_application
settings.ROOT_URLCONF = "tests.logging_support"
environ = {"PATH_INFO": "/fails/", "QUERY_STRING": "nhs=943+476+5919", "HTTP_HOST": "127.0.0.1"}
setup_testing_defaults(environ)
get_wsgi_application()(environ, lambda status, headers: print(status))
sentry_sdk.flush(timeout=10)
"""


@pytest.fixture
def sentry_server():
    """An HTTP server that takes Sentry envelopes and keeps the items, decoded."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "br":
                body = brotli.decompress(body)
            received.append((self.path, body.decode()))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.received = received
    yield server
    server.shutdown()
    server.server_close()


def test_error_reporting_off_without_sentry_dsn():
    result = _python(
        "import django, sys; django.setup(); import sentry_sdk; "
        "print(sentry_sdk.get_client().is_active())"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_error_reporting_on_with_sentry_dsn_and_sends_no_personal_data():
    result = _python(
        "import django; django.setup(); import sentry_sdk; client = sentry_sdk.get_client(); "
        "print(client.is_active(), client.options['environment'], "
        "client.options['send_default_pii'], client.options['traces_sample_rate'], "
        "sorted(i for i in client.integrations if i in {'django', 'celery'}))",
        SENTRY_DSN="http://public@127.0.0.1:9/1",
        SENTRY_ENVIRONMENT="staging",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 4) == [
        "True",
        "staging",
        "False",
        "0.0",
        "['celery', 'django']\n",
    ]


def test_error_reporting_bad_sample_rate_refused():
    result = _python(
        "import django; django.setup()",
        SENTRY_DSN="http://public@127.0.0.1:9/1",
        SENTRY_TRACES_SAMPLE_RATE="lots",
    )
    assert result.returncode != 0
    assert "SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1" in result.stderr


def test_error_reporting_sends_a_failing_request_redacted(sentry_server):
    port = sentry_server.server_address[1]
    result = _python(
        REPORT_AN_ERROR,
        SENTRY_DSN=f"http://public@127.0.0.1:{port}/1",
    )
    assert result.returncode == 0, result.stderr
    assert "500 Internal Server Error" in result.stdout.splitlines()
    wait_until(lambda: sentry_server.received, timeout=30, what="the error report")

    events = []
    for path, body in sentry_server.received:
        assert path == "/api/1/envelope/"
        for line in body.splitlines():
            item = json.loads(line) if line.startswith("{") else {}
            if "exception" in item:
                events.append(item)
    (event,) = events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert exception["value"] == (
        "Could not process the resident with NHS number [nhs-number] ([email])"
    )
    assert event["request"]["url"] == "http://127.0.0.1/fails/"
    assert event["request"]["method"] == "GET"
    text = json.dumps(sentry_server.received)
    for personal in ("943 476 5919", "9434765919", "ada.example@nhs.net", "nhs="):
        assert personal not in text
