"""Sign-in lands here; and the mixin every view uses to apply the access rule."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.access import Permission, Scope, has_permission, scope_for
from accounts.models import Role


class AccessMixin(LoginRequiredMixin):
    """Signed in, holding ``permission`` (403 otherwise), and with ``self.scope`` for every queryset.

    Views look objects up only through ``self.scope`` so that an object outside the user's
    organisations is a 404."""

    permission: Permission | tuple[Permission, ...] | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.scope: Scope = scope_for(request.user)
        wanted = self.permission
        if wanted is not None:
            options = wanted if isinstance(wanted, tuple) else (wanted,)
            if not any(has_permission(request.user, p) for p in options):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class HomeView(AccessMixin, TemplateView):
    """Each role's home page: what needs doing, and where to go."""

    def get_template_names(self):
        return [f"home/{self.request.user.role or 'none'}.html"]

    def get_context_data(self, **kwargs):
        from accounts import home  # reads across the apps, which depend on accounts

        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        if user.role == Role.PRACTICE_MANAGER:
            context["practices"] = self.scope.practices()
            context["queues"] = home.practice_queues(self.scope, today=today)
        else:
            context["commissioners"] = self.scope.commissioners()
            context["practice_count"] = self.scope.practices().count()
            context["pcn_count"] = self.scope.pcns().count()
            context["care_home_count"] = self.scope.care_homes().count()
            context["eligible_home_count"] = self.scope.care_homes().eligible().count()
            if self.scope.can(Permission.VIEW_NOTICES):
                context["failed_email_count"] = self.scope.notices().filter(status="failed").count()
            if user.role == Role.CONTRACTING_OFFICER:
                context["queue"] = home.officer_queue(self.scope, user, today=today)
            elif user.role == Role.AUDITOR:
                context["audit_items"] = home.audit_items(self.scope, today=today)
        return context
