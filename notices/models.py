"""Every email the service sends to a practice, as a row written before it is sent (an outbox).

The row's ``key`` is unique: it names what the email is about (the 2026/27 Q1 reminder to C87001,
say), so however often the scheduler or a retried task asks, the email exists once and is sent
once. Officers read this table to see what was sent, to whom, when, and what failed."""

import re

from django.conf import settings
from django.db import models

from practices.models import OfPracticeQuerySet


class NoticeQuerySet(OfPracticeQuerySet):
    def visible_to(self, scope):
        """Emails sent (or to be sent) to the practices in scope."""
        return super().visible_to(scope).select_related("practice", "quarter")


class Notice(models.Model):
    class Kind(models.TextChoices):
        REMINDER = "reminder", "Worksheet reminder"
        LATE = "late", "Late worksheet notice"
        REMITTANCE = "remittance", "Remittance advice"
        CLAIM = "claim", "Claim update"
        RECEIPT = "receipt", "Worksheet receipt"
        OUTCOMES_REMINDER = "outcomes_reminder", "Outcomes report reminder"
        OUTCOMES_LATE = "outcomes_late", "Late outcomes report notice"
        AUDIT = "audit", "Audit request"
        CHASE = "chase", "Chasing email"  # an officer's, for a worksheet or report overdue

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        MISSED = "missed", "Not sent: window missed"

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    practice = models.ForeignKey(
        "practices.Practice", on_delete=models.PROTECT, related_name="notices"
    )
    quarter = models.ForeignKey(
        "claims.Quarter", on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    outcomes_period = models.ForeignKey(
        "outcomes.OutcomesPeriod",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
    )
    remittance = models.ForeignKey(
        "claims.Remittance",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        help_text="The remittance whose advice is attached.",
    )
    recipients = models.TextField(blank=True, help_text="Addresses, one per line.")
    subject = models.CharField(max_length=250)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # The Emails page's order, newest first (issue 18, ADR 0045).
            models.Index(fields=["-created_at", "-id"], name="notice_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="notice_sent_has_time",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.practice_id}: {self.subject}"

    @property
    def recipient_list(self) -> list[str]:
        return [r for r in self.recipients.splitlines() if r]

    @property
    def message_id(self) -> str:
        """The same Message-ID on every attempt, so a mail client shows a re-sent copy once."""
        return f"<notice-{self.pk}.{re.sub(r'[^A-Za-z0-9.-]+', '-', self.key)}@care-home-les>"


class ReminderCheck(models.Model):
    """An officer's "check now" for reminders and late notices due today: one commissioner's, run by
    a worker (``outcomes.tasks.reminder_check_task``), never inside the request (ADR 0045). The row
    is the job's record and its progress, shown on the Emails page; the daily schedule still runs
    every commissioner and writes no row."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Checking"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    commissioner = models.ForeignKey(
        "practices.Commissioner", on_delete=models.PROTECT, related_name="reminder_checks"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created = models.JSONField(
        default=dict, blank=True, help_text="How many of each kind of email the check wrote."
    )
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["commissioner", "-requested_at"])]

    def __str__(self):
        return f"Reminder check {self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
