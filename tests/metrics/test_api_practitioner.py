"""GET /api/v1/metrics/practitioners/{id} and /export."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from consultations import services
from metrics.models import PractitionerDay
from tests.consultations.factories import book, completed
from tests.metrics.helpers import paris

pytestmark = pytest.mark.django_db

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def march(employee_a, employee_b, employee_c, practitioner_p, practitioner_q):
    completed(employee_a, practitioner_p, at=paris(2026, 3, 2, 9), minutes=45)
    completed(employee_b, practitioner_p, at=paris(2026, 3, 2, 11), minutes=50)
    completed(employee_c, practitioner_p, at=paris(2026, 3, 29, 23, 30), minutes=31)
    completed(employee_a, practitioner_q, at=paris(2026, 3, 3, 9), minutes=60)  # not P's
    completed(employee_a, practitioner_p, at=paris(2026, 4, 1, 9), minutes=30)  # April


def test_it_returns_the_sketch_fields_for_the_period(api_client, practitioner_p, march):
    api_client.force_authenticate(practitioner_p)
    response = api_client.get(reverse("api-metrics-practitioner", args=[practitioner_p.pk]), MARCH)
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "practitionerId": str(practitioner_p.pk),
        "period": {"from": "2026-03-01", "to": "2026-03-31"},
        "consultations": 3,
        "totalDurationSeconds": (45 + 50 + 31) * 60,
        "totalDurationMinutes": 126,
        "averageDurationMinutes": 42,
        "activeDays": 2,
        "paidLateCancellations": 0,
        "days": [
            {
                "date": "2026-03-02",
                "consultations": 2,
                "totalDurationSeconds": 5700,
                "totalDurationMinutes": 95,
            },
            {
                "date": "2026-03-29",
                "consultations": 1,
                "totalDurationSeconds": 1860,
                "totalDurationMinutes": 31,
            },
        ],
    }


def _late_cancel(employee, practitioner, at):
    consultation = book(employee, practitioner, at=at, now=at - timedelta(days=3))
    services.consultation_cancel(
        actor=employee, consultation=consultation, now=at - timedelta(hours=2)
    )


def test_paid_late_cancellations_count_as_the_companys_contract_says(
    api_client, client, practitioner_p, employee_a, employee_c, globex
):
    globex.late_cancellations_paid = False
    globex.save()
    _late_cancel(employee_a, practitioner_p, paris(2026, 3, 10, 9))  # Acme pays
    _late_cancel(employee_a, practitioner_p, paris(2026, 4, 10, 9))  # Acme pays, April
    _late_cancel(employee_c, practitioner_p, paris(2026, 3, 11, 9))  # Globex does not
    early = book(employee_a, practitioner_p, at=paris(2026, 3, 12, 9), now=paris(2026, 3, 1, 9))
    services.consultation_cancel(actor=employee_a, consultation=early, now=paris(2026, 3, 2, 9))
    api_client.force_authenticate(practitioner_p)
    body = api_client.get(
        reverse("api-metrics-practitioner", args=[practitioner_p.pk]), MARCH
    ).json()
    assert body["paidLateCancellations"] == 1
    assert body["consultations"] == 0  # not a held consultation
    client.force_login(practitioner_p)
    page = client.get(reverse("metrics:my_practitioner"), MARCH).content.decode()
    assert 'id="paid-late-cancellations">1<' in page


def test_an_empty_period_gives_zeros(api_client, practitioner_p):
    api_client.force_authenticate(practitioner_p)
    body = api_client.get(
        reverse("api-metrics-practitioner", args=[practitioner_p.pk]), MARCH
    ).json()
    assert (body["consultations"], body["averageDurationMinutes"], body["activeDays"]) == (0, 0, 0)
    assert body["days"] == []


def test_the_csv_export_is_the_sketch_format_byte_for_byte(api_client, practitioner_p, march):
    api_client.force_authenticate(practitioner_p)
    response = api_client.get(
        reverse("api-metrics-practitioner-export", args=[practitioner_p.pk]), MARCH
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="huntzen-praticien-')
    assert (
        response.content
        == (
            "Date,Consultations,Durée (minutes)\n2026-03-02,2,95\n2026-03-29,1,31\n\nTOTAL,3,126"
        ).encode()
    )
    assert response.content.startswith(b"Date,Consultations,Dur\xc3\xa9e (minutes)\n")


def test_the_csv_total_rounds_down_the_total_seconds(api_client, practitioner_p):
    # Two days of 90 s each: 1 + 1 minute per line, but 3 minutes in total (180 s).
    for day in (2, 3):
        PractitionerDay.objects.create(
            practitioner=practitioner_p,
            day=f"2026-03-0{day}",
            consultations=1,
            total_duration_seconds=90,
        )
    api_client.force_authenticate(practitioner_p)
    response = api_client.get(
        reverse("api-metrics-practitioner-export", args=[practitioner_p.pk]), MARCH
    )
    assert (
        response.content
        == (
            "Date,Consultations,Durée (minutes)\n2026-03-02,1,1\n2026-03-03,1,1\n\nTOTAL,2,3"
        ).encode()
    )


def test_an_empty_export_still_has_header_and_total(api_client, staff_r2, practitioner_p):
    api_client.force_authenticate(staff_r2)
    response = api_client.get(
        reverse("api-metrics-practitioner-export", args=[practitioner_p.pk]), MARCH
    )
    assert response.content == "Date,Consultations,Durée (minutes)\n\nTOTAL,0,0".encode()


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "2026-02-30", "to": "2026-03-31"}, "from"),
        ({"from": "03/01/2026", "to": "2026-03-31"}, "from"),
        ({"from": "2026-03-01", "to": "tomorrow"}, "to"),
        ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),  # 367 days
        ({"to": "2026-03-31"}, "from"),
        ({"from": "2026-03-01"}, "to"),
    ],
)
@pytest.mark.parametrize("name", ["api-metrics-practitioner", "api-metrics-practitioner-export"])
def test_bad_periods_are_400_naming_the_parameter(api_client, practitioner_p, params, field, name):
    api_client.force_authenticate(practitioner_p)
    response = api_client.get(reverse(name, args=[practitioner_p.pk]), params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_a_leap_year_of_366_days_is_allowed(api_client, practitioner_p):
    api_client.force_authenticate(practitioner_p)
    response = api_client.get(
        reverse("api-metrics-practitioner", args=[practitioner_p.pk]),
        {"from": "2028-01-01", "to": "2028-12-31"},
    )
    assert response.status_code == 200


def test_outsiders_get_404_before_any_period_check(api_client, practitioner_q, practitioner_p):
    api_client.force_authenticate(practitioner_q)
    response = api_client.get(
        reverse("api-metrics-practitioner", args=[practitioner_p.pk]), {"from": "bad"}
    )
    assert response.status_code == 404


def test_reads_cost_the_same_with_3_or_300_days(
    api_client, practitioner_p, django_assert_max_num_queries
):
    api_client.force_authenticate(practitioner_p)
    url = reverse("api-metrics-practitioner", args=[practitioner_p.pk])
    params = {"from": "2026-01-01", "to": "2026-12-31"}
    for n in (3, 300):
        # Rollup rows straight in the table: this test is about the read, not the counting.
        PractitionerDay.objects.all().delete()
        PractitionerDay.objects.bulk_create(
            PractitionerDay(
                practitioner=practitioner_p,
                day=date(2026, 1, 1) + timedelta(days=i),
                consultations=1,
                total_duration_seconds=60,
            )
            for i in range(n)
        )
        # 5: the rollup rows, the paid late cancellations (one count), auth and access.
        with django_assert_max_num_queries(5):
            assert api_client.get(url, params).json()["activeDays"] == n
