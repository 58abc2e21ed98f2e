"""Sign in with NHSmail, against a real OpenID Connect provider (django-oauth-toolkit in its own
process, ``tests/oidc/provider``): the service discovers it, the test signs in on its pages over
HTTP, and the service exchanges the code at its token endpoint and checks the ID token against the
keys it publishes. Nothing in the service is mocked; where a test needs a bad token, the provider
itself issues one (its control file), as a forged or broken provider would."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import User
from history.models import AuditEvent
from nhsmail.models import NHSmailIdentity
from tests import factories as f
from tests.factories import TEST_PASSWORD

OLIVE = "olive.officer@nhs.net"


def _begin(client, next_url="/"):
    """Press "Sign in with NHSmail": the authorization request the service sends the browser to."""
    response = client.get(reverse("nhsmail:start"), {"next": next_url})
    assert response.status_code == 302
    return response["Location"]


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _sign_in(client, provider, username="olive", next_url="/"):
    """The whole journey: start here, sign in at the provider, come back to the callback."""
    back = provider.sign_in(_begin(client, next_url), username)
    return client.get(_path(back))


def _signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


@pytest.fixture
def olive(db):
    """An officer an administrator has added with her NHSmail address (in another case)."""
    return f.officer(username="olive", email="Olive.Officer@NHS.net")


def test_off_by_default_no_button_and_no_urls(client, db):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with NHSmail" not in page
    assert client.get(reverse("nhsmail:start")).status_code == 404
    assert client.get(reverse("nhsmail:callback"), {"code": "x", "state": "y"}).status_code == 404


def test_the_sign_in_page_offers_nhsmail_once_configured(client, provider, db):
    page = client.get(reverse("login"), {"next": "/claims/"}).content.decode()
    assert "Sign in with NHSmail" in page
    assert f"{reverse('nhsmail:start')}?next=%2Fclaims%2F" in page
    assert 'name="password"' in page  # the local password stays (demo, break-glass)


def test_code_flow_with_pkce_signs_in_the_linked_user(client, provider, olive):
    provider.person("olive", email=OLIVE, email_verified=True, amr=["pwd", "mfa"])
    authorize = _begin(client, "/claims/")
    assert authorize.startswith(provider.issuer + "/authorize/")
    asked = parse_qs(urlsplit(authorize).query)
    assert asked["response_type"] == ["code"]
    assert asked["code_challenge_method"] == ["S256"]
    assert len(asked["code_challenge"][0]) == 43  # base64url of a SHA-256
    assert asked["state"][0] and asked["nonce"][0]
    assert asked["redirect_uri"] == ["http://testserver/accounts/nhsmail/callback/"]

    response = client.get(_path(provider.sign_in(authorize, "olive")))

    assert response.status_code == 302
    assert response["Location"] == "/claims/"
    assert _signed_in_user_id(client) == str(olive.pk)
    identity = NHSmailIdentity.objects.get(user=olive)
    assert (identity.issuer, identity.email) == (provider.issuer, OLIVE)
    assert AuditEvent.objects.filter(action="nhsmail_linked", object_id=str(olive.pk)).count() == 1

    # Later sign-ins find her by the provider's subject; the link is recorded once.
    client.logout()
    assert _sign_in(client, provider).status_code == 302
    assert _signed_in_user_id(client) == str(olive.pk)
    assert NHSmailIdentity.objects.filter(user=olive).count() == 1
    assert AuditEvent.objects.filter(action="nhsmail_linked").count() == 1


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(client, provider, olive):
    provider.person("olive", email=OLIVE, email_verified=True, amr=["mfa"])
    back = provider.sign_in(_begin(client), "olive")
    state = parse_qs(urlsplit(back).query)["state"][0]
    session = client.session
    session["oidc_states"][state]["code_verifier"] = "x" * 64  # not the one the challenge hashed
    session.save()

    response = client.get(_path(back))

    assert response.status_code == 400
    assert "Sign-in with NHSmail did not finish" in response.content.decode()
    assert _signed_in_user_id(client) is None
    assert not NHSmailIdentity.objects.exists()


def test_a_state_this_browser_did_not_begin_is_refused(client, provider, olive):
    provider.person("olive", email=OLIVE, email_verified=True, amr=["mfa"])
    back = provider.sign_in(_begin(client), "olive")
    query = parse_qs(urlsplit(back).query)

    response = client.get(
        reverse("nhsmail:callback"), {"code": query["code"][0], "state": "forged-state"}
    )

    assert response.status_code == 400
    assert _signed_in_user_id(client) is None
    assert not NHSmailIdentity.objects.exists()


def test_a_callback_carried_to_another_browser_is_refused(client, provider, olive):
    from django.test import Client

    provider.person("olive", email=OLIVE, email_verified=True, amr=["mfa"])
    back = provider.sign_in(_begin(client), "olive")

    other = Client()
    other.get(reverse("login"))  # a session of its own, with no sign-in begun
    response = other.get(_path(back))

    assert response.status_code == 400
    assert other.session.get(SESSION_KEY) is None


def test_a_callback_used_twice_is_refused_the_second_time(client, provider, olive):
    provider.person("olive", email=OLIVE, email_verified=True, amr=["mfa"])
    back = provider.sign_in(_begin(client), "olive")
    assert client.get(_path(back)).status_code == 302
    client.logout()

    response = client.get(_path(back))

    assert response.status_code == 400
    assert _signed_in_user_id(client) is None


@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param("wrong_nonce", id="a token with another sign-in's nonce"),
        pytest.param("wrong_key", id="a token signed by a key the provider does not publish"),
        pytest.param("expired", id="an expired token"),
        pytest.param("wrong_audience", id="a token issued to another client"),
    ],
)
def test_an_id_token_that_fails_its_checks_is_refused(client, provider, olive, scenario):
    provider.person("olive", email=OLIVE, email_verified=True, amr=["pwd", "mfa"])
    provider.scenario(scenario)

    response = _sign_in(client, provider)

    assert response.status_code == 400
    assert "You have not been signed in" in response.content.decode()
    assert _signed_in_user_id(client) is None
    assert not NHSmailIdentity.objects.exists()


def test_the_same_flow_without_the_fault_signs_in(client, provider, olive):
    """The control for the test above: the faults, not the journey, cause the refusals."""
    provider.person("olive", email=OLIVE, email_verified=True, amr=["pwd", "mfa"])
    provider.scenario(None)
    assert _sign_in(client, provider).status_code == 302
    assert _signed_in_user_id(client) == str(olive.pk)


def test_an_unknown_address_gets_a_plain_page_and_no_account(client, provider, olive):
    provider.person("stranger", email="new.person@nhs.net", email_verified=True, amr=["mfa"])
    users = User.objects.count()

    response = _sign_in(client, provider, "stranger")

    page = response.content.decode()
    assert response.status_code == 403
    assert "Your NHSmail address is not set up for this service" in page
    assert "new.person@nhs.net" in page
    assert "commissioner's administrator" in page
    assert User.objects.count() == users
    assert not NHSmailIdentity.objects.exists()
    assert _signed_in_user_id(client) is None


def test_an_email_the_provider_has_not_verified_is_not_linked(client, provider, olive):
    provider.person("unverified", email=OLIVE, email_verified=False, amr=["mfa"])

    response = _sign_in(client, provider, "unverified")

    assert response.status_code == 403
    assert "did not confirm your email address" in response.content.decode()
    assert _signed_in_user_id(client) is None
    assert not NHSmailIdentity.objects.exists()


def test_a_switched_off_account_is_refused(client, provider, db):
    f.officer(username="gone", email="gone@nhs.net", is_active=False)
    provider.person("switched-off", email="gone@nhs.net", email_verified=True, amr=["mfa"])

    response = _sign_in(client, provider, "switched-off")

    assert response.status_code == 403
    assert "Your account is switched off" in response.content.decode()
    assert _signed_in_user_id(client) is None


def test_a_linked_account_switched_off_later_is_refused(client, provider, olive):
    provider.person("olive", email=OLIVE, email_verified=True, amr=["mfa"])
    _sign_in(client, provider)
    client.logout()
    User.objects.filter(pk=olive.pk).update(is_active=False)

    response = _sign_in(client, provider)

    assert response.status_code == 403
    assert _signed_in_user_id(client) is None


def test_an_account_linked_to_one_nhsmail_identity_refuses_another(client, provider, olive):
    provider.person("olive", email=OLIVE, email_verified=True, amr=["mfa"])
    _sign_in(client, provider)
    client.logout()
    provider.person("twin", email=OLIVE.upper(), email_verified=True, amr=["mfa"])

    response = _sign_in(client, provider, "twin")

    assert response.status_code == 403
    assert "linked to another NHSmail account" in response.content.decode()
    assert _signed_in_user_id(client) is None


def test_two_accounts_with_the_address_are_not_guessed_between(client, provider, olive):
    f.auditor(username="olive-audit", email=OLIVE)
    provider.person("olive", email=OLIVE, email_verified=True, amr=["mfa"])

    response = _sign_in(client, provider)

    assert response.status_code == 403
    assert _signed_in_user_id(client) is None


def test_nhsmail_multi_factor_stands_for_the_local_second_factor(client, provider, olive):
    provider.person("olive", email=OLIVE, email_verified=True, amr=["pwd", "mfa"])
    _sign_in(client, provider)

    assert client.session[DEVICE_ID_SESSION_KEY] == olive.nhsmailidentity_set.get().persistent_id
    assert client.get(reverse("home")).status_code == 200  # no code asked


def test_without_multi_factor_at_nhsmail_staff_still_give_the_local_code(client, provider, olive):
    provider.person("olive", email=OLIVE, email_verified=True, amr=["pwd"])
    response = _sign_in(client, provider, next_url="/claims/")

    assert _signed_in_user_id(client) == str(olive.pk)
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert response["Location"] == "/claims/"
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("two_factor_setup"))  # no app set up yet


def test_without_amr_staff_with_an_app_are_asked_for_its_code(client, provider, olive):
    from tests.two_factor import authenticator

    authenticator(olive)
    provider.person("olive", email=OLIVE, email_verified=True)
    _sign_in(client, provider)

    home = client.get(reverse("home"))
    assert home["Location"].startswith(reverse("two_factor_verify"))


def test_the_password_still_signs_in_when_nhsmail_is_configured(client, provider, db):
    admin = f.administrator(username="break-glass")

    response = client.post(reverse("login"), {"username": "break-glass", "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert _signed_in_user_id(client) == str(admin.pk)
