"""Adding a second factor out of band (ADR 0041; ASVS 2.2.3, 6.4): only with a one-time set-up code
an administrator issues; the person emailed when an app is added or removed; administrators reset an
app with a reason in the history; secrets encrypted at rest."""

import base64
import datetime
import hashlib
import importlib

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.enrolment import (
    CODE_LIFETIME,
    REFUSED,
    authenticator_reset,
    enrolment_code_issue,
    enrolment_code_redeem,
)
from accounts.models import Authenticator, EnrolmentCode
from history.models import AuditEvent
from tests import factories as f
from tests.two_factor import authenticator, current_code, password_only_login

SETUP = "two_factor_setup"


def admin_page(user):
    return reverse("admin:accounts_user_two_factor", args=[user.pk])


def issue(user, **kwargs):
    code, _row = enrolment_code_issue(user=user, by=f.administrator(), **kwargs)
    return code


def _raw_key(device) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_authenticator WHERE id = %s", [device.pk])
        return cursor.fetchone()[0]


# -- without a code, nothing ----------------------------------------------------------------------


def test_set_up_without_a_code_shows_no_key_and_says_to_ask_the_administrator(client, db):
    user = f.officer()
    password_only_login(client, user)
    html = client.get(reverse(SETUP)).content.decode()
    assert "ask your administrator for a set-up code" in html
    assert "app-qr" not in html and "totp-key" not in html
    assert not Authenticator.objects.filter(user=user).exists()


@pytest.mark.parametrize("wrong", ["", "ABCD-EFGH-JKLM-NPQR", "not a code at all"])
def test_a_wrong_set_up_code_is_refused_plainly_and_writes_nothing(client, db, wrong):
    user = f.officer()
    issue(user)
    password_only_login(client, user)
    response = client.post(reverse(SETUP), {"setup_code": wrong})
    html = response.content.decode()
    assert response.status_code == 200
    message = "Enter the set-up code your administrator gave you" if not wrong else REFUSED
    assert message in html
    assert "totp-key" not in html
    assert not Authenticator.objects.filter(user=user).exists()
    assert EnrolmentCode.objects.get(user=user).used_at is None


def test_a_code_issued_for_someone_else_is_refused(client, db):
    user, colleague = f.officer(), f.officer()
    code = issue(colleague)
    password_only_login(client, user)
    response = client.post(reverse(SETUP), {"setup_code": code})
    assert REFUSED in response.content.decode()
    assert not Authenticator.objects.exists()


