"""Step-up before money moves for someone who signs in with NHSmail and has no authenticator app
here (ADR 0040, 0041; ASVS 3.7.1), against the real provider of ``tests/oidc`` (nothing mocked):
they are sent through NHSmail again with ``prompt=login`` and ``max_age=0``; an ID token for the
same person that says several factors were used, just now, restarts the step-up clock and returns
them to the page they came from. A token without ``mfa``, for another person, or from an earlier
sign-in unlocks nothing. Someone with an app keeps giving its code.

The step-up clock (``accounts.step_up.clock``) is moved on, never waited for; the provider's
``auth_time`` is the real time."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts import step_up
from claims.models import ApprovalPolicy, Worksheet
from claims.review.services import claim_check
from tests import factories as f
from tests.accounts.test_step_up import T0, claim_of
from tests.oidc.test_nhsmail_sign_in import OLIVE, _path, _sign_in
from tests.two_factor import authenticator, current_code

S = Worksheet.Status


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = T0

        def advance(self, minutes):
            self.now += minutes * 60

    moved = Clock()
    monkeypatch.setattr(step_up, "clock", lambda: moved.now)
    return moved


@pytest.fixture
def scene(db):
    """Olive approves above the finance threshold; a colleague has checked a claim for her."""
    commissioner = f.CommissionerFactory(code="03L")
    olive = f.officer(
        commissioner, username="olive", email="Olive.Officer@NHS.net", is_finance_approver=True
    )
    checker = f.officer(commissioner, username="checker")
    ApprovalPolicy.objects.create(finance_threshold_pence=100)
    claim = claim_check(claim=claim_of(commissioner), by=checker)
    return {"olive": olive, "claim": claim, "commissioner": commissioner}


def _approve(client, claim):
    return client.post(reverse("review:approve", args=[claim.pk]))


def _status(claim):
    claim.refresh_from_db()
    return claim.status


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _signed_in_with_nhsmail_then_idle(client, provider, olive, clock):
    """Olive signs in with NHSmail's multi-factor sign-in (no app here), then 16 minutes pass."""
    provider.person("olive", email=OLIVE, email_verified=True, amr=["pwd", "mfa"])
    assert _sign_in(client, provider).status_code == 302
    assert client.session[step_up.VERIFIED_AT] == int(T0)
    clock.advance(16)


def _sent_to_nhsmail_again(client, claim):
    """Approving sends her to sign in with NHSmail again; nothing is done. The authentication
    request she is sent on to (at the provider)."""
    back = reverse("review:claim", args=[claim.pk])
    response = _approve(client, claim)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('nhsmail:step_up')}?{urlencode({'next': back})}"
    assert "sign in with NHSmail again" in _messages(response)
    assert _status(claim) == S.CHECKED
    authorize = client.get(response["Location"])
    assert authorize.status_code == 302
    return authorize["Location"], back


def test_nhsmail_only_staff_step_up_through_nhsmail_and_return_to_the_page(
    client, provider, scene, clock
):
    olive, claim = scene["olive"], scene["claim"]
    _signed_in_with_nhsmail_then_idle(client, provider, olive, clock)
    assert not step_up.has_local_device(olive)

    authorize, back = _sent_to_nhsmail_again(client, claim)
    asked = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(provider.issuer + "/authorize/")
    assert (asked["prompt"], asked["max_age"]) == (["login"], ["0"])
    assert asked["code_challenge_method"] == ["S256"] and asked["nonce"][0]

    response = client.get(_path(provider.sign_in(authorize, "olive")))

    assert response.status_code == 302 and response["Location"] == back
    assert client.session[step_up.VERIFIED_AT] == int(clock.now)  # the clock restarted
    assert client.session[SESSION_KEY] == str(olive.pk)
    approved = _approve(client, claim)
    assert approved["Location"] == back
    assert _status(claim) == S.AWAITING_FINANCE


def test_the_code_page_sends_nhsmail_only_staff_to_nhsmail(client, provider, scene, clock):
    _signed_in_with_nhsmail_then_idle(client, provider, scene["olive"], clock)
    response = client.get(reverse("two_factor_step_up"), {"next": "/claims/"})
    assert response["Location"] == f"{reverse('nhsmail:step_up')}?next=%2Fclaims%2F"


