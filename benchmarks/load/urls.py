"""The project's URLs, plus ``/bench/bare/``: the floor the pages are measured against. It goes
through the same middleware as every page but reads nothing (no session, no user, no query) and
renders no template."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("", include("carehomes_les.urls")),
]
