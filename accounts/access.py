"""The one access rule.

Two questions, answered here and nowhere else:

1. **What may this user do?** Permissions are named verbs (:class:`Permission`) granted by role
   (:data:`ROLE_PERMISSIONS`) and checked with :func:`has_permission`.
2. **What may this user see?** :class:`Scope` says which organisations the user acts for (every
   practice and home of a commissioner, or a practice manager's own practices, or everything for an
   administrator). Each model's queryset narrows itself to a scope with ``visible_to(scope)``, in its
   own app (``Practice.objects.visible_to(scope)``, ``Worksheet.objects.visible_to(scope)``, …), and
   every read on behalf of a user goes through it. An object outside the scope is simply not found,
   so views answer 404 and existence never leaks (SPEC section 1).

Views get both through ``accounts.views.AccessMixin`` (``permission`` and ``self.scope``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cached_property

from django.urls import reverse

from accounts.models import Role


class Permission(enum.StrEnum):
    """What a user may do, in the words of the LES."""

    # Browse PCNs, practices, homes and alignments in scope.
    VIEW_REGISTRY = "view_registry"
    # Create and edit PCNs, practices, homes, alignments and agreements.
    MANAGE_REGISTRY = "manage_registry"
    # Upload the practices, care homes and alignments files.
    IMPORT_REGISTRY = "import_registry"
    # A practice manager's view of their own practices and homes.
    VIEW_OWN_PRACTICE = "view_own_practice"
    # The emails reminders and remittances go to.
    EDIT_PRACTICE_CONTACTS = "edit_practice_contacts"
    # Submit the quarterly worksheet (web form or upload) for a practice in scope.
    SUBMIT_WORKSHEET = "submit_worksheet"
    # See claims (submitted worksheets) and their calculations across the commissioner.
    VIEW_CLAIMS = "view_claims"
    # The scheme-wide defaults: quarters' due dates, tariffs and lateness bands (administrators).
    MANAGE_PERIODS = "manage_periods"
    # Extend a quarter's due date for the officer's own commissioner's practices (ADR 0043).
    EXTEND_DUE_DATES = "extend_due_dates"
    # Check, query, reject and approve claims; waive deductions; correct openings.
    REVIEW_CLAIMS = "review_claims"
    # Create, authorise, close and mark paid payment runs; download the finance export; keep the
    # commissioner's cost centre and ledger code.
    RUN_PAYMENTS = "run_payments"
    # Raise, approve, refuse and cancel adjustments (recoveries and underpayments) of paid claims.
    ADJUST_PAYMENTS = "adjust_payments"
    # Send the practice's half-yearly outcomes report.
    SUBMIT_OUTCOMES = "submit_outcomes"
    # Record the bi-monthly meetings with the homes' managers, with their signed attendance sheets.
    RECORD_MEETINGS = "record_meetings"
    # Keep the practice's care-home register: residents and clinics (NHS numbers: the practice's
    # own managers only).
    KEEP_REGISTER = "keep_register"
    # See how a practice meets the service requirements: counts and percentages, never NHS numbers.
    VIEW_COMPLIANCE = "view_compliance"
    # Draw practices for audit, flag one, take audit cases to their outcome and record findings.
    CONDUCT_AUDITS = "conduct_audits"
    # See the emails sent to practices (reminders, late notices, remittances): what, to whom,
    # when, and what failed.
    VIEW_NOTICES = "view_notices"
    # Try a failed email again; check now for reminders and late notices due.
    SEND_NOTICES = "send_notices"
    # The commissioning reports: the dashboard, care-home coverage and its sitrep export, and the
    # cross-practice checks (the commissioner's staff; administrators across commissioners).
    VIEW_INSIGHT = "view_insight"
    # Record a home's coverage (clinical lead, weekly check-in, MDT, out of hours, care plans) and
    # its acuity tier; set the thresholds of the cross-practice checks.
    RECORD_COVERAGE = "record_coverage"
    # What each scheme would pay (this LES, the network DES, an acuity-tiered scheme): a practice
    # manager for their own practices, the commissioner's staff for any practice, PCN or the whole
    # commissioner.
    COMPARE_SCHEMES = "compare_schemes"
    # Users, roles and memberships.
    MANAGE_USERS = "manage_users"


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.PRACTICE_MANAGER: frozenset(
        {
            Permission.VIEW_OWN_PRACTICE,
            Permission.EDIT_PRACTICE_CONTACTS,
            Permission.SUBMIT_WORKSHEET,
            Permission.KEEP_REGISTER,
            Permission.VIEW_COMPLIANCE,
            Permission.SUBMIT_OUTCOMES,
            Permission.RECORD_MEETINGS,
            Permission.COMPARE_SCHEMES,
        }
    ),
    Role.CONTRACTING_OFFICER: frozenset(
        {
            Permission.VIEW_REGISTRY,
            Permission.MANAGE_REGISTRY,
            Permission.IMPORT_REGISTRY,
            Permission.EDIT_PRACTICE_CONTACTS,
            Permission.VIEW_CLAIMS,
            Permission.EXTEND_DUE_DATES,
            Permission.REVIEW_CLAIMS,
            Permission.RUN_PAYMENTS,
            Permission.ADJUST_PAYMENTS,
            Permission.VIEW_NOTICES,
            Permission.SEND_NOTICES,
            Permission.VIEW_COMPLIANCE,
            Permission.CONDUCT_AUDITS,
            Permission.VIEW_INSIGHT,
            Permission.RECORD_COVERAGE,
            Permission.COMPARE_SCHEMES,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            Permission.VIEW_REGISTRY,
            Permission.VIEW_CLAIMS,
            Permission.VIEW_NOTICES,
            Permission.VIEW_COMPLIANCE,
            Permission.CONDUCT_AUDITS,
            Permission.VIEW_INSIGHT,
            Permission.COMPARE_SCHEMES,
        }
    ),
    Role.ADMINISTRATOR: frozenset(
        {
            Permission.VIEW_REGISTRY,
            Permission.VIEW_CLAIMS,
            Permission.VIEW_NOTICES,
            Permission.VIEW_COMPLIANCE,
            Permission.VIEW_INSIGHT,
            Permission.COMPARE_SCHEMES,
            Permission.MANAGE_PERIODS,
            Permission.MANAGE_USERS,
        }
    ),
}


# Staff who see more than one practice's data sign in with a second factor (ADR 0017).
TWO_FACTOR_ROLES = frozenset({Role.CONTRACTING_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR})


def needs_two_factor(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.role in TWO_FACTOR_ROLES


def has_permission(user, permission: Permission) -> bool:
    """Whether ``user`` may do ``permission`` at all; *which* objects is the :class:`Scope`'s business."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


