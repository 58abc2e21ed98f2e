"""PCN and practice pages: registry lists, detail pages, officers' forms, practice contacts and
agreements. Every lookup goes through ``self.scope`` (accounts/access.py)."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import DetailView

from accounts.access import Permission
from accounts.base_views import ScopedTableView, ServiceFormView
from accounts.views import AccessMixin
from practices import services
from practices.filters import PCNFilter, PracticeFilter
from practices.forms import (
    AgreementNoticeForm,
    AgreementVariationForm,
    PCNForm,
    PracticeContactsForm,
    PracticeForm,
)
from practices.models import PCN, Agreement, AgreementVariation, Practice
from practices.tables import PCNTable, PracticeTable

VIEW_PRACTICES = (Permission.VIEW_REGISTRY, Permission.VIEW_OWN_PRACTICE)


# -- PCNs --------------------------------------------------------------------------------------


class PCNListView(ScopedTableView):
    permission = Permission.VIEW_REGISTRY
    table_class = PCNTable
    filterset_class = PCNFilter
    heading = "Primary care networks"
    create_url_name = "practices:pcn_create"

    def scoped_queryset(self):
        return (
            PCN.objects.visible_to(self.scope)
            .annotate(practice_count=Count("practices"))
            .order_by("name")
        )


class PCNDetailView(AccessMixin, DetailView):
    permission = Permission.VIEW_REGISTRY
    template_name = "practices/pcn_detail.html"
    slug_field = slug_url_kwarg = "code"

    def get_queryset(self):
        return PCN.objects.visible_to(self.scope)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["practices"] = Practice.objects.visible_to(self.scope).filter(pcn=self.object)
        context["can_manage"] = self.scope.can(Permission.MANAGE_REGISTRY)
        return context


class PCNFormView(ServiceFormView):
    permission = Permission.MANAGE_REGISTRY
    form_class = PCNForm

    def setup_object(self):
        if "code" in self.kwargs:
            return get_object_or_404(PCN.objects.visible_to(self.scope), code=self.kwargs["code"])
        return PCN(commissioner_id=self.request.user.commissioner_id)

    def get_form_kwargs(self):
        self.object = self.setup_object()
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_heading(self):
        return f"Edit {self.object.name}" if self.object.pk else "Add a PCN"

    def perform(self, form):
        return services.pcn_save(pcn=form.save(commit=False), by=self.request.user)

    def cancel_url(self):
        return self.object.get_absolute_url() if self.object.pk else "/pcns/"


# -- Practices ---------------------------------------------------------------------------------


class PracticeListView(ScopedTableView):
    permission = VIEW_PRACTICES
    table_class = PracticeTable
    filterset_class = PracticeFilter
    create_url_name = "practices:practice_create"

    @property
    def heading(self):
        return "GP practices" if self.scope.can(Permission.VIEW_REGISTRY) else "My practices"

    def get_filterset_kwargs(self, filterset_class):
        return {
            **super().get_filterset_kwargs(filterset_class),
            "pcns": PCN.objects.visible_to(self.scope),
        }

    def scoped_queryset(self):
        today = timezone.localdate()
        current = Q(alignments__start_date__lte=today) & (
            Q(alignments__end_date__isnull=True) | Q(alignments__end_date__gte=today)
        )
        return (
            Practice.objects.visible_to(self.scope)
            .annotate(home_count=Count("alignments", filter=current, distinct=True))
            .order_by("name")
        )


class PracticeDetailView(AccessMixin, DetailView):
    permission = VIEW_PRACTICES
    template_name = "practices/practice_detail.html"
    slug_field = slug_url_kwarg = "ods_code"

    def get_queryset(self):
        return Practice.objects.visible_to(self.scope)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        practice = self.object
        today = timezone.localdate()
        # The practice is in scope, so are its alignments (carehomes.Alignment.visible_to).
        alignments = practice.alignments.select_related(
            "care_home", "practice", "practice__pcn"
        ).order_by("care_home__name", "start_date")
        context.update(
            today=today,
            contacts=practice.contacts.all(),
            agreements=Agreement.objects.visible_to(self.scope)
            .filter(practice=practice)
            .prefetch_related("variations"),
            current_alignments=[a for a in alignments if a.covers(today)],
            other_alignments=[a for a in alignments if not a.covers(today)],
            can_manage=self.scope.can(Permission.MANAGE_REGISTRY),
            can_edit_contacts=self.scope.can(Permission.EDIT_PRACTICE_CONTACTS),
            keeps_register=self.scope.can(Permission.KEEP_REGISTER),
        )
        return context


class PracticeFormView(ServiceFormView):
    permission = Permission.MANAGE_REGISTRY
    form_class = PracticeForm

    def get_form_kwargs(self):
        if "ods_code" in self.kwargs:
            self.object = get_object_or_404(
                Practice.objects.visible_to(self.scope), ods_code=self.kwargs["ods_code"]
            )
        else:
            self.object = Practice()
        return {
            **super().get_form_kwargs(),
            "instance": self.object,
            "pcns": PCN.objects.visible_to(self.scope),
        }

    def get_heading(self):
        return f"Edit {self.object.name}" if self.object.pk else "Add a practice"

    def perform(self, form):
        return services.practice_save(practice=form.save(commit=False), by=self.request.user)

    def cancel_url(self):
        return self.object.get_absolute_url() if self.object.pk else "/practices/"


class PracticeScopedMixin:
    """Looks up the practice named in the URL through the scope: another practice's URL is a 404."""

    def practice(self) -> Practice:
        if not hasattr(self, "_practice"):
            self._practice = get_object_or_404(
                Practice.objects.visible_to(self.scope), ods_code=self.kwargs["ods_code"]
            )
        return self._practice

    def get_success_url(self, result=None):
        return self.practice().get_absolute_url()

    def cancel_url(self):
        return self.practice().get_absolute_url()


