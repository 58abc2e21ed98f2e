"""Uploading the filled-in worksheet for one practice and quarter: the downloaded template, or the
SPEC §10 machine layout (``.xlsx`` or CSV; :mod:`claims.worksheets.file` tells them apart).

The file is read and checked, then shown exactly as the form's preview: every problem by row, column
and home, or the payment the figures produce. Nothing is written here. The preview's "Submit
worksheet" posts the figures back to the worksheet form as hidden inputs, where they are read and
checked again from scratch (and again by the service) before anything is saved: the hidden inputs
are never trusted. ``submitted_at`` in the file is ignored; the moment of submission is used."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views import View

from accounts.access import Permission
from claims.views.page import worksheet_page
from claims.views.worksheet import WorksheetMixin, now
from claims.worksheets import file as worksheet_file
from claims.worksheets.forms import COUNTS, WorksheetForm, WorksheetUploadForm, field_name
from claims.worksheets.services import worksheet_assemble


class WorksheetUploadView(WorksheetMixin, View):
    permission = Permission.SUBMIT_WORKSHEET

    def get(self, request, **kwargs):
        self.find()
        if self.worksheet is not None:
            return self.already_submitted()
        return self.render_upload(WorksheetUploadForm())

    def post(self, request, **kwargs):
        self.find()
        if self.worksheet is not None:
            return self.already_submitted()
        form = WorksheetUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_upload(form)
        name = form.cleaned_data["file"].name
        openings = self.openings()
        uploaded = worksheet_file.read_worksheet_file(
            form.content, name, practice=self.practice, period=self.period, openings=openings
        )
        problems = list(uploaded.problems)
        assembled = None
        if uploaded.readable:
            try:
                assembled = worksheet_assemble(
                    practice=self.practice,
                    quarter=self.quarter,
                    entries=uploaded.entries,
                    submitted_at=now(),
                    facts=self.facts(),
                    submitting=False,  # a preview: the form submits it
                )
            except LookupError as missing:  # no tariff covers the quarter's year
                problems.append(
                    worksheet_file.FileProblem(None, uploaded.column("quarter"), "", str(missing))
                )
            else:
                homes = {o.care_home.pk: o.care_home for o in openings}
                errors = [p for p in assembled.problems if not p.is_warning]
                problems += worksheet_file.map_problems(errors, uploaded, homes)
        if problems:
            problems = uploaded.sort_problems(problems)
            return self.render_upload(WorksheetUploadForm(), problems=problems, filename=name)
        # The preview: the figures as the form would post them.
        data = {}
        for opening in openings:
            pk = opening.care_home.pk
            entry = uploaded.entries[pk]
            if opening.is_baseline:
                data[field_name(pk, "opening")] = str(entry.opening)
            for figure in COUNTS:
                data[field_name(pk, figure)] = str(getattr(entry, figure))
        figures = WorksheetForm(data, openings=openings)
        figures.is_valid()
        context = self.base_context()
        context.update(
            worksheet_page(figures, assembled, self.facts(), file_rows=uploaded.rows),
            mode="upload",
            action_url=self.url(),
            checked=True,
            filename=name,
        )
        return render(request, "claims/worksheet_form.html", context)

    def already_submitted(self):
        messages.info(
            self.request,
            f"The {self.period.label} worksheet has already been submitted: it cannot be uploaded "
            "again.",
        )
        return HttpResponseRedirect(self.url())

    def render_upload(self, form, *, problems=(), filename=""):
        context = self.base_context()
        context.update(
            form=form,
            problems=list(problems),
            filename=filename,
            columns=",".join(worksheet_file.COLUMNS),
        )
        return render(self.request, "claims/worksheet_upload.html", context)
