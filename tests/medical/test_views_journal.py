"""Portal pages of the private journal, for each role."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from medical import selectors, services
from medical.models import AccessLogEntry, JournalEntry

from .conftest import ROLES

pytestmark = pytest.mark.django_db

EMPLOYEES = {"employee_a", "employee_b", "employee_c"}


@pytest.mark.parametrize("role", ROLES)
def test_the_journal_page_is_for_employees(role, cast, login, entry):
    response = login(cast[role]).get(reverse("medical:journal"))
    assert response.status_code == (200 if role in EMPLOYEES else 403)
    assert ("Journée difficile." in response.content.decode()) is (role == "employee_a")
    if response.status_code == 200:
        assert "no-store" in response["Cache-Control"]


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("medical:journal"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_journal_page_draws_the_mood_chart_as_svg_without_inline_style(login, employee_a):
    today = timezone.localdate()
    for mood, days in ((1, 10), (3, 5), (5, 0)):
        services.journal_entry_create(
            owner=employee_a, mood=mood, text="x", entry_date=today - timedelta(days=days)
        )
    html = login(employee_a).get(reverse("medical:journal")).content.decode()
    assert '<svg viewBox="0 0 640 200"' in html and 'role="img"' in html
    assert html.count('class="mood-dot"') == 3
    assert 'class="mood-line"' in html
    # No inline style or script (the CSP forbids both); the site's own script files are fine.
    assert "style=" not in html and "<script>" not in html
    assert html.count("<script") == html.count("<script src=")


def test_the_journal_page_has_no_chart_when_empty(login, employee_a):
    html = login(employee_a).get(reverse("medical:journal")).content.decode()
    assert "<svg" not in html
    assert "Votre journal est vide." in html


def test_the_journal_page_query_count_does_not_grow(
    login, employee_a, django_assert_max_num_queries
):
    client = login(employee_a)
    for _ in range(3):
        services.journal_entry_create(owner=employee_a, mood=3, text="x")
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("medical:journal"))
    for _ in range(40):
        services.journal_entry_create(owner=employee_a, mood=3, text="x")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("medical:journal"))


@pytest.mark.parametrize("role", ROLES)
def test_new_entry_page_and_post_are_for_employees(role, cast, login):
    client = login(cast[role])
    assert client.get(reverse("medical:journal_new")).status_code == (
        200 if role in EMPLOYEES else 403
    )
    response = client.post(
        reverse("medical:journal_new"),
        {"entry_date": timezone.localdate().isoformat(), "mood": "4", "text": "Bien."},
    )
    if role in EMPLOYEES:
        entry = JournalEntry.objects.get(owner=cast[role])
        assert response.status_code == 302
        assert response["Location"] == reverse("medical:journal_entry", args=[entry.pk])
    else:
        assert response.status_code == 403
        assert not JournalEntry.objects.exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"mood": "7"}, "mood"),
        ({"text": ""}, "text"),
        ({"entry_date": "2999-01-01"}, "entry_date"),
        ({"text": "x" * 10_001}, "text"),
    ],
)
def test_a_bad_new_entry_is_400_with_the_field_and_writes_nothing(data, field, login, employee_a):
    form = {"entry_date": timezone.localdate().isoformat(), "mood": "3", "text": "ok", **data}
    response = login(employee_a).post(reverse("medical:journal_new"), form)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_an_entry_page_is_for_its_owner_only(role, cast, login, entry):
    client = login(cast[role])
    for name in ("journal_entry", "journal_edit", "journal_delete"):
        response = client.get(reverse(f"medical:{name}", args=[entry.pk]))
        assert response.status_code == (200 if role == "employee_a" else 404), name
        assert ("Journée difficile." in response.content.decode()) is (
            role == "employee_a" and name != "journal_delete"
        )


@pytest.mark.parametrize("role", ROLES)
def test_an_entry_is_edited_by_its_owner_only(role, cast, login, entry):
    response = login(cast[role]).post(
        reverse("medical:journal_edit", args=[entry.pk]),
        {"entry_date": entry.entry_date.isoformat(), "mood": "5", "text": "Mieux."},
    )
    assert response.status_code == (302 if role == "employee_a" else 404)
    view = selectors.entry_content(JournalEntry.objects.get())
    assert view.text == ("Mieux." if role == "employee_a" else "Journée difficile.")


def test_a_bad_edit_is_400_and_changes_nothing(login, employee_a, entry):
    before = JournalEntry.objects.values().get()
    response = login(employee_a).post(
        reverse("medical:journal_edit", args=[entry.pk]),
        {"entry_date": entry.entry_date.isoformat(), "mood": "0", "text": "Mieux."},
    )
    assert response.status_code == 400
    assert JournalEntry.objects.values().get() == before


@pytest.mark.parametrize("role", ROLES)
def test_an_entry_is_deleted_by_its_owner_only(role, cast, login, entry):
    response = login(cast[role]).post(reverse("medical:journal_delete", args=[entry.pk]))
    assert response.status_code == (302 if role == "employee_a" else 404)
    assert JournalEntry.objects.exists() is (role != "employee_a")


@pytest.mark.parametrize("role", ROLES)
def test_delete_all_needs_an_employee_and_a_confirmation(role, cast, login, entry, entry_b):
    client = login(cast[role])
    url = reverse("medical:journal_delete_all")
    assert client.get(url).status_code == (200 if role in EMPLOYEES else 403)
    if role in EMPLOYEES:
        assert client.post(url, {}).status_code == 400
        assert JournalEntry.objects.count() == 2
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == (302 if role in EMPLOYEES else 403)
    remaining = set(JournalEntry.objects.values_list("owner__email", flat=True))
    assert remaining == {"alice@acme.test", "bob@acme.test"} - {cast[role].email}


@pytest.mark.parametrize("role", ROLES)
def test_export_is_for_every_role(role, cast, login, entry):
    # Issue 12: every person may download what the service holds about them.
    response = login(cast[role]).post(reverse("medical:export"))
    assert response.status_code == 200
    assert ("Journée difficile." in _export_text(response)) is (role == "employee_a")


def _export_text(response) -> str:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return "".join(archive.read(name).decode() for name in archive.namelist())


def test_export_is_a_zip_of_json_with_profile_consultations_and_decrypted_journal(
    login, employee_a, consultation, entry, entry_b, note
):
    response = login(employee_a).post(reverse("medical:export"))
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="huntzen-care-')
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == [selectors.EXPORT_JSON_NAME, selectors.EXPORT_HTML_NAME]
        data = json.loads(archive.read(selectors.EXPORT_JSON_NAME))
    assert data["profile"]["email"] == "alice@acme.test"
    assert data["profile"]["company"] == "Acme"
    assert [c["id"] for c in data["consultations"]] == [str(consultation.pk)]
    assert data["consultations"][0]["status"] == "completed"
    assert [(e["mood"], e["text"]) for e in data["journal"]] == [(2, "Journée difficile.")]
    raw = response.content.decode("latin-1")
    assert "Sommeil" not in json.dumps(data) and "Bonne journée" not in json.dumps(data)
    assert "Sommeil" not in raw


def test_export_is_logged_as_export(login, employee_a, entry):
    login(employee_a).post(reverse("medical:export"))
    row = AccessLogEntry.objects.order_by("-id").first()
    assert (row.user_id, row.action, row.allowed, row.object_type) == (
        employee_a.pk,
        "export",
        True,
        "journal",
    )


def test_export_needs_post(login, employee_a):
    assert login(employee_a).get(reverse("medical:export")).status_code == 405
