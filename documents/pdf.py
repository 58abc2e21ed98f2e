"""PDFs from HTML with WeasyPrint: the one place documents are rendered (remittance advice now,
audit packs next).

- Fonts are bundled in ``static/fonts`` (Liberation Sans, metric-compatible with Arial, the NHS.UK
  fallback face), so a document looks the same on every worker.
- The URL fetcher is locked down: it serves files from our static folders and nothing else, so a
  template (or text a user typed into one) can never make the renderer fetch a network address or
  read a file elsewhere on the machine.
- Documents are tagged (PDF/UA-1), with the language and title set, for screen-reader users.
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

STYLESHEET = "css/pdf.css"


class FetchRefused(ValueError):
    """A document asked for something outside the static folders."""


def static_roots() -> list[Path]:
    # Prefixed folders (the user guide's screenshots) are never part of a document.
    return [Path(p).resolve() for p in settings.STATICFILES_DIRS if not isinstance(p, tuple)]


def static_file(relative: str) -> Path:
    for root in static_roots():
        candidate = (root / relative).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    raise FetchRefused(f"{relative} is not one of our static files")


class StaticOnlyFetcher(URLFetcher):
    """Serves ``file:`` URLs inside the static folders and refuses everything else (WeasyPrint then
    leaves the resource out and logs a warning)."""

    def __init__(self):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise FetchRefused(f"Documents may not fetch {parts.scheme or 'relative'} URLs: {url}")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) and path.is_file() for root in static_roots()):
            raise FetchRefused(f"Documents may only read our static files, not {path}")
        return super().fetch(path.as_uri(), headers)


_parsed = threading.local()


def _stylesheet(path: Path) -> tuple[FontConfiguration, CSS]:
    """The stylesheet parsed, with the bundled fonts it names loaded (through the static-only
    fetcher), kept per thread and parsed again if the file or the static folders change. Building
    these for every document cost about a tenth of a render (docs/performance.md)."""
    stat = path.stat()
    key = (tuple(static_roots()), path, stat.st_mtime_ns, stat.st_size)
    cached = getattr(_parsed, "stylesheet", None)
    if cached is None or cached[0] != key:
        fonts = FontConfiguration()
        css = CSS(filename=str(path), font_config=fonts, url_fetcher=StaticOnlyFetcher())
        cached = _parsed.stylesheet = (key, fonts, css)
    return cached[1], cached[2]


def render_pdf(html: str) -> bytes:
    """The PDF of ``html`` (a whole document with ``lang`` and ``<title>``), styled by
    ``static/css/pdf.css`` with the bundled fonts."""
    stylesheet = static_file(STYLESHEET)
    fonts, css = _stylesheet(stylesheet)
    fetcher = StaticOnlyFetcher()  # every fetch the document itself asks for goes through it
    document = HTML(string=html, base_url=stylesheet.parent.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(
        stylesheets=[css],
        font_config=fonts,
        pdf_variant="pdf/ua-1",
        pdf_tags=True,
    )
