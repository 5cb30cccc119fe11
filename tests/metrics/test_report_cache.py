"""HR's cached company figures (metrics.report_cache): a cached answer is byte for byte
the computed one, every change that can alter a figure shows on the very next request
(also when Redis was down meanwhile), and the cache serves no one the gate refuses."""

import json
import time

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache, caches
from django.db.models import F
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from companies.services import company_update
from consultations.models import Consultation
from metrics import report_cache
from metrics.services import counters_rebuild
from tests.consultations.factories import completed
from tests.metrics.helpers import make_employees, paris

pytestmark = pytest.mark.django_db

MAY = {"from": "2026-05-01", "to": "2026-05-31"}
YEAR = {"from": "2026-01-01", "to": "2026-12-31"}


@pytest.fixture(autouse=True)
def june(time_machine):
    """May 2026 is over and published; June is not."""
    time_machine.move_to(paris(2026, 6, 15, 12))


@pytest.fixture(autouse=True)
def _nothing_kept_in_this_process():
    report_cache.recent.clear()


@pytest.fixture
def people(acme):
    return make_employees(acme, 6)


@pytest.fixture
def may(people, practitioner_p):
    """Six people consulted once each in May (45 min): the month is shown."""
    for day, person in enumerate(people, start=4):
        completed(person, practitioner_p, at=paris(2026, 5, day, 10))


def api(user, company, params=MAY, *, export=False):
    client = APIClient()
    client.force_authenticate(user)
    name = "api-metrics-company-export" if export else "api-metrics-company"
    return client.get(reverse(name, args=[company.pk]), params)


def page(user, params=MAY, *, language="fr", company=None):
    client = Client()
    client.force_login(user)
    path = reverse("metrics:company", args=[company.pk]) if company else "/metrics/company/"
    response = client.get(path, params, headers={"accept-language": language})
    return response.status_code, main(response)


def main(response) -> str:
    """The page's own content (the rest carries the request's nonce and token)."""
    html = response.content.decode()
    if "<main" not in html:
        return html
    return html[html.index("<main") : html.index("</main>")]


def may_consultations(user, company):
    return api(user, company).json()["buckets"][0]["consultations"]


def surfaces(user, company):
    """Everything HR reads: the API by month and by week, its CSV, the page in French
    and in English."""
    week = {**YEAR, "granularity": "week"}
    return [
        api(user, company).content,
        api(user, company, week).content,
        api(user, company, YEAR, export=True).content,
        api(user, company, week, export=True).content,
        page(user),
        page(user, week),
        page(user, language="en"),
        page(user, week, language="en"),
    ]


def test_a_cached_answer_is_the_computed_one_byte_for_byte(hr_acme, acme, may):
    computed = surfaces(hr_acme, acme)
    cached = surfaces(hr_acme, acme)
    cache.clear()
    report_cache.recent.clear()
    assert cached == computed == surfaces(hr_acme, acme)
    assert b'"consultations":6' in computed[0]


def test_an_answer_is_kept_per_media_type(hr_acme, acme, may):
    client = APIClient()
    client.force_authenticate(hr_acme)
    url = reverse("api-metrics-company", args=[acme.pk])
    plain = client.get(url, MAY).content
    indented = client.get(url, MAY, headers={"accept": "application/json; indent=4"}).content

    assert indented != plain
    assert json.loads(indented) == json.loads(plain)
    assert client.get(url, MAY).content == plain
    assert client.get(url, MAY, headers={"accept": "application/json; indent=4"}).content == (
        indented
    )


def test_french_and_english_pages_are_kept_apart(hr_acme, acme, may):
    assert page(hr_acme)[1] != page(hr_acme, language="en")[1]
    assert "Consultations par mois" in page(hr_acme)[1]
    assert "Consultations par mois" not in page(hr_acme, language="en")[1]


def test_a_consultation_counted_shows_on_the_next_request(
    hr_acme, acme, may, people, practitioner_p
):
    assert may_consultations(hr_acme, acme) == 6
    before = page(hr_acme)
    completed(people[0], practitioner_p, at=paris(2026, 5, 20, 10))
    assert may_consultations(hr_acme, acme) == 7
    after = page(hr_acme)
    assert 'data-figure="consultations">7<' in after[1]
    assert after != before


def test_a_rebuild_shows_on_the_next_request(hr_acme, acme, may):
    assert api(hr_acme, acme).json()["totalDurationMinutes"] == 6 * 45
    # A correction made beside the services, then the rollups rebuilt from it.
    Consultation.objects.update(duration_seconds=F("duration_seconds") + 600)
    assert api(hr_acme, acme).json()["totalDurationMinutes"] == 6 * 45  # not counted yet
    counters_rebuild()
    assert api(hr_acme, acme).json()["totalDurationMinutes"] == 6 * 55


