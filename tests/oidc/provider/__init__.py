"""A real OpenID Connect provider for the NHSmail sign-in tests: django-oauth-toolkit's OIDC
support, in its own settings module, run as its own process (``serve.py``) on a free port with an
RSA key the test generated. Nothing in the service under test is mocked: the service discovers it,
sends the browser (or the test's HTTP client) to its pages, and exchanges codes at its token
endpoint over HTTP.

``validators.ScenarioValidator`` reads a small JSON control file the tests write: the claims each
person's ID token carries (email, email_verified, amr), and a scenario that makes the provider
misbehave as an attacker's or a broken provider would (a token signed by another key, an expired
token, a nonce that is not the one sent, another client's audience)."""
