from django.core.management.base import CommandError

from importing.base import ImportContext
from imports.command import ImportCommand
from practices.models import Commissioner


class Command(ImportCommand):
    """New homes are registered with ``--commissioner``, or with the only commissioner there is."""

    kind = "care_homes"

    def add_extra_arguments(self, parser):
        parser.add_argument(
            "--commissioner",
            metavar="CODE",
            help="the code of the commissioner new homes are registered with (e.g. 03L); "
            "may be left out when there is only one",
        )

    def get_context(self, options) -> ImportContext:
        code = (options.get("commissioner") or "").strip().upper()
        if code:
            commissioner = Commissioner.objects.filter(code=code).first()
            if commissioner is None:
                raise CommandError(
                    f"There is no commissioner {code}: import the practices file first, "
                    "or check the code."
                )
            return ImportContext(commissioner=commissioner)
        commissioners = list(Commissioner.objects.all()[:11])
        if len(commissioners) == 1:
            return ImportContext(commissioner=commissioners[0])
        if not commissioners:
            raise CommandError(
                "There is no commissioner yet to register the homes with: import the practices "
                "file first (manage.py import_practices FILE)."
            )
        codes = ", ".join(c.code for c in commissioners[:10])
        raise CommandError(
            f"There is more than one commissioner ({codes}{', …' if len(commissioners) > 10 else ''}): "
            "pass --commissioner CODE to say which one new homes are registered with."
        )
