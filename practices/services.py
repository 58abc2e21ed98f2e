"""Writes to the organisations and agreements. Each is atomic and records an audit event."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from history.services import audit_record, save_audited
from practices.models import (
    PCN,
    Agreement,
    AgreementVariation,
    Commissioner,
    PCNMembership,
    Practice,
    PracticeContact,
)


@transaction.atomic
def pcn_save(*, pcn: PCN, by) -> PCN:
    return save_audited(instance=pcn, by=by, action="pcn_save")


def pcn_membership_follow(*, practice: Practice, on: datetime.date) -> None:
    """Keep the dated PCN memberships in step with ``practice.pcn`` when it is set by hand or by the
    SPEC import: the open membership of another PCN ends the day before ``on`` and one of the new
    PCN starts ``on`` (a new practice's first membership has no start: it is not known)."""
    memberships = list(practice.pcn_memberships.all())
    if any(m.pcn_id == practice.pcn_id and m.covers(on) for m in memberships):
        return
    for membership in memberships:
        if membership.covers(on):
            ended = on - datetime.timedelta(days=1)
            if membership.start_date and ended < membership.start_date:
                membership.delete()  # it would end before it began: it never really started
                continue
            membership.end_date = ended
            membership.save(update_fields=["end_date"])
    PCNMembership.objects.create(
        practice=practice, pcn_id=practice.pcn_id, start_date=on if memberships else None
    )


@transaction.atomic
def practice_save(*, practice: Practice, by) -> Practice:
    """Create or edit a practice; a new practice gets a standing agreement, as an import would."""
    creating = practice._state.adding
    save_audited(instance=practice, by=by, action="practice_save")
    pcn_membership_follow(practice=practice, on=timezone.localdate())
    if creating:
        save_audited(instance=Agreement(practice=practice), by=by, action="agreement_create")
    return practice


@transaction.atomic
def practice_contacts_set(*, practice: Practice, emails: list[str], by) -> bool:
    """Replace the practice's contact emails. Returns whether anything changed."""
    wanted = sorted({e.strip().lower() for e in emails if e.strip()})
    if not wanted:
        raise ValidationError(
            "Enter at least one email address: reminders and remittances go there."
        )
    current = sorted(practice.contacts.values_list("email", flat=True))
    if current == wanted:
        return False
    practice.contacts.exclude(email__in=wanted).delete()
    PracticeContact.objects.bulk_create(
        [PracticeContact(practice=practice, email=e) for e in wanted if e not in current]
    )
    audit_record(
        by=by,
        action="practice_contacts_set",
        obj=practice,
        summary=f"Contacts of {practice} changed",
        before={"emails": current},
        after={"emails": wanted},
    )
    return True


@transaction.atomic
def agreement_give_notice(
    *, agreement: Agreement, notice_given_on: datetime.date, given_by: str, by, reason: str = ""
) -> Agreement:
    """Record 6 months' written notice (spec 4.4): the agreement ends 6 months after the notice date."""
    if agreement.notice_given_on is not None:
        raise ValidationError("Notice has already been given on this agreement.")
    agreement.notice_given_on = notice_given_on
    agreement.notice_given_by = given_by
    agreement.ends_on = Agreement.end_for_notice(notice_given_on)
    return save_audited(instance=agreement, by=by, action="agreement_give_notice", reason=reason)


@transaction.atomic
def agreement_variation_save(*, variation: AgreementVariation, by) -> AgreementVariation:
    """Offer a variation, or record that the practice signed it. Unsigned, the old terms stand."""
    return save_audited(instance=variation, by=by, action="agreement_variation_save")


@transaction.atomic
def commissioner_finance_save(*, commissioner: Commissioner, by) -> Commissioner:
    """The commissioner's payments contact, cost centre and ledger code (docs/adr/0022)."""
    return save_audited(instance=commissioner, by=by, action="commissioner_finance_save")
