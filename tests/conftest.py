import os

import pytest


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
def _isolated_outputs(settings, tmp_path):
    """Each test writes emails and private files to its own place."""
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
