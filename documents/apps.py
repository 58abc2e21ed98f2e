from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Stored files (remittance advice, signed attendance sheets, audit packs) and the PDF renderer."""

    name = "documents"
    verbose_name = "Documents"
