from django import template
from django.urls import reverse
from django.utils.http import urlencode

from nhsmail import config

register = template.Library()


@register.inclusion_tag("nhsmail/sign_in_button.html")
def nhsmail_sign_in(next_url=""):
    """The "Sign in with NHSmail" button, only while NHSmail sign-in is configured."""
    if config.provider() is None:
        return {"href": ""}
    href = reverse("nhsmail:start")
    if next_url:
        href += "?" + urlencode({"next": next_url})
    return {"href": href}
