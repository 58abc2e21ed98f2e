"""View building blocks shared by the apps: a scoped, filtered table page and a form page whose
write goes through a service. Views stay thin: lookups come from the access scope, writes from
services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.views.generic.edit import FormView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from accounts.access import Permission
from accounts.views import AccessMixin


class ScopedTableView(AccessMixin, SingleTableMixin, FilterView):
    """A sortable, filterable, paginated table of objects in the user's scope."""

    # The table pages itself; a ListView's ``paginate_by`` beside it would page (and count) the
    # same rows a second time (issue 18).
    table_pagination = {"per_page": 25}
    template_name = "registry/list.html"
    heading = ""
    create_url_name = ""
    # "Add new" is offered only to those who may add (a link a role may not follow is a 403).
    create_permission = Permission.MANAGE_REGISTRY

    def scoped_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        return self.scoped_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["heading"] = self.heading
        may_create = self.scope.can(self.create_permission)
        context["create_url_name"] = self.create_url_name if may_create else ""
        return context


class ServiceFormView(AccessMixin, FormView):
    """A form whose ``perform(form)`` calls one service; a ``ValidationError`` from the service is
    shown on the form and nothing is written (services are atomic)."""

    template_name = "registry/form.html"
    heading = ""
    submit_label = "Save"
    success_message = ""

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            result = self.perform(form)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url(result))

    def get_success_url(self, result=None):
        return result.get_absolute_url()

    def get_heading(self) -> str:
        return self.heading

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # builds the form, and with it the object
        context.update(
            heading=self.get_heading(), submit_label=self.submit_label, cancel_url=self.cancel_url()
        )
        return context

    def cancel_url(self):
        return "/"
