"""One practice's worksheet for one quarter: the form a practice manager fills in (with a preview of
the payment on "Check figures"), the read-only worksheet once submitted, and its ``.xlsx`` download.

Every figure is checked by :func:`claims.worksheets.services.worksheet_assemble` (the preview; it writes
nothing) and submitted through :func:`claims.worksheets.services.worksheet_submit`, which checks it all again:
the page never trusts what it showed before. Reads come from ``self.scope``, so another practice's
worksheet is a 404."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accounts.access import Permission
from accounts.views import AccessMixin
from claims import rules, selectors, wording
from claims.models import Quarter, Worksheet, WorksheetLine
from claims.review.services import TransitionRefused, worksheet_resubmit
from claims.views.page import stored_payment_summary, worksheet_page
from claims.views.quarters import VIEW_WORKSHEETS
from claims.worksheets import xlsx
from claims.worksheets.forms import (
    COLUMN_HEADINGS,
    FIGURES,
    IN_OTHER_HOME_HINT,
    IN_OTHER_HOME_HINT_ID,
    WorksheetForm,
    field_name,
)
from claims.worksheets.prefill import Prefill, worksheet_prefill
from claims.worksheets.quarters import quarter_status
from claims.worksheets.services import (
    WorksheetRefused,
    quarter_for,
    worksheet_assemble,
    worksheet_submit,
)
from core.periods import LONDON, Period
from practices.models import Practice


def now() -> datetime.datetime:
    """The moment of submission (tests fix it by patching ``django.utils.timezone.now``)."""
    return timezone.now()


def parse_period(text: str, today: datetime.date) -> Period:
    """The quarter named in the URL: from 2018/19 Q1 to the current quarter, else 404."""
    try:
        period = Period.parse(text)
    except ValueError:
        raise Http404("No such quarter") from None
    if not wording.SCHEME_START <= period <= Period.containing(today):
        raise Http404("No worksheet for that quarter")
    return period


class WorksheetMixin(AccessMixin):
    """Finds the practice (through the scope), the quarter and its worksheet, if submitted. A quarter
    nobody has opened yet is an unsaved ``Quarter`` with the default due date: looking writes
    nothing."""

    permission = VIEW_WORKSHEETS

    def find(self):
        self.today = timezone.localdate()
        self.practice = get_object_or_404(
            Practice.objects.visible_to(self.scope), ods_code=self.kwargs["ods_code"]
        )
        self.period = period = parse_period(self.kwargs["quarter"], self.today)
        self.quarter = Quarter.objects.filter(year=period.year, number=period.quarter).first() or (
            Quarter(year=period.year, number=period.quarter, due_date=period.default_due_date)
        )
        self.worksheet = (
            Worksheet.objects.visible_to(self.scope)
            .filter(
                practice=self.practice, quarter__year=period.year, quarter__number=period.quarter
            )
            .select_related("submitted_by", "waived_by")
            .prefetch_related(
                Prefetch(
                    "lines",
                    WorksheetLine.objects.select_related(
                        "care_home", "carried_from__worksheet__quarter"
                    ).order_by("care_home__name", "care_home_id"),
                )
            )
            .first()
        )

    @property
    def can_submit(self) -> bool:
        return self.scope.can(Permission.SUBMIT_WORKSHEET)

    @property
    def answering_query(self) -> bool:
        """A practice manager amends a queried claim: the form again, pre-filled, to resubmit."""
        return (
            self.worksheet is not None
            and self.worksheet.status == Worksheet.Status.QUERIED
            and self.can_submit
        )

    def url(self, name: str = "worksheet") -> str:
        return reverse(
            f"claims:{name}",
            kwargs={"ods_code": self.practice.ods_code, "quarter": self.period.slug},
        )

    def facts(self) -> selectors.QuarterFacts:
        if not hasattr(self, "_facts"):
            self._facts = selectors.quarter_facts(self.quarter, [self.practice.pk])
            if self.answering_query:  # it was let in when first submitted, as worksheet_resubmit
                self._facts.blockers.pop(self.practice.pk, None)
        return self._facts

    def openings(self) -> list[selectors.Opening]:
        return self.facts().openings.get(self.practice.pk, [])

    def prefill(self) -> Prefill:
        """The figures the form (and the downloaded spreadsheet) start with."""
        return worksheet_prefill(
            practice=self.practice,
            first_day=self.period.first_day,
            last_day=self.period.last_day,
            openings=self.openings(),
        )

    def base_context(self) -> dict:
        """What every worksheet page says about the quarter and whether a worksheet is owed."""
        facts = self.facts()
        openings = self.openings()
        in_force = self.practice.pk in facts.in_force
        blocker = facts.blockers.get(self.practice.pk)
        status = quarter_status(
            period=self.period,
            due_date=self.quarter.due_date,
            today=self.today,
            worksheet=self.worksheet,
            homes=len(openings),
            in_force=in_force,
            bands=facts.bands,
            blocked_by=blocker.period if blocker else None,
        )
        return {
            "status": status,
            "practice": self.practice,
            "quarter": self.quarter,
            "period": self.period,
            "slug": self.period.slug,
            "worksheet": self.worksheet,
            "today": self.today,
            "owed": bool(openings) and in_force,
            "no_homes": not openings,
            "no_agreement": not in_force,
            "blocker": blocker,
            "blocker_slug": blocker.period.slug if blocker else "",
            "quarter_ended": self.period.has_ended(self.today),
            "opens_on": self.period.opens_on,
            "can_submit": self.can_submit,
            "headings": [COLUMN_HEADINGS[f] for f in FIGURES],
            "in_other_home_hint": IN_OTHER_HOME_HINT,
            "in_other_home_hint_id": IN_OTHER_HOME_HINT_ID,
        }


# -- the views ----------------------------------------------------------------------------------


class WorksheetView(WorksheetMixin, View):
    """GET: the submitted worksheet, read-only; or, for a practice manager, the form; or, for an
    officer or auditor, what is owed. POST (practice managers): "Check figures" or "Submit"."""

    def get(self, request, **kwargs):
        self.find()
        if self.answering_query:
            form = WorksheetForm(initial=self.submitted_figures(), openings=self.openings())
            return self.render_form(form, None)
        if self.worksheet is not None:
            return self.render_submitted()
        if not self.can_submit:
            return self.render_owed()
        prefill = self.prefill()
        form = WorksheetForm(initial=prefill.initial(), openings=self.openings())
        return self.render_form(
            form, None, prefill=prefill.differences if prefill.from_register else None
        )

    def post(self, request, **kwargs):
        if not self.can_submit:
            raise PermissionDenied
        self.find()
        resubmitting = self.answering_query
        if self.worksheet is not None and not resubmitting:
            messages.info(request, f"The {self.period.label} worksheet has already been submitted.")
            return HttpResponseRedirect(self.url())
        form = WorksheetForm(request.POST, openings=self.openings())
        submitting = request.POST.get("action") == "submit"
        valid = form.is_valid()  # the homes whose figures are whole numbers are still checked
        moment = now()
        try:
            assembled = worksheet_assemble(
                practice=self.practice,
                quarter=self.quarter,
                entries=form.entries(),
                submitted_at=moment,
                first_submitted_at=self.worksheet.first_submitted_at if self.worksheet else None,
                facts=self.facts(),
                submitting=submitting,  # a submission's quarter must have ended; a check's need not
            )
        except LookupError as missing:  # no tariff covers the quarter's year
            return self.render_form(form, None, extra=[str(missing)])
        if not (valid and submitting) or assembled.problems:
            return self.render_form(form, assembled, submitting=submitting)
        try:
            with transaction.atomic():  # a refusal also undoes creating the quarter
                if resubmitting:
                    worksheet = worksheet_resubmit(
                        claim=self.worksheet,
                        entries=form.entries(),
                        by=request.user,
                        submitted_at=moment,
                    )
                else:
                    worksheet = worksheet_submit(
                        practice=self.practice,
                        quarter=quarter_for(self.period),
                        entries=form.entries(),
                        by=request.user,
                        submitted_at=moment,
                        receipt=True,
                    )
        except WorksheetRefused as refused:  # something changed since the checks above
            assembled.problems = refused.problems
            assembled.payment = None
            return self.render_form(form, assembled, submitting=True)
        except TransitionRefused as refused:  # the claim left "queried" meanwhile
            return self.render_form(form, assembled, submitting=True, extra=refused.messages)
        late = (
            "on time" if worksheet.days_late == 0 else f"{wording.days(worksheet.days_late)} late"
        )
        verb = "resubmitted" if resubmitting else "submitted"
        messages.success(
            request,
            f"The {self.period.label} worksheet has been {verb} ({late}): net payment "
            f"{wording.money(worksheet.net_pence)}.",
        )
        return HttpResponseRedirect(self.url())

    def submitted_figures(self) -> dict:
        """The figures as submitted, for the practice to amend in answer to a query."""
        initial = {}
        for line in self.worksheet.lines.all():
            for figure in FIGURES:
                initial[field_name(line.care_home_id, figure)] = getattr(line, figure)
            initial[field_name(line.care_home_id, "confirm_beds")] = line.beds_warning_confirmed
        return initial

    # -- rendering --------------------------------------------------------------------------

    def render_form(self, form, assembled, *, submitting=False, extra=(), status=200, prefill=None):
        context = self.base_context()
        context["register_prefill"] = prefill
        context.update(
            worksheet_page(
                form, assembled, self.facts(), submitting=submitting, extra_problems=list(extra)
            ),
            mode="form",
            action_url=self.url(),
            checked=assembled is not None,
        )
        return render(self.request, "claims/worksheet_form.html", context, status=status)

    def render_owed(self):
        context = self.base_context()
        context["openings"] = self.openings()
        return render(self.request, "claims/worksheet_detail.html", context)

    def render_submitted(self):
        worksheet = self.worksheet
        rates = selectors.rates_for(worksheet.quarter)
        lines = list(worksheet.lines.all())
        summary = stored_payment_summary(worksheet, lines, rates, selectors.bands())
        context = {
            "practice": self.practice,
            "quarter": worksheet.quarter,
            "period": self.period,
            "slug": self.period.slug,
            "worksheet": worksheet,
            "lines": [
                (line, wording.money(rules.line_gross(line.figures, rates))) for line in lines
            ],
            "preview": summary,
            "can_submit": self.can_submit,
            "headings": [COLUMN_HEADINGS[f] for f in FIGURES],
            "first_submitted": worksheet.first_submitted_at.astimezone(LONDON),
            "submitted": worksheet.submitted_at.astimezone(LONDON),
        }
        return render(self.request, "claims/worksheet_detail.html", context)


class WorksheetDownloadView(WorksheetMixin, View):
    """The worksheet as ``.xlsx`` for a person to fill in: pre-filled as the form is (the same
    :meth:`prefill`), or, once submitted, with its figures, every cell locked."""

    def get(self, request, **kwargs):
        self.find()
        submitted = self.worksheet is not None
        content = xlsx.worksheet_workbook(
            practice=self.practice,
            quarter=self.quarter,
            openings=[] if submitted else self.openings(),
            prefill=None if submitted else self.prefill(),
            worksheet=self.worksheet,
        )
        response = HttpResponse(content, content_type=xlsx.CONTENT_TYPE)
        response["Content-Disposition"] = (
            f'attachment; filename="{xlsx.filename(self.practice, self.quarter)}"'
        )
        return response
