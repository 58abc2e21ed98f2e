"""The care-home register pages: the practice manager's register (residents with NHS numbers and
what each is due), adding and changing a stay, recording a clinic; and the compliance summary
(counts and percentages, no NHS numbers) that officers and auditors read. Writes are the services
in ``carehomes/register.py``; reads come from ``self.scope``, so another practice is a 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.access import Permission
from accounts.base_views import ServiceFormView
from accounts.views import AccessMixin
from carehomes import compliance, register
from carehomes.forms import ClinicForm, ResidentForm
from carehomes.models import Alignment, CareHome, Resident
from practices.models import Practice

STATUS_TAGS = {
    compliance.Status.MET: ("nhsuk-tag--green", "Met"),
    compliance.Status.NOT_YET_DUE: ("nhsuk-tag--grey", "Not yet due"),
    compliance.Status.MISSED: ("nhsuk-tag--red", "Missed"),
    compliance.Status.NOT_REQUIRED: ("nhsuk-tag--white", "Not required"),
}


class PracticeMixin(AccessMixin):
    def get_practice(self):
        if not hasattr(self, "_practice"):
            self._practice = get_object_or_404(
                Practice.objects.visible_to(self.scope), ods_code=self.kwargs["ods_code"]
            )
        return self._practice

    def aligned_homes(self):
        """Homes ever aligned with the practice (a stay may have begun under an old alignment)."""
        return CareHome.objects.filter(
            pk__in=Alignment.objects.filter(practice=self.get_practice()).values("care_home_id")
        ).order_by("name")

    def register_url(self):
        return reverse("carehomes:register", args=[self.get_practice().ods_code])


# What the register lists: ?show= (the filter's choices, in order; the first is the default).
REGISTER_SHOWS = {
    "current": "Current residents",
    "gaps": "Current residents with a missed requirement",
    "all": "Every stay, including residents who have left",
}


@dataclass
class RegisterRow:
    """One resident on the register page: the stay, and its requirements in brief and in full."""

    resident: object
    checks: list[tuple]  # (requirement, check, tag class, tag label)
    missed: int
    due: int


class RegisterView(PracticeMixin, TemplateView):
    permission = Permission.KEEP_REGISTER
    template_name = "carehomes/register.html"

    def get_context_data(self, **kwargs):
        practice = self.get_practice()
        today = timezone.localdate()
        show = self.request.GET.get("show", "")
        show = show if show in REGISTER_SHOWS else "current"
        residents = (
            Resident.objects.visible_to(self.scope)
            .filter(practice=practice)
            .select_related("care_home")
        )
        if show != "all":
            residents = residents.filter(left_on__isnull=True)
        rows = []
        for resident in residents.order_by("care_home__name", "admitted_on", "pk"):
            checks = compliance.resident_checks(resident.record, today)
            statuses = [check.status for check in checks.values()]
            rows.append(
                RegisterRow(
                    resident=resident,
                    checks=[
                        (compliance.REQUIREMENTS[key], check, *STATUS_TAGS[check.status])
                        for key, check in checks.items()
                    ],
                    missed=statuses.count(compliance.Status.MISSED),
                    due=statuses.count(compliance.Status.NOT_YET_DUE),
                )
            )
        listed = len(rows)
        if show == "gaps":
            rows = [row for row in rows if row.missed]
        return super().get_context_data(
            practice=practice,
            rows=rows,
            show=show,
            shows=REGISTER_SHOWS.items(),
            with_gaps=sum(1 for row in rows if row.missed),
            current=listed,
            homes=register.practice_compliance(practice, today),
            **kwargs,
        )


class ComplianceView(PracticeMixin, TemplateView):
    """How the practice meets the service requirements, home by home: counts and percentages."""

    permission = Permission.VIEW_COMPLIANCE
    template_name = "carehomes/compliance.html"

    def get_context_data(self, **kwargs):
        practice = self.get_practice()
        return super().get_context_data(
            practice=practice,
            homes=register.practice_compliance(practice),
            keeps_register=self.scope.can(Permission.KEEP_REGISTER),
            **kwargs,
        )


class ResidentFormView(PracticeMixin, ServiceFormView):
    permission = Permission.KEEP_REGISTER
    form_class = ResidentForm
    submit_label = "Save to the register"

    def get_resident(self):
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(
            Resident.objects.visible_to(self.scope).filter(practice=self.get_practice()),
            pk=self.kwargs["pk"],
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["care_homes"] = self.aligned_homes()
        kwargs["instance"] = self.get_resident()
        return kwargs

    def get_heading(self):
        practice = self.get_practice()
        verb = "Change a resident's record" if "pk" in self.kwargs else "Add a resident"
        return f"{verb}: {practice.name}"

    def perform(self, form):
        resident = form.save(commit=False)
        resident.practice = self.get_practice()
        return register.resident_save(resident=resident, by=self.request.user)

    def get_success_url(self, result=None):
        return self.register_url()

    def cancel_url(self):
        return self.register_url()

    @property
    def success_message(self):
        return "The register is updated."


class ClinicFormView(PracticeMixin, ServiceFormView):
    permission = Permission.KEEP_REGISTER
    form_class = ClinicForm
    submit_label = "Record clinic"
    success_message = "Clinic recorded."

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["care_homes"] = self.aligned_homes()
        return kwargs

    def get_heading(self):
        return f"Record a clinic: {self.get_practice().name}"

    def perform(self, form):
        return register.clinic_record(
            practice=self.get_practice(),
            care_home=form.cleaned_data["care_home"],
            held_on=form.cleaned_data["held_on"],
            clinician=form.cleaned_data["clinician"],
            by=self.request.user,
        )

    def get_success_url(self, result=None):
        return self.register_url()

    def cancel_url(self):
        return self.register_url()
