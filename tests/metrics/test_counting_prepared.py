"""The counting of an end (metrics.services `_count_in_one_statement`) runs through a
statement prepared on the connection: its plan does not depend on the values (inserts
and upserts by key), and PostgreSQL planned it on every end (about 0.2 ms of its CPU,
longer than it ran; bench/profiles/sd) where it now plans it once per connection. The
same counts, durations of any size included (bound as parameters of other integer
types), and again after a rollback drops the connection's prepared statements."""

from datetime import date

import pytest
from django.db import connection, transaction

from metrics.models import CompanyDay, EmployeeDay, PractitionerDay
from tests.consultations.factories import completed
from tests.metrics.helpers import paris

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _prepared_counting() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall() if "metrics_countedconsultation" in row[0]]


def test_an_end_counts_through_a_prepared_statement(employee_a, employee_b, practitioner_p):
    completed(employee_a, practitioner_p, at=paris(2026, 3, 10, 9), minutes=30)
    assert len(_prepared_counting()) == 1
    completed(employee_b, practitioner_p, at=paris(2026, 3, 10, 14), minutes=30)
    assert len(_prepared_counting()) == 1  # the same statement, prepared once
    company = CompanyDay.objects.get(day=date(2026, 3, 10))
    assert (company.consultations, company.total_duration_seconds, company.active_employees) == (
        2,
        60 * 60,
        2,
    )


def test_the_same_counts_for_durations_of_any_size(settings, employee_a, practitioner_p):
    """0 s, a few minutes and more than 32,767 s (a smallint no more): each counted."""
    settings.HUNTZEN_MAX_CONSULTATION_SECONDS = 100_000
    for day, minutes in ((10, 0), (11, 45), (12, 600)):
        completed(employee_a, practitioner_p, at=paris(2026, 3, day, 9), minutes=minutes)
        p = PractitionerDay.objects.get(practitioner=practitioner_p, day=date(2026, 3, day))
        assert (p.consultations, p.total_duration_seconds) == (1, minutes * 60)


def test_counted_again_after_a_rollback_drops_it(employee_a, employee_b, practitioner_p):
    completed(employee_a, practitioner_p, at=paris(2026, 3, 10, 9))
    with pytest.raises(RuntimeError), transaction.atomic():  # a savepoint rolled back
        completed(employee_b, practitioner_p, at=paris(2026, 3, 10, 14))
        raise RuntimeError
    completed(employee_b, practitioner_p, at=paris(2026, 3, 10, 16))
    assert EmployeeDay.objects.filter(day=date(2026, 3, 10)).count() == 2
    assert CompanyDay.objects.get(day=date(2026, 3, 10)).consultations == 2
