"""Test-only pages and a task for tests/test_logging.py: a page that fails with personal data in its
exception, and one that queues a task (on commit, as the services do) that fails the same way.
Used as the URLconf of those tests (``pytest.mark.urls``) and imported into a real worker with
Celery's ``--include``; the service never imports it."""

from celery import shared_task
from django.http import HttpResponse
from django.urls import path

from core.tasks import enqueue_on_commit

# What the redaction can catch: an NHS number and an email address. (A name it cannot: names are kept
# out of messages by the code that writes them; ADR 0019.)
NHS_NUMBER = "943 476 5919"
EMAIL = "ada.example@nhs.net"
PERSONAL = f"the resident with NHS number {NHS_NUMBER} ({EMAIL})"


@shared_task(name="tests.logging.fail")
def fail_task(resident: str) -> None:
    raise ValueError(f"Could not process {resident}")


def fails(request):
    raise ValueError(f"Could not process {PERSONAL}")


def queues_failing_task(request):
    enqueue_on_commit(fail_task, PERSONAL)
    return HttpResponse("queued")


def ok(request):
    return HttpResponse("ok")


urlpatterns = [
    path("fails/", fails),
    path("queues-failing-task/", queues_failing_task),
    path("ok/", ok),
]
