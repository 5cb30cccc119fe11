"""GET /api/v1/metrics/companies/{id} and /export: HR reads whole ISO weeks or calendar
months once their month is over, small groups and their partners withheld; HuntZen
staff read exact figures, days too."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from metrics import selectors
from metrics.models import CompanyDay, EmployeeDay
from tests.consultations.factories import completed
from tests.metrics.helpers import make_employees, paris

pytestmark = pytest.mark.django_db

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
H = "< 5"


@pytest.fixture(autouse=True)
def june(time_machine):
    """March and April 2026 are over and published; June is not."""
    time_machine.move_to(paris(2026, 6, 15, 12))


@pytest.fixture
def staff(acme):
    return make_employees(acme, 6)


@pytest.fixture
def march(staff, practitioner_p, practitioner_q):
    """Who consulted when in March 2026 (30 min each), Acme, threshold 5.

    W09 (23 Feb - 1 Mar): nobody; W10 (2-8): 5 on the 2nd, 2 on the 3rd, 5 people;
    W11 (9-15): 3 people; W12 (16-22): at most 2 a day but 5 different people;
    W13 (23-29): 1 person twice; W14 (30 Mar - 5 Apr): 5 visits, 3 people.
    The month: 6 people, 22 consultations.
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


def figures(bucket):
    return {k: v for k, v in bucket.items() if k not in ("label", "period", "withheld")}


# --- HR: months, weeks, snapping ---------------------------------------------------------


def test_hr_reads_whole_months_and_the_answer_says_which(api_client, hr_acme, acme, march):
    body = get(api_client, hr_acme, acme).json()
    assert body["companyId"] == str(acme.pk)
    assert body["period"] == {
        "from": "2026-03-01",
        "to": "2026-03-31",
        "granularity": "month",
        "snapped": False,
        "requested": {"from": "2026-03-01", "to": "2026-03-31"},
        "publishedUntil": "2026-05-31",
    }
    assert body["buckets"] == [
        {
            "label": "2026-03",
            "period": {"from": "2026-03-01", "to": "2026-03-31"},
            "withheld": False,
            "consultations": 22,
            "totalDurationSeconds": 22 * 1800,
            "totalDurationMinutes": 660,
            "totalDurationHours": 11,
            "avgActiveUsers": 2.1,  # 21 employee-days over 10 active days
            "allowanceUsedPercent": None,  # no yearly allowance: unlimited
        }
    ]
    assert (body["consultations"], body["totalDurationHours"], body["avgActiveUsers"]) == (
        22,
        11,
        2.1,
    )
    assert body["withheldBuckets"] == 0
    assert "days" not in body


def test_a_period_snaps_to_whole_months(api_client, hr_acme, acme, march):
    body = get(api_client, hr_acme, acme, {"from": "2026-03-05", "to": "2026-03-20"}).json()
    assert body["period"]["from"] == "2026-03-01" and body["period"]["to"] == "2026-03-31"
    assert body["period"]["snapped"] is True
    assert body["period"]["requested"] == {"from": "2026-03-05", "to": "2026-03-20"}
    assert body["consultations"] == 22


def test_a_period_snaps_to_whole_iso_weeks(api_client, hr_acme, acme, march):
    params = {"from": "2026-03-05", "to": "2026-03-20", "granularity": "week"}
    body = get(api_client, hr_acme, acme, params).json()
    assert (body["period"]["from"], body["period"]["to"]) == ("2026-03-02", "2026-03-22")
    assert body["period"]["granularity"] == "week"
    assert [b["label"] for b in body["buckets"]] == ["2026-W10", "2026-W11", "2026-W12"]


