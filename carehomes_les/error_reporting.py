"""The optional error reporter: Sentry (or a Sentry-compatible service such as GlitchTip), on only
when ``SENTRY_DSN`` is set. Nothing personal is sent: no user details, cookies, request bodies,
query strings or local variables, and every message and exception text is redacted as the logs
are (``carehomes_les.logging.redact``). See ADR 0019."""

from __future__ import annotations

from carehomes_les.logging import redact


def _scrub(event: dict, hint: dict | None = None) -> dict:
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("query_string", "data", "cookies", "env"):
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            request["url"] = redact(request["url"])
    for value in (event.get("exception") or {}).get("values") or []:
        if isinstance(value.get("value"), str):
            value["value"] = redact(value["value"])
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        for key in ("message", "formatted"):
            if isinstance(logentry.get(key), str):
                logentry[key] = redact(logentry[key])
        logentry.pop("params", None)
    if isinstance(event.get("message"), str):
        event["message"] = redact(event["message"])
    extra = event.get("extra")
    if isinstance(extra, dict):  # a log record's attributes, e.g. Django's request (with query)
        event["extra"] = {key: redact(str(value)) for key, value in extra.items()}
    for crumb in (event.get("breadcrumbs") or {}).get("values") or []:
        if isinstance(crumb.get("message"), str):
            crumb["message"] = redact(crumb["message"])
        crumb.pop("data", None)
    return event


def init_error_reporting(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,  # a frame's locals may hold a resident's details
        max_request_body_size="never",
        before_send=_scrub,
        before_send_transaction=_scrub,
    )
