"""The load benchmark's users (issue 8; not a test). run.sh runs one class at a time, headless:

    locust -f benchmarks/load/locustfile.py --host http://127.0.0.1:8765 --headless \
        -u 10 -r 10 --run-time 60s --csv var/load/officer-10 OfficerUser

Each user is signed in through a session made by ``data.py sessions`` (the JSON file named by
``LOAD_SESSIONS``, default var/load/sessions.json): no sign-in form, so two-factor sign-in and
lockout are not in the way. Every user goes round its pages in a fixed order with no pause between
requests (a closed loop: each simulated user stands for many people who pause between clicks), so
the throughput is what the server manages and the latency includes waiting for a free worker. A
request counts as failed unless the page answers 200 itself: a redirect (to sign-in, to two-factor
sign-in) is a failure, and so is a page that does not carry its expected text.

Requests say they came over HTTPS (``X-Forwarded-Proto``), as production's proxy does, so the
server runs with production's settings unchanged.
"""

from __future__ import annotations

import json
import os
import random
import sys
from http.cookiejar import Cookie, DefaultCookiePolicy
from pathlib import Path

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pages as page_lists  # noqa: E402  (beside this file; shared with queries.py)

SESSIONS = Path(
    os.environ.get("LOAD_SESSIONS", Path(__file__).resolve().parents[2] / "var/load/sessions.json")
)
DATA = json.loads(SESSIONS.read_text()) if SESSIONS.exists() else {}
HEADERS = {"X-Forwarded-Proto": "https"}


def session_cookie(name: str, value: str, host: str) -> Cookie:
    return Cookie(
        version=0,
        name=name,
        value=value,
        port=None,
        port_specified=False,
        domain=host,
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=False,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={},
    )


class BehindTLS(DefaultCookiePolicy):
    """Production's cookies are ``Secure``; here TLS is the proxy's job, as ``X-Forwarded-Proto``
    says, so the browser's side of it is played by sending them over plain HTTP on the loopback."""

    def return_ok_secure(self, cookie, request):
        return True


def sign_in(user: FastHttpUser, session: str) -> None:
    """Give the user's client the session cookie of ``session`` (a key of the sessions file)."""
    if not DATA:
        raise RuntimeError(f"No sessions in {SESSIONS}: run benchmarks/load/run.sh")
    host = user.host.split("://", 1)[1].split(":", 1)[0].split("/", 1)[0]
    user.client.cookiejar.set_policy(BehindTLS())
    user.client.cookiejar.set_cookie(session_cookie(DATA["cookie_name"], DATA[session], host))


class PageUser(FastHttpUser):
    """A signed-in person going round their pages in order."""

    abstract = True
    wait_time = constant(0)
    session = ""  # the key in DATA of this user's session
    pages: list[tuple[str, str, str]] = []  # (name, path template, text the page must carry)

    def on_start(self):
        sign_in(self, self.session)

    def values(self) -> dict:
        return {
            "claim": random.choice(DATA["claims"]),
            "practice": random.choice(DATA["practices"]),
            "own_practice": DATA["manager_practice"],
            "latest_quarter": DATA["latest_quarter"],
            "open_quarter": DATA["open_quarter"],
        }

    def page(self, name: str, template: str, expected: str):
        path = template.format(**self.values())
        with self.client.get(
            path, name=name, headers=HEADERS, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                where = (response.headers.get("Location") or "").split("?")[0]
                response.failure(f"{response.status_code} {where}".strip())
            elif expected and expected not in (response.text or ""):
                response.failure(f"no {expected!r} on the page")

    @task
    def round_of_pages(self):
        for name, template, expected in self.pages:
            self.page(name, template, expected)


class OfficerUser(PageUser):
    """A contracting officer of the 150-practice commissioner."""

    session = "officer"
    pages = page_lists.OFFICER


class ManagerUser(PageUser):
    """A practice manager of one practice (the commissioner's with most homes)."""

    session = "manager"
    pages = page_lists.MANAGER


class AuditorUser(PageUser):
    """An auditor of the same commissioner (not in run.sh's default scenarios)."""

    session = "auditor"
    pages = page_lists.AUDITOR


class FloorUser(FastHttpUser):
    """The floor: the bare view (benchmarks/load/urls.py), through the same server and middleware,
    with no session, no query and no template."""

    wait_time = constant(0)
    name = "floor: bare view"

    @task
    def bare(self):
        with self.client.get(
            "/bench/bare/",
            name=self.name,
            headers=HEADERS,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200 or response.text != "ok":
                response.failure(str(response.status_code))


class SignedInFloorUser(FloorUser):
    """The same bare view with the officer's session: what signing in costs every page before its
    own work (the session read and, as it is saved on every request, written; the user; the
    two-factor device), and no more."""

    name = "floor: bare view, signed in"

    def on_start(self):
        sign_in(self, "officer")
