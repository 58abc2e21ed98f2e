import contextlib
import importlib
import os

import pytest

from tests.celery_worker import celery_worker  # noqa: F401 - the real worker, for tests that ask


def pytest_configure(config):
    from django.test import Client

    from tests.two_factor import force_login_with_two_factor

    Client.force_login = force_login_with_two_factor
    _allow_history_truncate_in_the_flush_only()


HISTORY_TRUNCATE_GUC = "les.allow_history_truncate"


@contextlib.contextmanager
def history_truncate_allowed(aliases):
    """audit/migrations/0003 refuses TRUNCATE of history tables unless the session variable
    ``les.allow_history_truncate`` is ``on``. Django's flush after a transactional test empties every
    table with TRUNCATE, so the variable is on for that flush and reset straight after: the only
    place anything sets it (ADR 0020)."""
    from django.db import connections

    postgres = [connections[a] for a in aliases if connections[a].vendor == "postgresql"]
    for conn in postgres:
        with conn.cursor() as cursor:
            cursor.execute(f"SET {HISTORY_TRUNCATE_GUC} = 'on'")
    try:
        yield
    finally:
        for conn in postgres:
            if conn.connection is not None and conn.is_usable():
                with conn.cursor() as cursor:
                    cursor.execute(f"RESET {HISTORY_TRUNCATE_GUC}")


def _allow_history_truncate_in_the_flush_only():
    from django.test import TransactionTestCase

    flush = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        with history_truncate_allowed(self._databases_names(include_mirrors=False)):
            return flush(self)

    TransactionTestCase._fixture_teardown = _fixture_teardown


# Fixtures that reach the database, a server or a browser: a test that uses none of them (directly
# or through another fixture) and carries no django_db marker is in the fast tier (`make test-fast`).
_SLOW_FIXTURES = {"db", "transactional_db", "live_server"}
_SLOW_MARKERS = ("django_db", "browser", "production_stack")
# Database-free but slow: they start processes (settings, logging, error reporting, health against a
# dead database), fuzz, or drive SQLite from threads. They run in `make test`, not the fast tier.
_SLOW_PATHS = (
    "tests/operations/", "tests/fuzz/", "tests/faults/", "tests/production/", "tests/browser/",
    "tests/test_settings.py", "tests/test_logging.py", "tests/test_error_reporting.py",
    "tests/test_health.py", "tests/accounts/test_security.py",
)  # fmt: skip


def pytest_collection_modifyitems(config, items):
    """Mark the database-free tests (the pure rules, parsers, formatters and checks) ``fast``."""
    root = str(config.rootpath) + "/"
    for item in items:
        if str(item.path).removeprefix(root).startswith(_SLOW_PATHS):
            continue
        if any(item.get_closest_marker(name) for name in _SLOW_MARKERS):
            continue
        if _SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            continue
        item.add_marker(pytest.mark.fast)


def pytest_sessionstart(session):
    """In CI (REQUIRE_REAL_SERVICES=1) the suite runs against the real PostgreSQL and Redis or not
    at all: a missing DATABASE_URL must not quietly fall back to the embedded SQLite default."""
    if os.environ.get("REQUIRE_REAL_SERVICES") != "1":
        return
    import redis
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.exit(
            f"REQUIRE_REAL_SERVICES is set but the database engine is {engine}", returncode=3
        )
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        pytest.exit(f"REQUIRE_REAL_SERVICES is set but the broker is {broker}", returncode=3)
    try:
        redis.Redis.from_url(broker, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        pytest.exit(f"Redis at {broker} is not reachable: {error}", returncode=3)


@pytest.fixture(autouse=True)
def _nothing_kept():
    """Each test starts with no report kept from another (reports/kept.py, ADR 0048): the database
    is new, its ids are not."""
    from history import generation

    generation.retire()


@pytest.fixture(autouse=True)
def _isolated_outputs(settings, tmp_path):
    """Each test writes emails and private files to its own place."""
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
        or (marker and marker.kwargs.get("transaction"))
    )


@pytest.fixture(autouse=True)
def _migration_seeds(request):
    """A transactional test (threads, the live server) empties every table when it ends, taking the
    rows the migrations seeded (tariff, lateness bands); put them back before each such test."""
    if not _is_transactional(request):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    importlib.import_module("claims.migrations.0002_seed_tariff_and_bands").seed(apps, None)
    importlib.import_module("reports.migrations.0004_scheme_rates_and_checks").seed(apps, None)


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Tasks run in-process in tests, as on the embedded default, unless a test asks for the real
    Celery worker on Redis (``tests/celery_worker.py``)."""
    from carehomes_les.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = True
