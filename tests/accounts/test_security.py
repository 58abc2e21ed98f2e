"""Sign-in and request security (carehomes_les/security.py, settings; docs/security.md): the CSP,
lockout after failed sign-ins, two-factor sign-in for staff, session timeouts, and production
settings passing ``check --deploy``."""

import datetime
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accounts.enrolment import enrolment_code_issue
from accounts.models import Authenticator
from carehomes_les.security import CONTENT_SECURITY_POLICY, SIGNED_IN_AT
from history.models import AuditEvent
from tests import factories as f
from tests.two_factor import current_code, password_only_login

ROOT = Path(__file__).resolve().parents[2]


def _sign_in(client, user, password=f.TEST_PASSWORD, follow=False):
    return client.post(
        reverse("login"), {"username": user.username, "password": password}, follow=follow
    )


# -- Content-Security-Policy --------------------------------------------------------------------


def test_every_response_carries_a_csp_without_unsafe_inline(client, db):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_signed_in_pages_are_not_stored_by_browsers(client, db):
    client.force_login(f.officer())
    assert client.get(reverse("home"))["Cache-Control"] == "no-store"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


TEMPLATE_COMMENT = re.compile(r"{% comment %}.*?{% endcomment %}|{#.*?#}", re.DOTALL)


@pytest.mark.parametrize(
    "template", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*.html"))
)
def test_template_has_no_inline_script_or_style_the_csp_would_block(template):
    text = TEMPLATE_COMMENT.sub("", (ROOT / template).read_text())
    assert not INLINE_SCRIPT.search(text), f"{template} has an inline <script>"
    assert not STYLE_ATTRIBUTE.search(text), f"{template} has a style= attribute"
    assert "<style" not in text, f"{template} has a <style> element"


def test_two_factor_qr_code_is_svg_markup_the_csp_allows(client, db):
    user = f.officer()
    code, _row = enrolment_code_issue(user=user, by=f.administrator())
    password_only_login(client, user)
    client.post(reverse("two_factor_setup"), {"setup_code": code})
    html = client.get(reverse("two_factor_setup")).content.decode()
    svg = html[html.index('<div class="app-qr">') :].split("</div>", 1)[0]
    assert "<svg" in svg and "<path" in svg
    assert not STYLE_ATTRIBUTE.search(svg) and "<script" not in svg


# -- lockout ----------------------------------------------------------------------------------


def test_five_failed_sign_ins_lock_the_username_even_with_the_right_password(client, db):
    user = f.practice_manager(f.PracticeFactory())
    for _ in range(4):
        response = _sign_in(client, user, password="wrong password")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    response = _sign_in(client, user, password="wrong password")
    assert response.status_code == 429
    assert "Sign-in locked" in response.content.decode()
    response = _sign_in(client, user)  # the right password, too late
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_four_failed_sign_ins_then_the_right_password_signs_in_and_clears_the_count(client, db):
    user = f.practice_manager(f.PracticeFactory())
    for _ in range(4):
        _sign_in(client, user, password="wrong password")
    assert _sign_in(client, user).status_code == 302
    client.logout()
    for _ in range(4):  # counting starts again
        _sign_in(client, user, password="wrong password")
    assert _sign_in(client, user).status_code == 302


def test_a_locked_username_does_not_lock_a_colleague_at_the_same_address(client, db):
    practice = f.PracticeFactory()
    locked, colleague = f.practice_manager(practice), f.practice_manager(practice)
    for _ in range(5):
        _sign_in(client, locked, password="wrong password")
    assert _sign_in(client, colleague).status_code == 302


# -- two-factor sign-in -----------------------------------------------------------------------


def _wait_out_the_throttle(device):
    """After a wrong code django-otp refuses every code for a while (doubling with each failure);
    the person would wait. Tests forget the failure instead."""
    Authenticator.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=None, throttling_failure_count=0
    )


@pytest.mark.parametrize("make_user", [f.officer, f.auditor, f.administrator])
def test_staff_after_their_password_reach_only_the_two_factor_set_up(client, db, make_user):
    user = make_user()
    response = _sign_in(client, user, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_setup"))
    for name in ("home", "review:queue", "payment_runs:list"):
        if name == "review:queue" and user.role == "administrator":
            continue
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("two_factor_setup"))
    assert client.get("/admin/").status_code == 302


