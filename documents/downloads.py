"""Serving a stored document (remittance advice, an attendance sheet) to a user the view has
already let through the access rule: as an attachment under the service's own safe name, never
sniffed or cached by the browser."""

from django.http import HttpResponse

from documents.models import Document


def document_response(document: Document) -> HttpResponse:
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["Content-Length"] = str(document.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
