"""Downloading and deleting a prepared export (accounts.data_views, medical.exports):
the owner only, signed in; every other role and person 404, a signed-out device reads
nothing."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from companies.services import user_deactivate
from medical import exports, selectors, services
from medical.models import AccessLogEntry, PersonalDataExport

from .conftest import ROLES

pytestmark = pytest.mark.django_db

Status = PersonalDataExport.Status
JOURNAL_WORDS = "Journée difficile."
OTHERS = [role for role in ROLES if role != "employee_a"]


@pytest.fixture
def ready(settings, employee_a, django_capture_on_commit_callbacks):
    """Employee A's export, prepared in the background (her account is over the limit)."""
    settings.HUNTZEN_EXPORT_INLINE_LIMIT = 0
    services.journal_entry_create(owner=employee_a, mood=2, text=JOURNAL_WORDS)
    with django_capture_on_commit_callbacks(execute=True):
        export = exports.export_request(owner=employee_a)
    export.refresh_from_db()
    assert export.status == Status.READY
    return export


def _download(client, export):
    return client.post(reverse("accounts:export_download", kwargs={"pk": export.pk}))


def _delete(client, export):
    return client.post(reverse("accounts:export_delete", kwargs={"pk": export.pk}))


def _export_rows():
    return list(
        AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT).values_list(
            "user_id", "subject_id", "object_type", "allowed"
        )
    )


def test_the_owner_downloads_her_export(login, employee_a, ready):
    before = len(_export_rows())
    response = _download(login(employee_a), ready)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="huntzen-care-')
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        data = json.loads(archive.read(selectors.EXPORT_JSON_NAME))
    assert [e["text"] for e in data["journal"]] == [JOURNAL_WORDS]
    rows = _export_rows()
    assert len(rows) == before + 1
    assert rows[0] == (employee_a.pk, employee_a.pk, "personal_data", True)


def test_the_data_page_lists_her_ready_export_with_its_expiry(login, employee_a, ready):
    response = login(employee_a).get(reverse("accounts:my_data"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert reverse("accounts:export_download", kwargs={"pk": ready.pk}) in response.text
    assert reverse("accounts:export_delete", kwargs={"pk": ready.pk}) in response.text
    assert "disponible jusqu'au" in response.text


@pytest.mark.parametrize("role", ROLES)
def test_every_role_downloads_its_own_large_export(
    role, cast, login, settings, django_capture_on_commit_callbacks
):
    settings.HUNTZEN_EXPORT_INLINE_LIMIT = -1  # every account is "large"
    client = login(cast[role])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("medical:export")).status_code == 302
    export = PersonalDataExport.objects.get(owner=cast[role])
    response = _download(client, export)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"


@pytest.mark.parametrize("role", OTHERS)
def test_no_one_else_may_download_or_delete_it(role, cast, login, employee_a, ready):
    client = login(cast[role])
    allowed_before = len([row for row in _export_rows() if row[3]])
    response = _download(client, ready)
    assert response.status_code == 404 and b"PK" not in response.content[:2]
    assert JOURNAL_WORDS not in response.content.decode("utf-8", "replace")
    assert _delete(client, ready).status_code == 404
    assert PersonalDataExport.objects.filter(pk=ready.pk, status=Status.READY).exists()
    assert (
        reverse("accounts:export_download", kwargs={"pk": ready.pk})
        not in client.get(reverse("accounts:my_data")).text
    )
    # Both refusals are logged, about her; no export was allowed.
    refused = AccessLogEntry.objects.filter(user=cast[role]).values_list(
        "action", "subject_id", "object_type", "allowed"
    )
    assert sorted(refused) == [
        ("delete", employee_a.pk, "personal_data", False),
        ("export", employee_a.pk, "personal_data", False),
    ]
    assert len([row for row in _export_rows() if row[3]]) == allowed_before


def test_a_signed_out_device_reads_nothing(client, employee_a, ready):
    response = _download(client, ready)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert _delete(client, ready).status_code == 302
    client.force_login(employee_a)
    client.logout()
    assert _download(client, ready).status_code == 302
    assert PersonalDataExport.objects.filter(pk=ready.pk).exists()


def test_a_device_signed_out_everywhere_reads_nothing(login, employee_a, ready):
    client = login(employee_a)
    user_deactivate(user=employee_a)
    response = _download(client, ready)
    assert response.status_code == 302 and b"PK" not in response.content[:2]


def test_a_get_is_refused(login, employee_a, ready):
    client = login(employee_a)
    url = reverse("accounts:export_download", kwargs={"pk": ready.pk})
    assert client.get(url).status_code == 405


def test_a_pending_or_unknown_export_is_404(login, employee_a, employee_b):
    pending = PersonalDataExport.objects.create(owner=employee_a)
    client = login(employee_a)
    assert _download(client, pending).status_code == 404
    unknown = PersonalDataExport(pk="00000000-0000-4000-8000-000000000000", owner=employee_a)
    assert _download(client, unknown).status_code == 404


def test_an_expired_export_is_404_before_the_purge(
    login, employee_a, ready, settings, time_machine
):
    time_machine.move_to(ready.expires_at + timedelta(seconds=1))
    assert timezone.now() > ready.expires_at
    assert _download(login(employee_a), ready).status_code == 404


def test_the_owner_deletes_her_export(login, employee_a, ready):
    client = login(employee_a)
    response = _delete(client, ready)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:my_data")
    assert not PersonalDataExport.objects.exists()
    assert _download(client, ready).status_code == 404


def test_a_tampered_archive_is_not_served_and_she_may_ask_again(login, employee_a, ready):
    PersonalDataExport.objects.filter(pk=ready.pk).update(
        archive_sealed=ready.archive_sealed[:-8] + "AAAAAAAA"
    )
    response = _download(login(employee_a), ready)
    assert response.status_code == 404
    assert PersonalDataExport.objects.get(pk=ready.pk).status == Status.FAILED
    assert AccessLogEntry.objects.filter(action=AccessLogEntry.Action.INTEGRITY).exists()
