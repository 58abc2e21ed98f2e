"""The real entry points of an import, driven with one file, checking on the way what every file
must get: never an error page, always a message, and all or nothing.

:func:`web_import` is the officer's upload → preview → confirm; :func:`command_import` is the
``import_*`` management command. Both return an :class:`Outcome` saying what became of the file."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import event
from hypothesis.control import currently_in_test_context

from imports.models import ImportBatch
from tests.fuzz.helpers import (
    assert_refusal_is_explained,
    changed,
    problem_table,
    row_counts,
    text_of,
)
from tests.fuzz.strategies import Upload

UPLOAD = reverse("imports:upload")


@dataclass
class Outcome:
    """``refused`` (nothing written), ``nothing to do`` (a valid file that changes nothing) or
    ``applied`` (everything written). ``problems`` are the page's problem rows, ``messages`` what
    the person was told; ``changes`` the row counts that moved, by model."""

    result: str
    messages: list[str] = field(default_factory=list)
    problems: list[list[str]] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)

    @property
    def applied(self) -> bool:
        return self.result == "applied"


def web_import(client, kind: str, upload: Upload) -> Outcome:
    """Upload ``upload`` as ``kind``, read its preview, and confirm it, as an officer would."""
    outcome = _web_import(client, kind, upload)
    _event(f"web import: {outcome.result}")
    return outcome


def _problem(line: str) -> list[str]:
    """A command's problem line (``row 2, column beds: reason``) as the web page's table row:
    row, column, reason."""
    match = re.fullmatch(r"row (\d+)(?:, column (\S+))?: (.*)", line, re.S)
    if match is None:
        return ["Whole file", "—", line]
    return [match[1], match[2] or "—", match[3]]


def _event(name: str) -> None:
    """Count outcomes per test (``--hypothesis-show-statistics`` shows the mix), when in one."""
    if currently_in_test_context():
        event(name)


def _web_import(client, kind: str, upload: Upload) -> Outcome:
    before = row_counts()
    response = client.post(
        UPLOAD, {"kind": kind, "file": SimpleUploadedFile(upload.name, upload.content)}
    )
    assert response.status_code in (200, 302), f"the upload answered {response.status_code}"
    if response.status_code == 200:  # the form refused the file as a whole
        messages = assert_refusal_is_explained(response.content.decode())
        assert changed(before, row_counts()) == {}, "a file refused on upload wrote something"
        return Outcome("refused", messages)

    # The upload is kept as a batch waiting for confirmation; nothing of the registry moves.
    assert changed(before, row_counts()) == {"imports.ImportBatch": 1}
    batch = ImportBatch.objects.order_by("-pk").first()
    assert batch.status == ImportBatch.Status.PREVIEWED
    preview = client.get(response["Location"])
    assert preview.status_code == 200, f"the preview answered {preview.status_code}"
    page = preview.content.decode()
    confirm_url = reverse("imports:confirm", kwargs={"pk": batch.pk})
    uploaded = row_counts()

    if 'id="problems"' in page or "<title>Error: " in page:
        messages = assert_refusal_is_explained(page)
        problems = problem_table(page)
        assert problems, "a file refused at preview must list its problems"
        # Confirming anyway (a stale tab, a crafted post) re-checks and writes nothing.
        again = client.post(confirm_url)
        assert again.status_code == 200, f"confirming a refused file answered {again.status_code}"
        assert_refusal_is_explained(again.content.decode())
        assert changed(uploaded, row_counts()) == {}, "a file with problems wrote something"
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.PREVIEWED
        return Outcome("refused", messages, problems)

    if "Confirm import" not in page:
        assert "No changes" in page, "a preview with nothing to confirm must say why"
        return Outcome("nothing to do", [text_of(page.split("<h2", 1)[1].split("</ul>", 1)[0])])

    confirmed = client.post(confirm_url)
    # The file was checked a moment ago against the same registry: it must go in whole.
    assert confirmed.status_code == 302, (
        f"confirming a file whose preview had no problems answered {confirmed.status_code}: "
        + " | ".join(" ".join(p) for p in problem_table(confirmed.content.decode()))
    )
    done = client.get(confirmed["Location"]).content.decode()
    assert "Imported" in done, "an applied import must say so"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    return Outcome("applied", [batch.summary["message"]], changes=changed(uploaded, row_counts()))


def command_import(command: str, upload: Upload, directory: Path, *args: str) -> Outcome:
    """``manage.py <command> FILE [args]``: problems are a ``CommandError`` and nothing written."""
    outcome = _command_import(command, upload, directory, *args)
    _event(f"command: {outcome.result}")
    return outcome


def _command_import(command: str, upload: Upload, directory: Path, *args: str) -> Outcome:
    path = directory / (Path(upload.name).name or "file")
    path.write_bytes(upload.content)
    before = row_counts()
    out = io.StringIO()
    try:
        call_command(command, str(path), *args, stdout=out, stderr=io.StringIO())
    except CommandError as error:
        message = str(error)
        assert message.strip(), "a refused file must be explained"
        assert changed(before, row_counts()) == {}, "a refused file wrote something"
        return Outcome("refused", [message], [_problem(line) for line in message.splitlines()[1:]])
    report = out.getvalue()
    assert report.strip(), "an import must report what it did"
    changes = changed(before, row_counts())
    if report.startswith("No changes"):
        assert changes == {}, "a file that changes nothing wrote something"
        return Outcome("nothing to do", [report])
    # An applied file is kept as a batch, which its history row points at.
    assert changes.pop("imports.ImportBatch", 0) == 1, "an applied file is recorded once"
    return Outcome("applied", [report], changes=changes)
