"""CSV downloads whose every text cell is safe to open in a spreadsheet."""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

from core.text import safe_text


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """A CSV attachment whose every text cell is safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)  # "\r\n" (RFC 4180): a field holding "\r" or "\n" is then quoted
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_text(cell) for cell in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
