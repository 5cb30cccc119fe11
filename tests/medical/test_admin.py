"""The admin shows the access log read-only and nothing else medical: the index and
every change list render for staff without a single medical field."""

import pytest
from django.contrib import admin
from django.urls import reverse

from medical import access, services
from medical.models import AccessLogEntry, ClinicalNote, ClinicalNoteVersion, JournalEntry

from .conftest import CANARY

pytestmark = pytest.mark.django_db

ADMINS = ["staff_r2", "operator_r1", "superuser"]


@pytest.fixture
def medical_content(employee_a, practitioner_p, consultation):
    note = services.note_create(
        author=practitioner_p,
        consultation=consultation,
        reason=CANARY,
        observations=CANARY,
        plan=CANARY,
    )
    services.note_amend(
        author=practitioner_p, consultation=note.consultation_id, plan=f"{CANARY} v2"
    )
    services.journal_entry_create(owner=employee_a, mood=1, text=CANARY)
    access.get_note_for(practitioner_p, note.consultation_id)  # and a row in the access log
    sealed = set()
    for model in (ClinicalNote, ClinicalNoteVersion, JournalEntry):
        for row in model.objects.values_list(*model.SEALED):
            sealed.update(row)
    return sealed


def test_no_medical_model_but_the_access_log_is_registered():
    medical = {m for m in admin.site._registry if m._meta.app_label == "medical"}
    assert medical == {AccessLogEntry}
    assert not any(
        m.__name__ in {"ChatMessage"}
        or m._meta.model_name.endswith("userobjectpermission")
        and m._meta.app_label == "medical"
        for m in admin.site._registry
    )


@pytest.mark.parametrize("role", ADMINS)
def test_admin_index_and_every_change_list_render_without_medical_content(
    role, cast, login, medical_content
):
    client = login(cast[role])
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    rendered = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403), url
        html = response.content.decode()
        assert CANARY not in html, url
        assert not any(value in html for value in medical_content), url
        rendered += response.status_code == 200
    assert rendered >= 2  # at least the index and the access log


@pytest.mark.parametrize("role", ADMINS)
def test_the_access_log_is_readable_but_never_writable_in_the_admin(
    role, cast, login, medical_content
):
    client = login(cast[role])
    entry = AccessLogEntry.objects.first()
    assert client.get(reverse("admin:medical_accesslogentry_changelist")).status_code == 200
    assert client.get(reverse("admin:medical_accesslogentry_add")).status_code == 403
    change = client.post(
        reverse("admin:medical_accesslogentry_change", args=[entry.pk]), {"allowed": "on"}
    )
    assert change.status_code == 403
    assert (
        client.post(
            reverse("admin:medical_accesslogentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


def test_the_log_model_refuses_update_and_delete_in_code(medical_content):
    entry = AccessLogEntry.objects.first()
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AccessLogEntry.objects.update(allowed=True)
    with pytest.raises(TypeError):
        AccessLogEntry.objects.all().delete()
