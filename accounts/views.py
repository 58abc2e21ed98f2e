"""Sign-in lands here; and the mixin every view uses to apply the access rule."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

from accounts.access import Permission, Scope, has_permission, scope_for


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