@dataclass(frozen=True)
class Scope:
    """The organisations a user acts for. Build one per request with :func:`scope_for` and pass it to
    a model's ``visible_to(scope)``."""

    user: object

    @cached_property
    def role(self) -> str | None:
        return (
            getattr(self.user, "role", None)
            if getattr(self.user, "is_authenticated", False)
            else None
        )

    @property
    def sees_everything(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def is_commissioner_staff(self) -> bool:
        return self.role in (Role.CONTRACTING_OFFICER, Role.AUDITOR)

    @cached_property
    def practice_ids(self) -> frozenset[int]:
        if self.role != Role.PRACTICE_MANAGER:
            return frozenset()
        return frozenset(self.user.memberships.values_list("practice_id", flat=True))

    @property
    def commissioner_id(self) -> int | None:
        """The commissioner an officer or auditor works for (``None`` for anyone else)."""
        return self.user.commissioner_id if self.is_commissioner_staff else None

    # -- convenience ---------------------------------------------------------------------------

    def can(self, permission: Permission) -> bool:
        return has_permission(self.user, permission)


def scope_for(user) -> Scope:
    return Scope(user)


def navigation_for(user, path: str) -> list[dict]:
    """The header navigation for the user's role: label, URL and whether it is the current section."""
    if not getattr(user, "is_authenticated", False):
        return []
    items: list[tuple[str, str]] = [("Home", reverse("home"))]
    if has_permission(user, Permission.VIEW_REGISTRY):
        items += [
            ("PCNs", reverse("practices:pcn_list")),
            ("Practices", reverse("practices:practice_list")),
            ("Care homes", reverse("carehomes:care_home_list")),
        ]
    elif has_permission(user, Permission.VIEW_OWN_PRACTICE):
        items += [
            ("My practices", reverse("practices:practice_list")),
            ("Care homes", reverse("carehomes:care_home_list")),
        ]
    if has_permission(user, Permission.SUBMIT_WORKSHEET):
        items.append(("Worksheets", reverse("claims:worksheets")))
    if has_permission(user, Permission.VIEW_CLAIMS):
        items += [
            ("Claims", reverse("review:queue")),
            ("Payment runs", reverse("payment_runs:list")),
            ("Quarters and tariffs", reverse("periods:index")),
        ]
    if has_permission(user, Permission.VIEW_CLAIMS):
        items.append(("Outcomes reports", reverse("outcomes:index")))
    if has_permission(user, Permission.VIEW_INSIGHT):
        items.append(("Reports", reverse("reports:index")))
    if has_permission(user, Permission.CONDUCT_AUDITS):
        items.append(("Audits", reverse("audits:index")))
    if has_permission(user, Permission.VIEW_NOTICES):
        items.append(("Emails", reverse("notices:list")))
    if has_permission(user, Permission.IMPORT_REGISTRY):
        items.append(("Imports", reverse("imports:upload")))
    if has_permission(user, Permission.MANAGE_USERS):
        items.append(("Users", reverse("admin:accounts_user_changelist")))
    home = reverse("home")
    return [
        {
            "label": label,
            "url": url,
            "current": path == url if url == home else path.startswith(url),
        }
        for label, url in items
    ]
