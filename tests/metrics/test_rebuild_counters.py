"""manage.py rebuild_counters: rebuild, --verify, --from/--to, and a random workload."""

from datetime import UTC, date, datetime, time, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consultations import services as lifecycle
from consultations.exceptions import BookingRefused
from metrics.models import CompanyDay, CountedConsultation, EmployeeDay, PractitionerDay
from tests.consultations.factories import book, completed
from tests.metrics.helpers import PARIS, paris, rollups

pytestmark = pytest.mark.django_db


def verify(*args):
    out = StringIO()
    call_command("rebuild_counters", "--verify", *args, stdout=out)
    return out.getvalue()


def rebuild(*args):
    out = StringIO()
    call_command("rebuild_counters", *args, stdout=out)
    return out.getvalue()


def verify_failure(*args):
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("rebuild_counters", "--verify", *args, stdout=out)
    assert excinfo.value.returncode == 1
    return out.getvalue()


@pytest.fixture
def history(employee_a, employee_b, employee_c, practitioner_p, practitioner_q):
    return [
        completed(employee_a, practitioner_p, at=paris(2026, 3, 10, 9), minutes=30),
        completed(employee_b, practitioner_p, at=paris(2026, 3, 10, 11), minutes=50),
        completed(employee_c, practitioner_q, at=paris(2026, 3, 11, 23, 30), minutes=45),
        completed(employee_a, practitioner_q, at=paris(2026, 4, 2, 8), minutes=20),
    ]


def test_verify_agrees_with_counters_filled_by_the_signal(history):
    assert "agree" in verify()
    assert "agree" in verify("--from", "2026-03-01", "--to", "2026-03-31")


def test_verify_prints_every_difference_and_exits_1(history):
    PractitionerDay.objects.filter(day=date(2026, 3, 10)).update(
        consultations=F("consultations") + 1
    )
    CompanyDay.objects.filter(day=date(2026, 3, 11)).update(active_employees=7)
    CountedConsultation.objects.filter(consultation=history[3]).delete()
    out = verify_failure()
    lines = out.strip().splitlines()
    assert len(lines) == 3
    assert sum("practitioner-day" in x and "consultations is 3, expected 2" in x for x in lines)
    assert sum("company-day" in x and "active_employees is 7, expected 1" in x for x in lines)
    assert sum(str(history[3].pk) in x and "not counted" in x for x in lines)


def test_verify_changes_nothing(history):
    EmployeeDay.objects.filter(day=date(2026, 4, 2)).delete()
    before = rollups()
    out = verify_failure()
    assert "employee-day" in out
    assert rollups() == before


def test_verify_limits_itself_to_the_range(history):
    CompanyDay.objects.filter(day=date(2026, 4, 2)).delete()
    assert "agree" in verify("--from", "2026-03-01", "--to", "2026-03-31")
    assert "company-day" in verify_failure("--from", "2026-04-01", "--to", "2026-04-30")


def test_rebuild_restores_tampered_counters(history):
    expected = rollups()
    PractitionerDay.objects.all().delete()
    EmployeeDay.objects.update(consultations=9)
    CountedConsultation.objects.filter(consultation=history[0]).delete()
    CompanyDay.objects.create(company=history[0].company, day=date(2026, 5, 1), consultations=4)
    out = StringIO()
    call_command("rebuild_counters", stdout=out)
    assert "4 consultation(s)" in out.getvalue()
    assert rollups() == expected
    assert "agree" in verify()


def test_rebuild_of_a_range_leaves_other_days_alone(history):
    expected = rollups()
    CompanyDay.objects.filter(day=date(2026, 4, 2)).update(consultations=99)
    rebuild("--from", "2026-03-01", "--to", "2026-03-31")
    assert CompanyDay.objects.get(day=date(2026, 4, 2)).consultations == 99
    rebuild("--from", "2026-04-01", "--to", "2026-04-30")
    assert rollups() == expected


def test_a_rebuilt_marker_still_makes_counting_idempotent(history):
    call_command("rebuild_counters", stdout=StringIO())
    before = rollups()
    history[0].save()
    assert rollups() == before


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "2026-13-01"],
        ["--to", "yesterday"],
        ["--from", "2026-03-10", "--to", "2026-03-01"],
    ],
)
def test_it_refuses_bad_dates(args):
    with pytest.raises(CommandError):
        call_command("rebuild_counters", "--verify", *args, stdout=StringIO())


# --- Property: whatever the workload, the signal's counters equal a rebuild ----------

ACTIONS = ("complete", "cancel", "no_show", "leave_scheduled", "leave_in_progress")

workloads = st.lists(
    st.tuples(
        st.integers(0, 2),  # employee
        st.integers(0, 1),  # practitioner
        st.integers(0, 8),  # day from 2026-03-25 (the DST change is on the 29th)
        st.integers(0, 23),  # local hour
        st.sampled_from([0, 30, 45]),  # minute
        st.integers(0, 200),  # minutes held
        st.sampled_from(ACTIONS),
    ),
    min_size=1,
    max_size=12,
)


def _play(step, employees, practitioners):
    e, p, day, hour, minute, held, action = step
    employee, practitioner = employees[e], practitioners[p]
    at = datetime.combine(date(2026, 3, 25) + timedelta(days=day), time(hour, minute), PARIS)
    # Offsets below are elapsed time: in Paris terms, 03:00 minus one hour on the day
    # clocks go forward would be 02:00, which does not exist and means 03:00 again.
    at = at.astimezone(UTC)
    try:
        c = book(employee, practitioner, at=at, minutes=20)
    except BookingRefused:
        return  # overlapping slot: the workload simply loses that booking
    if action == "cancel":
        with time_machine.travel(at - timedelta(hours=1)):
            lifecycle.consultation_cancel(actor=employee, consultation=c)
    elif action == "no_show":
        with time_machine.travel(at + timedelta(minutes=15)):
            lifecycle.consultation_mark_no_show(actor=practitioner, consultation=c)
    elif action in ("complete", "leave_in_progress"):
        with time_machine.travel(at):
            lifecycle.consultation_start(actor=practitioner, consultation=c)
        if action == "complete":
            with time_machine.travel(at + timedelta(minutes=held)):
                lifecycle.consultation_end(actor=practitioner, consultation=c)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(workload=workloads)
def test_verify_agrees_after_any_workload(
    employee_a, employee_b, employee_c, practitioner_p, practitioner_q, workload
):
    with transaction.atomic():
        for step in workload:
            _play(step, [employee_a, employee_b, employee_c], [practitioner_p, practitioner_q])
        assert "agree" in verify()
        incremental = rollups()
        call_command("rebuild_counters", stdout=StringIO())
        assert rollups() == incremental
        transaction.set_rollback(True)  # each example starts from an empty history
