"""The officers' review pages: the queue (filters, counts, CSV), the claim page (calculation, history,
actions for every role), the two-tier rule as an officer meets it, and the practice's resubmission
after a query."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import ApprovalPolicy, Worksheet
from claims.review.services import claim_approve, claim_check, claim_query, claim_waive
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from history.models import AuditEvent
from tests import factories as f

S = Worksheet.Status
ACTIONS = ("check", "approve", "finance_approve", "query", "reject", "waive")


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def officers(commissioner):
    return (
        f.officer(commissioner, username="checker", first_name="Chris", last_name="Checker"),
        f.officer(commissioner, username="approver", first_name="Alex", last_name="Approver"),
        f.officer(commissioner, username="finance", is_finance_approver=True),
    )


@pytest.fixture
def practice_in(commissioner):
    """``practice_in(name=…, homes=1, commissioner=…)``: a practice with an agreement and homes."""

    def build(*, name=None, homes=1, beds=200, within=None):
        extra = {"name": name} if name else {}
        practice = f.PracticeFactory(pcn__commissioner=within or commissioner, **extra)
        f.AgreementFactory(practice=practice)
        for _ in range(homes):
            f.AlignmentFactory(
                practice=practice,
                care_home__beds=beds,
                care_home__commissioner=within or commissioner,
            )
        return practice

    return build


Q1 = Period(2019, 1)


def submit(practice, *, period=Q1, days_late=0, opening=10, new=0, temporary=0):
    quarter = quarter_for(period)
    homes = [a.care_home for a in practice.alignments.select_related("care_home")]
    moment = datetime.datetime.combine(
        quarter.due_date + datetime.timedelta(days=days_late), datetime.time(12), LONDON
    )
    return worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={
            home.pk: LineEntry(
                opening=opening, new_permanent=new, temporary=temporary, moved_out=0, died=0
            )
            for home in homes
        },
        by=None,
        submitted_at=moment,
    )


def url(name, claim, **kwargs):
    return reverse(f"review:{name}", kwargs={"pk": claim.pk, **kwargs})


def signed_in(client, user):
    client.force_login(user)
    return client


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))


# -- the queue -----------------------------------------------------------------------------------


def test_queue_lists_only_claims_in_scope(client, officers, practice_in):
    own = submit(practice_in(name="Dinnington Group Practice"))
    foreign = submit(practice_in(name="Faraway Surgery", within=f.CommissionerFactory(code="02P")))
    page = signed_in(client, officers[0]).get(reverse("review:queue")).content.decode()
    assert own.practice.name in page
    assert foreign.practice.name not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"late": "on"}, {"late3", "late10"}),
        ({"status": "checked"}, {"checked"}),
        ({"band": "8"}, {"late10"}),
        ({"band": "0"}, {"on_time", "checked"}),
        ({"late": "on", "status": "submitted"}, {"late3", "late10"}),
    ],
)
def test_queue_filters_narrow_the_rows(client, officers, practice_in, query, expected):
    submit(practice_in(name="on_time"))
    submit(practice_in(name="late3"), days_late=3)
    submit(practice_in(name="late10"), days_late=10)
    claim_check(claim=submit(practice_in(name="checked")), by=officers[0])
    response = signed_in(client, officers[1]).get(reverse("review:queue"), query)
    shown = {row.record.practice.name for row in response.context["table"].rows}
    assert shown == expected


def test_queue_filters_by_pcn_and_quarter(client, officers, practice_in):
    first, second = practice_in(name="North"), practice_in(name="South")
    submit(first)
    submit(first, period=Period(2019, 2))
    submit(second, period=Period(2019, 2))
    client = signed_in(client, officers[0])
    by_pcn = client.get(reverse("review:queue"), {"pcn": first.pcn.pk}).context["table"]
    assert {r.record.reference for r in by_pcn.rows} == {
        f"{first.ods_code}-2019-20-Q1",
        f"{first.ods_code}-2019-20-Q2",
    }
    q2 = quarter_for(Period(2019, 2))
    by_quarter = client.get(reverse("review:queue"), {"quarter": q2.pk}).context["table"]
    assert {r.record.practice.name for r in by_quarter.rows} == {"North", "South"}


@pytest.mark.parametrize(
    "column",
    ["practice", "quarter", "status", "net_pence"],
)  # fmt: skip
def test_queue_and_its_csv_sort_by_every_column(client, officers, practice_in, column):
    submit(practice_in(name="Alpha"), days_late=9)
    submit(practice_in(name="Beta"))
    client = signed_in(client, officers[0])
    for sort in (column, f"-{column}"):
        assert client.get(reverse("review:queue"), {"sort": sort}).status_code == 200
        assert len(csv_rows(client.get(reverse("review:queue_csv"), {"sort": sort}))) == 2


def test_queue_csv_follows_the_sort_of_the_table(client, officers, practice_in):
    submit(practice_in(name="Alpha"), days_late=9)
    submit(practice_in(name="Beta"))
    client = signed_in(client, officers[0])
    rows = csv_rows(client.get(reverse("review:queue_csv"), {"sort": "net_pence"}))
    assert [r["practice_name"] for r in rows] == ["Alpha", "Beta"]  # Alpha's lateness deduction
    rows = csv_rows(client.get(reverse("review:queue_csv"), {"sort": "-net_pence"}))
    assert [r["practice_name"] for r in rows] == ["Beta", "Alpha"]


def test_queue_counts_claims_per_status_for_the_other_filters(client, officers, practice_in):
    submit(practice_in())
    submit(practice_in(), days_late=2)
    claim_check(claim=submit(practice_in(), days_late=5), by=officers[0])
    client = signed_in(client, officers[1])
    counts = {c["label"]: c["count"] for c in client.get(reverse("review:queue")).context[
        "status_counts"
    ]}  # fmt: skip
    assert (counts["Submitted"], counts["Checked"], counts["Approved"]) == (2, 1, 0)
    late = client.get(reverse("review:queue"), {"late": "on", "status": "checked"})
    counts = {c["label"]: c["count"] for c in late.context["status_counts"]}
    assert (counts["Submitted"], counts["Checked"]) == (1, 1)  # status ignored, lateness kept


def test_queue_query_count_is_the_same_for_1_and_10_claims(client, officers, practice_in):
    client = signed_in(client, officers[0])
    submit(practice_in())
    client.get(reverse("review:queue"))  # warm the session and content types
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("review:queue"))
    for days in range(9):
        claim_waive(claim=submit(practice_in(), days_late=days + 1), by=officers[0], reason="Flood")
    with CaptureQueriesContext(connection) as ten:
        response = client.get(reverse("review:queue"))
    assert len(response.context["table"].rows) == 10
    assert len(ten) == len(one)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"show": "all"},
        {"show": "all", "status": "checked"},
        {"late": "on"},
        {"show": "all", "late": "on", "status": "submitted"},
        {"waiting_for": "approve"},
        {"status": "paid"},
    ],
)
def test_queue_counts_agree_with_the_rows_shown(client, officers, practice_in, query):
    """The counts come from one or two aggregates, the number of claims from their sum: each
    agrees with the rows the same filters show."""
    submit(practice_in())
    submit(practice_in(), days_late=2)
    claim_check(claim=submit(practice_in(), days_late=5), by=officers[0])
    claim_check(claim=submit(practice_in()), by=officers[1])
    client = signed_in(client, officers[1])

    def shown(**params):
        return client.get(reverse("review:queue"), params).context["table"].paginator.count

    response = client.get(reverse("review:queue"), query)
    table = response.context["table"]
    assert table.paginator.count == len(table.rows) == len(list(table.data))
    others = {k: v for k, v in query.items() if k != "status"}
    for item in response.context["status_counts"]:
        status = next(v for v, label in Worksheet.Status.choices if label == item["label"])
        assert item["count"] == shown(**others, status=status)
    views = {item["label"]: item["count"] for item in response.context["views"]}
    assert views == {"Claims you can act on": shown(), "All claims": shown(show="all")}


def test_queue_opens_with_one_count_and_a_page_past_the_end_is_the_last(
    client, officers, practice_in
):
    for _ in range(3):
        submit(practice_in())
    client = signed_in(client, officers[0])
    client.get(reverse("review:queue"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("review:queue"))
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1  # the status counts and the views' counts, together
    sqls = [q["sql"] for q in queries]
    assert len(sqls) == len(set(sqls))  # nothing read twice
    assert response.context["table"].paginator.count == 3
    past = client.get(reverse("review:queue"), {"page": "99"})
    assert past.status_code == 200 and past.context["table"].page.number == 1


def test_queue_csv_exports_exactly_the_filtered_rows(client, officers, practice_in):
    late = submit(practice_in(name="Late Surgery"), days_late=4)
    submit(practice_in(name="Prompt Surgery"))
    client = signed_in(client, officers[0])
    queue = client.get(reverse("review:queue"), {"late": "on", "page": "1"}).content.decode()
    assert f'href="{reverse("review:queue_csv")}?late=on"' in queue  # the same filters, all pages
    response = client.get(reverse("review:queue_csv"), {"late": "on"})
    assert response["Content-Disposition"] == 'attachment; filename="claims-2019-20.csv"'
    rows = csv_rows(response)
    assert [r["reference"] for r in rows] == [late.reference]
    row = rows[0]
    assert (row["days_late"], row["band_deduction_percent"], row["gross"], row["net"]) == (
        "4",
        "5",
        "600.00",
        "570.00",
    )
    assert row["first_submitted"] == f"{late.first_submitted_at.astimezone(LONDON):%Y-%m-%d} 12:00"


def test_queue_csv_neutralises_formulas_in_every_text_cell(client, officers, practice_in):
    claim = submit(practice_in(name="=HYPERLINK(1)"), days_late=2)
    claim_waive(claim=claim, by=officers[0], reason="@SUM(A1) flood")
    for start in ("+1", "-1", "\tTab", "\rCR"):
        submit(practice_in(name=f"{start} Surgery"))
    rows = csv_rows(signed_in(client, officers[0]).get(reverse("review:queue_csv")))
    names = {r["practice_name"] for r in rows}
    assert names == {
        "'=HYPERLINK(1)",
        "'+1 Surgery",
        "'-1 Surgery",
        "'\tTab Surgery",
        "'\rCR Surgery",
    }
    waived = next(r for r in rows if r["reference"] == claim.reference)
    assert waived["waiver_reason"] == "'@SUM(A1) flood"


def test_queue_csv_refused_to_practice_managers(client, practice_in):
    practice = practice_in()
    response = signed_in(client, f.practice_manager(practice)).get(reverse("review:queue_csv"))
    assert response.status_code == 403


def test_waiver_shows_on_queue_claim_page_and_csv(client, officers, practice_in):
    claim = submit(practice_in(), days_late=10)  # 10%, deferred
    client = signed_in(client, officers[0])
    response = client.post(url("waive", claim), {"waive-reason": "Practice flooded in July"})
    assert response.status_code == 302
    queue = client.get(reverse("review:queue"))
    row = next(iter(queue.context["table"].rows))
    assert (row.get_cell("status"), row.get_cell("net_pence")) == (
        "Submitted (deduction waived)",
        "£600.00",
    )
    page = client.get(url("claim", claim)).content.decode()
    assert "£0.00 (deduction waived)" in page
    assert "Practice flooded in July" in page and "Granted by Chris Checker" in page
    [row] = csv_rows(client.get(reverse("review:queue_csv")))
    assert (row["waived"], row["deferred"], row["net"], row["waiver_reason"]) == (
        "yes",
        "no",
        "600.00",
        "Practice flooded in July",
    )


# -- the claim page ------------------------------------------------------------------------------


def test_claim_page_shows_the_calculation_and_where_openings_came_from(
    client, officers, practice_in
):
    practice = practice_in(beds=12)
    submit(practice, opening=10, new=2)  # closing 12: the 12 beds
    home = practice.alignments.get().care_home
    q2 = quarter_for(Period(2019, 2))
    claim = worksheet_submit(
        practice=practice,
        quarter=q2,
        entries={
            home.pk: LineEntry(
                new_permanent=2, temporary=2, moved_out=1, died=0, beds_warning_confirmed=True
            )
        },
        by=None,
        submitted_at=datetime.datetime.combine(q2.due_date, datetime.time(9), LONDON),
    )
    page = signed_in(client, officers[0]).get(url("claim", claim)).content.decode()
    assert "12 × £60.00 = £720.00" in page  # continuing: the opening carried forward
    assert "2 × £102.00 = £204.00" in page
    assert "2 × £60.00 = £120.00" in page
    assert "£1,044.00" in page
    assert "carried forward from 2019/20 Q1" in page
    assert "Closing 13 is above the home&#x27;s 12 registered beds: confirmed by the practice" in (
        page
    )


def test_claim_page_of_another_commissioner_is_404(client, officers, practice_in):
    foreign = submit(practice_in(within=f.CommissionerFactory(code="02P")))
    response = signed_in(client, officers[0]).get(url("claim", foreign))
    assert response.status_code == 404


def test_claim_page_history_lists_every_event_with_who_and_figures(client, officers, practice_in):
    checker, approver, _ = officers
    claim = submit(practice_in(), days_late=3)
    claim_waive(claim=claim, by=checker, reason="Power cut")
    claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)
    response = signed_in(client, checker).get(url("claim", claim))
    history = response.context["history"]
    assert [h.action for h in history] == [
        "Submitted",
        "Deduction waived",
        "Checked",
        "Approved",
    ]
    assert [h.who for h in history][1:] == ["Chris Checker", "Chris Checker", "Alex Approver"]
    assert "Net: £570.00 → £600.00" in history[1].changes
    assert "Status: Checked → Approved" in history[3].changes
    assert history[1].event.reason == "Power cut"


def test_claim_page_query_count_is_the_same_for_1_and_10_lines(client, officers, practice_in):
    client = signed_in(client, officers[0])
    small = submit(practice_in(homes=1))
    large = submit(practice_in(homes=10))
    client.get(url("claim", small))
    with CaptureQueriesContext(connection) as one:
        client.get(url("claim", small))
    with CaptureQueriesContext(connection) as ten:
        response = client.get(url("claim", large))
    assert len(response.context["rows"]) == 10
    assert len(ten) == len(one)


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (S.SUBMITTED, {"check", "query", "reject", "waive", "correct"}),
        (S.CHECKED, {"approve", "query", "reject", "waive", "correct"}),
        (S.QUERIED, {"reject", "waive", "correct"}),
        (S.APPROVED, {"waive", "correct"}),
        (S.REJECTED, set()),
    ],
)
def test_claim_page_shows_only_the_actions_its_status_allows(
    client, officers, practice_in, status, shown
):
    checker, approver, _ = officers
    claim = submit(practice_in(), days_late=2)
    if status == S.CHECKED:
        claim_check(claim=claim, by=checker)
    elif status == S.QUERIED:
        claim_query(claim=claim, by=checker, message="Which home?")
    elif status == S.APPROVED:
        claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)
    elif status == S.REJECTED:
        signed_in(client, checker).post(url("reject", claim), {"reject-reason": "Duplicate"})
    response = signed_in(client, approver).get(url("claim", claim))
    assert response.context["actions"] == shown


def test_claim_page_offers_no_waiver_for_an_on_time_claim(client, officers, practice_in):
    claim = submit(practice_in())
    client = signed_in(client, officers[0])
    assert "waive" not in client.get(url("claim", claim)).context["actions"]
    response = client.post(url("waive", claim), {"waive-reason": "Because"})
    assert response.status_code == 200
    assert "This claim was on time: there is no deduction to waive." in response.content.decode()
    assert not Worksheet.objects.get().waived


def test_auditor_reads_the_claim_page_without_actions(client, commissioner, practice_in):
    claim = submit(practice_in())
    response = signed_in(client, f.auditor(commissioner)).get(url("claim", claim))
    assert response.status_code == 200
    assert response.context["actions"] == set()
    assert b"Mark as checked" not in response.content


# -- the actions, for every role -------------------------------------------------------------------


def _action_url(name, claim):
    if name == "correct_opening":
        return url(name, claim, line=claim.lines.get().pk)
    return url(name, claim)


ALL_ACTIONS = (*ACTIONS, "correct_opening")


@pytest.mark.parametrize("action", ALL_ACTIONS)
@pytest.mark.parametrize("role", ["manager", "auditor", "administrator"])
def test_claim_actions_refused_to_roles_that_do_not_review(
    client, commissioner, practice_in, action, role
):
    claim = submit(practice_in(), days_late=2)
    user = {
        "manager": lambda: f.practice_manager(claim.practice),
        "auditor": lambda: f.auditor(commissioner),
        "administrator": f.administrator,
    }[role]()
    response = signed_in(client, user).post(_action_url(action, claim), {})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(object_type="claims.worksheet").count() == 1  # submission


@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_claim_actions_on_another_commissioners_claim_are_404(
    client, officers, practice_in, action
):
    foreign = submit(practice_in(within=f.CommissionerFactory(code="02P")), days_late=2)
    response = signed_in(client, officers[0]).post(_action_url(action, foreign), {})
    assert response.status_code == 404


@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_claim_actions_are_post_only(client, officers, practice_in, action):
    claim = submit(practice_in())
    assert signed_in(client, officers[0]).get(_action_url(action, claim)).status_code == 405


def test_claim_actions_send_anonymous_users_to_sign_in(client, practice_in):
    claim = submit(practice_in())
    response = client.post(url("check", claim))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_check_then_approve_by_another_officer_through_the_pages(client, officers, practice_in):
    checker, approver, _ = officers
    claim = submit(practice_in())
    response = signed_in(client, checker).post(url("check", claim), follow=True)
    assert "checked. A different officer must now approve it." in response.content.decode()
    response = signed_in(client, approver).post(url("approve", claim), follow=True)
    assert "approved: in the next payment run after approval." in response.content.decode()
    claim.refresh_from_db()
    assert (claim.status, claim.checked_by, claim.approved_by) == (S.APPROVED, checker, approver)


def test_same_officer_cannot_approve_what_they_checked(client, officers, practice_in):
    checker = officers[0]
    claim = claim_check(claim=submit(practice_in()), by=checker)
    events = AuditEvent.objects.count()
    response = signed_in(client, checker).post(url("approve", claim))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "nhsuk-error-summary" in page
    assert "You checked this claim: a different officer must approve it." in page
    claim.refresh_from_db()
    assert (claim.status, claim.approved_by) == (S.CHECKED, None)
    assert AuditEvent.objects.count() == events


def test_finance_approval_above_the_threshold_only_for_a_finance_approver(
    client, officers, practice_in
):
    checker, approver, finance = officers
    ApprovalPolicy.objects.create(finance_threshold_pence=10_000)
    claim = submit(practice_in())  # net £600.00: above £100.00
    signed_in(client, checker).post(url("check", claim))
    response = signed_in(client, approver).post(url("approve", claim), follow=True)
    assert "a finance approver must also approve it" in response.content.decode()
    assert "finance_approve" not in response.context["actions"]  # approver is not finance
    refused = client.post(url("finance_approve", claim))
    assert "Only a finance approver" in refused.content.decode()
    page = signed_in(client, finance).get(url("claim", claim))
    assert "finance_approve" in page.context["actions"]
    client.post(url("finance_approve", claim))
    claim.refresh_from_db()
    assert (claim.status, claim.finance_approved_by) == (S.APPROVED, finance)


def test_query_needs_a_message_and_writes_nothing_without_one(client, officers, practice_in):
    claim = submit(practice_in())
    response = signed_in(client, officers[0]).post(url("query", claim), {"query-message": " "})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Write the question the practice must answer" in page
    assert 'href="#id_query-message"' in page  # the summary links to the field
    assert Worksheet.objects.get().status == S.SUBMITTED


def test_query_sends_the_claim_back_with_the_question(client, officers, practice_in):
    claim = submit(practice_in())
    client = signed_in(client, officers[0])
    client.post(url("query", claim), {"query-message": "Is the death on 3 May included?"})
    claim.refresh_from_db()
    assert (claim.status, claim.query_message) == (S.QUERIED, "Is the death on 3 May included?")
    assert "Is the death on 3 May included?" in client.get(url("claim", claim)).content.decode()


def test_reject_with_a_referral_to_counter_fraud(client, officers, practice_in):
    claim = submit(practice_in())
    response = signed_in(client, officers[0]).post(
        url("reject", claim),
        {"reject-reason": "Patients not registered", "reject-counter_fraud": "on"},
        follow=True,
    )
    assert "rejected and referred to counter fraud." in response.content.decode()
    claim.refresh_from_db()
    assert (claim.status, claim.counter_fraud_referral) == (S.REJECTED, True)
    assert "Referred to counter fraud." in response.content.decode()


def test_correct_an_opening_through_the_page(client, officers, practice_in):
    claim = submit(practice_in(), opening=10)
    line = claim.lines.get()
    client = signed_in(client, officers[0])
    refused = client.post(
        url("correct_opening", claim, line=line.pk), {f"line-{line.pk}-opening": "8"}
    )
    assert "Give the reason for correcting the opening" in refused.content.decode()
    response = client.post(
        url("correct_opening", claim, line=line.pk),
        {f"line-{line.pk}-opening": "8", f"line-{line.pk}-reason": "Home's records"},
        follow=True,
    )
    assert "corrected to 8: net payment now £480.00." in response.content.decode()
    line.refresh_from_db()
    assert (line.opening, line.opening_source) == (8, "corrected")
    assert "corrected by an officer" in response.content.decode()


def test_correct_opening_of_a_line_of_another_claim_is_404(client, officers, practice_in):
    claim, other = submit(practice_in()), submit(practice_in())
    response = signed_in(client, officers[0]).post(
        url("correct_opening", claim, line=other.lines.get().pk),
        {f"line-{other.lines.get().pk}-opening": "1", f"line-{other.lines.get().pk}-reason": "x"},
    )
    assert response.status_code == 404


# -- the practice answers a query ----------------------------------------------------------------


def worksheet_url(claim):
    return reverse(
        "claims:worksheet",
        kwargs={"ods_code": claim.practice.ods_code, "quarter": claim.quarter.slug},
    )


def test_practice_manager_resubmits_a_queried_claim_keeping_its_days_late(
    client, officers, practice_in
):
    claim = submit(practice_in(), days_late=3, opening=10)  # 5%: net £570.00
    claim_query(claim=claim, by=officers[0], message="Two patients left in March?")
    home = claim.lines.get().care_home
    manager = f.practice_manager(claim.practice)
    client = signed_in(client, manager)
    page = client.get(worksheet_url(claim))
    html = page.content.decode()
    assert "Two patients left in March?" in html
    assert page.context["form"][f"home-{home.pk}-opening"].value() == 10  # pre-filled
    assert "Resubmit worksheet" in html
    figures = {
        f"home-{home.pk}-opening": "12",
        f"home-{home.pk}-new_permanent": "0",
        f"home-{home.pk}-temporary": "0",
        f"home-{home.pk}-moved_out": "2",
        f"home-{home.pk}-died": "0",
        f"home-{home.pk}-in_other_home": "0",
        "action": "submit",
    }
    response = client.post(worksheet_url(claim), figures, follow=True)
    assert "has been resubmitted (3 days late)" in response.content.decode()
    first = claim.first_submitted_at
    claim.refresh_from_db()
    assert (claim.status, claim.days_late, claim.first_submitted_at) == (S.SUBMITTED, 3, first)
    assert claim.submitted_at > first
    assert (claim.gross_pence, claim.net_pence) == (72000, 68400)  # 12 × £60, less 5%
    assert claim.submitted_by is None or claim.submitted_by == manager


def test_resubmission_with_a_problem_shows_it_and_keeps_the_query(client, officers, practice_in):
    claim = submit(practice_in(), opening=10)
    claim_query(claim=claim, by=officers[0], message="Check the leavers")
    home = claim.lines.get().care_home
    client = signed_in(client, f.practice_manager(claim.practice))
    response = client.post(
        worksheet_url(claim),
        {
            f"home-{home.pk}-opening": "1",
            f"home-{home.pk}-new_permanent": "0",
            f"home-{home.pk}-temporary": "0",
            f"home-{home.pk}-moved_out": "5",
            f"home-{home.pk}-died": "0",
            f"home-{home.pk}-in_other_home": "0",
            "action": "submit",
        },
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == S.QUERIED


def test_submitted_claim_is_not_offered_for_resubmission(client, practice_in):
    claim = submit(practice_in())
    client = signed_in(client, f.practice_manager(claim.practice))
    response = client.post(worksheet_url(claim), {"action": "submit"}, follow=True)
    assert "has already been submitted" in response.content.decode()
    assert "Resubmit worksheet" not in client.get(worksheet_url(claim)).content.decode()


def test_officer_sees_a_queried_worksheet_read_only(client, officers, practice_in):
    claim = submit(practice_in())
    claim_query(claim=claim, by=officers[0], message="Which home?")
    response = signed_in(client, officers[1]).get(worksheet_url(claim))
    assert "Which home?" in response.content.decode()
    assert response.context.get("mode") != "form"
    assert "Resubmit worksheet" not in response.content.decode()
