"""Placeholder: being written."""

from django.http import HttpResponse
from django.views import View

from accounts.access import Permission
from accounts.views import AccessMixin


class _Stub(AccessMixin, View):
    permission = Permission.VIEW_INSIGHT
    file_format = ""

    def get(self, request, **kwargs):
        return HttpResponse("")


class ReportsIndexView(_Stub):
    pass


class DashboardView(_Stub):
    pass


class FigureExportView(_Stub):
    pass
