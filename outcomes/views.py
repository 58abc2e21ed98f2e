"""Outcomes report pages: a practice's half-years with where each report stands, the report form
(or the report as sent), and for the contracting team and auditors each half-year's practices. The
write is ``outcomes.services.outcomes_report_submit``; reads come from ``self.scope``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.access import Permission
from accounts.base_views import ServiceFormView
from accounts.views import AccessMixin
from carehomes.models import Alignment, CareHome
from documents.downloads import document_response
from outcomes.evidence import meeting_counts, meeting_record
from outcomes.forms import MeetingForm, OutcomesReportForm
from outcomes.models import Meeting, OutcomesPeriod, OutcomesReport
from outcomes.reminders import reminder_check_request
from outcomes.services import (
    outcomes_report_submit,
    practices_owing,
    recent_periods,
    standing,
)
from practices.models import Practice


class PracticeOutcomesView(AccessMixin, TemplateView):
    permission = (Permission.SUBMIT_OUTCOMES, Permission.VIEW_COMPLIANCE)
    template_name = "outcomes/practice.html"

    def get_context_data(self, **kwargs):
        practice = get_object_or_404(
            Practice.objects.visible_to(self.scope), ods_code=self.kwargs["ods_code"]
        )
        today = timezone.localdate()
        reports = {
            r.period_id: r
            for r in OutcomesReport.objects.visible_to(self.scope).filter(practice=practice)
        }
        rows = [
            (period, reports.get(period.pk), standing(period, reports.get(period.pk), today))
            for period in recent_periods(today)
        ]
        return super().get_context_data(practice=practice, rows=rows, **kwargs)


class OutcomesReportView(AccessMixin, View):
    """GET: the form while the report is owed (practice managers), or the report as sent.
    POST: send it."""

    permission = (Permission.SUBMIT_OUTCOMES, Permission.VIEW_COMPLIANCE)

    def setup_objects(self):
        self.practice = get_object_or_404(
            Practice.objects.visible_to(self.scope), ods_code=self.kwargs["ods_code"]
        )
        parsed = OutcomesPeriod.parse_slug(self.kwargs["period"])
        if parsed is None:
            raise Http404("No such half-year")
        self.period = get_object_or_404(OutcomesPeriod, year=parsed[0], half=parsed[1])
        self.report = (
            OutcomesReport.objects.visible_to(self.scope)
            .filter(practice=self.practice, period=self.period)
            .first()
        )
        self.can_submit = self.scope.can(Permission.SUBMIT_OUTCOMES)

    def page(self, form=None):
        today = timezone.localdate()
        owes = practices_owing(self.period, [self.practice.pk]).exists()
        return render(
            self.request,
            "outcomes/report.html",
            {
                "practice": self.practice,
                "period": self.period,
                "report": self.report,
                "standing": standing(self.period, self.report, today),
                "owes": owes,
                "open": today >= self.period.opens_on,
                "form": form
                if form is not None
                else (OutcomesReportForm() if self.can_submit and not self.report else None),
            },
        )

    def get(self, request, ods_code, period):
        self.setup_objects()
        return self.page()

    def post(self, request, ods_code, period):
        self.setup_objects()
        if not self.can_submit:
            raise PermissionDenied
        form = OutcomesReportForm(request.POST)
        if form.is_valid():
            try:
                outcomes_report_submit(
                    practice=self.practice,
                    period=self.period,
                    figures=form.cleaned_data,
                    by=request.user,
                )
            except ValidationError as refused:
                form.add_error(None, refused.messages)
            else:
                messages.success(request, f"Outcomes report for {self.period.label} sent.")
                return HttpResponseRedirect(
                    reverse("outcomes:practice", args=[self.practice.ods_code])
                )
        return self.page(form=form)


class OutcomesIndexView(AccessMixin, TemplateView):
    """Each recent half-year: the practices that owe a report and where each stands."""

    permission = Permission.VIEW_CLAIMS
    template_name = "outcomes/index.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        periods = recent_periods(today)
        wanted = self.request.GET.get("period")
        # By default the latest half-year whose reports can be sent (docs/adr/0025): the one
        # containing today has nothing to show until its last month.
        started = next((p for p in periods if today >= p.opens_on), periods[0])
        period = next((p for p in periods if p.slug == wanted), started)
        reports = {
            r.practice_id: r
            for r in OutcomesReport.objects.visible_to(self.scope).filter(period=period)
        }
        practices = (
            practices_owing(period, Practice.objects.visible_to(self.scope).values("pk"))
            .with_registry()
            .order_by("ods_code")
        )
        rows = [
            (p, reports.get(p.pk), standing(period, reports.get(p.pk), today)) for p in practices
        ]
        return super().get_context_data(
            periods=periods,
            period=period,
            rows=rows,
            sent=sum(1 for _p, r, _s in rows if r),
            **kwargs,
        )


# -- meeting evidence ------------------------------------------------------------------------------


class MeetingsView(AccessMixin, TemplateView):
    """The practice's meetings with its homes' managers, and how many are held against expected."""

    permission = (Permission.RECORD_MEETINGS, Permission.VIEW_COMPLIANCE)
    template_name = "outcomes/meetings.html"

    def get_context_data(self, **kwargs):
        practice = get_object_or_404(
            Practice.objects.visible_to(self.scope), ods_code=self.kwargs["ods_code"]
        )
        meetings = list(
            Meeting.objects.visible_to(self.scope)
            .filter(practice=practice)
            .select_related("attendance_sheet")
            .defer("attendance_sheet__content")
        )
        return super().get_context_data(
            practice=practice,
            meetings=meetings,
            counts=meeting_counts(practice, meetings),
            can_record=self.scope.can(Permission.RECORD_MEETINGS),
            **kwargs,
        )


class MeetingCreateView(ServiceFormView):
    permission = Permission.RECORD_MEETINGS
    form_class = MeetingForm
    template_name = "outcomes/meeting_form.html"
    submit_label = "Record meeting"
    success_message = "Meeting recorded with its attendance sheet."

    def get_practice(self):
        if not hasattr(self, "_practice"):
            self._practice = get_object_or_404(
                Practice.objects.visible_to(self.scope), ods_code=self.kwargs["ods_code"]
            )
        return self._practice

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["care_homes"] = CareHome.objects.filter(
            pk__in=Alignment.objects.filter(practice=self.get_practice()).values("care_home_id")
        ).order_by("name")
        return kwargs

    def get_heading(self):
        return f"Record a meeting with a care home's manager: {self.get_practice().name}"

    def perform(self, form):
        data = form.cleaned_data
        return meeting_record(
            practice=self.get_practice(),
            care_home=data["care_home"],
            met_on=data["met_on"],
            attendees=data["attendees"],
            notes=data["notes"],
            sheet=data["attendance_sheet"],
            by=self.request.user,
        )

    def get_success_url(self, result=None):
        return reverse("outcomes:meetings", args=[self.get_practice().ods_code])

    def cancel_url(self):
        return self.get_success_url()


class AttendanceSheetView(AccessMixin, View):
    """The signed attendance sheet of one meeting, as a download under the service's own name.
    Another practice's meeting is a 404, its file included."""

    permission = (Permission.RECORD_MEETINGS, Permission.VIEW_COMPLIANCE)

    def get(self, request, ods_code, pk):
        meeting = get_object_or_404(
            Meeting.objects.visible_to(self.scope).select_related("attendance_sheet"),
            practice__ods_code=ods_code,
            pk=pk,
        )
        return document_response(meeting.attendance_sheet)


class RemindersRunView(AccessMixin, View):
    """POST: check now for the reminders and late notices due today to the officer's commissioner's
    practices (as the daily schedule does for every commissioner; running it again sends nobody a
    second email). A worker does it (ADR 0045); the Emails page shows how it is going."""

    permission = Permission.SEND_NOTICES
    http_method_names = ["post"]

    def post(self, request):
        _check, new = reminder_check_request(
            commissioner_id=self.scope.commissioner_id, by=request.user
        )
        messages.success(
            request,
            "Checking for reminders and late notices due today. This page shows what was written "
            "when the check has finished."
            if new
            else "A check for reminders due today is already under way.",
        )
        return HttpResponseRedirect(reverse("notices:list"))
