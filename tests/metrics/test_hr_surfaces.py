"""Every surface HR reads company figures from, asked for every period one HR user can
ask for: the API, its CSV, the portal's CSV and the dashboard page. They agree with each
other, never show a day, and what they show together determines no withheld figure, no
day and no edge piece (tests/metrics/attacker.py solves the relations)."""

import random
import re
from datetime import date
from html import unescape

import pytest
from django.urls import reverse

from metrics.models import CompanyDay, EmployeeDay
from metrics.periods import Granularity, Period, calendar_month, iso_week
from tests.metrics.attacker import Observations, days_between, leaks, requests
from tests.metrics.helpers import make_employees, paris

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _unthrottled(monkeypatch):
    """The attacker asks for every period there is, far more than 100 requests a minute:
    the API's rate limit is not what this module tests."""
    monkeypatch.setattr(
        "huntzen.throttling.ApiRateThrottle.allow_request", lambda self, request, view: True
    )


FIRST, LAST = date(2026, 2, 1), date(2026, 4, 30)


@pytest.fixture
def world(acme, time_machine):
    """February to April 2026 at a small company: eight people, each with their habit.
    Rollup rows straight in the tables: this test is about what is read."""
    time_machine.move_to(paris(2026, 6, 15, 12))
    people = make_employees(acme, 8)
    rng = random.Random(11)
    habits = [0.5, 0.3, 0.2, 0.15, 0.1, 0.08, 0.05, 0.02]
    truth = {}
    for day in days_between(FIRST, LAST):
        who = [p for p, h in zip(people, habits, strict=True) if rng.random() < h]
        if not who:
            continue
        truth[day] = len(who)
        CompanyDay.objects.create(
            company=acme,
            day=day,
            consultations=len(who),
            total_duration_seconds=2700 * len(who),
            active_employees=len(who),
        )
        EmployeeDay.objects.bulk_create(
            EmployeeDay(
                company=acme, day=day, employee=p, consultations=1, total_duration_seconds=2700
            )
            for p in who
        )
    return truth


def period_of(label: str) -> Period:
    if "-W" in label:
        year, week = label.split("-W")
        return iso_week(date.fromisocalendar(int(year), int(week), 1))
    if re.fullmatch(r"\d{4}-\d{2}", label):
        return calendar_month(date.fromisoformat(f"{label}-01"))
    raise AssertionError(f"a label finer than a week reached HR: {label}")


def value(text: str):
    text = unescape(text).strip()
    return int(text) if text.isdigit() else text


def read_api(client, acme, params):
    body = client.get(reverse("api-metrics-company", args=[acme.pk]), params).json()
    buckets = {b["label"]: b["consultations"] for b in body["buckets"]}
    return buckets, body["consultations"]


def read_csv(client, url, params):
    lines = client.get(url, params).content.decode().split("\n")
    assert lines[0] == "Date,Consultations,Durée (minutes)" and lines[-2] == ""
    buckets = {line.split(",")[0]: value(line.split(",")[1]) for line in lines[1:-2]}
    total = lines[-1].split(",")[1]
    return buckets, value(total) if total else None


def read_page(client, acme, params):
    html = client.get(reverse("metrics:company", args=[acme.pk]), params).content.decode()
    rows = re.findall(
        r'<tr data-bucket="([^"]+)">.*?<td data-figure="consultations"[^>]*>([^<]*)</td>',
        html,
        re.S,
    )
    total = re.search(r'<dd data-figure="consultations">([^<]*)</dd>', html)
    return {label: value(v) for label, v in rows}, value(total[1]) if total else None


def test_no_surface_lets_hr_compute_a_withheld_figure_or_a_day(
    client, api_client, hr_acme, acme, world
):
    api_client.force_authenticate(hr_acme)
    client.force_login(hr_acme)
    seen = Observations()
    for granularity in (Granularity.MONTH, Granularity.WEEK):
        for period in requests(FIRST, LAST, granularity):
            params = {
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
                "granularity": granularity,
            }
            readings = [
                read_api(api_client, acme, params),
                read_csv(api_client, reverse("api-metrics-company-export", args=[acme.pk]), params),
                read_csv(client, reverse("metrics:company_export", args=[acme.pk]), params),
                read_page(client, acme, params),
            ]
            buckets, total = readings[0]
            assert all(reading == (buckets, total) for reading in readings), params
            shown = []
            for label, figure in buckets.items():
                bucket = period_of(label)
                seen.bucket(bucket, figure)
                if isinstance(figure, int):
                    assert figure == sum(world.get(d, 0) for d in bucket.dates())
                    shown.extend(bucket.dates())
            if isinstance(total, int):
                seen.figure(shown, total)
    small = {p for p in seen.seen if seen.seen[p] == {"< 5"}}
    assert seen.withheld and len(seen.shown) > 5  # the world shows some and withholds some
    assert all(len(readings) == 1 for readings in seen.seen.values())
    days = sorted({d for p in seen.seen for d in p.dates()})
    assert leaks(seen, days=days, small=small) == []