def test_practice_managers_sign_in_with_their_password_alone(client, db):
    user = f.practice_manager(f.PracticeFactory())
    response = _sign_in(client, user, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.status_code == 200


def test_two_factor_set_up_refuses_a_wrong_code_and_accepts_the_apps_code(client, db):
    user = f.officer()
    code, _row = enrolment_code_issue(user=user, by=f.administrator())
    _sign_in(client, user)
    client.post(reverse("two_factor_setup"), {"setup_code": code})
    device = Authenticator.objects.get(user=user, confirmed=False)
    response = client.post(
        reverse("two_factor_setup"),
        {"code": "000000" if current_code(device) != "000000" else "111111"},
    )
    assert "That code is not right" in response.content.decode()
    assert not Authenticator.objects.filter(user=user, confirmed=True).exists()
    _wait_out_the_throttle(device)
    response = client.post(
        reverse("two_factor_setup"), {"code": current_code(device), "next": "/claims/"}
    )
    assert response.status_code == 302 and response["Location"] == "/claims/"
    assert Authenticator.objects.filter(user=user, confirmed=True).count() == 1
    assert AuditEvent.objects.filter(action="two_factor_setup", object_id=str(user.pk)).exists()
    assert client.get(reverse("review:queue")).status_code == 200


def test_later_sign_ins_ask_for_a_code_and_refuse_a_wrong_one(client, db):
    user = f.auditor()
    device = Authenticator.objects.create(user=user, name="Phone", confirmed=True)
    response = _sign_in(client, user, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor_verify"))
    wrong = "123456" if current_code(device) != "123456" else "654321"
    response = client.post(reverse("two_factor_verify"), {"code": wrong})
    assert "That code is not right" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
    _wait_out_the_throttle(device)
    response = client.post(reverse("two_factor_verify"), {"code": current_code(device)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_two_factor_refuses_letters_with_a_message(client, db):
    password_only_login(client, f.officer())
    response = client.post(reverse("two_factor_verify"), {"code": "12ab56"})
    assert "Enter the 6 digits your authenticator app shows" in response.content.decode()


def test_two_factor_next_never_leaves_the_service(client, db):
    user = f.officer()
    device = Authenticator.objects.create(user=user, name="Phone", confirmed=True)
    password_only_login(client, user)
    response = client.post(
        reverse("two_factor_verify"),
        {"code": current_code(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_set_up_is_not_offered_again_once_an_app_is_confirmed(client, db):
    user = f.officer()
    Authenticator.objects.create(user=user, name="Phone", confirmed=True)
    password_only_login(client, user)
    response = client.get(reverse("two_factor_setup"))
    assert response["Location"] == reverse("two_factor_verify")


# -- session timeouts -------------------------------------------------------------------------


def test_a_session_ends_after_thirty_minutes_without_a_request(client, db, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    client.force_login(f.practice_manager(f.PracticeFactory()))
    assert client.get(reverse("home")).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date <= timezone.now() + datetime.timedelta(minutes=30, seconds=5)
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_session_ends_eight_hours_after_sign_in_however_active(client, db, settings):
    assert settings.SESSION_ABSOLUTE_SECONDS == 8 * 60 * 60
    client.force_login(f.practice_manager(f.PracticeFactory()))
    client.get(reverse("home"))
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - 8 * 60 * 60 + 60  # a minute to go
    session.save()
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - 8 * 60 * 60 - 1
    session.save()
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "a session lasts at most 8 hours" in response.content.decode()
    assert "_auth_user_id" not in client.session


# -- production settings ----------------------------------------------------------------------

PRODUCTION_ENV = {
    "APP_ENV": "production",
    "SECRET_KEY": "x" * 30 + "-production-like-secret-for-the-deploy-check-only",
    "TOTP_ENCRYPTION_KEY": "dGVzdHMtb25seS10b3RwLWtleS1ub3QtZm9yLXVzZSE=",
    "DATABASE_URL": "postgres://les@db.internal:5432/carehomes_les",
    "ALLOWED_HOSTS": "care-home-les.example.nhs.uk",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "EMAIL_HOST": "smtp.example.nhs.uk",
}


def test_production_settings_pass_check_deploy_with_no_warnings():
    # Not DEBUG, nor the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE (check --deploy warns of it, rightly).
    unset = {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unset} | PRODUCTION_ENV
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_demo_code_prints_the_code_the_officers_app_would_show(db, capsys):
    from django.core.management import call_command

    user = f.officer()
    call_command("demo_code", user.username)
    code = capsys.readouterr().out.strip()
    device = Authenticator.objects.get(user=user)
    assert re.fullmatch(r"\d{6}", code) and device.verify_token(code)


def test_demo_code_refuses_a_practice_manager(db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a demo officer"):
        call_command("demo_code", f.practice_manager(f.PracticeFactory()).username)


def test_sign_in_page_does_not_move_focus_on_its_own(client, db):
    html = client.get(reverse("login")).content.decode()
    assert 'name="username"' in html and "autofocus" not in html