def test_a_token_without_mfa_does_not_satisfy_the_step_up(client, provider, scene, clock):
    olive, claim = scene["olive"], scene["claim"]
    _signed_in_with_nhsmail_then_idle(client, provider, olive, clock)
    authorize, back = _sent_to_nhsmail_again(client, claim)
    provider.person("olive", email=OLIVE, email_verified=True, amr=["pwd"])

    response = client.get(_path(provider.sign_in(authorize, "olive")))

    assert response.status_code == 302 and response["Location"] == back
    assert "NHSmail did not confirm that you used a second factor" in _messages(response)
    assert client.session[step_up.VERIFIED_AT] == int(T0)  # not restarted
    assert client.session[SESSION_KEY] == str(olive.pk)  # still signed in
    assert _approve(client, claim)["Location"].startswith(reverse("nhsmail:step_up"))
    assert _status(claim) == S.CHECKED


def test_a_token_from_an_earlier_sign_in_does_not_satisfy_the_step_up(
    client, provider, scene, clock
):
    olive, claim = scene["olive"], scene["claim"]
    _signed_in_with_nhsmail_then_idle(client, provider, olive, clock)
    authorize, back = _sent_to_nhsmail_again(client, claim)
    provider.scenario("stale_sign_in")  # auth_time an hour ago, though max_age=0 was asked

    response = client.get(_path(provider.sign_in(authorize, "olive")))

    assert response["Location"] == back
    assert "NHSmail did not ask you to sign in again" in _messages(response)
    assert client.session[step_up.VERIFIED_AT] == int(T0)
    assert _approve(client, claim)["Location"].startswith(reverse("nhsmail:step_up"))


def test_another_persons_nhsmail_sign_in_does_not_satisfy_the_step_up(
    client, provider, scene, clock
):
    olive, claim = scene["olive"], scene["claim"]
    f.officer(scene["commissioner"], username="bob", email="bob.builder@nhs.net")
    _signed_in_with_nhsmail_then_idle(client, provider, olive, clock)
    authorize, back = _sent_to_nhsmail_again(client, claim)
    provider.person("stranger", email="bob.builder@nhs.net", email_verified=True, amr=["mfa"])

    response = client.get(_path(provider.sign_in(authorize, "stranger")))

    page = response.content.decode()
    assert response.status_code == 403
    assert "You signed in to NHSmail as someone else" in page
    assert "nothing has been done" in page and f'href="{back}"' in page
    assert client.session[SESSION_KEY] == str(olive.pk)  # still Olive, not Bob
    assert client.session[step_up.VERIFIED_AT] == int(T0)
    assert _status(claim) == S.CHECKED


def test_a_step_up_cancelled_at_nhsmail_keeps_the_person_signed_in(client, provider, scene, clock):
    olive, claim = scene["olive"], scene["claim"]
    _signed_in_with_nhsmail_then_idle(client, provider, olive, clock)
    authorize, back = _sent_to_nhsmail_again(client, claim)
    state = parse_qs(urlsplit(authorize).query)["state"][0]

    response = client.get(reverse("nhsmail:callback"), {"error": "access_denied", "state": state})

    assert response["Location"] == back
    assert "did not finish signing in with NHSmail again" in _messages(response)
    assert client.session[SESSION_KEY] == str(olive.pk)
    assert client.session[step_up.VERIFIED_AT] == int(T0)


def test_an_unsafe_next_is_not_followed_after_the_step_up(client, provider, scene, clock):
    _signed_in_with_nhsmail_then_idle(client, provider, scene["olive"], clock)
    authorize = client.get(reverse("nhsmail:step_up"), {"next": "https://evil.example/"})
    response = client.get(_path(provider.sign_in(authorize["Location"], "olive")))
    assert response["Location"] == reverse("home")
    assert client.session[step_up.VERIFIED_AT] == int(clock.now)


def test_staff_with_an_app_keep_the_code_prompt(client, provider, scene, clock):
    olive, claim = scene["olive"], scene["claim"]
    device = authenticator(olive)
    _signed_in_with_nhsmail_then_idle(client, provider, olive, clock)
    back = reverse("review:claim", args=[claim.pk])

    response = _approve(client, claim)

    assert response["Location"] == f"{reverse('two_factor_step_up')}?{urlencode({'next': back})}"
    assert "enter a code from your authenticator app" in _messages(response)
    client.post(reverse("two_factor_step_up"), {"code": current_code(device), "next": back})
    _approve(client, claim)
    assert _status(claim) == S.AWAITING_FINANCE


def test_a_practice_manager_has_nothing_to_step_up_to(client, provider, db):
    manager = f.practice_manager(f.PracticeFactory())
    client.force_login(manager)
    response = client.get(reverse("nhsmail:step_up"), {"next": "/claims/"})
    assert response.status_code == 302 and response["Location"] == "/claims/"
