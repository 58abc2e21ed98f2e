"""Import batches: a registry file as it was uploaded, kept so that the preview an officer saw is
the file that is applied, and so that every import can be traced back to its exact content."""

from django.conf import settings
from django.db import models

from accounts.models import Role
from practices.models import Commissioner


class OfficerUploadQuerySet(models.QuerySet):
    """Uploaded files of an officer's commissioner (imports and syncs from the national files):
    colleagues may confirm them."""

    def visible_to(self, scope):
        qs = self.select_related("uploaded_by", "commissioner")
        if scope.sees_everything:
            return qs
        if scope.role == Role.CONTRACTING_OFFICER:
            return qs.filter(commissioner_id=scope.user.commissioner_id)
        return qs.none()


class ImportBatch(models.Model):
    """One file (practices, care homes, alignments or worksheets) uploaded for import.

    An officer's upload is *previewed* first: the whole file is validated and the changes listed.
    Confirming re-validates it against the registry as it is then and *applies* it, all or nothing;
    an officer may instead *discard* it. Imports run from the command line are recorded as batches
    too (with no uploader), so the audit event of every import points at the file it applied."""

    class Kind(models.TextChoices):
        PRACTICES = "practices", "Practices"
        CARE_HOMES = "care_homes", "Care homes"
        ALIGNMENTS = "alignments", "Alignments"
        WORKSHEETS = "worksheets", "Worksheets"

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Waiting for confirmation"
        APPLIED = "applied", "Imported"
        DISCARDED = "discarded", "Discarded"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    original_filename = models.CharField(max_length=255)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_batches",
        help_text="Blank for an import run from the command line.",
    )
    commissioner = models.ForeignKey(
        Commissioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_batches",
        help_text="The commissioner the upload is for: its officers see and confirm it.",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    applied_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(
        default=dict, blank=True, help_text="Counts of what the import changed (or would change)."
    )

    objects = OfficerUploadQuerySet.as_manager()

    class Meta:
        verbose_name = "import batch"
        verbose_name_plural = "import batches"
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="applied", applied_at__isnull=False)
                | ~models.Q(status="applied") & models.Q(applied_at__isnull=True),
                name="import_batch_applied_at_when_applied",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} import {self.original_filename!r}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PREVIEWED


class RegistrySync(models.Model):
    """One sync of a commissioner's registry from the national files (ADR 0024, 0047): up to three
    files (ODS's epraccur and ePCN, CQC's active locations) and the date they were published.

    An officer's upload is stored and *queued*; a worker reads the files once (``imports.tasks``),
    keeping the commissioner's rows (``rows``, a few hundred) and the plan's words (``summary``),
    and the sync waits for confirmation (*previewed*), or *failed* with the files' problems. The
    preview and the confirmation plan from the stored rows and never read the files again.
    Confirming applies the changes, all or nothing, in the request when they fit on a page, else
    by a worker (*applying*); or the officer *discards* it. ``progress_*`` says how far the
    latest job has got. A sync run from the command line is recorded already applied, with no
    uploader. Every change it makes is in the history with the file's name and date."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        READING = "reading", "Reading the files"
        FAILED = "failed", "Not read: nothing changed"
        PREVIEWED = "previewed", "Waiting for confirmation"
        APPLYING = "applying", "Applying the changes"
        APPLIED = "applied", "Applied"
        DISCARDED = "discarded", "Discarded"

    commissioner = models.ForeignKey(
        Commissioner, on_delete=models.PROTECT, related_name="registry_syncs"
    )
    files_date = models.DateField(
        "date of the files", help_text="When ODS and CQC published the files (as the officer said)."
    )
    practices_filename = models.CharField(max_length=255, blank=True)
    practices_content = models.BinaryField(null=True, blank=True)
    pcns_filename = models.CharField(max_length=255, blank=True)
    pcns_content = models.BinaryField(null=True, blank=True)
    care_homes_filename = models.CharField(max_length=255, blank=True)
    care_homes_content = models.BinaryField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registry_syncs",
        help_text="Blank for a sync run from the command line.",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    applied_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(
        default=dict, blank=True, help_text="The plan when the files were read, or as applied."
    )
    rows = models.JSONField(
        null=True,
        blank=True,
        help_text="The commissioner's rows of the files, read once by a worker: the preview and "
        "the confirmation plan from these.",
    )
    problems = models.JSONField(
        default=list, blank=True, help_text="What is wrong with the files, by file, row and column."
    )
    error = models.TextField(blank=True, help_text="Why a job stopped, when it was not the files.")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who confirmed it: the history rows a worker writes name them.",
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_label = models.CharField(max_length=300, blank=True)

    objects = OfficerUploadQuerySet.as_manager()

    # The stored files (megabytes): left unread (``defer``) wherever only the sync's state is needed,
    # and so never written back by a ``save()`` of such an instance.
    FILE_FIELDS = ("practices_content", "pcns_content", "care_homes_content")

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="applied", applied_at__isnull=False)
                | ~models.Q(status="applied") & models.Q(applied_at__isnull=True),
                name="registry_sync_applied_at_when_applied",
            )
        ]

    def __str__(self):
        return f"Registry sync of {self.files_date:%-d %B %Y}"

    @property
    def is_pending(self) -> bool:
        """Read, and waiting for an officer to confirm or discard it."""
        return self.status == self.Status.PREVIEWED

    @property
    def is_working(self) -> bool:
        """A worker has it (or is about to): reading the files or applying the changes."""
        return self.status in (self.Status.QUEUED, self.Status.READING, self.Status.APPLYING)

    @property
    def filenames(self) -> list[str]:
        return [
            name
            for name in (self.practices_filename, self.pcns_filename, self.care_homes_filename)
            if name
        ]
