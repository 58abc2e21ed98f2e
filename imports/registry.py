"""The kinds of file that can be imported, by name (the command and the upload form use the same
names)."""

from carehomes.importers import AlignmentsImporter, CareHomesImporter
from claims.worksheets.importers import WorksheetsImporter
from importing.base import Importer
from practices.importers import PracticesImporter

IMPORTERS: dict[str, type[Importer]] = {
    importer.kind: importer
    for importer in (PracticesImporter, CareHomesImporter, AlignmentsImporter, WorksheetsImporter)
}


def importer_for(kind: str) -> Importer:
    """The importer of ``kind``; a ``KeyError`` names an unknown kind."""
    return IMPORTERS[kind]()


def kind_choices() -> list[tuple[str, str]]:
    return [(kind, importer.label) for kind, importer in IMPORTERS.items()]
