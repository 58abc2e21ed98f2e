"""Health endpoints for the container platform and load balancer.

- ``/healthz``: the process is alive and answering. Touches nothing else (no database), so a slow
  or absent database never gets healthy web processes restarted. Always 200 ``ok``.
- ``/readyz``: this process can serve: the database answers, every migration is applied and (when
  a Redis broker is configured) the broker answers. 200 when all are ready, else 503. The body
  names each check and says only ``ok`` or ``not ready``: no versions, hosts or errors (the
  reason goes to the log).

Both are answered by :class:`HealthMiddleware`, first in ``MIDDLEWARE``, before any other
middleware runs: so no session is read, saved or sent as a cookie (``SESSION_SAVE_EVERY_REQUEST``
would otherwise write one for a caller that sends a session cookie), no sign-in, two-factor, CSRF
or HTTPS redirect applies (probes speak plain HTTP inside the network), and the ``Host`` header
is not checked against ``ALLOWED_HOSTS`` (probes address the container by its IP). GET and HEAD
only. The URL patterns in ``carehomes_les/urls.py`` name the same views, for ``reverse`` and the
authorization matrix."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, HttpResponseNotAllowed

logger = logging.getLogger(__name__)

HEALTHZ = "/healthz"
READYZ = "/readyz"
# A probe must get its answer well inside its own timeout, even when a service is black-holed.
BROKER_TIMEOUT_SECONDS = 3


def _plain(body: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def _method_allowed(request) -> bool:
    return request.method in ("GET", "HEAD")


def healthz(request) -> HttpResponse:
    if not _method_allowed(request):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _plain("ok\n")


def database_ready() -> bool:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("Readiness: the database is not reachable", exc_info=True)
        connection.close_if_unusable_or_obsolete()
        return False


def migrations_ready() -> bool:
    """No migration of the running code is unapplied (a release that has not run ``bin/release``
    yet, or a database restored from an older backup)."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        executor = MigrationExecutor(connection)
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        logger.warning("Readiness: could not read the applied migrations", exc_info=True)
        connection.close_if_unusable_or_obsolete()
        return False
    if unapplied:
        logger.warning("Readiness: %d migrations are not applied", len(unapplied))
    return not unapplied


def broker_ready() -> bool | None:
    """Whether Redis answers a PING; ``None`` when there is no Redis broker (tasks in-process)."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
    )
    try:
        return bool(client.ping())
    except redis.RedisError:
        logger.warning("Readiness: the broker is not reachable", exc_info=True)
        return False
    finally:
        client.close()


def readyz(request) -> HttpResponse:
    if not _method_allowed(request):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    database = database_ready()
    checks = {
        "database": database,
        # Without a database the migrations cannot be read: not ready either.
        "migrations": database and migrations_ready(),
        "broker": broker_ready(),
    }
    ran = {name: ok for name, ok in checks.items() if ok is not None}
    body = "".join(f"{name}: {'ok' if ok else 'not ready'}\n" for name, ok in ran.items())
    return _plain(body, status=200 if all(ran.values()) else 503)


class HealthMiddleware:
    """Answers ``/healthz`` and ``/readyz`` before any other middleware (see the module's doc)."""

    VIEWS = {HEALTHZ: healthz, READYZ: readyz}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = self.VIEWS.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)
