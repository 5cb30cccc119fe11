"""/api/v1/medical/journal: each role allowed or refused exactly."""

from datetime import timedelta

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from medical import limits, selectors, services
from medical.models import AccessLogEntry, JournalEntry

from .conftest import ROLES

pytestmark = pytest.mark.django_db

URL = "/api/v1/medical/journal"
EMPLOYEES = {"employee_a", "employee_b", "employee_c"}


@pytest.mark.parametrize("role", ROLES)
def test_list_is_for_employees_and_shows_only_their_own(role, cast, api_as, entry, entry_b):
    response = api_as(cast[role]).get(URL)
    if role not in EMPLOYEES:
        assert response.status_code == 403
        assert "Journée" not in response.content.decode()
        return
    assert response.status_code == 200
    own = {"employee_a": [str(entry.pk)], "employee_b": [str(entry_b.pk)], "employee_c": []}
    assert [r["id"] for r in response.json()["results"]] == own[role]


def test_list_is_paginated_camel_case_newest_first(api_as, employee_a):
    today = timezone.localdate()
    for days in range(3):
        services.journal_entry_create(
            owner=employee_a, mood=3, text=f"jour {days}", entry_date=today - timedelta(days=days)
        )
    body = api_as(employee_a).get(URL, {"pageSize": 2}).json()
    assert body["count"] == 3 and body["next"]
    assert [r["text"] for r in body["results"]] == ["jour 0", "jour 1"]
    assert set(body["results"][0]) == {
        "id",
        "entryDate",
        "mood",
        "text",
        "unreadable",
        "createdAt",
        "updatedAt",
    }


def test_list_query_count_does_not_grow_with_entries(
    api_as, employee_a, django_assert_max_num_queries
):
    client = api_as(employee_a)
    for _ in range(3):
        services.journal_entry_create(owner=employee_a, mood=3, text="x")
    with django_assert_max_num_queries(8) as small:
        client.get(URL)
    for _ in range(30):
        services.journal_entry_create(owner=employee_a, mood=3, text="x")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(URL)


@pytest.mark.parametrize("role", ROLES)
def test_create_is_for_employees(role, cast, api_as):
    response = api_as(cast[role]).post(URL, {"mood": 4, "text": "Bien."}, format="json")
    assert response.status_code == (201 if role in EMPLOYEES else 403)
    assert JournalEntry.objects.filter(owner=cast[role]).exists() is (role in EMPLOYEES)


def test_create_answers_the_entry(api_as, employee_a):
    response = api_as(employee_a).post(
        URL, {"entryDate": "2026-01-15", "mood": 4, "text": "Bien."}, format="json"
    )
    body = response.json()
    assert (body["entryDate"], body["mood"], body["text"]) == ("2026-01-15", 4, "Bien.")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"mood": 0, "text": "x"}, "mood"),
        ({"mood": 6, "text": "x"}, "mood"),
        ({"mood": "bof", "text": "x"}, "mood"),
        ({"text": "x"}, "mood"),
        ({"mood": 3}, "text"),
        ({"mood": 3, "text": "SECRET" * 2000}, "text"),
        ({"mood": 3, "text": "x", "ownerId": "someone"}, "ownerId"),
        ({"mood": 3, "text": "x", "entryDate": "demain"}, "entryDate"),
        ({"mood": 3, "text": "x", "entryDate": "2999-01-01"}, "entryDate"),
    ],
)
def test_bad_bodies_are_400_naming_the_field_and_write_nothing(body, field, api_as, employee_a):
    response = api_as(employee_a).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert "SECRET" not in response.content.decode()
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_an_entry_is_readable_by_its_owner_only(role, cast, api_as, entry):
    response = api_as(cast[role]).get(f"{URL}/{entry.pk}")
    assert response.status_code == (200 if role == "employee_a" else 404)
    if role == "employee_a":
        assert response.json()["text"] == "Journée difficile."
    else:
        assert "Journée" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_an_entry_is_changed_by_its_owner_only(role, cast, api_as, entry):
    response = api_as(cast[role]).patch(f"{URL}/{entry.pk}", {"mood": 5}, format="json")
    assert response.status_code == (200 if role == "employee_a" else 404)
    mood = selectors.entry_content(JournalEntry.objects.get()).mood
    assert mood == (5 if role == "employee_a" else 2)


@pytest.mark.parametrize("role", ROLES)
def test_an_entry_is_deleted_by_its_owner_only(role, cast, api_as, entry):
    response = api_as(cast[role]).delete(f"{URL}/{entry.pk}")
    assert response.status_code == (204 if role == "employee_a" else 404)
    assert JournalEntry.objects.exists() is (role != "employee_a")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"mood": 9}, "mood"),
        ({"text": ""}, "text"),
        ({"owner": "x"}, "owner"),
        ({"text": "x" * (limits.JOURNAL_TEXT_MAX + 1)}, "text"),
    ],
)
def test_a_bad_patch_is_400_and_changes_nothing(body, field, api_as, employee_a, entry):
    before = JournalEntry.objects.values().get()
    response = api_as(employee_a).patch(f"{URL}/{entry.pk}", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert JournalEntry.objects.values().get() == before


def test_a_bad_patch_by_someone_else_is_404_not_400(api_as, employee_b, entry):
    response = api_as(employee_b).patch(f"{URL}/{entry.pk}", {"mood": 9}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["staff_r2", "operator_r1", "superuser"])
def test_staff_holding_the_entry_perms_by_mistake_still_get_404(role, cast, api_as, entry):
    user = cast[role]
    for perm in ("view", "change", "delete"):
        assign_perm(f"medical.{perm}_journalentry", user, entry)
    client = api_as(user)
    assert client.get(f"{URL}/{entry.pk}").status_code == 404
    assert client.patch(f"{URL}/{entry.pk}", {"mood": 5}, format="json").status_code == 404
    assert client.delete(f"{URL}/{entry.pk}").status_code == 404
    assert JournalEntry.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_delete_all_is_for_employees_and_erases_only_their_journal(
    role, cast, api_as, entry, entry_b
):
    response = api_as(cast[role]).delete(URL)
    if role in EMPLOYEES:
        assert response.status_code == 200
        assert response.json() == {"deleted": int(role in ("employee_a", "employee_b"))}
    else:
        assert response.status_code == 403
    remaining = set(JournalEntry.objects.values_list("owner__email", flat=True))
    expected = {"alice@acme.test", "bob@acme.test"} - {cast[role].email}
    assert remaining == expected


def test_anonymous_is_refused(api_client, entry):
    assert api_client.get(URL).status_code == 401
    assert api_client.get(f"{URL}/{entry.pk}").status_code == 401


def test_reads_writes_deletes_and_refusals_are_logged(api_as, employee_a, employee_b, entry):
    start = AccessLogEntry.objects.count()
    api_as(employee_a).get(f"{URL}/{entry.pk}")
    api_as(employee_a).patch(f"{URL}/{entry.pk}", {"mood": 1}, format="json")
    api_as(employee_b).get(f"{URL}/{entry.pk}")
    api_as(employee_a).delete(f"{URL}/{entry.pk}")
    rows = list(AccessLogEntry.objects.order_by("id"))[start:]
    assert [(r.user_id, r.action, r.allowed, r.object_id) for r in rows] == [
        (employee_a.pk, "read", True, str(entry.pk)),
        (employee_a.pk, "write", True, str(entry.pk)),
        (employee_b.pk, "read", False, str(entry.pk)),
        (employee_a.pk, "delete", True, str(entry.pk)),
    ]
