"""company_report, the read behind every company page, API answer and CSV: what it
reads, what it costs, and that a bucket reads the same whatever the period asked for."""

from datetime import date

import pytest

from metrics.models import CompanyDay, EmployeeDay
from metrics.periods import Granularity, Period
from metrics.selectors import company_report
from tests.metrics.attacker import requests
from tests.metrics.helpers import make_employees, paris

pytestmark = pytest.mark.django_db

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))

# day of March -> indexes of the employees who consulted (once each, 30 min)
PLAN = {2: [0, 1, 2, 3, 4], 10: [0, 1], 11: [2], 17: [0, 1], 18: [2, 3], 19: [5]}


@pytest.fixture(autouse=True)
def june(time_machine):
    time_machine.move_to(paris(2026, 6, 15, 12))


@pytest.fixture
def rollups(acme):
    """Rollup rows straight in the tables: these tests are about the read."""
    people = make_employees(acme, 6)
    for n, who in PLAN.items():
        day = date(2026, 3, n)
        CompanyDay.objects.create(
            company=acme,
            day=day,
            consultations=len(who),
            total_duration_seconds=1800 * len(who),
            active_employees=len(who),
        )
        EmployeeDay.objects.bulk_create(
            EmployeeDay(
                company=acme,
                day=day,
                employee=people[i],
                consultations=1,
                total_duration_seconds=1800,
            )
            for i in who
        )


def test_buckets_settled_by_their_days_cost_one_query(acme, rollups, django_assert_num_queries):
    """February's table is empty, so small from its daily counts alone."""
    february = Period(date(2026, 2, 1), date(2026, 2, 28))
    with django_assert_num_queries(1):
        report = company_report(
            company=acme, period=february, granularity=Granularity.WEEK, protect=True
        )
    assert {str(b.consultations) for b in report.buckets} == {"< 5"}


def test_who_consulted_is_read_once_for_the_undecided_buckets(
    acme, rollups, django_assert_num_queries
):
    """In March's table, week 12 has 5 visits of at most 2 people a day: only who they
    were tells whether it reaches 5 people (it does)."""
    with django_assert_num_queries(2) as captured:
        report = company_report(
            company=acme, period=MARCH, granularity=Granularity.WEEK, protect=True
        )
    assert "2026-03-17" in captured.captured_queries[1]["sql"]
    assert "2026-03-02" not in captured.captured_queries[1]["sql"]  # settled by its 2nd
    assert [str(b.consultations) for b in report.buckets] == [
        "< 5",
        "< 5",
        "< 5",
        "5",
        "< 5",
        "< 5",
    ]


def test_nothing_is_read_while_nothing_is_published(acme, rollups, time_machine):
    time_machine.move_to(paris(2026, 3, 20, 12))
    report = company_report(company=acme, period=MARCH, granularity=Granularity.MONTH, protect=True)
    assert report.buckets == [] and report.total is None and report.pending


def test_staff_read_the_distinct_employees_over_the_period(
    acme, rollups, django_assert_num_queries
):
    with django_assert_num_queries(2):
        report = company_report(
            company=acme, period=MARCH, granularity=Granularity.DAY, protect=False
        )
    assert (report.total.consultations, report.active_employees) == (13, 6)
    assert len(report.buckets) == 31 and report.published_until is None


@pytest.mark.parametrize("granularity", [Granularity.WEEK, Granularity.MONTH])
def test_a_bucket_reads_the_same_in_every_period_that_holds_it(acme, rollups, granularity):
    readings: dict = {}
    for period in requests(date(2026, 2, 1), date(2026, 4, 30), granularity):
        report = company_report(company=acme, period=period, granularity=granularity, protect=True)
        for bucket in report.buckets:
            readings.setdefault(bucket.label, set()).add(
                (str(bucket.consultations), str(bucket.total_duration_seconds))
            )
    assert readings and all(len(values) == 1 for values in readings.values())
