"""What every fuzz example checks: the database before and after, and the page's message."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import transaction

# The project's own apps: every model an import or upload could write.
PROJECT_APPS = (
    "accounts", "audit", "documents", "practices", "carehomes", "claims", "imports", "outcomes", "reports",
    "audits", "notices",
)  # fmt: skip


@contextmanager
def example_savepoint() -> Iterator[None]:
    """One Hypothesis example's database changes, undone when it ends (pass or fail). The test's
    own data (the fixtures, made once per test) stays; pytest-django's transaction holds it all."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def row_counts() -> dict[str, int]:
    """The number of rows of every model of the project."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
    }


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Models whose row count differs, with the difference."""
    return {
        label: after[label] - before[label] for label in before if after[label] != before[label]
    }


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def error_summary(page: str) -> list[str]:
    """The items of the NHS error summary ("There is a problem"), as text; [] when there is none."""
    if "nhsuk-error-summary" not in page:
        return []
    summary = page.split('class="nhsuk-error-summary"', 1)[1].split("<h1", 1)[0]
    items = [text_of(item) for item in re.findall(r"<li>(.*?)</li>", summary, re.S)]
    paragraphs = [text_of(p) for p in re.findall(r"<p>(.*?)</p>", summary, re.S)]
    return [text for text in items + paragraphs if text]


def problem_table(page: str) -> list[list[str]]:
    """The rows of the problems table (``id="problems"``): row, column[, home], reason."""
    if 'id="problems"' not in page:
        return []
    table = page.split('id="problems"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody", 1)[1]
    return [
        [text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in body.split("</tr>")
        if "<td" in row
    ]


def assert_refusal_is_explained(page: str) -> list[str]:
    """A refused file's page: titled as an error, with an error summary saying what is wrong.
    Returns the summary's items and problem rows as text."""
    assert "<title>Error: " in page, "a refused file's page must be titled as an error"
    summary = error_summary(page)
    assert summary, "a refused file's page must say what is wrong (the error summary is empty)"
    problems = problem_table(page)
    for problem in problems:
        assert problem[-1], f"a problem without a reason: {problem}"
    return summary + [" | ".join(p) for p in problems]
