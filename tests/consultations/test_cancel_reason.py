"""The cancellation reason is sealed like medical text (AES-GCM, bound to its row and its
author), read in clear only by the two participants through
consultations.selectors.cancel_reason_for, and never shown in the admin."""

import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.urls import reverse

from consultations import services
from consultations.models import Consultation
from consultations.selectors import cancel_reason_for
from medical import crypto
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book
from tests.medical.scan import rows_containing

pytestmark = pytest.mark.django_db

CANARY = "CANARY-motif-tres-personnel-7f3a"
TUESDAY_9 = paris(2026, 3, 3, 9)


@pytest.fixture
def consultation(employee_a, p_open):
    return book(employee_a, p_open, at=TUESDAY_9, now=NOW)


@pytest.fixture
def cancelled(employee_a, consultation):
    return services.consultation_cancel(
        actor=employee_a, consultation=consultation, reason=f"  {CANARY}  ", now=NOW
    )


def test_the_reason_is_nowhere_in_clear_in_the_database(cancelled):
    assert rows_containing(CANARY) == []
    assert rows_containing("tres-personnel") == []
    sealed = Consultation.objects.values_list("cancel_reason_sealed", flat=True).get()
    assert crypto.key_id_of(sealed) == crypto.current_key_id()


@pytest.mark.parametrize("who", ["employee_a", "p_open"])
def test_both_participants_read_it(request, cancelled, who):
    reader = request.getfixturevalue(who)
    assert cancel_reason_for(user=reader, consultation=cancelled) == CANARY


@pytest.mark.parametrize(
    "who",
    [
        "employee_b",
        "employee_c",
        "practitioner_q",
        "hr_acme",
        "hr_globex",
        "staff_r2",
        "operator_r1",
        "superuser",
    ],
)
def test_nobody_else_reads_it(cast, cancelled, who):
    assert cancel_reason_for(user=cast[who], consultation=cancelled) is None


def test_no_reason_reads_as_none_and_stores_nothing(employee_a, consultation):
    cancelled = services.consultation_cancel(
        actor=employee_a, consultation=consultation, reason="   ", now=NOW
    )
    assert cancelled.cancel_reason_sealed == ""
    assert cancel_reason_for(user=employee_a, consultation=cancelled) is None


def test_a_reason_moved_to_another_row_does_not_decrypt_and_breaks_nothing(
    employee_a, employee_b, p_open, cancelled, client, caplog
):
    other = book(employee_b, p_open, at=paris(2026, 3, 3, 11), now=NOW)
    other = services.consultation_cancel(actor=employee_b, consultation=other, now=NOW)
    Consultation.objects.filter(pk=other.pk).update(
        cancel_reason_sealed=cancelled.cancel_reason_sealed
    )
    other.refresh_from_db()
    with caplog.at_level(logging.ERROR, logger="consultations.selectors"):
        assert cancel_reason_for(user=employee_b, consultation=other) is None
    assert CANARY not in caplog.text and str(other.pk) in caplog.text
    client.force_login(employee_b)
    response = client.get(reverse("consultations:detail", args=[other.pk]))
    assert response.status_code == 200 and CANARY not in response.content.decode()


def test_the_participants_page_shows_it_and_the_staff_page_does_not(
    client, cast, p_open, cancelled
):
    url = reverse("consultations:detail", args=[cancelled.pk])
    client.force_login(p_open)
    assert CANARY in client.get(url).content.decode()
    client.force_login(cast["staff_r2"])
    response = client.get(url)
    assert response.status_code == 200 and CANARY not in response.content.decode()


@pytest.mark.parametrize("who", ["staff_r2", "operator_r1", "superuser"])
def test_the_admin_never_shows_it_not_even_sealed(client, cast, cancelled, who):
    client.force_login(cast[who])
    for url in (
        reverse("admin:consultations_consultation_changelist"),
        reverse("admin:consultations_consultation_change", args=[cancelled.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert CANARY not in page
        assert cancelled.cancel_reason_sealed.split(":", 1)[1][:24] not in page


def test_the_api_gives_it_to_participants_only(api_client, cast, p_open, cancelled):
    url = reverse("api-consultation", args=[cancelled.pk])
    api_client.force_authenticate(p_open)
    assert api_client.get(url).json()["cancelReason"] == CANARY
    api_client.force_authenticate(cast["operator_r1"])
    body = api_client.get(url).json()
    assert body["cancelReason"] is None and "cancelReasonSealed" not in body


def test_key_rotation_re_seals_the_reasons(employee_a, consultation):
    old, new = ("k1", bytes(range(32))), ("k2", bytes(range(100, 132)))
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[old]):
        services.consultation_cancel(
            actor=employee_a, consultation=consultation, reason=CANARY, now=NOW
        )
    out = StringIO()
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[new, old]):
        call_command("rotate_encryption_key", stdout=out)
    assert "consultations.Consultation: 1 rows re-encrypted (1 values)" in out.getvalue()
    consultation.refresh_from_db()
    with override_settings(HUNTZEN_ENCRYPTION_KEYS=[new]):
        assert crypto.key_id_of(consultation.cancel_reason_sealed) == "k2"
        assert cancel_reason_for(user=employee_a, consultation=consultation) == CANARY


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def _latest() -> tuple[str, str]:
    """The newest consultations migration: where the other tests expect the schema."""
    executor = MigrationExecutor(connection)
    [leaf] = executor.loader.graph.leaf_nodes("consultations")
    return leaf


def _raw(column, pk):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM consultations_consultation WHERE id = %s",
            [pk.hex if connection.vendor == "sqlite" else pk],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def rows_of_migrations(transactional_db):
    """A transactional test before this one may have flushed the tables: recreate the
    permissions, role groups (post_migrate) and reference codes the cast needs."""
    import importlib

    from django.apps import apps
    from django.core.management.sql import emit_post_migrate_signal

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    importlib.import_module("companies.migrations.0003_reference_codes").create_codes(apps, None)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_seals_existing_reasons_and_going_back_unseals_them(
    rows_of_migrations, employee_a, p_open
):
    consultation = book(employee_a, p_open, at=TUESDAY_9, now=NOW)
    services.consultation_cancel(
        actor=employee_a, consultation=consultation, reason=CANARY, now=NOW
    )
    try:
        _migrate(("consultations", "0003_availability"))
        assert _raw("cancel_reason", consultation.pk) == CANARY  # the clear column, as before
        assert _raw("room_name", consultation.pk).startswith("huntzen-")
        with connection.cursor() as cursor:  # a row written by the old code
            cursor.execute(
                "UPDATE consultations_consultation SET cancel_reason = %s", [CANARY + "-old"]
            )
    finally:
        _migrate(_latest())
    assert rows_containing(CANARY) == []
    consultation.refresh_from_db()
    assert cancel_reason_for(user=p_open, consultation=consultation) == CANARY + "-old"
