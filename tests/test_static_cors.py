"""Static files carry no CORS header (issue 19, docs/security.md 14.5.3): WhiteNoise sends
``Access-Control-Allow-Origin: *`` unless told not to, and the service's stylesheets, scripts and
fonts are for its own pages only."""

import pytest
from django.test import Client

WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"
SECURITY = "django.middleware.security.SecurityMiddleware"


def _as_in_production(settings):
    """WhiteNoise where production puts it (carehomes_les/settings.py adds it only there), serving
    from the source folders (no collectstatic in tests). The client loads its middleware on its
    first request, after these settings apply."""
    if WHITENOISE not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(middleware.index(SECURITY) + 1, WHITENOISE)
        settings.MIDDLEWARE = middleware
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture
def static_client(settings):
    _as_in_production(settings)
    return Client()


@pytest.mark.parametrize("path", ["/static/css/app.css", "/static/js/app.js"])
def test_static_files_are_served_without_a_cors_header(static_client, path):
    response = static_client.get(path, headers={"Origin": "https://elsewhere.example"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert not any(name.lower().startswith("access-control-") for name in response.headers)


def test_whitenoise_would_send_one_if_allowed(settings):
    """The control: the setting is what keeps the header off."""
    _as_in_production(settings)
    settings.WHITENOISE_ALLOW_ALL_ORIGINS = True
    response = Client().get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
