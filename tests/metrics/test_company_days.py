"""company_days, the read behind the company CSV and the home card: the same days and
total as company_usage, without reading weeks, months or distinct employees."""

from datetime import date

import pytest

from metrics.models import CompanyDay, EmployeeDay
from metrics.periods import Period
from metrics.selectors import company_days, company_usage
from tests.metrics.helpers import make_employees

pytestmark = pytest.mark.django_db

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
WEEK_3 = Period(date(2026, 3, 16), date(2026, 3, 22))

# day of March -> indexes of the employees who consulted (once each, 30 min)
PLAN = {2: [0, 1, 2, 3, 4], 10: [0, 1], 11: [2], 17: [0, 1], 18: [2, 3], 19: [5]}


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


@pytest.mark.parametrize("protect", [True, False])
@pytest.mark.parametrize("period", [MARCH, WEEK_3, Period(date(2026, 3, 9), date(2026, 3, 15))])
def test_it_gives_the_days_and_total_of_company_usage(acme, rollups, period, protect):
    usage = company_usage(company=acme, period=period, protect=protect)
    read = company_days(company=acme, period=period, protect=protect)
    assert (read.days, read.total) == (usage.days, usage.total)


def test_a_period_settled_by_its_days_costs_one_query(acme, rollups, django_assert_num_queries):
    with django_assert_num_queries(1):
        read = company_days(company=acme, period=MARCH, protect=True)
    assert read.total.consultations == 13
    assert [(row.day.day, str(row.consultations)) for row in read.days] == [
        (2, "5"),
        (10, "< 5"),
        (11, "< 5"),
        (17, "< 5"),
        (18, "< 5"),
        (19, "< 5"),
    ]


def test_a_period_of_few_people_a_day_reads_who_they_were(acme, rollups, django_assert_num_queries):
    with django_assert_num_queries(2):
        read = company_days(company=acme, period=WEEK_3, protect=True)
    assert read.total.consultations == 5  # 5 different people over three days
    assert all(str(row.consultations) == "< 5" for row in read.days)
