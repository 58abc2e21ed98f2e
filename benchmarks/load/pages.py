"""The pages each benchmark user goes round, in order: (name, path, text the page must carry).
Paths are filled from the sessions file (``data.py sessions``): ``{claim}`` and ``{practice}`` are
drawn at random from the commissioner's claims in review and its practices on every request."""

OFFICER = [
    ("officer: home", "/", "<h1"),
    ("officer: claims queue", "/claims/", "<table"),
    ("officer: a claim", "/claims/{claim}/", "<h1"),
    ("officer: payment runs", "/payment-runs/", "<table"),
    ("officer: a practice", "/practices/{practice}/", "<h1"),
    ("officer: care homes", "/care-homes/", "<table"),
    ("officer: dashboard", "/reports/dashboard/", "<svg"),
]
MANAGER = [
    ("manager: home", "/", "<h1"),
    ("manager: their practice", "/practices/{own_practice}/", "<h1"),
    (
        "manager: worksheet, latest quarter",
        "/practices/{own_practice}/worksheets/{latest_quarter}/",
        "<table",
    ),
    (
        "manager: worksheet, open quarter",
        "/practices/{own_practice}/worksheets/{open_quarter}/",
        "<h1",
    ),
    ("manager: payments", "/practices/{own_practice}/payments/", "<table"),
]
AUDITOR = [
    ("auditor: home", "/", "<h1"),
    ("auditor: claims queue", "/claims/", "<table"),
    ("auditor: a claim", "/claims/{claim}/", "<h1"),
    ("auditor: audits", "/audits/", "<h1"),
    ("auditor: dashboard", "/reports/dashboard/", "<svg"),
]
USERS = {"officer": OFFICER, "manager": MANAGER, "auditor": AUDITOR}
