"""Syncing the registry from the national files through the web (ADR 0024, 0047): upload one to
three files, wait while a worker reads them, read what they change in words, confirm or discard.
No request reads the files after the upload: the page plans from the rows the worker kept. Syncs are
looked up only through ``RegistrySync.objects.visible_to(self.scope)`` (an officer's own
commissioner), so another's is a 404."""

import logging

from django.contrib import messages
from django.db import DatabaseError
from django.db.models import IntegerField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View
from django.views.generic.edit import FormView

from accounts.access import Permission
from accounts.views import AccessMixin
from core.formatting import london
from imports.models import RegistrySync
from imports.sync import FILE_LABELS, ROLES, SyncFile
from imports.sync_forms import SyncUploadForm
from imports.sync_jobs import (
    SyncNotPending,
    is_stale,
    registry_sync_confirm,
    registry_sync_create,
    registry_sync_discard,
    registry_sync_plan,
    registry_sync_restart,
)

logger = logging.getLogger(__name__)
RECENT = 10
FILE_FIELDS = RegistrySync.FILE_FIELDS
Status = RegistrySync.Status


def progress_text(sync: RegistrySync) -> str:
    """How far the sync's background job has got, in a sentence."""
    done, total = sync.progress_done, sync.progress_total
    if sync.status == Status.QUEUED:
        return (
            f"The files uploaded on {london(sync.uploaded_at)} are waiting for a worker to read "
            "them."
        )
    if sync.status == Status.READING:
        label = sync.progress_label or "Reading the files"
        return f"{label}: {done:,} of {total:,} rows read." if total else f"{label}."
    if sync.status == Status.APPLYING:
        if sync.started_at is None:
            return f"Waiting for a worker to apply the {total:,} changes."
        return (
            f"Applying the changes: {done:,} of {total:,} made. None of them takes effect until "
            "all are made."
        )
    return ""


class SyncUploadView(AccessMixin, FormView):
    permission = Permission.IMPORT_REGISTRY
    template_name = "imports/sync_upload.html"
    form_class = SyncUploadForm

    def form_valid(self, form):
        files = []
        for role in ROLES:
            upload = form.cleaned_data.get(role)
            if upload is not None:
                upload.seek(0)
                files.append(SyncFile(role, upload.name, upload.read()))
        sync = registry_sync_create(
            commissioner=self.request.user.commissioner,
            files=files,
            files_date=form.cleaned_data["files_date"],
            by=self.request.user,
        )
        return HttpResponseRedirect(reverse("imports:sync_preview", kwargs={"pk": sync.pk}))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recent_syncs"] = (
            RegistrySync.objects.visible_to(self.scope)
            .defer(*FILE_FIELDS, "rows", "summary", "problems")
            .annotate(problem_count=Cast(KT("summary__problems"), IntegerField()))
        )[:RECENT]
        return context


class SyncMixin(AccessMixin):
    permission = Permission.IMPORT_REGISTRY

    def get_sync(self):
        return get_object_or_404(
            RegistrySync.objects.visible_to(self.scope).defer(*FILE_FIELDS), pk=self.kwargs["pk"]
        )

    def render_page(self, sync, plan=None, *, error="", status=200):
        if plan is None and sync.is_pending:
            plan = registry_sync_plan(sync)
        applied = sync.status == Status.APPLIED
        context = {
            "sync": sync,
            "plan": plan,
            "error": error or sync.error,
            "files": [
                (FILE_LABELS[role], getattr(sync, f"{role}_filename"))
                for role in ROLES
                if getattr(sync, f"{role}_filename")
            ],
            "progress": progress_text(sync),
            "stale": is_stale(sync),
            "applied_sections": sync.summary.get("changes", []) if applied else [],
            "applied_notes": sync.summary.get("notes", []) if applied else [],
            "can_confirm": bool(plan and sync.is_pending and plan.items),
            "can_discard": sync.status in (Status.QUEUED, Status.READING, Status.PREVIEWED),
        }
        return render(self.request, "imports/sync_preview.html", context, status=status)


class SyncPreviewView(SyncMixin, View):
    """The sync's page: how far the reading or applying has got, the problems in the files, the
    changes to confirm (planned from the stored rows), or what was applied."""

    def get(self, request, pk):
        return self.render_page(self.get_sync())


class SyncConfirmView(SyncMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        syncs = RegistrySync.objects.visible_to(self.scope).defer(*FILE_FIELDS)
        get_object_or_404(syncs, pk=pk)
        try:
            sync, plan, queued = registry_sync_confirm(syncs=syncs, pk=pk, by=request.user)
        except SyncNotPending as refused:
            return self.render_page(self.get_sync(), error=str(refused), status=409)
        except DatabaseError:
            logger.exception("Registry sync %s failed in the database; nothing was changed", pk)
            return self.render_page(
                self.get_sync(),
                error="The database stopped the sync before it finished, so nothing was changed. "
                "Confirm it again in a few minutes.",
                status=503,
            )
        if queued:
            messages.info(
                request,
                f"The {len(plan.items):,} changes are being made by a worker. This page shows how "
                "far it has got; none of them takes effect until all are made.",
            )
        else:
            messages.success(request, f"The registry is in step with the files. {plan.summary()}")
        return HttpResponseRedirect(reverse("imports:sync_preview", kwargs={"pk": sync.pk}))


class SyncDiscardView(SyncMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        syncs = RegistrySync.objects.visible_to(self.scope).defer(*FILE_FIELDS)
        get_object_or_404(syncs, pk=pk)
        try:
            registry_sync_discard(syncs=syncs, pk=pk)
        except SyncNotPending as refused:
            return self.render_page(self.get_sync(), error=str(refused), status=409)
        return HttpResponseRedirect(reverse("imports:sync_upload"))


class SyncRestartView(SyncMixin, View):
    """Start again a reading or an apply that has waited or run for more than 15 minutes."""

    http_method_names = ["post"]

    def post(self, request, pk):
        syncs = RegistrySync.objects.visible_to(self.scope).defer(*FILE_FIELDS)
        get_object_or_404(syncs, pk=pk)
        try:
            registry_sync_restart(syncs=syncs, pk=pk)
        except SyncNotPending as refused:
            return self.render_page(self.get_sync(), error=str(refused), status=409)
        messages.info(request, "Started again. This page shows how far it has got.")
        return HttpResponseRedirect(reverse("imports:sync_preview", kwargs={"pk": pk}))
