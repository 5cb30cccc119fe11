"""medical.audit: every access-log row names its subject (the person the data is
about), derived from the object type and id without the callers' help; the migration
backfills the rows written before the column existed."""

import importlib
import uuid

import pytest
from django.apps import apps

from chat import access as chat_access
from medical import access
from medical.audit import disclosures_about, log_access
from medical.models import AccessLogEntry
from tests.medical.log_helpers import chat_join, read_note

pytestmark = pytest.mark.django_db


def last_row() -> AccessLogEntry:
    return AccessLogEntry.objects.order_by("-id").first()


def test_a_note_read_names_the_consultations_employee(practitioner_p, employee_a, note):
    assert read_note(practitioner_p, note)
    assert last_row().subject == employee_a


def test_a_refused_note_read_names_the_employee_too(hr_acme, employee_a, note):
    assert not read_note(hr_acme, note)
    row = last_row()
    assert (row.subject, row.allowed, row.user) == (employee_a, False, hr_acme)


def test_a_chat_join_names_the_consultations_employee(practitioner_p, employee_a, consultation):
    chat_join(practitioner_p, consultation)
    assert last_row().subject == employee_a


def test_a_journal_entry_read_names_its_owner(employee_a, entry):
    access.get_entry_for(employee_a, entry.pk)
    assert last_row().subject == employee_a


def test_the_journal_as_a_whole_names_its_owner(employee_a):
    access.require_journal(employee_a, action="export")
    assert last_row().subject == employee_a


@pytest.mark.parametrize("object_id", [uuid.uuid4(), None])
def test_a_refusal_for_an_unknown_consultation_logs_without_a_subject(practitioner_p, object_id):
    with pytest.raises(chat_access.ChatUnknown):
        chat_access.get_chat_for(practitioner_p, object_id)
    row = last_row()
    assert (row.object_type, row.subject_id, row.allowed) == ("chat", None, False)


@pytest.mark.parametrize("object_type", ["chat", "journal_entry", "journal", "usage_sharing"])
@pytest.mark.parametrize("object_id", ["not-a-uuid", "", None, 42])
def test_a_malformed_id_logs_without_a_subject(employee_a, object_type, object_id):
    log_access(
        user=employee_a, object_type=object_type, object_id=object_id, action="read", allowed=False
    )
    assert last_row().subject_id is None


def test_an_unknown_object_type_has_no_subject(employee_a):
    log_access(
        user=employee_a, object_type="other", object_id=employee_a.pk, action="read", allowed=True
    )
    assert last_row().subject_id is None


def test_an_explicit_subject_wins(staff_r2, employee_b):
    log_access(
        user=staff_r2,
        object_type="consultation",
        object_id=uuid.uuid4(),
        action="read",
        allowed=True,
        subject=employee_b,
    )
    assert last_row().subject == employee_b


def test_the_subject_costs_no_extra_query(practitioner_p, consultation, django_assert_num_queries):
    with django_assert_num_queries(1):
        log_access(
            user=practitioner_p,
            object_type="chat",
            object_id=consultation.pk,
            action="join",
            allowed=True,
        )


def test_disclosures_leave_out_her_own_rows_and_other_peoples(
    employee_a, employee_b, practitioner_p, practitioner_q, consultation, note, entry
):
    read_note(practitioner_p, note)  # about A, by P: listed
    chat_join(practitioner_q, consultation)  # about A, by Q, refused: listed
    chat_join(employee_a, consultation)  # about A, by A: not listed
    access.get_entry_for(employee_a, entry.pk)  # her own journal: not listed
    access.require_journal(employee_b, action="read")  # about B: not listed
    rows = list(disclosures_about(subject=employee_a))
    assert [(r.user, r.object_type, r.allowed) for r in rows] == [
        (practitioner_q, "chat", False),
        (practitioner_p, "clinical_note", True),  # the read
        (practitioner_p, "clinical_note", True),  # the write of the `note` fixture
    ]
    assert list(disclosures_about(subject=employee_b)) == []


def test_the_migration_backfills_subjects_from_object_ids(
    employee_a, practitioner_p, consultation, entry
):
    rows = [
        AccessLogEntry.objects.create(
            user=practitioner_p, object_type=t, object_id=str(i), action="read", allowed=True
        )
        for t, i in [
            ("chat", consultation.pk),
            ("clinical_note", consultation.pk),
            ("journal_entry", entry.pk),
            ("journal", employee_a.pk),
            ("chat", uuid.uuid4()),
            ("chat", "garbage"),
            ("other", consultation.pk),
        ]
    ]
    # (the fixtures' own writes are logged by their services, with their subject)
    assert not AccessLogEntry.objects.filter(
        pk__in=[r.pk for r in rows], subject__isnull=False
    ).exists()
    migration = importlib.import_module("medical.migrations.0003_accesslog_subject")
    migration.backfill_subjects(apps, None)
    subjects = [
        AccessLogEntry.objects.values_list("subject_id", flat=True).get(pk=r.pk) for r in rows
    ]
    a = employee_a.pk
    assert subjects == [a, a, a, a, None, None, None]
