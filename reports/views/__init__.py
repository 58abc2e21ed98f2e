"""Commissioning reports: the dashboard (``dashboard.py``), the scheme comparison (``schemes.py``)
and the cross-practice checks (``checks.py``). Care-home coverage is in ``carehomes/coverage_views.py``."""
