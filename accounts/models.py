"""People who use the service, their role and the organisations they act for."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    PRACTICE_MANAGER = "practice_manager", "Practice manager"
    CONTRACTING_OFFICER = "contracting_officer", "Contracting officer"
    AUDITOR = "auditor", "Auditor"
    ADMINISTRATOR = "administrator", "Administrator"


class User(AbstractUser):
    """A person signed in to the service. Their ``role`` decides what they may do (the verbs in
    ``accounts/access.py``) and their organisations decide what they may see:

    * a practice manager acts for the practices of their memberships;
    * a contracting officer or an auditor acts for one commissioner;
    * an administrator manages users and roles and sees everything."""

    role = models.CharField(max_length=24, choices=Role.choices)
    commissioner = models.ForeignKey(
        "practices.Commissioner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text="For contracting officers and auditors: the commissioner they work for.",
    )
    is_finance_approver = models.BooleanField(
        "finance approver",
        default=False,
        help_text="A contracting officer who may give the finance approval claims above the "
        "commissioner's threshold need.",
    )
    practices = models.ManyToManyField(
        "practices.Practice", through="PracticeMembership", related_name="managers", blank=True
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="user_role_valid"
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["contracting_officer", "auditor"])
                | Q(commissioner__isnull=False),
                name="user_commissioner_staff_have_commissioner",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else ""


class PracticeMembership(models.Model):
    """A practice manager's right to act for a practice. A manager may act for several practices
    (a merged or federated practice, say)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    practice = models.ForeignKey(
        "practices.Practice", on_delete=models.CASCADE, related_name="memberships"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "practice"], name="membership_unique")
        ]

    def __str__(self):
        return f"{self.user} for {self.practice}"


# Authenticator apps (TOTP, encrypted at rest) and their set-up codes: ADR 0041.
from accounts.devices import Authenticator, EnrolmentCode  # noqa: E402, F401
