"""metrics.services.consultation_counted, reached through the real lifecycle services."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import transaction

from consultations import services as lifecycle
from consultations.models import Consultation
from metrics.models import CompanyDay, CountedConsultation, EmployeeDay, PractitionerDay
from metrics.services import consultation_counted, counting_day
from tests.consultations.factories import book, completed
from tests.metrics.helpers import paris, rollups

pytestmark = pytest.mark.django_db


def test_a_completed_consultation_adds_one_to_each_daily_row(employee_a, practitioner_p):
    c = completed(employee_a, practitioner_p, at=paris(2026, 3, 10, 10), minutes=45)
    day = date(2026, 3, 10)
    assert PractitionerDay.objects.get(practitioner=practitioner_p, day=day).consultations == 1
    e = EmployeeDay.objects.get(employee=employee_a, day=day)
    assert (e.company_id, e.consultations, e.total_duration_seconds) == (c.company_id, 1, 2700)
    company = CompanyDay.objects.get(company=c.company, day=day)
    assert (company.consultations, company.total_duration_seconds, company.active_employees) == (
        1,
        2700,
        1,
    )
    assert CountedConsultation.objects.filter(consultation=c, day=day).exists()


def test_it_adds_durations_and_counts_an_employee_once_per_day(
    employee_a, employee_b, practitioner_p, practitioner_q
):
    completed(employee_a, practitioner_p, at=paris(2026, 3, 10, 9), minutes=30)
    completed(employee_a, practitioner_q, at=paris(2026, 3, 10, 14), minutes=40)
    completed(employee_b, practitioner_p, at=paris(2026, 3, 10, 16), minutes=20)
    day = date(2026, 3, 10)
    company = CompanyDay.objects.get(day=day)
    assert (company.consultations, company.total_duration_seconds, company.active_employees) == (
        3,
        90 * 60,
        2,
    )
    assert EmployeeDay.objects.get(employee=employee_a, day=day).consultations == 2
    p = PractitionerDay.objects.get(practitioner=practitioner_p, day=day)
    assert (p.consultations, p.total_duration_seconds) == (2, 50 * 60)


def test_companies_and_days_are_kept_apart(employee_a, employee_c, practitioner_p):
    completed(employee_a, practitioner_p, at=paris(2026, 3, 10, 9))
    completed(employee_c, practitioner_p, at=paris(2026, 3, 11, 9))
    assert CompanyDay.objects.count() == 2
    assert set(CompanyDay.objects.values_list("company__name", "day")) == {
        ("Acme", date(2026, 3, 10)),
        ("Globex", date(2026, 3, 11)),
    }


def test_saving_a_completed_consultation_again_changes_nothing(employee_a, practitioner_p):
    c = completed(employee_a, practitioner_p, at=paris(2026, 3, 10, 10))
    before = rollups()
    c.save()
    c.cancel_reason_sealed = ""
    c.save(update_fields=["cancel_reason_sealed"])
    assert consultation_counted(consultation=c) is False
    assert rollups() == before
    assert CountedConsultation.objects.count() == 1


def test_a_rolled_back_end_leaves_no_count(employee_a, practitioner_p):
    at = paris(2026, 3, 10, 10)
    c = book(employee_a, practitioner_p, at=at)
    with time_machine.travel(at):
        lifecycle.consultation_start(actor=practitioner_p, consultation=c)
    with time_machine.travel(at + timedelta(minutes=30)):
        with pytest.raises(RuntimeError), transaction.atomic():
            lifecycle.consultation_end(actor=practitioner_p, consultation=c)
            assert CompanyDay.objects.count() == 1  # counted inside the transaction...
            raise RuntimeError("the end fails after the status change")
    c.refresh_from_db()
    assert c.status == Consultation.Status.IN_PROGRESS
    assert rollups() == ([], [], [])  # ...and gone with it
    assert not CountedConsultation.objects.exists()


def test_cancelled_and_no_show_consultations_never_count(employee_a, employee_b, practitioner_p):
    at = paris(2026, 3, 10, 10)
    cancelled = book(employee_a, practitioner_p, at=at)
    with time_machine.travel(at - timedelta(hours=5)):
        lifecycle.consultation_cancel(actor=employee_a, consultation=cancelled)
    absent = book(employee_b, practitioner_p, at=at + timedelta(hours=2))
    with time_machine.travel(at + timedelta(hours=3)):
        lifecycle.consultation_mark_no_show(actor=practitioner_p, consultation=absent)
    for c in (cancelled, absent):
        c.refresh_from_db()
        assert consultation_counted(consultation=c) is False
    assert rollups() == ([], [], [])
    assert not CountedConsultation.objects.exists()


def test_scheduled_and_in_progress_consultations_do_not_count(employee_a, practitioner_p):
    at = paris(2026, 3, 10, 10)
    c = book(employee_a, practitioner_p, at=at)
    assert consultation_counted(consultation=c) is False
    with time_machine.travel(at):
        c = lifecycle.consultation_start(actor=practitioner_p, consultation=c)
    assert consultation_counted(consultation=c) is False
    assert rollups() == ([], [], [])


@pytest.mark.parametrize(
    "start, day",
    [
        # Last Sunday of March 2026: clocks go 02:00 -> 03:00 (CET -> CEST).
        (paris(2026, 3, 29, 23, 30), date(2026, 3, 29)),
        (paris(2026, 3, 30, 0, 30), date(2026, 3, 30)),  # 22:30 UTC on the 29th
        (paris(2026, 3, 29, 3, 0), date(2026, 3, 29)),  # 01:00 UTC, just after the jump
        # Last Sunday of October 2026: clocks go 03:00 -> 02:00 (CEST -> CET).
        (paris(2026, 10, 25, 23, 30), date(2026, 10, 25)),
        (paris(2026, 10, 26, 0, 30), date(2026, 10, 26)),  # 23:30 UTC on the 25th
        (paris(2026, 10, 25, 0, 15), date(2026, 10, 25)),  # 22:15 UTC on the 24th
    ],
)
def test_it_counts_on_the_local_start_day_across_dst_changes(
    employee_a, practitioner_p, start, day
):
    completed(employee_a, practitioner_p, at=start, minutes=45)
    assert list(CompanyDay.objects.values_list("day", flat=True)) == [day]
    assert list(PractitionerDay.objects.values_list("day", flat=True)) == [day]
    assert list(EmployeeDay.objects.values_list("day", flat=True)) == [day]
    assert counting_day(start) == day


def test_a_consultation_across_midnight_counts_on_its_start_day(employee_a, practitioner_p):
    completed(employee_a, practitioner_p, at=paris(2026, 10, 25, 23, 30), minutes=50)
    row = CompanyDay.objects.get()
    assert (row.day, row.consultations, row.total_duration_seconds) == (
        date(2026, 10, 25),
        1,
        3000,
    )


def test_the_day_ignores_the_active_time_zone(employee_a, practitioner_p, settings):
    from django.utils import timezone

    with timezone.override("America/New_York"):
        completed(employee_a, practitioner_p, at=paris(2026, 3, 10, 2, 0))
    assert CompanyDay.objects.get().day == date(2026, 3, 10)