def test_two_overlapping_periods_read_the_same_so_nothing_subtracts(
    api_client, hr_acme, acme, march
):
    """The issue's example: 2-5 March and 2-6 March snap to the same week."""
    a = get(api_client, hr_acme, acme, {"from": "2026-03-02", "to": "2026-03-05"}).json()
    b = get(api_client, hr_acme, acme, {"from": "2026-03-02", "to": "2026-03-06"}).json()
    del a["period"]["requested"], b["period"]["requested"]
    assert a == b
    for granularity in ("week", "month"):
        p = {"granularity": granularity}
        a = get(api_client, hr_acme, acme, {"from": "2026-03-02", "to": "2026-03-05", **p})
        b = get(api_client, hr_acme, acme, {"from": "2026-03-02", "to": "2026-03-06", **p})
        assert a.json()["buckets"] == b.json()["buckets"]


def test_hr_never_reads_a_day(api_client, hr_acme, acme, march):
    response = get(api_client, hr_acme, acme, {**MARCH, "granularity": "day"})
    assert response.status_code == 400
    assert "granularity" in response.json()["fields"]
    response = get(api_client, hr_acme, acme, {**MARCH, "granularity": "day"}, export=True)
    assert response.status_code == 400


# --- HR: small groups and their partners -------------------------------------------------


def test_weeks_small_groups_and_their_partners_are_withheld(api_client, hr_acme, acme, march):
    body = get(api_client, hr_acme, acme, {**MARCH, "granularity": "week"}).json()
    weeks = {b["label"]: b for b in body["buckets"]}
    assert list(weeks) == [f"2026-W{n:02d}" for n in range(9, 15)]
    # W11 (3 people) and W13 (1 person) are small, and partner each other in March's
    # table; W09 (nobody) and W14 (3 people) straddle months: withheld on their own.
    assert {label: b["consultations"] for label, b in weeks.items()} == {
        "2026-W09": H,
        "2026-W10": 7,
        "2026-W11": H,
        "2026-W12": 5,
        "2026-W13": H,
        "2026-W14": H,
    }
    assert weeks["2026-W11"]["withheld"] is True
    assert weeks["2026-W12"]["avgActiveUsers"] == round(5 / 3, 1)
    # The totals add up the weeks shown, and say how many are left out.
    assert (body["consultations"], body["totalDurationMinutes"]) == (12, 360)
    assert body["withheldBuckets"] == 4
    assert body["activeUsers"] is None and body["seatUsedPercent"] is None


def test_an_empty_week_and_a_week_of_four_look_the_same(
    api_client, hr_acme, acme, staff, practitioner_p
):
    for i in range(4):
        completed(staff[i], practitioner_p, at=paris(2026, 4, 14, 8 + i), minutes=30)
    body = get(
        api_client, hr_acme, acme, {"from": "2026-04-06", "to": "2026-04-19", "granularity": "week"}
    ).json()
    empty, four = body["buckets"]
    assert (empty["label"], four["label"]) == ("2026-W15", "2026-W16")
    assert (
        figures(empty)
        == figures(four)
        == {
            "consultations": H,
            "totalDurationSeconds": H,
            "totalDurationMinutes": H,
            "totalDurationHours": H,
            "avgActiveUsers": H,
            "allowanceUsedPercent": None,
        }
    )
    assert body["consultations"] == H  # nothing shown to add up


def test_a_month_with_edge_days_withholds_a_week_even_when_all_are_big(
    api_client, hr_acme, acme, practitioner_p, practitioner_q
):
    """April 2026 starts on a Wednesday: its month minus its weeks would give its edge
    days, so its smallest week is withheld though every week has 5 people or more."""
    people = make_employees(acme, 6, prefix="april")
    for n, monday in enumerate((6, 13, 20)):
        for i, person in enumerate(people[: 5 + (n == 1)]):
            practitioner = practitioner_p if i % 2 == 0 else practitioner_q
            completed(person, practitioner, at=paris(2026, 4, monday + i % 5, 8 + i), minutes=30)
    weeks = get(
        api_client, hr_acme, acme, {"from": "2026-04-06", "to": "2026-04-26", "granularity": "week"}
    ).json()["buckets"]
    assert [w["consultations"] for w in weeks] == [H, 6, 5]
    month = get(api_client, hr_acme, acme, {"from": "2026-04-01", "to": "2026-04-30"}).json()
    assert month["consultations"] == 16


