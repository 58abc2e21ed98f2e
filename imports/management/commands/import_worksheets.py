from claims.worksheets.importers import SubmitOnceContext
from importing.base import ImportContext
from imports.command import ImportCommand


class Command(ImportCommand):
    """``manage.py import_worksheets FILE [--dry-run]``: the commissioner's bulk load of submitted
    worksheets (SPEC §10), each submitted as the web form would submit it."""

    kind = "worksheets"

    def get_context(self, options) -> ImportContext:
        # Checking the file submits every worksheet (a later quarter carries forward from an
        # earlier one in the file); for real, those submissions are the import's.
        return ImportContext() if options["dry_run"] else SubmitOnceContext()
