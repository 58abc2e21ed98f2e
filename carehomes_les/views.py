"""The project's own pages: each role's home page (work queues that read across every app, so
they live at the top) and the accessibility statement."""

from django.db.models import Count
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.access import Permission
from accounts.models import Role
from accounts.views import AccessMixin
from carehomes.models import CareHome, CareHomeQuerySet
from carehomes_les import home
from notices.models import Notice
from practices.models import PCN, Commissioner, Practice


class HomeView(AccessMixin, TemplateView):
    """Each role's home page: what needs doing, and where to go."""

    def get_template_names(self):
        return [f"home/{self.request.user.role or 'none'}.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        if user.role == Role.PRACTICE_MANAGER:
            context["practices"] = Practice.objects.visible_to(self.scope)
            context["queues"] = home.practice_queues(self.scope, today=today)
        else:
            context["commissioners"] = Commissioner.objects.visible_to(self.scope)
            # The PCNs and their practices counted in one query: a practice is seen with its PCN
            # (``Practice.objects.visible_to`` is the practices of the PCNs in scope, for every
            # role that sees this page), and a PCN with no practice still counts once.
            registry = (
                PCN.objects.visible_to(self.scope)
                .order_by()
                .aggregate(pcns=Count("pk", distinct=True), practices=Count("practices"))
            )
            context["practice_count"] = registry["practices"]
            context["pcn_count"] = registry["pcns"]
            # One count of the homes in scope, both ways (issue 18: the home page's queries few).
            homes = CareHome.objects.visible_to(self.scope).order_by()
            counts = homes.aggregate(
                all=Count("pk"), eligible=Count("pk", filter=CareHomeQuerySet.ELIGIBLE)
            )
            context["care_home_count"] = counts["all"]
            context["eligible_home_count"] = counts["eligible"]
            if user.role == Role.CONTRACTING_OFFICER:
                context["queue"] = home.officer_queue(self.scope, user, today=today)
                failed = context["queue"].emails  # counted once, in the officer's queue
                context["failed_email_count"] = failed[0].count if failed else 0
            elif self.scope.can(Permission.VIEW_NOTICES):
                context["failed_email_count"] = (
                    Notice.objects.visible_to(self.scope).filter(status="failed").count()
                )
            if user.role == Role.AUDITOR:
                context["audit_items"] = home.audit_items(self.scope, today=today)
        return context


class AccessibilityStatementView(TemplateView):
    """The accessibility statement public sector websites must publish (open to everyone)."""

    template_name = "accessibility.html"
