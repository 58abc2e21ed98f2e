"""Two-factor sign-in (TOTP, django-otp) for officers, auditors and administrators
(``carehomes_les.security.TwoFactorRequiredMiddleware`` sends them here after their password).

The first time, the person types the one-time set-up code their administrator gave them (a password
alone never adds a second factor: ``accounts/enrolment.py``, ADR 0041), then adds the service to an
authenticator app (a QR code, or the key typed in) and proves it with a code; each later sign-in
asks for a code. Wrong codes are throttled by django-otp (each failure doubles the wait), and every
step is in the audit trail. Before money moves, the code is asked again if it was given more than
15 minutes ago (``accounts/step_up.py``)."""

from __future__ import annotations

import io
from base64 import b32encode
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.generic import FormView
from django_otp import devices_for_user, match_token

from accounts.access import needs_two_factor
from accounts.devices import Authenticator
from accounts.enrolment import authenticator_confirm, enrolment_code_redeem
from accounts.step_up import record_verification, step_up_redirect, steps_up_with_nhsmail
from core.forms import NHSForm

# The unconfirmed app drawn for this session once its set-up code was used.
ENROLLING = "two_factor_enrolling"


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


class SetUpCodeForm(NHSForm):
    setup_code = forms.CharField(
        label="Set-up code from your administrator",
        help_text="16 letters and numbers, for example ABCD-EFGH-JKMN-PQRS",
        max_length=40,
        error_messages={"required": "Enter the set-up code your administrator gave you"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "nhsuk-input--width-20",
            }
        ),
    )


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
        record_verification(self.request, device)
        return redirect(self.next_url())


class TwoFactorStepUpView(TwoFactorVerifyView):
    """The code again, before money moves (``accounts.step_up.StepUpMixin`` sends people here)."""

    template_name = "registration/two_factor_step_up.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not needs_two_factor(request.user):
            return redirect(self.next_url())  # nothing to step up to
        if request.user.is_authenticated and steps_up_with_nhsmail(request.user):
            return step_up_redirect(request, self.next_url())  # no app here: NHSmail again
        return super().dispatch(request, *args, **kwargs)


class TwoFactorSetupView(_TwoFactorView):
    """Two steps on one page: first the set-up code from the administrator (without one, nothing
    but a message to ask for one); then the new app's QR code and key, and its first code."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and any(
            True for _ in devices_for_user(request.user, confirmed=True)
        ):
            # Already set up: changing the app is an administrator's reset, not a self-service step.
            return redirect("two_factor_verify")
        return super().dispatch(request, *args, **kwargs)

    def enrolling(self) -> Authenticator | None:
        pk = self.request.session.get(ENROLLING)
        if pk is None:
            return None
        return Authenticator.objects.filter(pk=pk, user=self.request.user, confirmed=False).first()

    def get_form_class(self):
        return CodeForm if self.enrolling() else SetUpCodeForm

    def get_template_names(self):
        if self.enrolling():
            return ["registration/two_factor_setup.html"]
        return ["registration/two_factor_enrol.html"]

    def get_context_data(self, **kwargs):
        device = self.enrolling()
        if device is None:
            return super().get_context_data(**kwargs)
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

    def form_valid(self, form):
        device = self.enrolling()
        if device is None:
            try:
                device = enrolment_code_redeem(
                    user=self.request.user, code=form.cleaned_data["setup_code"]
                )
            except ValidationError as refused:
                form.add_error("setup_code", refused.messages)
                return self.form_invalid(form)
            self.request.session[ENROLLING] = device.pk
            return redirect(f"{self.request.path}?{urlencode({'next': self.next_url()})}")
        if not authenticator_confirm(device=device, token=form.cleaned_data["code"]):
            form.add_error(
                "code",
                "That code is not right. Check the app shows “Care Home LES” and try the new code.",
            )
            return self.form_invalid(form)
        self.request.session.pop(ENROLLING, None)
        device.refresh_from_db()
        record_verification(self.request, device)
        return redirect(self.next_url())
