"""Payment runs, and a practice's payments. Included at the root (like ``claims.urls``) so that the
practice's page sits with the practice's other pages: ``/practices/<ods_code>/payments/``."""

from django.urls import path

from claims.views import money, runs

app_name = "payment_runs"
urlpatterns = [
    path("payment-runs/", runs.PaymentRunListView.as_view(), name="list"),
    path("payment-runs/new/", runs.PaymentRunCreateView.as_view(), name="create"),
    path("payment-runs/<int:pk>/", runs.PaymentRunView.as_view(), name="run"),
    path("payment-runs/money-owed/", money.MoneyOwedView.as_view(), name="money_owed"),
    path(
        "payment-runs/money-owed/invoice-requests.csv",
        money.InvoiceRequestsView.as_view(),
        name="invoice_requests",
    ),
    path(
        "payment-runs/finance-details/", money.FinanceDetailsView.as_view(), name="finance_details"
    ),
    path(
        "payment-runs/<int:pk>/authorise/",
        runs.PaymentRunAuthoriseView.as_view(),
        name="authorise",
    ),
    path("payment-runs/<int:pk>/close/", runs.PaymentRunCloseView.as_view(), name="close"),
    path("payment-runs/<int:pk>/edit/", runs.PaymentRunEditView.as_view(), name="edit"),
    path("payment-runs/<int:pk>/cancel/", runs.PaymentRunCancelView.as_view(), name="cancel"),
    path(
        "payment-runs/<int:pk>/payments.csv",
        money.PaymentsExportView.as_view(kind="csv"),
        name="payments_csv",
    ),
    path(
        "payment-runs/<int:pk>/payments.xlsx",
        money.PaymentsExportView.as_view(kind="xlsx"),
        name="payments_xlsx",
    ),
    path(
        "payment-runs/<int:pk>/mark-paid/", runs.PaymentRunMarkPaidView.as_view(), name="mark_paid"
    ),
    path(
        "payment-runs/<int:pk>/finance.csv",
        runs.FinanceExportView.as_view(),
        name="finance_export",
    ),
    path(
        "payment-runs/<int:pk>/remittances/retry/",
        runs.RemittancesRetryView.as_view(),
        name="remittances_retry",
    ),
    path(
        "payment-runs/<int:pk>/remittances/progress/",
        runs.RemittanceProgressView.as_view(),
        name="remittances_progress",
    ),
    path(
        "practices/<str:ods_code>/payments/<int:pk>/remittance-advice.pdf",
        runs.RemittanceAdviceView.as_view(),
        name="remittance_advice",
    ),
    path(
        "practices/<str:ods_code>/payments/",
        runs.PracticePaymentsView.as_view(),
        name="practice_payments",
    ),
]
