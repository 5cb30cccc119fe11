"""medical.services: the private journal."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from medical import crypto, limits, selectors, services
from medical.models import JournalEntry, JournalEntryUserObjectPermission

pytestmark = pytest.mark.django_db


def test_an_employee_writes_an_entry_with_mood_and_text_sealed(employee_a):
    entry = services.journal_entry_create(owner=employee_a, mood=3, text="Fatigué.")
    row = JournalEntry.objects.values("mood_sealed", "text_sealed", "entry_date").get()
    assert row["entry_date"] == timezone.localdate()
    for value in (row["mood_sealed"], row["text_sealed"]):
        assert crypto.key_id_of(value) == crypto.current_key_id()
    assert row["mood_sealed"] != "3" and "Fatigué" not in row["text_sealed"]
    view = selectors.entry_content(entry)
    assert (view.mood, view.text) == (3, "Fatigué.")


def test_the_owner_alone_gets_object_permissions(employee_a, employee_b):
    entry = services.journal_entry_create(owner=employee_a, mood=3, text="x")
    for perm in ("view", "change", "delete"):
        assert employee_a.has_perm(f"medical.{perm}_journalentry", entry)
        assert not employee_b.has_perm(f"medical.{perm}_journalentry", entry)


@pytest.mark.parametrize(
    "role", ["practitioner_p", "hr_acme", "staff_r2", "operator_r1", "superuser"]
)
def test_only_employees_keep_a_journal(role, cast):
    with pytest.raises(PermissionDenied):
        services.journal_entry_create(owner=cast[role], mood=3, text="x")
    assert not JournalEntry.objects.exists()


TOMORROW = object()


def _tomorrow():
    return timezone.localdate() + timedelta(days=1)


@pytest.mark.parametrize(
    "values, field",
    [
        ({"mood": 0}, "mood"),
        ({"mood": 6}, "mood"),
        ({"mood": True}, "mood"),
        ({"text": "x" * (limits.JOURNAL_TEXT_MAX + 1)}, "text"),
        ({"text": "   "}, "text"),
        ({"entry_date": TOMORROW}, "entry_date"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(values, field, employee_a):
    # Tomorrow as of the test's run, not of its collection (a run across midnight).
    values = {name: _tomorrow() if v is TOMORROW else v for name, v in values.items()}
    with pytest.raises(ValidationError) as error:
        services.journal_entry_create(owner=employee_a, **{"mood": 3, "text": "ok", **values})
    assert field in error.value.message_dict
    assert not JournalEntry.objects.exists()


def test_update_reseals_with_fresh_nonces_and_keeps_what_was_not_given(employee_a, entry):
    before = JournalEntry.objects.values("mood_sealed", "text_sealed").get()
    services.journal_entry_update(owner=employee_a, entry=entry, mood=5)
    after = JournalEntry.objects.values("mood_sealed", "text_sealed").get()
    assert after["mood_sealed"] != before["mood_sealed"]
    assert after["text_sealed"] != before["text_sealed"]
    view = selectors.entry_content(JournalEntry.objects.get())
    assert (view.mood, view.text) == (5, "Journée difficile.")


def test_an_invalid_update_changes_nothing(employee_a, entry):
    before = JournalEntry.objects.values().get()
    with pytest.raises(ValidationError):
        services.journal_entry_update(owner=employee_a, entry=entry, mood=9)
    assert JournalEntry.objects.values().get() == before


@pytest.mark.parametrize("role", ["employee_b", "practitioner_p", "staff_r2", "superuser"])
def test_nobody_else_updates_or_deletes_an_entry(role, cast, entry):
    # Nobody else learns the entry exists.
    with pytest.raises(Http404):
        services.journal_entry_update(owner=cast[role], entry=entry, mood=5)
    with pytest.raises(Http404):
        services.journal_entry_delete(owner=cast[role], entry=entry)
    assert selectors.entry_content(JournalEntry.objects.get()).mood == 2


def test_deleting_an_entry_removes_its_permission_rows(employee_a, entry):
    services.journal_entry_delete(owner=employee_a, entry=entry)
    assert not JournalEntry.objects.exists()
    assert not JournalEntryUserObjectPermission.objects.exists()


def test_delete_all_erases_only_the_owners_journal(employee_a, employee_b, entry, entry_b):
    services.journal_entry_create(owner=employee_a, mood=1, text="encore")
    assert services.journal_delete_all(owner=employee_a) == 2
    assert list(JournalEntry.objects.all()) == [entry_b]


def test_mood_series_averages_per_day_over_the_window(employee_a):
    today = timezone.localdate()
    for mood, days_ago in ((2, 0), (4, 0), (5, 3), (1, 200)):
        services.journal_entry_create(
            owner=employee_a, mood=mood, text="x", entry_date=today - timedelta(days=days_ago)
        )
    points = selectors.mood_series(JournalEntry.objects.filter(owner=employee_a), days=90)
    assert [(p.day, p.mood, p.count) for p in points] == [
        (today - timedelta(days=3), 5, 1),
        (today, 3, 2),
    ]
