"""How people reach the metrics pages: nav, home cards, the admin index."""

import pytest
from django.urls import reverse

from tests.consultations.factories import completed
from tests.metrics.helpers import make_employees, paris

pytestmark = pytest.mark.django_db


def test_the_admin_index_links_to_the_staff_view(client, staff_r2):
    client.force_login(staff_r2)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert reverse("metrics:staff") in response.content.decode()


@pytest.mark.parametrize(
    "role, url_name",
    [
        ("hr_acme", "metrics:my_company"),
        ("practitioner_p", "metrics:my_practitioner"),
        ("staff_r2", "metrics:staff"),
    ],
)
def test_the_nav_shows_each_role_its_own_counters(client, cast, role, url_name):
    client.force_login(cast[role])
    page = client.get(reverse("metrics:staff" if role == "staff_r2" else url_name)).content
    nav = page.decode().split("</nav>")[0]
    assert f'href="{reverse(url_name)}"' in nav
    others = {"metrics:my_company", "metrics:my_practitioner", "metrics:staff"} - {url_name}
    for other in others:
        assert f'href="{reverse(other)}"' not in nav


def test_employees_get_no_metrics_link(client, employee_a):
    client.force_login(employee_a)
    page = client.get(reverse("accounts:employee_home")).content.decode()
    assert "/metrics/" not in page


def test_the_practitioner_home_card_shows_this_months_count(
    client, practitioner_p, employee_a, time_machine
):
    time_machine.move_to(paris(2026, 3, 20, 12))
    completed(employee_a, practitioner_p, at=paris(2026, 3, 2, 9), minutes=40)
    client.force_login(practitioner_p)
    page = client.get(reverse("accounts:practitioner_home")).content.decode()
    assert 'id="card-metrics-title"' in page
    assert "40 minutes au total" in page


def test_the_hr_home_card_shows_the_last_month_published_withheld_when_small(
    client, hr_acme, employee_a, practitioner_p, time_machine
):
    time_machine.move_to(paris(2026, 4, 20, 12))
    completed(employee_a, practitioner_p, at=paris(2026, 3, 2, 9))
    completed(employee_a, practitioner_p, at=paris(2026, 4, 2, 9))  # April is not over
    client.force_login(hr_acme)
    page = client.get(reverse("accounts:hr_home")).content.decode()
    assert 'id="card-metrics-title"' in page
    assert '<span class="figure">&lt; 5</span> consultations en mars 2026' in page


def test_the_hr_home_card_reads_what_the_dashboard_shows(
    client, hr_acme, acme, practitioner_p, time_machine
):
    time_machine.move_to(paris(2026, 4, 20, 12))
    for i, person in enumerate(make_employees(acme, 5)):
        completed(person, practitioner_p, at=paris(2026, 3, 2, 8 + i))
    client.force_login(hr_acme)
    page = client.get(reverse("accounts:hr_home")).content.decode()
    assert '<span class="figure">5</span> consultations en mars 2026' in page
