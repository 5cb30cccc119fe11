"""On PostgreSQL, from separate connections (threads): racing requests for an export
leave one pending export and queue one build; racing builds produce one export and one
email."""

import threading

import pytest
from django.core import mail
from django.db import connection, connections

from medical import exports, services
from medical.models import PersonalDataExport

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RACERS = 10


def _race(target, count):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(target())
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_racing_requests_leave_one_pending_export_and_queue_one_build(employee_a, monkeypatch):
    assert connection.vendor == "postgresql"
    queued = []
    monkeypatch.setattr(exports, "dispatch", queued.extend)
    results = _race(lambda: exports.export_request(owner=employee_a).pk, RACERS)
    (export,) = PersonalDataExport.objects.all()
    assert set(results) == {export.pk} and len(results) == RACERS
    assert export.status == PersonalDataExport.Status.PENDING
    assert queued == [export.pk]


def test_racing_builds_make_one_export_and_one_email(settings, employee_a, monkeypatch):
    settings.HUNTZEN_EXPORT_INLINE_LIMIT = 0
    services.journal_entry_create(owner=employee_a, mood=3, text="Une journée.")
    monkeypatch.setattr(exports, "dispatch", lambda ids: None)
    export = exports.export_request(owner=employee_a)
    results = _race(lambda: exports.export_build(export.pk), RACERS)
    assert sorted(results, key=str) == [None] * (RACERS - 1) + ["ready"]
    export.refresh_from_db()
    assert (export.status, export.attempts) == ("ready", 1)
    assert [m.to for m in mail.outbox] == [[employee_a.email]]
