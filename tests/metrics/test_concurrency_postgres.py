"""On PostgreSQL, from separate connections (threads): exact counters under concurrency."""

import threading
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.db.models import Sum

from consultations import services as lifecycle
from consultations.models import Consultation
from metrics.models import CompanyDay, CountedConsultation, EmployeeDay, PractitionerDay
from metrics.services import consultation_counted
from tests.consultations.factories import book
from tests.metrics.helpers import make_employees, paris, rollups

# serialized_rollback: the reference rows of data migrations survive the table flush.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_in_threads(target, items):
    """Run target(item) in one thread (one connection) per item, all released at once."""
    barrier = threading.Barrier(len(items))
    errors = []
    results = []

    def worker(item):
        try:
            barrier.wait()
            results.append(target(item))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def test_fifty_ends_at_once_give_exact_counters(acme, practitioner_p, practitioner_q):
    assert connection.vendor == "postgresql"
    employees = make_employees(acme, 10)
    practitioners = [practitioner_p, practitioner_q]
    day = date(2026, 3, 10)
    consultations = []
    for k in range(50):
        at = paris(2026, 3, 10, 6) + timedelta(minutes=30 * (k // 2))  # 20 min + buffer
        c = book(employees[k % 10], practitioners[k % 2], at=at, minutes=20)
        with time_machine.travel(at + timedelta(minutes=k % 7)):
            lifecycle.consultation_start(actor=practitioners[k % 2], consultation=c)
        consultations.append(c)

    with time_machine.travel(paris(2026, 3, 10, 23, 50)):
        run_in_threads(
            lambda c: lifecycle.consultation_end(actor=c.practitioner, consultation=c),
            consultations,
        )

    done = Consultation.objects.filter(status=Consultation.Status.COMPLETED)
    assert done.count() == 50
    total = done.aggregate(s=Sum("duration_seconds"))["s"]
    company = CompanyDay.objects.get(company=acme, day=day)
    assert (company.consultations, company.total_duration_seconds) == (50, total)
    assert company.active_employees == 10
    assert CountedConsultation.objects.count() == 50
    for practitioner in practitioners:
        row = PractitionerDay.objects.get(practitioner=practitioner, day=day)
        mine = done.filter(practitioner=practitioner)
        assert row.consultations == 25
        assert row.total_duration_seconds == mine.aggregate(s=Sum("duration_seconds"))["s"]
    assert EmployeeDay.objects.filter(day=day).count() == 10
    assert set(EmployeeDay.objects.values_list("consultations", flat=True)) == {5}


def test_counting_one_consultation_from_ten_connections_counts_it_once(employee_a, practitioner_p):
    at = paris(2026, 3, 10, 10)
    c = book(employee_a, practitioner_p, at=at)
    with time_machine.travel(at):
        lifecycle.consultation_start(actor=practitioner_p, consultation=c)
    with time_machine.travel(at + timedelta(minutes=40)):
        c = lifecycle.consultation_end(actor=practitioner_p, consultation=c)
    counted_once = rollups()
    for model in (CountedConsultation, PractitionerDay, EmployeeDay, CompanyDay):
        model.objects.all().delete()

    results = run_in_threads(lambda _: consultation_counted(consultation=c), list(range(10)))

    assert sorted(results) == [False] * 9 + [True]
    assert rollups() == counted_once


def test_a_rolled_back_end_in_one_connection_does_not_block_the_others(acme, practitioner_p):
    """The same employee/day row inserted by two transactions, the first rolling back:
    the second inserts it and counts the employee active."""
    employee = make_employees(acme, 1)[0]
    at = paris(2026, 3, 10, 9)
    first = book(employee, practitioner_p, at=at, minutes=20)
    second = book(employee, practitioner_p, at=at + timedelta(hours=1), minutes=20)
    for c in (first, second):
        with time_machine.travel(c.scheduled_at):
            lifecycle.consultation_start(actor=practitioner_p, consultation=c)

    class Abort(Exception):
        pass

    from django.db import transaction

    def end(c):
        try:
            with transaction.atomic():
                lifecycle.consultation_end(actor=practitioner_p, consultation=c)
                if c.pk == first.pk:
                    raise Abort
        except Abort:
            return "rolled back"
        return "ended"

    with time_machine.travel(at + timedelta(hours=2)):
        assert sorted(run_in_threads(end, [first, second])) == ["ended", "rolled back"]
    row = CompanyDay.objects.get()
    assert (row.consultations, row.active_employees) == (1, 1)
    assert CountedConsultation.objects.get().consultation_id == second.pk
