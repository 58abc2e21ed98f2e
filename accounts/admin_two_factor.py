"""Administrators' two-factor page for a user, in Django admin (ADR 0041):
``/admin/accounts/user/<id>/two-factor/``.

- **Issue a set-up code**: the code is shown on the answer to that POST, once, to hand over out of
  band; only its digest is kept (``accounts.enrolment.enrolment_code_issue``).
- **Reset** (remove) the person's authenticator app, with the reason, which the history keeps
  (``accounts.enrolment.authenticator_reset``); the person is emailed.

Each is one service; a refusal is shown on the page and writes nothing."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.devices import Authenticator
from accounts.enrolment import CODE_LIFETIME, authenticator_reset, enrolment_code_issue
from core.formatting import day


class ResetForm(forms.Form):
    reason = forms.CharField(
        label="Why is their two-factor sign-in being reset?",
        help_text="For example: lost phone, reported on 3 December by phone. Kept in the history.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        error_messages={"required": "Enter the reason for the reset."},
    )


def _when(moment) -> str:
    return f"{day(moment)} at {timezone.localtime(moment):%H:%M}" if moment else ""


class TwoFactorAdminMixin:
    """For the user admin: the two-factor page, and a link to it on each user's form."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/two-factor/",
                self.admin_site.admin_view(self.two_factor_view),
                name="accounts_user_two_factor",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def two_factor_link(obj) -> str:
        if obj is None or obj.pk is None:
            return "Save the user first."
        devices = Authenticator.objects.filter(user=obj, confirmed=True)
        state = (
            f"authenticator app added {_when(devices[0].created_at)}"
            if devices
            else "no authenticator app"
        )
        return format_html(
            '{} — <a href="{}">issue a set-up code or reset</a>',
            state,
            reverse("admin:accounts_user_two_factor", args=[obj.pk]),
        )

    def two_factor_view(self, request, object_id):
        person = get_object_or_404(self.model, pk=object_id)
        if not self.has_change_permission(request, person):
            raise PermissionDenied
        reset_form = ResetForm()
        issued = None
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "issue":
                    issued, row = enrolment_code_issue(user=person, by=request.user)
                    issued = {"code": issued, "expires": _when(row.expires_at)}
                elif action == "reset":
                    reset_form = ResetForm(request.POST)
                    if reset_form.is_valid():
                        authenticator_reset(
                            user=person, by=request.user, reason=reset_form.cleaned_data["reason"]
                        )
                        messages.success(
                            request,
                            f"Two-factor sign-in reset for {person.username}. Issue a set-up code "
                            "for them to add a new authenticator app.",
                        )
                        return HttpResponseRedirect(request.path)
            except ValidationError as refused:
                messages.error(request, " ".join(refused.messages))
                if action == "issue":
                    return HttpResponseRedirect(request.path)
                reset_form.add_error(None, refused.messages)
        devices = Authenticator.objects.filter(user=person).order_by("pk")
        pending = person.enrolment_codes.filter(used_at__isnull=True, expires_at__gt=timezone.now())
        context = {
            **self.admin_site.each_context(request),
            "title": f"Two-factor sign-in: {person.username}",
            "opts": self.model._meta,
            "original": person,
            "person": person,
            "devices": [
                (d.name, d.confirmed, _when(d.created_at), _when(d.last_used_at)) for d in devices
            ],
            "pending": [_when(c.expires_at) for c in pending],
            "issued": issued,
            "lifetime_hours": int(CODE_LIFETIME.total_seconds() // 3600),
            "reset_form": reset_form,
        }
        return TemplateResponse(request, "admin/accounts/user/two_factor.html", context)
