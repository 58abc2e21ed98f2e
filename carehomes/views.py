"""Care home pages: the registry list, a home with its aligned practices and lead GPs, and officers'
forms for homes and alignments. Every lookup goes through ``self.scope`` (accounts/access.py)."""

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import DetailView

from accounts.access import Permission
from accounts.base_views import ScopedTableView, ServiceFormView
from accounts.views import AccessMixin
from carehomes import services
from carehomes.filters import CareHomeFilter
from carehomes.forms import AlignmentForm, CareHomeForm
from carehomes.models import Alignment, CareHome
from carehomes.tables import CareHomeTable
from practices.models import Practice

VIEW_HOMES = (Permission.VIEW_REGISTRY, Permission.VIEW_OWN_PRACTICE)


class CareHomeListView(ScopedTableView):
    permission = VIEW_HOMES
    table_class = CareHomeTable
    filterset_class = CareHomeFilter
    heading = "Care homes"
    create_url_name = "carehomes:care_home_create"

    def scoped_queryset(self):
        today = timezone.localdate()
        # Count only the alignments the user may see: a manager never learns who else shares a home.
        # A count per home of the page, not a join grouped over every home in scope (issue 18):
        # the paginator's count reads only the homes' ids.
        current = (
            Alignment.objects.visible_to(self.scope)
            .current(today)
            .filter(care_home_id=OuterRef("pk"))
            .order_by()
            .values("care_home_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            CareHome.objects.visible_to(self.scope)
            .annotate(practice_count=Coalesce(Subquery(current), 0))
            .order_by("name")
        )


class CareHomeDetailView(AccessMixin, DetailView):
    permission = VIEW_HOMES
    template_name = "carehomes/care_home_detail.html"
    slug_field = slug_url_kwarg = "cqc_location_id"

    def get_queryset(self):
        return CareHome.objects.visible_to(self.scope)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        alignments = (
            Alignment.objects.visible_to(self.scope)
            .filter(care_home=self.object)
            .order_by("practice__name", "start_date")
        )
        context.update(
            today=today,
            current_alignments=[a for a in alignments if a.covers(today)],
            other_alignments=[a for a in alignments if not a.covers(today)],
            can_manage=self.scope.can(Permission.MANAGE_REGISTRY),
            can_edit_home=self.scope.can(Permission.MANAGE_REGISTRY)
            and CareHome.objects.to_manage(self.scope).filter(pk=self.object.pk).exists(),
        )
        return context


class CareHomeFormView(ServiceFormView):
    permission = Permission.MANAGE_REGISTRY
    form_class = CareHomeForm

    def get_form_kwargs(self):
        if "cqc_location_id" in self.kwargs:
            self.object = get_object_or_404(
                CareHome.objects.to_manage(self.scope),
                cqc_location_id=self.kwargs["cqc_location_id"],
            )
        else:
            self.object = CareHome(commissioner_id=self.request.user.commissioner_id)
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_heading(self):
        return f"Edit {self.object.name}" if self.object.pk else "Add a care home"

    def perform(self, form):
        return services.care_home_save(care_home=form.save(commit=False), by=self.request.user)

    def cancel_url(self):
        return self.object.get_absolute_url() if self.object.pk else "/care-homes/"


class AlignmentFormView(ServiceFormView):
    """Align a home with a practice (``cqc_location_id`` in the URL) or edit an alignment (``pk``)."""

    permission = Permission.MANAGE_REGISTRY
    form_class = AlignmentForm
    success_message = "Alignment saved."

    def get_form_kwargs(self):
        if "pk" in self.kwargs:
            self.object = get_object_or_404(
                Alignment.objects.visible_to(self.scope), pk=self.kwargs["pk"]
            )
        else:
            home = get_object_or_404(
                CareHome.objects.visible_to(self.scope),
                cqc_location_id=self.kwargs["cqc_location_id"],
            )
            self.object = Alignment(care_home=home)
        return {
            **super().get_form_kwargs(),
            "instance": self.object,
            "practices": Practice.objects.visible_to(self.scope),
        }

    def get_heading(self):
        home = self.object.care_home
        if self.object.pk:
            return f"Edit the alignment of {home.name} with {self.object.practice.name}"
        return f"Align {home.name} with a practice"

    def perform(self, form):
        return services.alignment_save(alignment=form.save(commit=False), by=self.request.user)

    def cancel_url(self):
        return self.object.care_home.get_absolute_url()
