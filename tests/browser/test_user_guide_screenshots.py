"""The user guide's screenshots (docs/guide/), taken by walking the main pages of each role on the
demo data, as the guide describes them. Every page is asserted and axe-checked in every run; the
PNGs are written to docs/guide/images/ only when GUIDE_SCREENSHOTS=1 (then commit them), and to
test-output/guide-screenshots/ otherwise, so CI never changes the repository.

    GUIDE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_user_guide_screenshots.py
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from accounts.access import scope_for
from accounts.models import User
from audits.services import audit_case_flag
from carehomes_les.demo import DEMO_PASSWORD, load_demo_data
from carehomes_les.help import GUIDE_DIR
from claims.models import Worksheet
from practices.models import Practice
from tests.browser.helpers import sign_in

ROOT = Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1280, "height": 800}


def _folder() -> Path:
    if os.environ.get("GUIDE_SCREENSHOTS") == "1":
        return GUIDE_DIR / "images"
    return ROOT / "test-output" / "guide-screenshots"


def _save(page, name: str) -> Path:
    """The visible 1280×800 of the page as a small PNG (a 64-colour palette keeps it light)."""
    image = Image.open(io.BytesIO(page.screenshot(type="png")))
    image = image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    path = _folder() / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)
    return path


def _visit(page, check_page, url: str, heading: str | re.Pattern, name: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    if isinstance(heading, str):
        heading = re.compile(re.escape(heading), re.IGNORECASE)
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    check_page(name)  # axe: zero violations on every page the guide shows
    _save(page, name)


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_user_guide_pages_of_each_role(page, live_server, check_page):
    load_demo_data(today=timezone.localdate())
    page.set_viewport_size(VIEWPORT)
    images = _folder()

    # Practice manager: home, the worksheets, a worksheet, payments, the register, a meeting.
    sign_in(page, live_server, "manager", DEMO_PASSWORD)
    practice = (
        Practice.objects.visible_to(scope_for(User.objects.get(username="manager")))
        .order_by("ods_code")
        .first()
    )
    ods = practice.ods_code
    claim = Worksheet.objects.filter(practice=practice).order_by(
        "-quarter__year", "-quarter__number"
    )
    claim = claim.select_related("quarter").first()
    _visit(page, check_page, "/", re.compile(r"."), "manager-home")
    _visit(
        page,
        check_page,
        reverse("claims:practice_quarters", args=[ods]),
        "Worksheets",
        "manager-worksheets",
    )
    _visit(
        page, check_page, reverse("claims:worksheet", args=[ods, claim.quarter.slug]),
        claim.quarter.label, "manager-worksheet",
    )  # fmt: skip
    _visit(
        page,
        check_page,
        reverse("payment_runs:practice_payments", args=[ods]),
        "Payments",
        "manager-payments",
    )
    _visit(
        page,
        check_page,
        reverse("carehomes:register", args=[ods]),
        "Care-home register",
        "manager-register",
    )
    _visit(
        page,
        check_page,
        reverse("outcomes:meeting_create", args=[ods]),
        re.compile(r"meeting", re.I),
        "manager-meeting",
    )
    expect(page.get_by_role("group", name="Meeting date").get_by_label("Day")).to_be_visible()
    _sign_out(page)

    # Contracting officer: home, the claims queue, a claim to check, payment runs.
    sign_in(page, live_server, "officer", DEMO_PASSWORD)
    waiting = Worksheet.objects.filter(status="submitted").order_by("practice__ods_code").first()
    _visit(page, check_page, "/", re.compile(r"."), "officer-home")
    _visit(page, check_page, reverse("review:queue"), re.compile(r"laim"), "officer-claims")
    _visit(
        page,
        check_page,
        reverse("review:claim", args=[waiting.pk]),
        re.compile(r"."),
        "officer-claim",
    )
    _visit(page, check_page, reverse("payment_runs:list"), "Payment runs", "officer-payment-runs")
    _sign_out(page)

    # Auditor: the audits page and a case (flagged here, as an auditor would).
    case = audit_case_flag(
        practice=practice,
        financial_year=claim.quarter.year,
        reason="Openings rose in a quarter when nobody left the homes.",
        by=None,
    )
    sign_in(page, live_server, "auditor", DEMO_PASSWORD)
    _visit(page, check_page, reverse("audits:index"), "Audit", "auditor-audits")
    _visit(
        page, check_page, reverse("audits:case", args=[case.pk]), re.compile(r"."), "auditor-case"
    )

    # The guide itself, at /help/, shows the images it names, and every image it names exists.
    names = sorted(p.stem for p in images.glob("*.png"))
    assert len(names) >= 12
    for guide in ("practice-manager", "contracting-officer", "auditor"):
        text = (GUIDE_DIR / f"{guide}.md").read_text(encoding="utf-8")
        for image in re.findall(r"\(images/([a-z0-9-]+)\.png\)", text):
            assert image in names, f"{guide}.md names images/{image}.png, which no step takes"
    response = page.goto(reverse("help_page", args=["practice-manager"]))
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("practice manager")
    check_page("help for practice managers")
