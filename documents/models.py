"""Documents the service produces (remittance advice, audit packs) or keeps as evidence (signed
attendance sheets), kept in the database: outside any public path, served only by views that apply
the access rule.

A document is written in the same transaction that records it as built, so a worker that dies while
rendering leaves nothing behind, and every web and worker machine reads the same bytes without a
shared disk (ADR 0009)."""

import hashlib

from django.db import models


class Document(models.Model):
    class Kind(models.TextChoices):
        REMITTANCE_ADVICE = "remittance_advice", "Remittance advice"
        ATTENDANCE_SHEET = "attendance_sheet", "Signed attendance sheet"
        AUDIT_PACK = "audit_pack", "Audit pack"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    filename = models.CharField(max_length=200, help_text="The safe name it downloads as.")
    content_type = models.CharField(max_length=100, default="application/pdf")
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        # Moved from the reports app without moving a row (docs/adr/0029).
        db_table = "reports_document"

    def __str__(self):
        return self.filename

    @property
    def type_label(self) -> str:
        """``PDF``, ``PNG``, ``JPEG``: the file type in words for a download link."""
        return {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}.get(
            self.content_type, self.content_type
        )

    @classmethod
    def of(cls, *, kind: str, filename: str, content: bytes, content_type: str = "application/pdf"):
        """An unsaved document holding ``content``."""
        return cls(
            kind=kind,
            filename=filename,
            content_type=content_type,
            content=content,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
