"""The officers' review of claims: the queue, its CSV, the claim page and one URL per action
(POST only, each calling one service of ``claims/review/services.py``)."""

from django.urls import path

from claims.views import bulk, queue, review

app_name = "review"
urlpatterns = [
    path("", queue.ClaimQueueView.as_view(), name="queue"),
    path("claims.csv", queue.ClaimQueueCsvView.as_view(), name="queue_csv"),
    path("bulk/", bulk.BulkReviewView.as_view(), name="bulk"),
    path("<int:pk>/", review.ClaimView.as_view(), name="claim"),
    path("<int:pk>/check/", review.ClaimCheckView.as_view(), name="check"),
    path("<int:pk>/approve/", review.ClaimApproveView.as_view(), name="approve"),
    path(
        "<int:pk>/finance-approve/",
        review.ClaimFinanceApproveView.as_view(),
        name="finance_approve",
    ),
    path("<int:pk>/query/", review.ClaimQueryView.as_view(), name="query"),
    path("<int:pk>/reject/", review.ClaimRejectView.as_view(), name="reject"),
    path("<int:pk>/waive/", review.ClaimWaiveView.as_view(), name="waive"),
    path(
        "<int:pk>/lines/<int:line>/opening/",
        review.OpeningCorrectView.as_view(),
        name="correct_opening",
    ),
]
