"""The practice's worksheet pages (issue "Quarterly worksheets and the payment engine"):
its quarters, the worksheet form with its payment preview, the read-only worksheet once submitted,
and the worksheet as a file to download pre-filled and upload filled in."""

from claims.views.quarters import PracticeQuartersView, WorksheetsIndexView
from claims.views.upload import WorksheetUploadView
from claims.views.worksheet import WorksheetDownloadView, WorksheetView

__all__ = [
    "PracticeQuartersView",
    "WorksheetDownloadView",
    "WorksheetUploadView",
    "WorksheetView",
    "WorksheetsIndexView",
]
