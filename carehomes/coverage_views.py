"""Placeholder: being written."""

from django.http import HttpResponse
from django.views import View

from accounts.access import Permission
from accounts.views import AccessMixin


class _Stub(AccessMixin, View):
    permission = Permission.VIEW_INSIGHT

    def get(self, request, **kwargs):
        return HttpResponse("")


class CoverageView(_Stub):
    pass


class CoverageSitrepView(_Stub):
    pass


class CoverageEditView(_Stub):
    pass
