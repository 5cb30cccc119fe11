"""GET /api/v1/metrics/companies/{id} and /export: usage, weeks, months, small groups."""

from datetime import date

import pytest
from django.urls import reverse

from tests.consultations.factories import completed
from tests.metrics.helpers import make_employees, paris

pytestmark = pytest.mark.django_db

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
H = "< 5"


@pytest.fixture
def staff(acme):
    return make_employees(acme, 6)


@pytest.fixture
def march(staff, practitioner_p, practitioner_q):
    """Who consulted when in March 2026 (30 min each unless said), Acme, threshold 5.

    week 1 (Sun 1): nobody; week 2 (2-8): 5 on the 2nd, 2 on the 3rd -> shown;
    week 3 (9-15): 3 people in all -> hidden; week 4 (16-22): at most 2 a day but 5
    different people -> shown; week 5 (23-29): 1 person -> hidden; week 6 (30-31): 5
    visits but only 3 people -> hidden. The month: 6 people -> shown.
    """
    plan = {
        2: [0, 1, 2, 3, 4],
        3: [0, 1],
        10: [2, 3],
        11: [4],
        17: [0, 1],
        18: [2, 3],
        19: [5],
        24: [0, 0],
        30: [0, 1],
        31: [0, 1, 2],
    }
    for day, people in plan.items():
        for slot, person in enumerate(people):
            practitioner = practitioner_p if slot % 2 == 0 else practitioner_q
            completed(staff[person], practitioner, at=paris(2026, 3, day, 8 + slot), minutes=30)


def get(api_client, user, company, params=MARCH, export=False):
    api_client.force_authenticate(user)
    name = "api-metrics-company-export" if export else "api-metrics-company"
    return api_client.get(reverse(name, args=[company.pk]), params)


def test_hr_sees_totals_with_small_groups_withheld(api_client, hr_acme, acme, march):
    body = get(api_client, hr_acme, acme).json()
    assert body["companyId"] == str(acme.pk)
    assert body["period"] == {"from": "2026-03-01", "to": "2026-03-31"}
    assert body["consultations"] == 22
    assert body["totalDurationSeconds"] == 22 * 1800
    assert body["totalDurationHours"] == 11
    assert body["avgActiveUsers"] == 2.1  # 21 daily actives / 10 days (the 24th: one person)
    assert body["activeUsers"] == 6
    assert body["seats"] == 50
    assert body["seatUsedPercent"] == 12.0
    assert body["allowanceUsedPercent"] is None  # no yearly allowance: unlimited


def test_days_below_the_threshold_are_withheld(api_client, hr_acme, acme, march):
    days = {d["date"]: d for d in get(api_client, hr_acme, acme).json()["days"]}
    assert days["2026-03-02"] == {
        "date": "2026-03-02",
        "consultations": 5,
        "totalDurationSeconds": 9000,
        "activeUsers": 5,
    }
    for day in ("2026-03-03", "2026-03-17", "2026-03-24", "2026-03-31"):
        assert days[day] == {
            "date": day,
            "consultations": H,
            "totalDurationSeconds": H,
            "activeUsers": H,
        }


def test_weeks_are_withheld_by_distinct_employees_not_visits(api_client, hr_acme, acme, march):
    weeks = get(api_client, hr_acme, acme).json()["weeks"]
    assert [w["period"]["from"] for w in weeks] == [
        "2026-03-01",
        "2026-03-02",
        "2026-03-09",
        "2026-03-16",
        "2026-03-23",
        "2026-03-30",
    ]
    assert [w["consultations"] for w in weeks] == [H, 7, H, 5, H, H]
    assert weeks[1]["totalDurationHours"] == 3  # 7 x 30 min, rounded down
    assert weeks[3]["avgActiveUsers"] == round(5 / 3, 1)
    months = get(api_client, hr_acme, acme).json()["months"]
    assert [(m["period"], m["consultations"]) for m in months] == [
        ({"from": "2026-03-01", "to": "2026-03-31"}, 22)
    ]


def test_allowance_use_is_prorated_to_each_period(api_client, hr_acme, acme, march):
    acme.yearly_allowance_per_employee = 4
    acme.save(update_fields=["yearly_allowance_per_employee"])
    body = get(api_client, hr_acme, acme).json()
    # 50 seats x 4 a year x 31/365 days = 16.99 consultations allowed in March.
    assert body["allowanceUsedPercent"] == round(100 * 22 / (50 * 4 * 31 / 365), 1)
    assert body["weeks"][1]["allowanceUsedPercent"] == round(100 * 7 / (50 * 4 * 7 / 365), 1)
    assert body["weeks"][2]["allowanceUsedPercent"] == H


