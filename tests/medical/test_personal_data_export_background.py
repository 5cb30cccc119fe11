"""Exports of large accounts (medical.exports): the size rule, the background build and
what it stores, one pending export per person, one email, retries, failure, expiry,
erasure."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.services import account_erase
from chat.services import message_send
from companies.services import user_deactivate
from medical import crypto, exports, rotation, selectors, services
from medical.models import PersonalDataExport
from medical.tasks import (
    build_personal_data_export,
    personal_data_exports_purge,
    personal_data_exports_sweep,
)
from tests.consultations.factories import completed

from .conftest import past

pytestmark = pytest.mark.django_db

Status = PersonalDataExport.Status
JOURNAL_WORDS = "Journée difficile."
CHAT_WORDS = "Je dors mal depuis deux semaines."
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def history(employee_a, practitioner_p):
    """Employee A: one consultation, one journal entry, one chat message (3 rows);
    practitioner P: the consultation and his note (2 rows)."""
    consultation = completed(employee_a, practitioner_p, at=past())
    services.journal_entry_create(owner=employee_a, mood=2, text=JOURNAL_WORDS)
    services.note_create(
        author=practitioner_p, consultation=consultation, reason="r", observations="o", plan="p"
    )
    message_send(
        sender=employee_a,
        consultation=consultation,
        body=CHAT_WORDS,
        client_message_id="e1",
        now=consultation.started_at + timedelta(minutes=5),
    )
    return consultation


@pytest.fixture
def large(settings, history):
    """Employee A's account is over the inline limit."""
    settings.HUNTZEN_EXPORT_INLINE_LIMIT = 2
    return history


