"""Help: the user guide (``docs/guide/*.md``) served inside the service at ``/help/``.

The Markdown files are the one source: read on GitHub by developers, rendered here with the NHS.UK
classes for everyone else. Raw HTML in them is not rendered (markdown-it's ``html`` is off), links
between guide pages become ``/help/<page>/``, and images come from ``docs/guide/images/`` through
the static files (``STATICFILES_DIRS`` prefix ``guide``). Public, like the accessibility statement:
the guide holds no personal data and helps people who cannot sign in yet (ADR 0028)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView
from markdown_it import MarkdownIt

GUIDE_DIR = Path(settings.BASE_DIR) / "docs" / "guide"

# The guide's pages: URL slug → file. "" is the index.
PAGES = {
    "": "index.md",
    "practice-manager": "practice-manager.md",
    "contracting-officer": "contracting-officer.md",
    "auditor": "auditor.md",
}
_BY_FILE = {name: slug for slug, name in PAGES.items()}

_CLASSES = {
    "bullet_list_open": "nhsuk-list nhsuk-list--bullet",
    "ordered_list_open": "nhsuk-list nhsuk-list--number",
    "table_open": "nhsuk-table",
    "thead_open": "nhsuk-table__head",
    "tbody_open": "nhsuk-table__body",
    "tr_open": "nhsuk-table__row",
    "th_open": "nhsuk-table__header",
    "td_open": "nhsuk-table__cell",
    "link_open": "nhsuk-link",
    "image": "app-guide__image",
}
_HEADINGS = {"h1": "nhsuk-heading-l", "h2": "nhsuk-heading-m", "h3": "nhsuk-heading-s"}


def page_url(slug: str) -> str:
    return reverse("help") if not slug else reverse("help_page", args=[slug])


def _href(href: str) -> str:
    """A link in the guide: another guide page becomes its /help/ address."""
    name, _, anchor = href.partition("#")
    if name in _BY_FILE:
        return page_url(_BY_FILE[name]) + (f"#{anchor}" if anchor else "")
    return href


def _walk(tokens):
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


@functools.cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def render(text: str) -> tuple[str, str]:
    """The guide page's title (its first ``# `` heading) and its body as NHS.UK HTML."""
    parser = _parser()
    tokens = parser.parse(text)
    title = ""
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1" and not title:
            title = tokens[index + 1].content
    for token in _walk(tokens):
        if token.type == "heading_open":
            token.attrSet("class", _HEADINGS.get(token.tag, "nhsuk-heading-s"))
        elif token.type in _CLASSES:
            token.attrSet("class", _CLASSES[token.type])
        if token.type == "link_open":
            token.attrSet("href", _href(str(token.attrGet("href") or "")))
        if token.type == "image":
            src = str(token.attrGet("src") or "")
            match = re.fullmatch(r"images/([a-z0-9-]+\.png)", src)
            if match:
                token.attrSet("src", static(f"guide/{match.group(1)}"))
                token.attrSet("width", "1280")
                token.attrSet("height", "800")
                token.attrSet("loading", "lazy")
    return title, parser.renderer.render(tokens, parser.options, {})


class HelpView(TemplateView):
    """A page of the user guide (open to everyone)."""

    template_name = "help.html"

    def get_context_data(self, **kwargs):
        slug = self.kwargs.get("page", "")
        if slug not in PAGES:
            raise Http404("No such page of the guide")
        title, body = render((GUIDE_DIR / PAGES[slug]).read_text(encoding="utf-8"))
        return super().get_context_data(
            title=title,
            body=mark_safe(body),  # noqa: S308 - markdown-it with raw HTML off escapes the text
            is_index=not slug,
            pages=[(page_url(s), s) for s in PAGES if s],
            **kwargs,
        )
