"""Two-factor sign-in (TOTP, django-otp) for officers, auditors and administrators
(``carehomes_les.security.TwoFactorRequiredMiddleware`` sends them here after their password).

The first time, the person adds the service to an authenticator app (a QR code, or the key typed in)
and proves it with a code; each later sign-in asks for a code. Wrong codes are throttled by
django-otp (each failure doubles the wait), and every set-up is in the audit trail."""

from __future__ import annotations

import io
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.generic import FormView
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.forms import NHSForm
from history.services import audit_record


class CodeForm(NHSForm):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="6 digits, for example 123456",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "nhsuk-input--width-10",
            }
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip().replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError("Enter the 6 digits your authenticator app shows.")
        return code


class _TwoFactorView(LoginRequiredMixin, FormView):
    form_class = CodeForm

    def next_url(self) -> str:
        wanted = self.request.POST.get("next") or self.request.GET.get("next") or "/"
        if url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return wanted
        return "/"

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.next_url(), **kwargs)


class TwoFactorVerifyView(_TwoFactorView):
    template_name = "registration/two_factor_verify.html"

    def form_valid(self, form):
        device = match_token(self.request.user, form.cleaned_data["code"])
        if device is None:
            form.add_error(
                "code", "That code is not right, or has expired. Enter the code showing now."
            )
            return self.form_invalid(form)
        otp_login(self.request, device)
        return redirect(self.next_url())


class TwoFactorSetupView(_TwoFactorView):
    template_name = "registration/two_factor_setup.html"

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
        ):
            # Already set up: changing the app is an administrator's reset, not a self-service step.
            return redirect("two_factor_verify")
        return super().dispatch(request, *args, **kwargs)

    def device(self) -> TOTPDevice:
        device = TOTPDevice.objects.filter(user=self.request.user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(
                user=self.request.user, name="Authenticator app", confirmed=False
            )
        return device

    def get_context_data(self, **kwargs):
        device = self.device()
        image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
        out = io.BytesIO()
        image.save(out)
        svg = out.getvalue().decode().split("?>", 1)[-1]  # the <svg> element, no XML declaration
        key = b32encode(device.bin_key).decode()
        return super().get_context_data(
            qr_svg=mark_safe(svg),  # noqa: S308 - qrcode's own SVG of our device URL, no user input
            key_groups=[key[i : i + 4] for i in range(0, len(key), 4)],
            **kwargs,
        )

    @transaction.atomic
    def form_valid(self, form):
        device = self.device()
        if not device.verify_token(form.cleaned_data["code"]):
            form.add_error(
                "code",
                "That code is not right. Check the app shows “Care Home LES” and try the new code.",
            )
            return self.form_invalid(form)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            by=self.request.user,
            action="two_factor_setup",
            obj=self.request.user,
            summary=f"Two-factor sign-in set up for {self.request.user.username}",
        )
        otp_login(self.request, device)
        return redirect(self.next_url())
