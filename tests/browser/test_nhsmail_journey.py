"""Sign in with NHSmail in a real browser, through a real OpenID Connect provider's own pages
(django-oauth-toolkit in its own process, ``tests/oidc/provider``)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.oidc.process import running_provider


@pytest.fixture
def provider(live_server, settings, tmp_path):
    callback = f"{live_server.url}/accounts/nhsmail/callback/"
    with running_provider(tmp_path / "openid-provider", [callback]) as op:
        op.configure(settings)
        yield op


def _through_the_provider(page, provider, username):
    page.get_by_role("button", name="Sign in with NHSmail", exact=True).click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(provider.issuer.rsplit('/o', 1)[0])}/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(provider.password)
    page.get_by_role("button", name="Sign in to the provider").click()


def test_an_officer_signs_in_with_nhsmail_and_its_multi_factor(
    page, live_server, provider, check_page, db
):
    olive = f.officer(username="olive", email="olive.officer@nhs.net", first_name="Olive")
    provider.person("olive", email="Olive.Officer@nhs.net", email_verified=True, amr=["pwd", "mfa"])

    page.goto(f"{live_server.url}/accounts/login/")
    check_page("sign in with nhsmail offered")
    _through_the_provider(page, provider, "olive")

    # Back at the service, signed in, and not asked for the local code: NHSmail used two factors.
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    check_page("home after nhsmail")
    assert olive.nhsmailidentity_set.count() == 1


def test_an_unknown_nhsmail_address_is_told_who_to_ask(
    page, live_server, provider, check_page, console_errors, db
):
    console_errors.allow(r"status of 403 \(Forbidden\).*/accounts/nhsmail/callback/")  # the refusal
    provider.person("stranger", email="new.person@nhs.net", email_verified=True, amr=["mfa"])

    page.goto(f"{live_server.url}/accounts/login/")
    _through_the_provider(page, provider, "stranger")

    expect(
        page.get_by_role("heading", name="Your NHSmail address is not set up for this service")
    ).to_be_visible()
    expect(page.get_by_text("commissioner's administrator")).to_be_visible()
    check_page("nhsmail address not set up")
