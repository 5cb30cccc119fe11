"""GET /api/v1/metrics/employees/{id}: the sketch's per-employee counters, whole months."""

import pytest
from django.urls import reverse

from tests.consultations.factories import completed
from tests.metrics.helpers import paris, share

pytestmark = pytest.mark.django_db


@pytest.fixture
def visits(employee_a, employee_b, practitioner_p, practitioner_q):
    completed(employee_a, practitioner_p, at=paris(2026, 3, 2, 9), minutes=45)
    completed(employee_a, practitioner_q, at=paris(2026, 3, 31, 23, 30), minutes=50)
    completed(employee_a, practitioner_p, at=paris(2026, 4, 1, 9), minutes=30)
    completed(employee_b, practitioner_p, at=paris(2026, 3, 5, 9), minutes=20)
    share(employee_a)  # HR sees only the counters of employees who share them


def get(api_client, user, employee, params):
    api_client.force_authenticate(user)
    return api_client.get(reverse("api-metrics-employee", args=[employee.pk]), params)


def test_hr_reads_an_employees_totals_and_nothing_else(api_client, hr_acme, employee_a, visits):
    response = get(api_client, hr_acme, employee_a, {"from": "2026-03-01", "to": "2026-03-31"})
    assert response.status_code == 200
    assert response.json() == {
        "employeeId": str(employee_a.pk),
        "period": {"from": "2026-03-01", "to": "2026-03-31"},
        "consultations": 2,
        "totalDurationSeconds": 95 * 60,
        "totalDurationMinutes": 95,
    }


def test_several_whole_months_are_allowed(api_client, staff_r2, employee_a, visits):
    body = get(api_client, staff_r2, employee_a, {"from": "2026-03-01", "to": "2026-04-30"}).json()
    assert (body["consultations"], body["totalDurationMinutes"]) == (3, 125)


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-03-02", "to": "2026-03-31"},  # not from the 1st
        {"from": "2026-03-01", "to": "2026-03-30"},  # not to the month's end
        {"from": "2026-03-01", "to": "2026-03-01"},  # one day
        {"from": "2026-03-10", "to": "2026-04-09"},  # a month long, but not calendar months
        {"from": "2026-01-01", "to": "2027-01-31"},  # over 366 days
        {"from": "2026-03-01"},
    ],
)
def test_periods_finer_than_whole_months_are_400(api_client, hr_acme, employee_a, params):
    share(employee_a)
    response = get(api_client, hr_acme, employee_a, params)
    assert response.status_code == 400
    assert set(response.json()["fields"]) <= {"from", "to"}


def test_february_of_a_leap_year_is_a_whole_month(api_client, hr_acme, employee_a, time_machine):
    time_machine.move_to(paris(2028, 3, 10, 12))  # and it is over
    share(employee_a)
    response = get(api_client, hr_acme, employee_a, {"from": "2028-02-01", "to": "2028-02-29"})
    assert response.status_code == 200
