"""What a backup must keep, as one JSON line on standard output, for the restore drill
(tests/operations/test_backup_restore.py) to compare before the backup and after the restore:

- ``export_claims`` for every quarter that has worksheets (the figures practices are paid on);
- the rows in every table of the project's models, history (``audit.AuditEvent``) included;
- every stored document (``documents.Document``: remittance advice, attendance sheets, audit packs),
  read back through the model, by the SHA-256 of its bytes, and whether that matches the SHA-256
  recorded when it was stored;
- the SHA-256 of every file under PRIVATE_STORAGE_ROOT.

Run with DATABASE_URL and PRIVATE_STORAGE_ROOT in the environment; it only reads."""

import hashlib
import io
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehomes_les.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402


def exports() -> dict[str, str]:
    from claims.models import Quarter

    out = {}
    for quarter in Quarter.objects.filter(worksheets__isnull=False).distinct():
        label = f"{quarter.year}-{(quarter.year + 1) % 100:02d}-Q{quarter.number}"
        buffer = io.StringIO()
        call_command("export_claims", "--quarter", label, stdout=buffer)
        out[label] = buffer.getvalue()
    return out


def counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def documents() -> dict[str, dict]:
    from documents.models import Document

    out = {}
    for document in Document.objects.order_by("pk").iterator():
        content = bytes(document.content)
        digest = hashlib.sha256(content).hexdigest()
        out[str(document.pk)] = {
            "kind": document.kind,
            "filename": document.filename,
            "sha256": digest,
            "intact": digest == document.sha256 and len(content) == document.size,
        }
    return out


def private_files() -> dict[str, str]:
    root = Path(settings.PRIVATE_STORAGE_ROOT)
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


if __name__ == "__main__":
    print(
        json.dumps(
            {
                "exports": exports(),
                "counts": counts(),
                "documents": documents(),
                "private_files": private_files(),
            }
        )
    )
