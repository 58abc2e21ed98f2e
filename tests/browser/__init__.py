"""Browser journeys: Playwright for Python driving Debian's chromium against pytest-django's
``live_server``, with axe-core run on every page a journey reaches (see ``conftest.py``)."""
