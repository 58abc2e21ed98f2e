"""The emails page (officers and auditors): every email to a practice, what it said, to whom, when,
and what failed; an officer can try a failed one again, or check now for reminders due. Reads come
from ``self.scope``; writes are the services in ``notices/services.py`` and ``claims/worksheets/reminders.py``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from accounts.access import Permission
from accounts.base_views import ScopedTableView
from accounts.views import AccessMixin
from core.formatting import london
from notices import services
from notices.filters import NoticeFilter
from notices.models import Notice, ReminderCheck
from notices.tables import NoticeTable, status_tag

# The outbox sits beneath claims (docs/adr/0029); an email names its quarter by a foreign key declared
# by name, and the Emails pages reach the model through it.
Quarter = Notice._meta.get_field("quarter").related_model

KIND_NAMES = {
    "reminder": ("reminder", "reminders"),
    "late": ("late notice", "late notices"),
    "missed": ("reminder window missed", "reminder windows missed"),
    "outcomes_reminder": ("outcomes report reminder", "outcomes report reminders"),
    "outcomes_late": ("late outcomes report notice", "late outcomes report notices"),
}


def written_text(created: dict) -> str:
    """What a check wrote, in words: ``Written: 2 reminders, 1 late notice.``"""
    parts = [
        f"{count} {KIND_NAMES.get(kind, (kind, kind))[count != 1]}"
        for kind, count in sorted(created.items())
        if count
    ]
    if not parts:
        return "No reminders or late notices were due that had not already been written."
    return "Written: " + ", ".join(parts) + "."


def check_summary(check: ReminderCheck) -> str:
    """Where the latest "check now" of the commissioner stands, in one sentence or two."""
    asked = f"The check for reminders due today asked for on {london(check.requested_at)}"
    if check.status == ReminderCheck.Status.QUEUED:
        return f"{asked} is waiting for a worker to start it."
    if check.status == ReminderCheck.Status.RUNNING:
        return f"{asked} is running (started {london(check.started_at)})."
    if check.status == ReminderCheck.Status.FAILED:
        return (
            f"{asked} failed. Nothing is lost: the daily check at 07:00 will write whatever is "
            "due, or you can check again now."
        )
    return f"{asked} finished on {london(check.finished_at)}. {written_text(check.created)}"


class NoticeListView(ScopedTableView):
    permission = Permission.VIEW_NOTICES
    table_class = NoticeTable
    filterset_class = NoticeFilter
    template_name = "notices/list.html"
    heading = "Emails to practices"

    def scoped_queryset(self):
        return Notice.objects.visible_to(self.scope).order_by("-created_at", "-pk")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        # Every quarter of the scheme: finding those with an email of the scope read every email
        # of its history, and grew with it (issue 18); a quarter without one shows none.
        kwargs["quarters"] = Quarter.objects.order_by("-year", "-number")
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["failed_count"] = (
            Notice.objects.visible_to(self.scope).filter(status=Notice.Status.FAILED).count()
        )
        context["can_send"] = self.scope.can(Permission.SEND_NOTICES)
        check = None
        if self.scope.commissioner_id is not None:
            check = ReminderCheck.objects.filter(commissioner_id=self.scope.commissioner_id).first()
        context["reminder_check"] = check
        context["reminder_check_summary"] = check_summary(check) if check else ""
        context["lead_days"] = settings.REMINDER_LEAD_DAYS
        return context


class NoticeDetailView(AccessMixin, TemplateView):
    permission = Permission.VIEW_NOTICES
    template_name = "notices/detail.html"

    def get_context_data(self, **kwargs):
        notice = get_object_or_404(
            Notice.objects.visible_to(self.scope).select_related("remittance__payment_run"),
            pk=self.kwargs["pk"],
        )
        return super().get_context_data(
            notice=notice,
            status_tag=status_tag(notice),
            can_retry=notice.status == Notice.Status.FAILED
            and self.scope.can(Permission.SEND_NOTICES),
            **kwargs,
        )


class NoticeRetryView(AccessMixin, View):
    """POST: try a failed email again, to the practice's contacts as they are now."""

    permission = Permission.SEND_NOTICES
    http_method_names = ["post"]

    def post(self, request, pk):
        notice = get_object_or_404(Notice.objects.visible_to(self.scope), pk=pk)
        notice = services.notice_retry(notice)
        if notice.status == Notice.Status.FAILED:
            messages.error(request, f"Not sent: {notice.last_error}")
        else:
            messages.success(request, "The email will be sent again in the next few minutes.")
        return HttpResponseRedirect(reverse("notices:detail", args=[notice.pk]))
