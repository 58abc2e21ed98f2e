from django.conf import settings

from accounts.access import navigation_for


def service(request):
    """The service name and the signed-in user's role navigation, for the page header."""
    return {
        "service_name": settings.SERVICE_NAME,
        "navigation": navigation_for(request.user, request.path),
    }
