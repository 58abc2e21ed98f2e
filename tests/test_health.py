"""/healthz and /readyz: what the platform's probes get, and what they never get (a session, a
cookie, a sign-in page, a database query from /healthz)."""

import socket

import pytest
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories as f


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_answers_ok_without_touching_the_database(client):
    # No database fixture: pytest-django refuses any query, so a query would be an error here.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain")
    assert "Set-Cookie" not in response


@pytest.mark.django_db
def test_healthz_makes_no_query(client):
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as queries:
        assert client.get("/healthz").status_code == 200
    assert len(queries) == 0


@pytest.mark.django_db
def test_readyz_ok_when_database_migrations_and_broker_are_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.content.decode() == "database: ok\nmigrations: ok\nbroker: ok\n"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_not_ready_with_an_unapplied_migration(client):
    recorder = MigrationRecorder(connections[DEFAULT_DB_ALIAS])
    latest = recorder.Migration.objects.filter(app="claims").order_by("-name").first()
    latest.delete()  # as if the release had not run yet (rolled back with the test)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "migrations: not ready" in response.content.decode()
    assert "database: ok" in response.content.decode()


@pytest.mark.django_db
def test_readyz_not_ready_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.content.decode() == "database: ok\nmigrations: ok\nbroker: not ready\n"


@pytest.mark.django_db
def test_readyz_leaves_the_broker_out_when_tasks_run_in_process(client, settings):
    settings.CELERY_BROKER_URL = "memory://localhost/"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.content.decode() == "database: ok\nmigrations: ok\n"


def test_readyz_not_ready_when_the_database_is_unreachable(client, django_db_blocker):
    """The real check against a real connection, pointed at a port where nothing listens."""
    connection = connections[DEFAULT_DB_ALIAS]
    saved = dict(connection.settings_dict)
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
        try:
            response = client.get("/readyz")
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)
    assert response.status_code == 503
    body = response.content.decode()
    assert "database: not ready\nmigrations: not ready\n" in body
    assert "127.0.0.1" not in body and "Error" not in body  # nothing about why, to the caller


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probe_of_a_signed_in_browser_saves_no_session_and_sets_no_cookie(path):
    """SESSION_SAVE_EVERY_REQUEST renews a session on every request; never on a probe."""
    client = Client()
    client.force_login(f.officer())
    session = Session.objects.get()
    response = client.get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response
    assert not response.cookies
    assert Session.objects.get().expire_date == session.expire_date


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probe_needs_no_sign_in_csrf_or_allowed_host(path, settings):
    settings.SECURE_SSL_REDIRECT = True  # probes speak plain HTTP inside the network
    client = Client(enforce_csrf_checks=True)
    response = client.get(path, headers={"host": "10.0.3.7:8000"})  # the container's address
    assert response.status_code == 200
    assert client.head(path).status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_probe_answers_only_get_and_head(path, method):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