def test_a_period_with_fewer_than_5_employees_is_withheld_entirely(
    api_client, hr_acme, acme, march
):
    body = get(api_client, hr_acme, acme, {"from": "2026-03-09", "to": "2026-03-15"}).json()
    for field in (
        "consultations",
        "totalDurationSeconds",
        "totalDurationHours",
        "avgActiveUsers",
        "activeUsers",
        "seatUsedPercent",
    ):
        assert body[field] == H, field


def test_staff_see_exact_figures(api_client, staff_r2, acme, march):
    body = get(api_client, staff_r2, acme, {"from": "2026-03-09", "to": "2026-03-15"}).json()
    assert (body["consultations"], body["activeUsers"]) == (3, 3)
    assert [d["consultations"] for d in body["days"]] == [2, 1]


def test_the_threshold_comes_from_the_setting(api_client, hr_acme, acme, march, settings):
    settings.HUNTZEN_MIN_GROUP_SIZE = 2
    days = {d["date"]: d for d in get(api_client, hr_acme, acme).json()["days"]}
    assert days["2026-03-03"]["consultations"] == 2
    assert days["2026-03-11"]["consultations"] == "< 2"


def test_the_company_csv_is_per_day_with_small_groups_withheld(api_client, hr_acme, acme, march):
    response = get(api_client, hr_acme, acme, export=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response.content
        == (
            "Date,Consultations,Durée (minutes)\n"
            "2026-03-02,5,150\n"
            "2026-03-03,< 5,< 5\n"
            "2026-03-10,< 5,< 5\n"
            "2026-03-11,< 5,< 5\n"
            "2026-03-17,< 5,< 5\n"
            "2026-03-18,< 5,< 5\n"
            "2026-03-19,< 5,< 5\n"
            "2026-03-24,< 5,< 5\n"
            "2026-03-30,< 5,< 5\n"
            "2026-03-31,< 5,< 5\n"
            "\n"
            "TOTAL,22,660"
        ).encode()
    )


def test_the_company_csv_total_is_withheld_for_a_small_period(api_client, hr_acme, acme, march):
    response = get(
        api_client, hr_acme, acme, {"from": "2026-03-09", "to": "2026-03-15"}, export=True
    )
    assert (
        response.content
        == (
            "Date,Consultations,Durée (minutes)\n"
            "2026-03-10,< 5,< 5\n2026-03-11,< 5,< 5\n\nTOTAL,< 5,< 5"
        ).encode()
    )


def test_staff_export_is_exact(api_client, staff_r2, acme, march):
    response = get(
        api_client, staff_r2, acme, {"from": "2026-03-09", "to": "2026-03-15"}, export=True
    )
    assert (
        response.content
        == (
            "Date,Consultations,Durée (minutes)\n2026-03-10,2,60\n2026-03-11,1,30\n\nTOTAL,3,90"
        ).encode()
    )


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-03-32", "to": "2026-04-01"},
        {"from": "2026-04-02", "to": "2026-04-01"},
        {"from": "2026-01-01", "to": "2027-01-02"},
        {},
    ],
)
def test_bad_periods_are_400(api_client, hr_acme, acme, params):
    assert get(api_client, hr_acme, acme, params).status_code == 400
    assert get(api_client, hr_acme, acme, params, export=True).status_code == 400


def test_the_dashboard_reads_the_same_number_of_queries_for_3_or_300_days(
    api_client, hr_acme, acme, django_assert_max_num_queries
):
    from datetime import timedelta

    from metrics.models import CompanyDay, EmployeeDay

    employees = make_employees(acme, 3)
    year = {"from": "2026-01-01", "to": "2026-12-31"}
    counts = []
    for n in (3, 300):
        # Rollup rows straight in the tables: this test is about the read, not the counting.
        CompanyDay.objects.all().delete()
        EmployeeDay.objects.all().delete()
        days = [date(2026, 1, 1) + timedelta(days=i) for i in range(n)]
        CompanyDay.objects.bulk_create(
            CompanyDay(
                company=acme, day=d, consultations=3, total_duration_seconds=60, active_employees=3
            )
            for d in days
        )
        EmployeeDay.objects.bulk_create(
            EmployeeDay(company=acme, day=d, employee=e, consultations=1, total_duration_seconds=20)
            for d in days
            for e in employees
        )
        get(api_client, hr_acme, acme, year)  # warm the user's permission cache
        with django_assert_max_num_queries(4) as captured:
            assert get(api_client, hr_acme, acme, year).json()["consultations"] == H
        counts.append(len(captured))
    assert counts[0] == counts[1]