class PracticeContactsView(PracticeScopedMixin, ServiceFormView):
    permission = Permission.EDIT_PRACTICE_CONTACTS
    form_class = PracticeContactsForm
    submit_label = "Save contacts"
    success_message = "Contact email addresses saved."

    def get_initial(self):
        return {"emails": "\n".join(self.practice().contacts.values_list("email", flat=True))}

    def get_heading(self):
        return f"Contact email addresses for {self.practice().name}"

    def perform(self, form):
        services.practice_contacts_set(
            practice=self.practice(), emails=form.cleaned_data["emails"], by=self.request.user
        )


class AgreementNoticeView(PracticeScopedMixin, ServiceFormView):
    permission = Permission.MANAGE_REGISTRY
    form_class = AgreementNoticeForm
    submit_label = "Record notice"
    success_message = "Notice recorded. The agreement ends 6 months after the notice date."

    def agreement(self):
        return get_object_or_404(
            Agreement.objects.visible_to(self.scope), practice=self.practice(), pk=self.kwargs["pk"]
        )

    def get_heading(self):
        return f"Record notice on the agreement of {self.practice().name}"

    def perform(self, form):
        return services.agreement_give_notice(
            agreement=self.agreement(),
            notice_given_on=form.cleaned_data["notice_given_on"],
            given_by=form.cleaned_data["notice_given_by"],
            by=self.request.user,
        )


class AgreementVariationView(PracticeScopedMixin, ServiceFormView):
    """Offer a new variation (no ``variation`` in the URL) or record its signing."""

    permission = Permission.MANAGE_REGISTRY
    form_class = AgreementVariationForm
    success_message = "Variation saved."

    def get_form_kwargs(self):
        agreement = get_object_or_404(
            Agreement.objects.visible_to(self.scope), practice=self.practice(), pk=self.kwargs["pk"]
        )
        if "variation" in self.kwargs:
            self.object = get_object_or_404(
                AgreementVariation.objects.filter(agreement=agreement), pk=self.kwargs["variation"]
            )
        else:
            self.object = AgreementVariation(agreement=agreement)
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_heading(self):
        return (
            f"Edit variation: {self.object.title}"
            if self.object.pk
            else "Offer a contract variation"
        )

    def perform(self, form):
        return services.agreement_variation_save(
            variation=form.save(commit=False), by=self.request.user
        )
