"""Syncing the registry from the national files through the web: upload one to three files, read
what they change in words, confirm or discard. Syncs are looked up only through
``RegistrySync.objects.visible_to(self.scope)`` (an officer's own commissioner), so another's is a 404."""

import logging

from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View
from django.views.generic.edit import FormView

from accounts.access import Permission
from accounts.views import AccessMixin
from imports.models import RegistrySync
from imports.sync import (
    FILE_LABELS,
    ROLES,
    SyncFile,
    SyncNotPending,
    registry_sync_confirm,
    registry_sync_create,
    registry_sync_discard,
    registry_sync_preview,
)
from imports.sync_forms import SyncUploadForm

logger = logging.getLogger(__name__)
RECENT = 10


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
        sync, _plan = registry_sync_create(
            commissioner=self.request.user.commissioner,
            files=files,
            files_date=form.cleaned_data["files_date"],
            by=self.request.user,
        )
        return HttpResponseRedirect(reverse("imports:sync_preview", kwargs={"pk": sync.pk}))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recent_syncs"] = RegistrySync.objects.visible_to(self.scope).defer(
            "practices_content", "pcns_content", "care_homes_content"
        )[:RECENT]
        return context


class SyncMixin(AccessMixin):
    permission = Permission.IMPORT_REGISTRY

    def get_sync(self):
        return get_object_or_404(RegistrySync.objects.visible_to(self.scope), pk=self.kwargs["pk"])

    def render_preview(self, sync, plan=None, *, error="", status=200):
        context = {
            "sync": sync,
            "plan": plan,
            "error": error,
            "files": [
                (FILE_LABELS[role], getattr(sync, f"{role}_filename"))
                for role in ROLES
                if getattr(sync, f"{role}_filename")
            ],
            "can_confirm": bool(plan and sync.is_pending and plan.ok and plan.items),
        }
        return render(self.request, "imports/sync_preview.html", context, status=status)


class SyncPreviewView(SyncMixin, View):
    def get(self, request, pk):
        sync = self.get_sync()
        if not sync.is_pending:
            return self.render_preview(sync)
        return self.render_preview(sync, registry_sync_preview(sync))


class SyncConfirmView(SyncMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        syncs = RegistrySync.objects.visible_to(self.scope)
        get_object_or_404(syncs, pk=pk)
        try:
            sync, plan = registry_sync_confirm(syncs=syncs, pk=pk, by=request.user)
        except SyncNotPending as refused:
            return self.render_preview(self.get_sync(), error=str(refused), status=409)
        except DatabaseError:
            logger.exception("Registry sync %s failed in the database; nothing was changed", pk)
            sync = self.get_sync()
            return self.render_preview(
                sync,
                registry_sync_preview(sync),
                error="The database stopped the sync before it finished, so nothing was changed. "
                "Confirm it again in a few minutes.",
                status=503,
            )
        if not plan.ok:
            return self.render_preview(
                sync, plan, error="The files could not be applied: nothing was changed."
            )
        messages.success(request, f"The registry is in step with the files. {plan.summary()}")
        return HttpResponseRedirect(reverse("imports:sync_preview", kwargs={"pk": sync.pk}))


class SyncDiscardView(SyncMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        syncs = RegistrySync.objects.visible_to(self.scope)
        get_object_or_404(syncs, pk=pk)
        try:
            registry_sync_discard(syncs=syncs, pk=pk)
        except SyncNotPending as refused:
            return self.render_preview(self.get_sync(), error=str(refused), status=409)
        return HttpResponseRedirect(reverse("imports:sync_upload"))