def test_staff_sign_in_with_a_password_alone_never_reaches_a_key(client, db):
    """The attack the review found: whoever has the password enrolled. Now every page but the
    set-up (which asks for the administrator's code) and sign-out is closed to them."""
    user = f.administrator()
    response = client.post(
        reverse("login"), {"username": user.username, "password": f.TEST_PASSWORD}, follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(reverse(SETUP))
    assert "totp-key" not in html and "set-up code" in html
    assert client.get("/admin/").status_code == 302


# -- the code: once, in time, hashed ---------------------------------------------------------------


def test_the_set_up_code_adds_an_app_once_and_the_person_is_emailed(
    client, db, django_capture_on_commit_callbacks
):
    user = f.officer()
    code = issue(user)
    password_only_login(client, user)
    response = client.post(reverse(SETUP), {"setup_code": code.lower(), "next": "/claims/"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "totp-key" in page and "app-qr" in page
    device = Authenticator.objects.get(user=user, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(SETUP), {"code": current_code(device), "next": "/claims/"})
    assert response["Location"] == "/claims/"
    assert Authenticator.objects.get(user=user).confirmed
    assert client.get(reverse("review:queue")).status_code == 200
    [email] = mail.outbox
    assert email.to == [user.email]
    assert "authenticator app was added" in email.subject
    assert user.username in email.body and "tell your administrator" in email.body
    actions = list(
        AuditEvent.objects.filter(object_id=str(user.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["two_factor_code_issued", "two_factor_code_used", "two_factor_setup"]

    # The code is spent: signed in afresh elsewhere (after a reset), it adds nothing.
    authenticator_reset(user=user, by=f.administrator(), reason="Lost phone")
    other = client_class_login(user)
    response = other.post(reverse(SETUP), {"setup_code": code})
    assert REFUSED in response.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()


def client_class_login(user):
    from django.test import Client

    other = Client()
    password_only_login(other, user)
    return other


def test_a_code_is_used_only_once_even_before_the_app_is_confirmed(db):
    user = f.officer()
    code = issue(user)
    enrolment_code_redeem(user=user, code=code)
    with pytest.raises(ValidationError, match="has been used or has expired"):
        enrolment_code_redeem(user=user, code=code)
    assert Authenticator.objects.filter(user=user).count() == 1


def test_a_code_expires_after_72_hours(db):
    now = timezone.now()
    user = f.officer()
    assert CODE_LIFETIME == datetime.timedelta(hours=72)
    code = issue(user, now=now - CODE_LIFETIME)  # issued 72 hours ago: void now
    with pytest.raises(ValidationError, match="has expired"):
        enrolment_code_redeem(user=user, code=code, now=now)
    assert EnrolmentCode.objects.get(user=user).used_at is None
    fresh = issue(user, now=now - CODE_LIFETIME + datetime.timedelta(minutes=1))
    device = enrolment_code_redeem(user=user, code=fresh, now=now)
    assert device.user == user and not device.confirmed


def test_a_new_code_withdraws_the_earlier_unused_one(db):
    user = f.officer()
    first = issue(user)
    second = issue(user)
    with pytest.raises(ValidationError):
        enrolment_code_redeem(user=user, code=first)
    assert enrolment_code_redeem(user=user, code=second)


def test_the_code_is_stored_only_as_its_digest(db):
    user = f.officer()
    code = issue(user)
    row = EnrolmentCode.objects.get(user=user)
    plain = code.replace("-", "")
    assert row.digest == hashlib.sha256(plain.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_enrolmentcode")
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert plain not in stored and code not in stored
    issued = AuditEvent.objects.get(action="two_factor_code_issued")
    assert plain not in f"{issued.summary} {issued.after}"


def test_no_code_for_someone_who_has_an_app_or_needs_none(db):
    with pytest.raises(ValidationError, match="already has an authenticator app"):
        issue(authenticator(f.officer()).user)
    with pytest.raises(ValidationError, match="signs in with a password alone"):
        issue(f.practice_manager(f.PracticeFactory()))
    assert not EnrolmentCode.objects.exists()


# -- administrators -------------------------------------------------------------------------------


def test_an_administrator_issues_a_code_shown_once_that_then_works(client, db):
    admin, user = f.administrator(), f.auditor()
    client.force_login(admin)
    response = client.post(admin_page(user), {"action": "issue"})
    html = response.content.decode()
    assert response.status_code == 200
    code = html.split('<strong id="setup-code">', 1)[1].split("</strong>", 1)[0]
    assert len(code.replace("-", "")) == 16
    assert code not in client.get(admin_page(user)).content.decode()  # shown once
    assert "not used yet" in client.get(admin_page(user)).content.decode()
    assert enrolment_code_redeem(user=user, code=code).user == user


def test_only_administrators_reach_the_two_factor_admin_page(client, db):
    user = f.officer()
    officer = f.officer(user.commissioner)
    client.force_login(officer)
    assert client.post(admin_page(user), {"action": "issue"}).status_code == 302  # admin sign-in
    assert not EnrolmentCode.objects.exists()


def test_an_administrator_resets_an_app_with_the_reason_in_the_history(
    client, db, django_capture_on_commit_callbacks
):
    admin, user = f.administrator(), f.officer()
    device = authenticator(user)
    person = client_class_login_verified(user)
    assert person.get(reverse("home")).status_code == 200
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            admin_page(user), {"action": "reset", "reason": "Lost phone, rang the desk"}
        )
    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=device.pk).exists()
    event = AuditEvent.objects.get(action="two_factor_reset")
    assert event.reason == "Lost phone, rang the desk"
    assert event.object_id == str(user.pk) and event.actor == admin
    [email] = mail.outbox
    assert email.to == [user.email] and "was removed" in email.subject
    # Their session has lost its second factor: back to the set-up, which wants a new code.
    response = person.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse(SETUP))


def client_class_login_verified(user):
    from django.test import Client

    other = Client()
    other.force_login(user)
    return other


def test_a_reset_without_a_reason_is_refused_and_removes_nothing(
    client, db, django_capture_on_commit_callbacks
):
    user = f.officer()
    device = authenticator(user)
    client.force_login(f.administrator())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(admin_page(user), {"action": "reset", "reason": "   "})
    assert response.status_code == 200
    assert "Enter the reason for the reset" in response.content.decode()
    assert Authenticator.objects.filter(pk=device.pk).exists()
    assert not AuditEvent.objects.filter(action="two_factor_reset").exists()
    assert mail.outbox == []


# -- secrets at rest ------------------------------------------------------------------------------


def test_the_totp_secret_is_not_stored_in_plain_text(db, settings):
    device = authenticator(f.officer())
    raw = _raw_key(device)
    assert device.key not in raw
    assert base64.b32encode(device.bin_key).decode() not in raw
    assert (
        Fernet(settings.TOTP_ENCRYPTION_KEY.encode()).decrypt(raw.encode()).decode() == device.key
    )
    assert Authenticator.objects.get(pk=device.pk).key == device.key


def test_a_plaintext_totp_device_cannot_be_saved(db):
    with pytest.raises(ImproperlyConfigured, match="encrypted at rest"):
        TOTPDevice.objects.create(user=f.officer(), name="Phone", confirmed=True)


def test_without_the_key_the_secret_cannot_be_read(db, settings):
    device = authenticator(f.officer())
    with override_settings(TOTP_ENCRYPTION_KEY=Fernet.generate_key().decode()):
        with pytest.raises(ImproperlyConfigured, match="could not be decrypted"):
            Authenticator.objects.get(pk=device.pk)


def test_rotating_the_key_re_encrypts_every_secret(db, settings):
    old, new = settings.TOTP_ENCRYPTION_KEY, Fernet.generate_key().decode()
    device = authenticator(f.officer())
    with override_settings(TOTP_ENCRYPTION_KEY=new, TOTP_ENCRYPTION_KEY_FALLBACKS=[old]):
        call_command("rotate_totp_key", stdout=open("/dev/null", "w"))
    raw = _raw_key(device)
    assert Fernet(new.encode()).decrypt(raw.encode()).decode() == device.key
    with override_settings(TOTP_ENCRYPTION_KEY=new, TOTP_ENCRYPTION_KEY_FALLBACKS=[]):
        assert Authenticator.objects.get(pk=device.pk).key == device.key


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_plaintext_secrets_and_keeps_people_enrolled(settings):
    """accounts/migrations/0004: a TOTPDevice of before (plain hex key) becomes an Authenticator
    with the same secret, encrypted, and the plaintext row is gone."""
    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0004_encrypt_totp_secrets")
    user = f.officer()
    key = "3132333435363738393031323334353637383930"
    TOTPDevice.objects.bulk_create(  # as rows were written before (bulk_create sends no signal)
        [TOTPDevice(user=user, name="Phone", confirmed=True, key=key, drift=1, last_t=42)]
    )
    with connection.schema_editor() as editor:
        migration.encrypt_secrets(apps, editor)
    assert not TOTPDevice.objects.exists()
    device = Authenticator.objects.get(user=user)
    assert (device.key, device.name, device.confirmed, device.drift, device.last_t) == (
        key,
        "Phone",
        True,
        1,
        42,
    )
    assert key not in _raw_key(device)


def test_the_first_administrators_code_comes_from_a_command(db, capsys):
    user = f.administrator()
    call_command("two_factor_setup_code", user.username)
    code = capsys.readouterr().out.strip()
    assert enrolment_code_redeem(user=user, code=code).user == user
    assert AuditEvent.objects.get(action="two_factor_code_issued").actor is None