def test_seats_and_allowance_show_on_the_next_request(hr_acme, acme, staff_r2, may):
    company_update(actor=staff_r2, company=acme, data={"yearly_allowance_per_employee": 4})
    before = api(hr_acme, acme).json()["allowanceUsedPercent"]
    page_before = page(hr_acme)
    company_update(actor=staff_r2, company=acme, data={"seats": 100})
    after = api(hr_acme, acme).json()["allowanceUsedPercent"]
    assert after < before
    assert page(hr_acme) != page_before
    company_update(actor=staff_r2, company=acme, data={"yearly_allowance_per_employee": 0})
    assert api(hr_acme, acme).json()["allowanceUsedPercent"] is None


def test_the_company_name_shows_on_the_next_request(hr_acme, acme, staff_r2, may):
    assert "Usage du service – Acme" in page(hr_acme)[1]
    company_update(actor=staff_r2, company=acme, data={"name": "Acme Europe"})
    assert "Usage du service – Acme Europe" in page(hr_acme)[1]


def test_a_month_over_is_published_on_the_next_request(
    hr_acme, acme, may, people, practitioner_p, time_machine
):
    for day, person in enumerate(people, start=8):
        completed(person, practitioner_p, at=paris(2026, 6, day, 10))
    june_may = {"from": "2026-05-01", "to": "2026-06-30"}
    assert [b["label"] for b in api(hr_acme, acme, june_may).json()["buckets"]] == ["2026-05"]
    assert "Juin 2026" not in page(hr_acme, june_may)[1]
    assert "Juin 2026" not in page(hr_acme, {})[1]
    time_machine.move_to(paris(2026, 7, 1, 0, 5))
    body = api(hr_acme, acme, june_may).json()
    assert [b["label"] for b in body["buckets"]] == ["2026-05", "2026-06"]
    assert body["period"]["publishedUntil"] == "2026-06-30"
    assert "Juin 2026" in page(hr_acme, june_may)[1]
    # The default period moves with the date too: the year of the last month published.
    assert "Juin 2026" in page(hr_acme, {})[1]


def test_the_threshold_shows_on_the_next_request(hr_acme, acme, may, settings):
    assert may_consultations(hr_acme, acme) == 6
    settings.HUNTZEN_MIN_GROUP_SIZE = 10
    assert may_consultations(hr_acme, acme) == "< 10"
    assert "&lt; 10" in page(hr_acme)[1]


def test_the_readers_links_show_on_the_next_request(hr_acme, acme, may):
    export = reverse("metrics:company_export", args=[acme.pk])
    assert export in page(hr_acme)[1]
    Group.objects.get(name=Role.COMPANY_RH).permissions.remove(
        Permission.objects.get(codename="exports_metrics_company")
    )
    hr_acme.refresh_from_db()
    status, html = page(hr_acme)
    assert status == 200
    assert export not in html


@pytest.mark.redis
def test_a_change_while_redis_is_down_shows_once_it_is_back(
    hr_acme, acme, may, people, practitioner_p
):
    """The generation lives in PostgreSQL: a count made while Redis was away is a new key
    for every process, whatever Redis still holds from before."""
    assert may_consultations(hr_acme, acme) == 6
    outage = caches["default"]._outage
    outage.until = time.monotonic() + 60
    try:
        completed(people[0], practitioner_p, at=paris(2026, 5, 20, 10))
        assert may_consultations(hr_acme, acme) == 7  # computed, kept in this process
    finally:
        outage.until = 0.0
    report_cache.recent.clear()  # as another process, which only has Redis
    assert may_consultations(hr_acme, acme) == 7  # Redis back: its entry is of before


def test_the_cached_answer_serves_no_one_the_gate_refuses(
    hr_acme, hr_globex, acme, may, employee_a, practitioner_p, staff_r2
):
    assert api(hr_acme, acme).status_code == 200
    assert page(hr_acme)[0] == 200
    assert api(hr_globex, acme).status_code == 404
    assert page(hr_globex, company=acme)[0] == 404
    for outsider in (employee_a, practitioner_p):
        assert api(outsider, acme).status_code == 403
        assert page(outsider, company=acme)[0] == 403
    # HuntZen staff read exact figures, computed for them (distinct employees too).
    staff = api(staff_r2, acme, {**MAY, "granularity": "month"}).json()
    assert staff["activeUsers"] == 6
    assert staff["period"]["publishedUntil"] is None


def test_a_process_keeps_its_last_entries_only():
    recent = report_cache._Recent(2)
    recent.put("a", 1)
    recent.put("b", 2)
    assert recent.get("a") == 1  # now the most recent
    recent.put("c", 3)
    assert (recent.get("a"), recent.get("b"), recent.get("c")) == (1, None, 3)
