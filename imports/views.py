"""Registry imports through the web: upload a file, see what it would change, confirm or discard.

Batches are looked up only through ``ImportBatch.objects.visible_to(self.scope)``, so another commissioner's
upload is a 404. The writes are the services in ``imports/services.py``."""

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
from importing.base import Action
from imports.forms import UploadForm
from imports.models import ImportBatch
from imports.registry import IMPORTERS
from imports.services import (
    BatchNotPending,
    import_batch_confirm,
    import_batch_create,
    import_batch_discard,
    import_batch_preview,
)

RECENT_BATCHES = 10
DATABASE_FAILED = (
    "The database stopped the import before it finished, so nothing was imported. "
    "Confirm it again in a few minutes; if it keeps failing, tell the service desk."
)

logger = logging.getLogger(__name__)


class UploadView(AccessMixin, FormView):
    permission = Permission.IMPORT_REGISTRY
    template_name = "imports/upload.html"
    form_class = UploadForm

    def form_valid(self, form):
        batch, _plan = import_batch_create(
            kind=form.cleaned_data["kind"],
            filename=form.cleaned_data["file"].name,
            content=form.cleaned_data["content"],
            by=self.request.user,
        )
        return HttpResponseRedirect(reverse("imports:preview", kwargs={"pk": batch.pk}))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["importers"] = [importer() for importer in IMPORTERS.values()]
        context["recent_batches"] = ImportBatch.objects.visible_to(self.scope).defer("content")[
            :RECENT_BATCHES
        ]
        return context


class BatchMixin(AccessMixin):
    permission = Permission.IMPORT_REGISTRY

    def get_batch(self):
        return get_object_or_404(ImportBatch.objects.visible_to(self.scope), pk=self.kwargs["pk"])

    def render_preview(self, batch, plan=None, *, error="", status=200):
        """The preview page: what the file changes, or its problems; ``plan`` is ``None`` once the
        batch is no longer pending (the page then shows what was recorded)."""
        context = {"batch": batch, "plan": plan, "error": error}
        if plan is not None:
            pending = plan.pending
            context.update(
                counts=plan.summary_lines(would=batch.is_pending),
                creates=[c for c in pending if c.action == Action.CREATE],
                updates=[c for c in pending if c.action == Action.UPDATE],
                can_confirm=batch.is_pending and plan.ok and bool(pending),
            )
        return render(self.request, "imports/preview.html", context, status=status)


class PreviewView(BatchMixin, View):
    def get(self, request, pk):
        batch = self.get_batch()
        if not batch.is_pending:
            return self.render_preview(batch)
        return self.render_preview(batch, import_batch_preview(batch=batch, user=request.user))


class ConfirmView(BatchMixin, View):
    """Re-validate and apply. Problems found now (the registry changed since the preview) are shown
    and nothing is written; a batch already applied or discarded is refused."""

    http_method_names = ["post"]

    def post(self, request, pk):
        batches = ImportBatch.objects.visible_to(self.scope)
        get_object_or_404(batches, pk=pk)
        try:
            batch, plan = import_batch_confirm(batches=batches, pk=pk, by=request.user)
        except BatchNotPending as refused:
            return self.render_preview(self.get_batch(), error=str(refused), status=409)
        except DatabaseError:
            # The import's transaction was rolled back (or went with the connection): the batch is
            # still waiting, so the officer sees the preview again and can confirm once more.
            logger.exception("Import batch %s failed in the database; nothing was imported", pk)
            batch = self.get_batch()
            plan = import_batch_preview(batch=batch, user=request.user)
            return self.render_preview(batch, plan, error=DATABASE_FAILED, status=503)
        if not plan.ok:
            return self.render_preview(
                batch, plan, error="The file could not be imported: nothing was changed."
            )
        messages.success(request, f"Imported {batch.original_filename}. {plan.summary()}")
        return HttpResponseRedirect(reverse("imports:preview", kwargs={"pk": batch.pk}))


class DiscardView(BatchMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        batches = ImportBatch.objects.visible_to(self.scope)
        get_object_or_404(batches, pk=pk)
        try:
            import_batch_discard(batches=batches, pk=pk)
        except BatchNotPending as refused:
            return self.render_preview(self.get_batch(), error=str(refused), status=409)
        return HttpResponseRedirect(reverse("imports:upload"))
