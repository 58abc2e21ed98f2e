"""The shared shape of the ``import_*`` management commands (SPEC section 10)."""

import contextlib
import gc
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.template.defaultfilters import filesizeformat

from importing.base import ImportContext, Plan
from imports.registry import importer_for
from imports.services import import_file


class ImportCommand(BaseCommand):
    """``manage.py import_<kind> FILE [--dry-run]``: validate the whole file, then import all of it
    or none of it. Problems are listed (row, column, reason) and the command exits non-zero.

    Subclasses set ``kind`` (a key of ``imports.registry.IMPORTERS``) and may override
    :meth:`get_context` and :meth:`add_extra_arguments`."""

    kind = ""

    @property
    def help(self):
        importer = importer_for(self.kind)
        return (
            f"Import {importer.label.lower()} from a CSV (UTF-8) or .xlsx file with the columns "
            f"{','.join(importer.columns)}. {importer.help_text}"
        )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="validate the file and report what would change, without writing anything",
        )
        self.add_extra_arguments(parser)

    def add_extra_arguments(self, parser):
        pass

    def get_context(self, options) -> ImportContext:
        return ImportContext()

    def handle(self, *args, **options):
        path = Path(options["file"])
        content = self._read(path)
        context = self.get_context(options)
        dry_run = options["dry_run"]
        try:
            with _collector_paused():
                plan = import_file(
                    kind=self.kind,
                    content=content,
                    filename=path.name,
                    context=context,
                    dry_run=dry_run,
                )
        except DatabaseError as error:
            # The import's one transaction was rolled back (or died with the connection): say
            # that nothing went in, rather than leave the officer to read a traceback.
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise CommandError(
                f"{path.name}: the database stopped the import ({reason}); nothing was imported. "
                "Run the command again once the database is available."
            ) from error
        if not plan.ok:
            raise CommandError(self._problems(plan, path))
        self.stdout.write(self._report(plan, dry_run))

    def _read(self, path: Path) -> bytes:
        limit = settings.IMPORT_MAX_BYTES
        try:
            size = path.stat().st_size
            if size > limit:
                raise CommandError(
                    f"{path} is {filesizeformat(size)}; the largest accepted is {filesizeformat(limit)}."
                )
            return path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None

    def _problems(self, plan: Plan, path: Path) -> str:
        count = len(plan.problems)
        return (
            f"{path.name}: {count} problem{'s' if count != 1 else ''}; nothing was imported.\n"
            + plan.problem_report()
        )

    def _report(self, plan: Plan, dry_run: bool) -> str:
        if not dry_run:
            return "\n".join(plan.summary_lines())
        lines = ["Dry run: nothing was written.", *plan.summary_lines(would=True)]
        lines += [f"  {c.action.value} {c.kind} {c.key}: {_describe(c)}" for c in plan.pending]
        return "\n".join(lines)


@contextlib.contextmanager
def _collector_paused():
    """Python's cycle collector off while a file is imported, on again after (issue 18, ADR 0046).
    A national quarter holds a few hundred thousand objects (rows, cells, worksheets, lines) that
    all live until the import ends; the collector kept scanning them, a tenth or more of the
    import's time, to find next to nothing. The command is a process of its own, so nothing else
    waits on it; whatever cycles the import leaves are collected once it is on again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _describe(change) -> str:
    if not change.fields:
        return change.description
    return "; ".join(
        f"{f.name} {f.before or '(blank)'} → {f.after or '(blank)'}" for f in change.fields
    )