def test_the_allowance_is_prorated_to_each_bucket(api_client, hr_acme, acme, march):
    acme.yearly_allowance_per_employee = 4
    acme.save(update_fields=["yearly_allowance_per_employee"])
    body = get(api_client, hr_acme, acme, {**MARCH, "granularity": "week"}).json()
    weeks = {b["label"]: b for b in body["buckets"]}
    assert weeks["2026-W10"]["allowanceUsedPercent"] == round(100 * 7 / (50 * 4 * 7 / 365), 1)
    assert weeks["2026-W11"]["allowanceUsedPercent"] == H
    # The total: the 12 consultations of the two weeks shown, over their 14 days.
    assert body["allowanceUsedPercent"] == round(100 * 12 / (50 * 4 * 14 / 365), 1)


def test_the_threshold_comes_from_the_setting(api_client, hr_acme, acme, march, settings):
    settings.HUNTZEN_MIN_GROUP_SIZE = 3
    weeks = get(api_client, hr_acme, acme, {**MARCH, "granularity": "week"}).json()["buckets"]
    # W11 (3 people) and W14 (3 people) now reach the threshold, but W13 (1 person) needs
    # a partner in March's table: W11, the smallest week shown.
    assert [w["consultations"] for w in weeks] == ["< 3", 7, "< 3", 5, "< 3", 5]


# --- HR: only months that are over --------------------------------------------------------


def test_a_month_is_published_once_it_is_over(api_client, hr_acme, acme, march, time_machine):
    time_machine.move_to(paris(2026, 3, 31, 20))
    body = get(api_client, hr_acme, acme).json()
    assert body["period"]["publishedUntil"] == "2026-02-28"
    assert body["buckets"] == [] and body["consultations"] is None
    weeks = get(api_client, hr_acme, acme, {**MARCH, "granularity": "week"}).json()
    assert [b["label"] for b in weeks["buckets"]] == []  # W09 ends on 1 March
    time_machine.move_to(paris(2026, 4, 1, 0, 5))
    assert get(api_client, hr_acme, acme).json()["consultations"] == 22
    weeks = get(api_client, hr_acme, acme, {**MARCH, "granularity": "week"}).json()["buckets"]
    assert [b["label"] for b in weeks][-1] == "2026-W13"  # W14 waits for April


def test_a_month_is_over_when_it_is_over_in_paris_whatever_zone_is_active(
    api_client, hr_acme, acme, march, time_machine
):
    """The counters date their days in TIME_ZONE (Europe/Paris): in Tokyo April has
    begun while March 31 still runs in Paris, and March is not published yet."""
    from django.utils import timezone

    time_machine.move_to(paris(2026, 3, 31, 20))
    with timezone.override("Asia/Tokyo"):
        assert selectors.published_until_for(protect=True) == date(2026, 2, 28)
        assert get(api_client, hr_acme, acme).json()["period"]["publishedUntil"] == "2026-02-28"
    time_machine.move_to(paris(2026, 4, 1, 0, 5))
    with timezone.override("America/New_York"):  # still March 31 there
        assert selectors.published_until_for(protect=True) == date(2026, 3, 31)


# --- HR: CSV ----------------------------------------------------------------------------


def test_the_hr_csv_is_per_month(api_client, hr_acme, acme, march):
    response = get(api_client, hr_acme, acme, export=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response.content
        == "Date,Consultations,Durée (minutes)\n2026-03,22,660\n\nTOTAL,22,660".encode()
    )


def test_the_hr_csv_per_week_withholds_and_adds_up_what_it_shows(api_client, hr_acme, acme, march):
    response = get(api_client, hr_acme, acme, {**MARCH, "granularity": "week"}, export=True)
    assert (
        response.content
        == (
            "Date,Consultations,Durée (minutes)\n"
            "2026-W09,< 5,< 5\n"
            "2026-W10,7,210\n"
            "2026-W11,< 5,< 5\n"
            "2026-W12,5,150\n"
            "2026-W13,< 5,< 5\n"
            "2026-W14,< 5,< 5\n"
            "\n"
            "TOTAL,12,360"
        ).encode()
    )
    assert 'filename="huntzen-entreprise-' in response["Content-Disposition"]
    assert "2026-02-23-2026-04-05.csv" in response["Content-Disposition"]


