"""Portal dashboards: what they show, the inline SVG charts, exports, bad periods, cost."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from metrics.models import CompanyDay, PractitionerDay
from tests.consultations.factories import completed
from tests.metrics.helpers import make_employees, paris, share

pytestmark = pytest.mark.django_db

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
YEAR = {"from": "2026-01-01", "to": "2026-12-31"}


@pytest.fixture(autouse=True)
def june(time_machine):
    """March 2026 is over, so published to HR."""
    time_machine.move_to(paris(2026, 6, 15, 12))


@pytest.fixture
def visits(employee_a, employee_b, practitioner_p):
    completed(employee_a, practitioner_p, at=paris(2026, 3, 2, 9), minutes=45)
    completed(employee_b, practitioner_p, at=paris(2026, 3, 9, 9), minutes=30)


def assert_csp_clean(html: str):
    assert " style=" not in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


def test_the_practitioner_dashboard_shows_figures_and_an_svg_chart(client, practitioner_p, visits):
    client.force_login(practitioner_p)
    response = client.get(reverse("metrics:my_practitioner"), MARCH)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and 'role="img"' in html
    assert html.count('class="bar"') == 31 * 2  # one bar per day, two charts
    # SVG coordinates keep a decimal point even in French (no localisation).
    assert re.search(r'<rect class="bar" x="\d+\.\d\d" y="\d+\.\d\d"', html)
    assert not re.search(r'(x|y|width|height)="\d+,\d', html)
    assert "75 min" in html  # total
    assert "37 min" in html  # average, whole minutes
    assert "employee" not in html.lower() and "alice" not in html.lower()
    assert_csp_clean(html)


def test_the_practitioner_csv_from_the_portal_matches_the_api(client, practitioner_p, visits):
    client.force_login(practitioner_p)
    response = client.get(reverse("metrics:practitioner_export", args=[practitioner_p.pk]), MARCH)
    assert (
        response.content
        == (
            "Date,Consultations,Durée (minutes)\n2026-03-02,1,45\n2026-03-09,1,30\n\nTOTAL,2,75"
        ).encode()
    )


def test_a_bad_period_is_a_400_page_that_names_the_problem(client, practitioner_p):
    client.force_login(practitioner_p)
    response = client.get(
        reverse("metrics:my_practitioner"), {"from": "2026-03-31", "to": "2026-03-01"}
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    response = client.get(
        reverse("metrics:practitioner_export", args=[practitioner_p.pk]), {"from": "x"}
    )
    assert response.status_code == 400


def test_the_company_dashboard_withholds_small_groups(client, hr_acme, acme, visits):
    client.force_login(hr_acme)
    html = client.get(reverse("metrics:my_company"), MARCH).content.decode()
    assert re.search(r'<td data-figure="consultations"[^>]*>&lt; 5</td>', html)
    assert 'id="protection"' in html
    assert "Alice" not in html and "Paula" not in html
    assert_csp_clean(html)


def test_a_withheld_bucket_is_drawn_as_withheld_never_as_a_bar(client, hr_acme, acme, visits):
    client.force_login(hr_acme)
    html = client.get(reverse("metrics:my_company"), YEAR).content.decode()
    # 2026 up to May (the last month over on 15 June): five months, none reaching 5.
    assert html.count('<rect class="withheld"') == 5
    assert '<rect class="bar"' not in html
    heights = set(re.findall(r'<rect class="withheld"[^>]* height="([\d.]+)"', html))
    assert len(heights) == 1  # the full height of the plot: no size, and never 0
    assert "Mars 2026 : masqué (&lt; 5)" in html


def test_hr_reads_weeks_or_months_never_days(client, hr_acme, acme, practitioner_p, practitioner_q):
    people = make_employees(acme, 5)
    for i, person in enumerate(people):
        practitioner = practitioner_p if i % 2 == 0 else practitioner_q
        completed(person, practitioner, at=paris(2026, 3, 3, 8 + i), minutes=60)
    client.force_login(hr_acme)
    url = reverse("metrics:company", args=[acme.pk])
    html = client.get(url, MARCH).content.decode()
    assert "Par mois" in html and '<dd data-figure="consultations">5</dd>' in html
    assert html.count("<svg") == 1 and html.count('<rect class="bar"') == 1
    assert '<option value="day"' not in html
    # Week 10 alone holds March's consultations: withheld with March's empty weeks, so
    # that no week of March can be told from another, and so is every other week.
    html = client.get(url, {**MARCH, "granularity": "week"}).content.decode()
    assert "Par semaine" in html
    assert not re.search(r'<td data-figure="consultations"[^>]*>5</td>', html)
    assert client.get(url, {**MARCH, "granularity": "day"}).status_code == 400


def test_the_page_says_how_the_period_was_snapped_and_what_is_not_published(
    client, hr_acme, acme, visits
):
    client.force_login(hr_acme)
    url = reverse("metrics:company", args=[acme.pk])
    html = client.get(url, {"from": "2026-03-05", "to": "2026-07-10"}).content.decode()
    assert 'id="snapped"' in html and "5 mars 2026" in html
    assert 'value="2026-03-01"' in html and 'value="2026-07-31"' in html
    assert 'id="pending"' in html and "31 mai 2026" in html
    assert html.count("<tr data-bucket=") == 3  # March, April, May


def test_staff_read_every_day_exactly(client, staff_r2, acme, visits):
    client.force_login(staff_r2)
    html = client.get(reverse("metrics:company", args=[acme.pk]), MARCH).content.decode()
    assert html.count('<rect class="bar"') == 31 and 'class="withheld"' not in html
    assert "Salariés ayant consulté" in html
    assert '<option value="day" selected>' in html


def test_the_employee_counters_page_lists_totals_per_whole_month(
    client, hr_acme, acme, employee_a, visits
):
    share(employee_a)
    client.force_login(hr_acme)
    url = reverse("metrics:company_employees", args=[acme.pk])
    html = client.get(url, {"from": "2026-03", "to": "2026-03"}).content.decode()
    row = re.search(r"Alice Test</th><td>(\d+)</td><td>(\d+)</td>", html)
    assert row.groups() == ("1", "45")
    assert "Paula" not in html  # never the practitioner
    assert "2026-03-02" not in html  # never a date finer than the month
    for bad in (
        {"from": "2026-03-02", "to": "2026-03"},
        {"from": "2026-04", "to": "2026-03"},
        {"from": "2025-01", "to": "2026-01"},
        {"from": "2026-13", "to": "2026-13"},
    ):
        assert client.get(url, bad).status_code == 400


def test_the_staff_overview_lists_every_practitioner_and_company(
    client, staff_r2, practitioner_q, globex, visits
):
    client.force_login(staff_r2)
    html = client.get(reverse("metrics:staff"), MARCH).content.decode()
    assert "Paula Test" in html and "Quentin Test" in html
    assert "Acme" in html and "Globex" in html
    response = client.get(reverse("metrics:staff_practitioners_export"), MARCH)
    lines = response.content.decode().splitlines()
    assert lines[0] == "Praticien,E-mail,Consultations,Durée (minutes),Jours actifs"
    assert "Paula Test,psy.p@huntzen.test,2,75,2" in lines
    assert "Quentin Test,psy.q@huntzen.test,0,0,0" in lines
    response = client.get(reverse("metrics:staff_companies_export"), MARCH)
    lines = response.content.decode().splitlines()
    assert "Acme,2,75,2,1.0" in lines and "Globex,0,0,0,0.0" in lines


def test_staff_csv_cells_never_start_a_formula(client, staff_r2, acme):
    acme.name = "=HYPERLINK(1)"
    acme.save(update_fields=["name"])
    client.force_login(staff_r2)
    body = client.get(reverse("metrics:staff_companies_export"), MARCH).content.decode()
    assert "'=HYPERLINK(1)" in body


def _fill(model, days, **fields):
    model.objects.all().delete()
    model.objects.bulk_create(
        model(day=date(2026, 1, 1) + timedelta(days=i), **fields) for i in range(days)
    )


@pytest.mark.parametrize("days", [3, 300])
def test_dashboards_cost_the_same_with_3_or_300_days(
    client, practitioner_p, hr_acme, acme, staff_r2, days, django_assert_max_num_queries
):
    # Rollup rows straight in the tables: these tests are about the read, not the counting.
    _fill(
        PractitionerDay,
        days,
        practitioner=practitioner_p,
        consultations=2,
        total_duration_seconds=3000,
    )
    _fill(
        CompanyDay,
        days,
        company=acme,
        consultations=6,
        total_duration_seconds=9000,
        active_employees=6,
    )
    year = {"from": "2026-01-01", "to": "2026-12-31"}
    for user, url, limit in [
        (practitioner_p, reverse("metrics:my_practitioner"), 8),
        (hr_acme, reverse("metrics:my_company"), 10),
        (staff_r2, reverse("metrics:staff"), 10),
        (practitioner_p, reverse("metrics:practitioner_export", args=[practitioner_p.pk]), 8),
        (hr_acme, reverse("metrics:company_export", args=[acme.pk]), 8),
    ]:
        client.force_login(user)
        with django_assert_max_num_queries(limit):
            assert client.get(url, year).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_the_employee_counters_page_costs_the_same_for_3_or_30_employees(
    client, hr_acme, acme, count, django_assert_max_num_queries
):
    from metrics.models import EmployeeDay

    people = make_employees(acme, count)
    share(*people)
    # Rollup rows straight in the table: this test is about the read, not the counting.
    EmployeeDay.objects.bulk_create(
        EmployeeDay(
            company=acme,
            employee=p,
            day=date(2026, 3, 2),
            consultations=1,
            total_duration_seconds=600,
        )
        for p in people
    )
    client.force_login(hr_acme)
    with django_assert_max_num_queries(9):
        response = client.get(
            reverse("metrics:company_employees", args=[acme.pk]),
            {"from": "2026-03", "to": "2026-03"},
        )
    assert response.content.decode().count("<td>10</td>") == count
