"""The request id and the one log line per HTTP request.

``RequestLogMiddleware`` comes first in ``MIDDLEWARE``: it takes the ``X-Request-ID`` a proxy sent
if it is a sane token (so one id follows a request through the proxy's log and ours), or makes
one; holds it in ``carehomes_les.logging.request_id_var`` for every record logged while the
request is handled (tasks queued on commit included: commits happen inside the view); sends it
back as ``X-Request-ID``; and logs one line when the response is ready: method, path (never the
query string), status, duration and the user's pk.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from carehomes_les.logging import redact, request_id_var

logger = logging.getLogger("carehomes_les.requests")

HEADER = "X-Request-ID"
SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_from(incoming: str | None) -> str:
    """The incoming id if it is a sane token (a header is anyone's to set: nothing long, nothing
    that could break a log line or a search), else a new one."""
    if incoming and SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _user_id(request) -> int | None:
    # Read at the end, after authentication ran (a lazy object until then); the pk only.
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.pk
    return None


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(HEADER))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response[HEADER] = request_id
            logger.log(
                logging.ERROR if response.status_code >= 500 else logging.INFO,
                "%s %s %s %sms",
                request.method,
                redact(request.path),
                response.status_code,
                duration_ms,
                extra={
                    "event": "request",
                    "request_id": request_id,
                    "user_id": _user_id(request),
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
            return response
        finally:
            request_id_var.reset(token)
