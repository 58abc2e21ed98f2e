"""Emails that tell a practice what happened to its claim: the receipt of a submission, a query, an
opening correction.

Each is recorded in the outbox (``notices.Notice``) in the same transaction as the change, keyed by
the history event that made it, and sent by a Celery task after the transaction commits: a
rolled-back change mails nobody, and a change mails the practice once."""

from django.conf import settings
from django.urls import reverse

from claims import rules
from claims.models import Worksheet
from core.periods import LONDON
from history.models import AuditEvent
from notices.models import Notice
from notices.services import notice_create


def worksheet_link(practice, quarter) -> str:
    """The practice's worksheet for the quarter, as an address an email can hold."""
    return settings.SITE_URL + reverse(
        "claims:worksheet", kwargs={"ods_code": practice.ods_code, "quarter": quarter.slug}
    )


def practice_notify(*, event: AuditEvent, claim: Worksheet, subject: str, body: str) -> Notice:
    notice, _ = notice_create(
        key=f"claim:{event.pk}",
        kind=Notice.Kind.CLAIM,
        practice_id=claim.practice_id,
        quarter_id=claim.quarter_id,
        subject=subject,
        body=body,
    )
    return notice


def receipt_notify(*, event: AuditEvent, claim: Worksheet) -> Notice:
    """The receipt of a submission (or a resubmission after a query): what was submitted, the
    payment it implies and when it will be paid. Keyed by the submission's history event, so each
    submission has exactly one."""
    subject, body = receipt_email(claim)
    notice, _ = notice_create(
        key=f"receipt:{event.pk}",
        kind=Notice.Kind.RECEIPT,
        practice_id=claim.practice_id,
        quarter_id=claim.quarter_id,
        subject=subject,
        body=body,
    )
    return notice


FIGURE_WORDS = (
    ("opening", "opening"),
    ("new_permanent", "new permanent"),
    ("temporary", "temporary"),
    ("moved_out", "moved out"),
    ("died", "died"),
    ("in_other_home", "in another home (not paid)"),
)


def receipt_email(claim: Worksheet) -> tuple[str, str]:
    from claims import wording

    practice, quarter = claim.practice, claim.quarter
    when = claim.submitted_at.astimezone(LONDON)
    resubmitted = claim.submitted_at != claim.first_submitted_at
    lines = sorted(claim.lines.select_related("care_home"), key=lambda line: line.care_home.name)
    late = (
        "on time"
        if claim.days_late == 0
        else f"{wording.days(claim.days_late)} late (counted from the first submission on "
        f"{wording.day(claim.first_submitted_at.astimezone(LONDON).date())})"
    )
    if claim.waived:
        deduction = "the lateness deduction is waived (exceptional circumstances)"
    elif claim.deduction_pence:
        deduction = (
            f"{wording.consequence(claim.band_deduction_percent, claim.release)}: "
            f"{wording.money(claim.deduction_pence)}"
        )
    else:
        deduction = "no lateness deduction"
    explained = {
        rules.Release.NEXT_RUN: "The contracting team checks and approves it first; you will "
        "get a remittance advice when it is paid.",
        rules.Release.DEFERRED: "A worksheet this late skips one payment run. The contracting "
        "team checks and approves it first; you will get a remittance advice when it is paid.",
        rules.Release.NONE: "It was submitted too late to be paid. Its closing figures still "
        "carry forward to the next quarter.",
    }[rules.Release(claim.release)]
    by = claim.submitted_by
    who = f", by {by.get_full_name() or by.username}" if by else ""
    subject = f"Received: your {quarter.label} Care Home LES worksheet ({practice.ods_code})"
    body = "\n".join(
        [
            f"Dear {practice.name} ({practice.ods_code}),",
            "",
            f"We received your care home LES worksheet for {quarter.label} "
            f"({'resubmitted' if resubmitted else 'submitted'} on "
            f"{when:%-d %B %Y at %H:%M}, UK time{who}). Claim reference {claim.reference}.",
            "",
            "What was submitted:",
            *[
                f"- {line.care_home.name} ({line.care_home.cqc_location_id}): "
                + ", ".join(f"{words} {getattr(line, name)}" for name, words in FIGURE_WORDS)
                + f"; closing {line.closing}"
                for line in lines
            ],
            "",
            "The payment it implies:",
            f"- gross {wording.money(claim.gross_pence)}",
            f"- submitted {late}: {deduction}",
            f"- net {wording.money(claim.net_pence)}",
            "",
            f"When it will be paid: {wording.release_text(claim.release)}. {explained}",
            "",
            f"See the worksheet: {worksheet_link(practice, quarter)}",
            "",
            "If a figure is wrong, tell your contracting officer: they can query the claim so you "
            "can amend it.",
        ]
    )
    return subject, body
