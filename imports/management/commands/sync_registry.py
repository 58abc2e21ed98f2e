"""``manage.py sync_registry --commissioner CODE [--practices FILE] [--pcns FILE]
[--care-homes FILE] [--date YYYY-MM-DD] [--dry-run]`` (ADR 0024)."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from imports.sync import SyncFile, sync_run
from practices.models import Commissioner


class Command(BaseCommand):
    help = (
        "Keep a commissioner's practices, PCNs and care homes in step with the national files: "
        "ODS's epraccur.csv, ODS's ePCN.xlsx and CQC's HSCA Active Locations (.ods or .xlsx). "
        "Each file is optional; all or nothing; a second identical run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--commissioner", required=True, help="the sub-ICB location code, e.g. 03L"
        )
        parser.add_argument("--practices", help="ODS's epraccur.csv")
        parser.add_argument("--pcns", help="ODS's ePCN.xlsx")
        parser.add_argument("--care-homes", help="CQC's HSCA Active Locations (.ods or .xlsx)")
        parser.add_argument(
            "--date",
            help="the date the files were published (YYYY-MM-DD; default today): a care home "
            "missing from CQC's file is deregistered from this month",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change, writing nothing"
        )

    def handle(self, *args, **options):
        code = options["commissioner"].strip().upper()
        commissioner = Commissioner.objects.filter(code=code).first()
        if commissioner is None:
            raise CommandError(f"No commissioner {code} in the registry.")
        files = [
            SyncFile(role, Path(options[role]).name, self._read(Path(options[role])))
            for role in ("practices", "pcns", "care_homes")
            if options[role]
        ]
        if not files:
            raise CommandError("Give at least one of --practices, --pcns and --care-homes.")
        files_date = timezone.localdate()
        if options["date"]:
            try:
                files_date = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date {options['date']!r} is not YYYY-MM-DD.") from None
        try:
            plan = sync_run(
                commissioner=commissioner,
                files=files,
                files_date=files_date,
                dry_run=options["dry_run"],
            )
        except DatabaseError as error:
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise CommandError(
                f"The database stopped the sync ({reason}); nothing was changed."
            ) from error
        if not plan.ok:
            count = len(plan.problems)
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''}; nothing was changed.\n"
                + "\n".join(str(p) for p in plan.problems)
            )
        lines = ["Dry run: nothing was written."] if options["dry_run"] and plan.items else []
        lines += plan.summary_lines()
        for section, items in plan.sections():
            lines.append(f"{section}:")
            lines += [f"  {item.words}" for item in items]
        if plan.attention:
            lines.append("For you to resolve:")
            lines += [f"  {line}" for line in plan.attention]
        self.stdout.write("\n".join(lines))

    def _read(self, path: Path) -> bytes:
        limit = settings.NATIONAL_FILE_MAX_BYTES
        try:
            size = path.stat().st_size
            if size > limit:
                raise CommandError(
                    f"{path} is {filesizeformat(size)}; the largest accepted is {filesizeformat(limit)}."
                )
            return path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
