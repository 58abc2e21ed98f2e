"""Reports kept until the data changes (reports/kept.py, history/generation.py, ADR 0048): the
dashboard and the scheme comparison are built once and served again until a change is recorded, and
never to someone whose scope differs. The store is the real Redis the suite runs against."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.review.services import claim_approve, claim_check
from core.periods import Period
from history import generation
from history.services import audit_record
from tests import factories as f
from tests.reports.test_dashboard import _practice, _submit

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reports:dashboard")
SCHEMES = reverse("reports:schemes")


def _get(client, user, url, **params):
    """The page's main content (the header names the user and carries a CSRF token) and its
    queries."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")], len(queries)


def _claim(commissioner, opening):
    """A practice of ``commissioner`` with one home and an on-time 2019/20 Q1 worksheet
    (``opening`` continuing patients at £60: £60 × opening), submitted through the service."""
    practice, home = _practice(commissioner, f.PCNFactory(commissioner=commissioner))
    return _submit(practice, home, Period(2019, 1), days_late=0, opening=opening)


def _approve(claim, commissioner):
    checked = claim_check(claim=claim, by=f.officer(commissioner))
    return claim_approve(claim=checked, by=f.officer(commissioner))


def test_the_dashboard_is_kept_until_a_change_is_recorded(client):
    commissioner = f.CommissionerFactory()
    claim = _claim(commissioner, opening=7)  # £420.00 when approved
    officer = f.officer(commissioner)

    built, built_queries = _get(client, officer, DASHBOARD, year=2019)
    again, kept_queries = _get(client, officer, DASHBOARD, year=2019)
    assert again == built
    assert kept_queries < built_queries - 5  # the figures were not summed again

    _approve(claim, commissioner)  # the review services record the change
    after, after_queries = _get(client, officer, DASHBOARD, year=2019)
    assert after_queries > kept_queries + 5  # built again
    assert after != built  # the approved claim is spend now


def test_the_scheme_comparison_is_kept_until_a_change_is_recorded(client):
    commissioner = f.CommissionerFactory()
    _claim(commissioner, opening=7)
    officer = f.officer(commissioner)

    built, built_queries = _get(client, officer, SCHEMES, year=2019)
    again, kept_queries = _get(client, officer, SCHEMES, year=2019)
    assert again == built
    assert kept_queries < built_queries - 5

    _claim(commissioner, opening=11)  # another practice submits: a recorded change
    after, after_queries = _get(client, officer, SCHEMES, year=2019)
    assert after_queries > kept_queries + 5
    assert after != built


def test_a_kept_report_is_never_served_to_another_scope(client):
    ours, theirs = f.CommissionerFactory(), f.CommissionerFactory()
    _approve(_claim(ours, opening=7), ours)  # £420.00
    _approve(_claim(theirs, opening=9), theirs)  # £540.00

    officer_page, officer_queries = _get(client, f.officer(ours), DASHBOARD, year=2019)
    assert "£420.00" in officer_page and "£540.00" not in officer_page

    # Another commissioner's officer: built for them, from their claims.
    their_page, their_queries = _get(client, f.officer(theirs), DASHBOARD, year=2019)
    assert "£540.00" in their_page and "£420.00" not in their_page
    assert their_queries == officer_queries

    # The same commissioner's auditor acts for the same organisation, with another role: their
    # own build, the same figures.
    auditor_page, auditor_queries = _get(client, f.auditor(ours), DASHBOARD, year=2019)
    assert "£420.00" in auditor_page and "£540.00" not in auditor_page
    assert auditor_queries == officer_queries

    # Another officer of the same commissioner is served what was kept.
    second_page, second_queries = _get(client, f.officer(ours), DASHBOARD, year=2019)
    assert second_page == officer_page
    assert second_queries < officer_queries


def test_recording_history_replaces_the_token_on_commit_and_for_its_own_reads(
    django_capture_on_commit_callbacks,
):
    practice = f.PracticeFactory()
    before = generation.current()
    with django_capture_on_commit_callbacks(execute=True) as hooks:
        with transaction.atomic():
            for summary in ("first", "second", "third"):
                audit_record(by=None, action="test", obj=practice, summary=summary)
            # this connection sees its change before the commit: its reads get a new token
            during = generation.current()
            assert generation.current() == during
    assert during != before
    assert len(hooks) == 1  # one replacement on commit, however many events
    assert generation.current() not in (before, during)  # retired when the change is visible


def test_a_report_built_before_a_commit_is_not_served_after_it(client):
    """The race the token closes: a report built from the data before a change commits is kept
    under the token read before it was built, which the commit retires."""
    commissioner = f.CommissionerFactory()
    claim = _claim(commissioner, opening=7)
    officer = f.officer(commissioner)
    token = generation.current()
    stale, _ = _get(client, officer, DASHBOARD, year=2019)
    _approve(claim, commissioner)
    assert generation.current() != token
    fresh, _ = _get(client, officer, DASHBOARD, year=2019)
    assert fresh != stale


def test_an_unreachable_store_is_passed_by(client, settings):
    commissioner = f.CommissionerFactory()
    claim = _claim(commissioner, opening=7)
    settings.CACHES = {
        **settings.CACHES,
        "kept": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        },
    }
    officer = f.officer(commissioner)
    before, _ = _get(client, officer, DASHBOARD, year=2019)
    _approve(claim, commissioner)  # the change goes ahead
    after, _ = _get(client, officer, DASHBOARD, year=2019)
    assert after != before  # built each time
