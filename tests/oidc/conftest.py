import pytest

from tests.oidc.process import running_provider

CALLBACK = "http://testserver/accounts/nhsmail/callback/"


@pytest.fixture(scope="module")
def op(tmp_path_factory):
    """One real OpenID provider process for the module, its control file reset for each test."""
    with running_provider(tmp_path_factory.mktemp("openid-provider"), [CALLBACK]) as provider:
        yield provider


@pytest.fixture
def provider(op, settings):
    """The provider, with the service configured to sign in through it."""
    op.reset()
    op.configure(settings)
    return op