def _json(archive: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        return json.loads(zipped.read(selectors.EXPORT_JSON_NAME))


def _request(owner, capture):
    with capture(execute=True):
        return exports.export_request(owner=owner)


def _ready_mails(user):
    return [m for m in mail.outbox if m.to == [user.email]]


# --- The size rule ------------------------------------------------------------------


def test_the_size_counts_journal_chat_notes_and_consultations(
    employee_a, practitioner_p, employee_b, history
):
    assert exports.personal_data_size(employee_a) == 3
    assert exports.personal_data_size(practitioner_p) == 2
    assert exports.personal_data_size(employee_b) == 0


def test_the_size_stops_counting_past_the_cap(employee_a, history):
    assert exports.personal_data_size(employee_a, cap=1) == 2
    assert exports.personal_data_size(employee_a, cap=10) == 3


def test_the_size_rule_is_at_most_four_counts(
    settings, employee_a, history, django_assert_max_num_queries
):
    settings.HUNTZEN_EXPORT_INLINE_LIMIT = 1000
    with django_assert_max_num_queries(4):
        assert exports.export_is_inline(employee_a)
    settings.HUNTZEN_EXPORT_INLINE_LIMIT = 0
    with django_assert_max_num_queries(1):  # past the limit at the first count
        assert not exports.export_is_inline(employee_a)


@pytest.mark.parametrize(("limit", "inline"), [(3, True), (2, False), (0, False)])
def test_an_account_at_the_limit_is_inline_and_one_over_it_is_not(
    settings, employee_a, history, limit, inline
):
    settings.HUNTZEN_EXPORT_INLINE_LIMIT = limit
    assert exports.export_is_inline(employee_a) is inline


def test_a_small_account_downloads_at_once_and_queues_nothing(
    settings, client, employee_a, history
):
    settings.HUNTZEN_EXPORT_INLINE_LIMIT = 3
    client.force_login(employee_a)
    response = client.post(reverse("medical:export"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert [e["text"] for e in _json(response.content)["journal"]] == [JOURNAL_WORDS]
    assert not PersonalDataExport.objects.exists()


def test_a_large_account_is_told_to_wait_for_an_email(
    client, employee_a, large, django_capture_on_commit_callbacks
):
    client.force_login(employee_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("medical:export"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:my_data")
    assert response["Content-Type"] != "application/zip"
    assert len(callbacks) == 1  # the build, queued after the commit
    export = PersonalDataExport.objects.get()
    assert (export.owner, export.status, export.archive_sealed) == (employee_a, "pending", "")
    page = client.get(reverse("accounts:my_data")).text
    assert "Votre export est en préparation" in page and "en préparation" in page


# --- The build ----------------------------------------------------------------------


def test_the_task_builds_the_same_data_as_the_inline_export(
    employee_a, large, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(timezone.now(), tick=False)
    inline = _json(selectors.personal_data_export(user=employee_a))
    export = _request(employee_a, django_capture_on_commit_callbacks)
    background = _json(exports.export_download(user=employee_a, export_id=export.pk))
    assert background == inline
    assert [m["body"] for m in background["chatMessages"]] == [CHAT_WORDS]


def test_the_archive_is_stored_sealed_and_bound_to_its_row_and_owner(
    employee_a, employee_b, large, django_capture_on_commit_callbacks
):
    export = _request(employee_a, django_capture_on_commit_callbacks)
    export.refresh_from_db()
    assert export.status == Status.READY and export.size > 0
    assert crypto.key_id_of(export.archive_sealed) == crypto.current_key_id()
    stored = PersonalDataExport.objects.filter(pk=export.pk).values_list(
        "archive_sealed", flat=True
    )[0]
    assert JOURNAL_WORDS not in stored and CHAT_WORDS not in stored
    assert b"PK" == crypto.unseal_bytes(stored, aad=export.aad("archive"))[:2]
    moved = PersonalDataExport(pk=export.pk, owner=employee_b)
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal_bytes(stored, aad=moved.aad("archive"))


def test_exports_are_registered_for_key_rotation_and_read_after_it(
    employee_a, large, django_capture_on_commit_callbacks
):
    assert "medical.PersonalDataExport" in {e.label for e in rotation.registered()}
    old, new = ("k1", bytes(range(32))), ("k2", bytes(range(100, 132)))
    ring = crypto._key_ring()  # the history's key
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[old, *ring]):
        export = _request(employee_a, django_capture_on_commit_callbacks)
        assert crypto.key_id_of(PersonalDataExport.objects.get().archive_sealed) == "k1"
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[new, old, *ring]):
        entry = next(e for e in rotation.registered() if e.label == "medical.PersonalDataExport")
        list(rotation.rotate(entry))
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[new, *ring]):  # k1 dropped
        export.refresh_from_db()
        assert crypto.key_id_of(export.archive_sealed) == "k2"
        data = _json(exports.export_download(user=employee_a, export_id=export.pk))
        assert [e["text"] for e in data["journal"]] == [JOURNAL_WORDS]


def test_the_email_is_neutral_links_to_my_data_and_is_sent_once(
    employee_a, large, django_capture_on_commit_callbacks
):
    export = _request(employee_a, django_capture_on_commit_callbacks)
    (message,) = _ready_mails(employee_a)
    assert message.subject == "HuntZen Care : votre demande est prête"
    body = message.body + message.alternatives[0][0]
    assert django_settings.HUNTZEN_SITE_URL.rstrip("/") + reverse("accounts:my_data") in body
    for secret in (JOURNAL_WORDS, CHAT_WORDS, "journal", "consultation"):
        assert secret not in body and secret not in message.subject
    assert not message.attachments
    # A redelivered task, a second worker, the sweep: nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert exports.export_build(export.pk) is None
        build_personal_data_export.apply(args=[str(export.pk)])
        personal_data_exports_sweep()
    assert len(_ready_mails(employee_a)) == 1
    assert PersonalDataExport.objects.get().status == Status.READY


def test_a_second_request_while_pending_queues_nothing(
    employee_a, large, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = exports.export_request(owner=employee_a)
    with django_capture_on_commit_callbacks(execute=False) as again:
        second = exports.export_request(owner=employee_a)
    assert first.pk == second.pk and len(callbacks) == 1 and again == []
    assert PersonalDataExport.objects.count() == 1


def test_the_database_refuses_a_second_pending_export(employee_a, employee_b):
    PersonalDataExport.objects.create(owner=employee_a)
    PersonalDataExport.objects.create(owner=employee_b)  # someone else's: fine
    PersonalDataExport.objects.create(owner=employee_a, status=Status.FAILED)
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonalDataExport.objects.create(owner=employee_a)


def test_a_new_export_replaces_the_previous_one_once_ready(
    employee_a, large, django_capture_on_commit_callbacks
):
    first = _request(employee_a, django_capture_on_commit_callbacks)
    second = _request(employee_a, django_capture_on_commit_callbacks)
    assert first.pk != second.pk
    assert list(PersonalDataExport.objects.values_list("pk", "status")) == [
        (second.pk, Status.READY)
    ]
    assert len(_ready_mails(employee_a)) == 2  # one per export


def test_a_worker_killed_mid_build_is_taken_over_after_its_lease_once(
    employee_a, large, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=False):
        export = exports.export_request(owner=employee_a)
    assert exports.export_claim(export.pk) is not None  # the worker that then dies
    with django_capture_on_commit_callbacks(execute=True):
        assert personal_data_exports_sweep() == 0  # its lease still runs
        assert exports.export_build(export.pk) is None  # nor may a redelivery take it
    time_machine.shift(timedelta(seconds=django_settings.HUNTZEN_EXPORT_LEASE_SECONDS + 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert personal_data_exports_sweep() == 1
        assert personal_data_exports_sweep() == 0
    export.refresh_from_db()
    assert (export.status, export.attempts) == (Status.READY, 2)
    assert len(_ready_mails(employee_a)) == 1


def test_a_build_never_queued_is_queued_by_the_sweep(
    employee_a, large, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down
        export = exports.export_request(owner=employee_a)
    assert exports.due_export_ids() == []
    time_machine.shift(timedelta(minutes=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert personal_data_exports_sweep() == 1
    assert PersonalDataExport.objects.get(pk=export.pk).status == Status.READY


def _broken(monkeypatch, times):
    calls = {"n": 0}
    real = exports._archive

    def archive(owner):
        calls["n"] += 1
        if calls["n"] <= times:
            raise RuntimeError("disk full")
        return real(owner)

    monkeypatch.setattr(exports, "_archive", archive)


def test_a_failure_marks_the_export_failed_tells_her_once_and_she_may_ask_again(
    client, employee_a, large, monkeypatch, django_capture_on_commit_callbacks
):
    _broken(monkeypatch, times=1)
    failed = _request(employee_a, django_capture_on_commit_callbacks)
    failed.refresh_from_db()
    assert (failed.status, failed.archive_sealed) == (Status.FAILED, "")
    (message,) = _ready_mails(employee_a)
    assert message.subject == "HuntZen Care : votre demande n'a pas abouti"
    client.force_login(employee_a)
    page = client.get(reverse("accounts:my_data")).text
    assert "La préparation de votre export a échoué" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("medical:export"))
    assert response.status_code == 302
    (export,) = PersonalDataExport.objects.all()
    assert export.pk != failed.pk and export.status == Status.READY
    assert len(_ready_mails(employee_a)) == 2


def test_a_failed_attempt_is_retried_on_a_worker_then_given_up(
    settings, employee_a, large, monkeypatch, django_capture_on_commit_callbacks
):
    settings.HUNTZEN_EXPORT_MAX_ATTEMPTS = 2
    _broken(monkeypatch, times=1)
    with django_capture_on_commit_callbacks(execute=False):
        export = exports.export_request(owner=employee_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert exports.export_build(export.pk, may_retry=True) == Status.PENDING
        assert mail.outbox == []
        assert exports.export_build(export.pk, may_retry=True) == Status.READY
    _broken(monkeypatch, times=2)
    with django_capture_on_commit_callbacks(execute=False):
        again = exports.export_request(owner=employee_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert exports.export_build(again.pk, may_retry=True) == Status.PENDING
        assert exports.export_build(again.pk, may_retry=True) == Status.FAILED
    assert [m.subject for m in _ready_mails(employee_a)] == [
        "HuntZen Care : votre demande est prête",
        "HuntZen Care : votre demande n'a pas abouti",
    ]


def test_the_sweep_fails_a_build_whose_workers_kept_dying(
    settings, employee_a, large, time_machine, django_capture_on_commit_callbacks
):
    settings.HUNTZEN_EXPORT_MAX_ATTEMPTS = 1
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=False):
        export = exports.export_request(owner=employee_a)
    exports.export_claim(export.pk)
    time_machine.shift(timedelta(seconds=settings.HUNTZEN_EXPORT_LEASE_SECONDS + 1))
    with django_capture_on_commit_callbacks(execute=True):
        personal_data_exports_sweep()
        personal_data_exports_sweep()
    assert PersonalDataExport.objects.get().status == Status.FAILED
    assert [m.subject for m in _ready_mails(employee_a)] == [
        "HuntZen Care : votre demande n'a pas abouti"
    ]


def test_an_export_deleted_during_its_build_is_dropped_without_email(
    employee_a, large, monkeypatch, django_capture_on_commit_callbacks
):
    real = exports._archive

    def archive(owner):
        PersonalDataExport.objects.filter(owner=owner).delete()  # she deletes it meanwhile
        return real(owner)

    monkeypatch.setattr(exports, "_archive", archive)
    _request(employee_a, django_capture_on_commit_callbacks)
    assert not PersonalDataExport.objects.exists() and mail.outbox == []


def test_an_account_closed_before_the_build_gets_nothing(
    employee_a, large, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        export = exports.export_request(owner=employee_a)
    user_deactivate(user=employee_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert exports.export_build(export.pk) is None
    assert not PersonalDataExport.objects.exists() and mail.outbox == []


# --- Expiry and erasure -------------------------------------------------------------


def test_expired_exports_are_purged_by_the_periodic_task(
    settings, employee_a, employee_b, large, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(timezone.now(), tick=False)
    older = _request(employee_a, django_capture_on_commit_callbacks)
    failed = PersonalDataExport.objects.create(owner=employee_b, status=Status.FAILED)
    time_machine.shift(timedelta(days=settings.HUNTZEN_EXPORT_KEEP_DAYS) - timedelta(minutes=1))
    assert personal_data_exports_purge() == 0
    assert exports.exports_of(user=employee_a) == [older]
    time_machine.shift(timedelta(minutes=2))
    assert exports.exports_of(user=employee_a) == []  # expired: no longer offered
    assert personal_data_exports_purge() == 2
    assert not PersonalDataExport.objects.filter(pk__in=[older.pk, failed.pk]).exists()


def test_both_periodic_tasks_are_in_the_beat_schedule():
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "medical.tasks.personal_data_exports_purge",
        "medical.tasks.personal_data_exports_sweep",
    } <= tasks


def test_erasing_the_account_deletes_her_exports(
    employee_a, employee_b, large, django_capture_on_commit_callbacks
):
    _request(employee_a, django_capture_on_commit_callbacks)
    PersonalDataExport.objects.create(owner=employee_a, status=Status.FAILED)
    theirs = PersonalDataExport.objects.create(owner=employee_b)
    employee_a.set_password(PASSWORD)
    employee_a.save()
    account_erase(user=employee_a, password=PASSWORD)
    assert list(PersonalDataExport.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_the_email_is_in_her_language(employee_a, large, django_capture_on_commit_callbacks):
    employee_a.language = "en"
    employee_a.save(update_fields=["language"])
    _request(employee_a, django_capture_on_commit_callbacks)
    (message,) = _ready_mails(employee_a)
    assert message.subject == "HuntZen Care: your request is ready"
    assert "Sign in to download it" in message.body and "Available until" in message.body
