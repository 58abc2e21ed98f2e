"""Run the test provider: ``python -m tests.oidc.provider.serve`` (see ``process.py``). Migrates its
SQLite database, adds the people (``OP_PEOPLE``, password ``OP_PASSWORD``) and the service's client
(``OP_CLIENT_ID``, ``OP_CLIENT_SECRET``, ``OP_REDIRECT_URIS``), binds a free port and prints
``READY <port>`` once it is listening."""

import json
import os


def main():
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc.provider.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0, interactive=False)
    User = get_user_model()
    for username in json.loads(os.environ["OP_PEOPLE"]):
        User.objects.create_user(username, password=os.environ["OP_PASSWORD"])
    Application.objects.create(
        name="Care Home LES (test)",
        client_id=os.environ["OP_CLIENT_ID"],
        client_secret=os.environ["OP_CLIENT_SECRET"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=os.environ["OP_REDIRECT_URIS"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(get_wsgi_application())
    print(f"READY {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
