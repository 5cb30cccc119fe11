"""`Consultation.BLOCKING_STATUSES` (what the booking service and the slot selector treat
as holding a slot) and the statuses in the PostgreSQL exclusion constraints (migrations
0002 and 0007, frozen) must stay the same list, or the database and the code disagree on
what a double booking is."""

import importlib
import re

import pytest
from django.db import connection

from consultations.models import Consultation

BLOCKING = {str(status) for status in Consultation.BLOCKING_STATUSES}


def test_the_migrations_sql_list_is_blocking_statuses():
    migration = importlib.import_module("consultations.migrations.0002_no_overlap_postgres")
    [in_list] = re.findall(r"status IN \(([^)]*)\)", migration._LIVE)
    assert set(re.findall(r"'([a-z_]+)'", in_list)) == BLOCKING
    assert migration.CREATE.count(f"WHERE ({migration._LIVE})") == 2


def test_the_buffer_migrations_sql_list_is_blocking_statuses():
    migration = importlib.import_module(
        "consultations.migrations.0007_buffer_in_no_overlap_postgres"
    )
    [in_list] = re.findall(r"status IN \(([^)]*)\)", migration._LIVE)
    assert set(re.findall(r"'([a-z_]+)'", in_list)) == BLOCKING
    assert migration.CREATE.count(f"WHERE ({migration._LIVE})") == 1


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["consultation_practitioner_no_overlap", "consultation_employee_no_overlap"]
)
def test_the_database_constraint_excludes_exactly_blocking_statuses(name):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s", [name]
        )
        [(definition,)] = cursor.fetchall()
    where = definition.split(" WHERE ", 1)[1]
    assert set(re.findall(r"'([a-z_]+)'", where)) == BLOCKING