# --- HuntZen staff ------------------------------------------------------------------------


def test_staff_see_exact_days_up_to_today(api_client, staff_r2, acme, march):
    body = get(api_client, staff_r2, acme, {"from": "2026-03-09", "to": "2026-03-15"}).json()
    assert body["period"]["granularity"] == "day"
    assert body["period"]["publishedUntil"] is None
    assert (body["consultations"], body["activeUsers"], body["seatUsedPercent"]) == (3, 3, 6.0)
    assert [b["consultations"] for b in body["buckets"]] == [0, 2, 1, 0, 0, 0, 0]


def test_staff_see_every_week_exactly(api_client, staff_r2, acme, march):
    body = get(api_client, staff_r2, acme, {**MARCH, "granularity": "week"}).json()
    assert [b["consultations"] for b in body["buckets"]] == [0, 7, 3, 5, 2, 5]
    assert body["withheldBuckets"] == 0


def test_staff_read_the_month_in_progress(api_client, staff_r2, acme, staff, practitioner_p):
    completed(staff[0], practitioner_p, at=paris(2026, 6, 2, 9), minutes=30)
    body = get(api_client, staff_r2, acme, {"from": "2026-06-01", "to": "2026-06-30"}).json()
    assert body["consultations"] == 1


def test_staff_export_is_exact_and_per_day(api_client, staff_r2, acme, march):
    response = get(
        api_client, staff_r2, acme, {"from": "2026-03-09", "to": "2026-03-15"}, export=True
    )
    assert (
        response.content
        == (
            "Date,Consultations,Durée (minutes)\n2026-03-10,2,60\n2026-03-11,1,30\n\nTOTAL,3,90"
        ).encode()
    )


# --- Bad requests and cost ---------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-03-32", "to": "2026-04-01"},
        {"from": "2026-04-02", "to": "2026-04-01"},
        {"from": "2026-01-01", "to": "2027-01-02"},
        {},
        {**MARCH, "granularity": "year"},
    ],
)
@pytest.mark.parametrize("role", ["hr_acme", "staff_r2"])
def test_bad_requests_are_400(api_client, cast, acme, params, role):
    assert get(api_client, cast[role], acme, params).status_code == 400
    assert get(api_client, cast[role], acme, params, export=True).status_code == 400


@pytest.mark.parametrize("granularity", ["month", "week"])
def test_the_read_costs_the_same_for_3_or_300_days(
    api_client, hr_acme, acme, granularity, django_assert_max_num_queries, time_machine
):
    time_machine.move_to(paris(2027, 1, 15, 12))
    employees = make_employees(acme, 3)
    year = {"from": "2026-01-01", "to": "2026-12-31", "granularity": granularity}
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


def test_hr_reads_today_once_per_answer(api_client, hr_acme, acme, march, monkeypatch):
    """The default period and the cached answer's key share one reading of today (each
    costs a time zone lookup): the same answer as when each read it on its own."""
    from metrics import periods

    assert selectors.default_report(
        protect=True, until=selectors.published_until_for(protect=True)
    ) == selectors.default_report(protect=True)
    company_key = {"company": acme, "granularity": periods.Granularity.MONTH, "protect": True}
    period = periods.Period(date(2026, 3, 1), date(2026, 3, 31))
    assert selectors.company_report_key(
        period=period, until=selectors.published_until_for(protect=True), **company_key
    ) == selectors.company_report_key(period=period, **company_key)
    first = get(api_client, hr_acme, acme).json()
    readings = []
    real_today = selectors.today
    monkeypatch.setattr(selectors, "today", lambda: readings.append(1) or real_today())
    assert get(api_client, hr_acme, acme).json() == first
    assert len(readings) == 1
