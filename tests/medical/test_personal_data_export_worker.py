"""A large account's export on a real Celery worker over Redis: the request answers at
once without building anything (even with the broker down), the worker builds it, one
email arrives."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db.models import F
from django.urls import reverse

from huntzen.celery import app as celery_app
from medical import services
from medical.models import PersonalDataExport
from medical.tasks import personal_data_exports_sweep
from tests.outbox.broker import broker, clear_queue, wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1
Status = PersonalDataExport.Status


@pytest.fixture(autouse=True)
def _own_queue():
    clear_queue()
    yield
    clear_queue()


@pytest.fixture
def large(settings, employee_a):
    settings.HUNTZEN_EXPORT_INLINE_LIMIT = 1
    for mood in (1, 2):
        services.journal_entry_create(owner=employee_a, mood=mood, text=f"entrée {mood}")
    return employee_a


def _ready():
    return PersonalDataExport.objects.filter(status=Status.READY).exists()


def test_the_worker_builds_the_export_and_mails_once(client, large):
    client.force_login(large)
    with broker(settings.REDIS_URL), start_worker(celery_app, perform_ping_check=False):
        response = client.post(reverse("medical:export"))
        assert response.status_code == 302
        assert wait_until(_ready), list(PersonalDataExport.objects.values_list("status"))
        personal_data_exports_sweep.delay()  # finds nothing to do
        time.sleep(1)
    assert [m.to for m in mail.outbox] == [[large.email]]
    response = client.post(
        reverse("accounts:export_download", kwargs={"pk": PersonalDataExport.objects.get().pk})
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"


def test_a_request_while_the_broker_is_down_is_built_after_recovery(client, large):
    client.force_login(large)
    with broker(DOWN):
        started = time.monotonic()
        response = client.post(reverse("medical:export"))
        took = time.monotonic() - started
    assert response.status_code == 302 and took < 5, took
    export = PersonalDataExport.objects.get()
    assert (export.status, export.attempts) == (Status.PENDING, 0)  # nothing built in the request
    # Past the sweep's grace period for builds never claimed.
    PersonalDataExport.objects.update(created_at=F("created_at") - timedelta(minutes=5))
    with broker(settings.REDIS_URL), start_worker(celery_app, perform_ping_check=False):
        personal_data_exports_sweep.delay()
        assert wait_until(_ready)
    assert [m.to for m in mail.outbox] == [[large.email]]
    assert PersonalDataExport.objects.get().attempts == 1
