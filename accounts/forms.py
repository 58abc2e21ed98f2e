from django.contrib.auth.forms import AuthenticationForm

from core.forms import NHSFormMixin


class SignInForm(NHSFormMixin, AuthenticationForm):
    """Django's sign-in form without ``autofocus`` on the username: focus moving on its own skips
    the page's heading and skip link for screen reader and keyboard users (NHS service manual)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.pop("autofocus", None)
