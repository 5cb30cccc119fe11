"""SQL queries per request of every endpoint that bench/api.py measures, pinned: the same
count with a few rows or with many (no N+1), and no query for the signed-in user, its
session or its role's permissions once they are cached (accounts/auth_cache.py).

The sessions are read from the database (one query per request, as in production: see
huntzen/settings.py for why not `cached_db`), so the counts are the same with or without
REDIS_URL."""

import json
from datetime import date, time, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from companies import directory
from consultations import selectors, services, slots_cache
from consultations.models import Consultation
from medical import services as medical_services
from tests.conftest import PASSWORD
from tests.consultations.conftest import open_weekdays
from tests.consultations.factories import book, completed

pytestmark = pytest.mark.django_db

LOGIN = "/_allauth/app/v1/auth/login"


@pytest.fixture(autouse=True)
def production_caching(settings):
    settings.HUNTZEN_AUTH_CACHE_SECONDS = 60
    settings.SESSION_ENGINE = "accounts.sessions"


def bearer(user) -> dict:
    response = Client().post(
        LOGIN,
        json.dumps({"email": user.email, "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['meta']['access_token']}"}


def portal(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def queries_of(django_assert_num_queries, expected, request):
    """`request()` once to warm the caches, then again with exactly `expected` queries."""
    assert request().status_code in (200, 201), request().content
    with django_assert_num_queries(expected):
        response = request()
    assert response.status_code in (200, 201), response.content
    return response


def past(days: int, hour: int = 10):
    local = timezone.localtime() - timedelta(days=days)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def test_me(django_assert_num_queries, employee_a):
    auth = bearer(employee_a)
    queries_of(django_assert_num_queries, 1, lambda: Client().get("/api/v1/auth/me", **auth))


@pytest.mark.parametrize("extra", [0, 8])
def test_my_consultations(django_assert_num_queries, employee_a, practitioner_p, extra):
    # Weekdays only, so that every booking below has its slot: 3 or 11 consultations.
    days = [d for d in range(2, 40) if past(d).weekday() < 5][: 3 + extra]
    for n in days:
        completed(employee_a, practitioner_p, at=past(n))
    auth = bearer(employee_a)
    # The session, the page with its total (COUNT(*) OVER ()).
    response = queries_of(
        django_assert_num_queries, 2, lambda: Client().get("/api/v1/consultations/my", **auth)
    )
    assert response.json()["count"] == 3 + extra
    paged = queries_of(
        django_assert_num_queries,
        2,
        lambda: Client().get("/api/v1/consultations/my?pageSize=2&page=2", **auth),
    )
    assert len(paged.json()["results"]) == min(2, 1 + extra)


@pytest.mark.postgres  # the pinned path: PostgreSQL's arrays (SQLite falls back to the ORM)
@pytest.mark.parametrize("more", [0, 12])
def test_practitioners(django_assert_num_queries, employee_a, practitioner_p, staff_r2, more):
    from companies.services import practitioner_create

    for n in range(more):
        practitioner_create(
            actor=staff_r2,
            email=f"coach{n}@huntzen.test",
            profession="coach",
            languages=["fr", "en"],
            specialties=["stress", "sleep"][: n % 3],
        )
    auth = bearer(employee_a)
    # The session only: the directory is cached (companies/directory.py).
    response = queries_of(
        django_assert_num_queries, 1, lambda: Client().get("/api/v1/practitioners", **auth)
    )
    assert response.json()["count"] == 1 + more
    # Cold: the session, the profiles with their codes as arrays (the page is sliced).
    cache.delete(directory.GENERATION_KEY)
    with django_assert_num_queries(2):
        assert Client().get("/api/v1/practitioners", **auth).json()["count"] == 1 + more


@pytest.mark.postgres  # the pinned path: one LATERAL statement (SQLite falls back to the ORM)
@pytest.mark.parametrize("booked", [0, 3])
def test_slots(django_assert_num_queries, employee_a, employee_b, practitioner_p, booked):
    open_weekdays(practitioner_p)
    start = timezone.localdate() + timedelta(days=1)
    for n in range(booked):
        book(
            employee_b,
            practitioner_p,
            at=past(-7 - n, hour=9) if past(-7 - n).weekday() < 5 else past(-10 - n, hour=9),
        )
    auth = bearer(employee_a)
    path = (
        f"/api/v1/practitioners/{practitioner_p.pk}/slots?from={start}"
        f"&to={start + timedelta(days=27)}"
    )
    # The session only: the answer is cached (consultations/slots_cache.py).
    queries_of(django_assert_num_queries, 1, lambda: Client().get(path, **auth))
    # Cold: the session, the profile (its access function), the availability with its
    # hours, exceptions and bookings.
    slots_cache.slots_changed(practitioner_p.pk)
    with django_assert_num_queries(3):
        assert Client().get(path, **auth).status_code == 200


@pytest.mark.parametrize("entries", [3, 12])
def test_journal(django_assert_num_queries, employee_a, entries):
    for n in range(entries):
        medical_services.journal_entry_create(
            owner=employee_a, mood=3, text=f"Jour {n}", entry_date=date.today() - timedelta(n)
        )
    auth = bearer(employee_a)
    # The session, the access-log row, the page with its count (one statement).
    queries_of(
        django_assert_num_queries, 3, lambda: Client().get("/api/v1/medical/journal", **auth)
    )


@pytest.mark.parametrize("entries", [3, 12, 40])
def test_journal_page(django_assert_num_queries, employee_a, entries):
    for n in range(entries):
        medical_services.journal_entry_create(
            owner=employee_a, mood=3, text=f"Jour {n}", entry_date=date.today() - timedelta(n)
        )
    client = portal(employee_a)
    # The session, the access-log row, the page, its count and the chart's days in one
    # statement (medical.selectors.journal_page).
    queries_of(django_assert_num_queries, 3, lambda: client.get("/journal/"))


def test_company_metrics_api_and_dashboard_page(
    django_assert_num_queries, hr_acme, acme, employee_a, practitioner_p
):
    completed(employee_a, practitioner_p, at=past(40))
    auth = bearer(hr_acme)
    today = date.today().replace(day=1)
    first = (today - timedelta(days=200)).replace(day=1)
    path = f"/api/v1/metrics/companies/{acme.pk}?from={first}&to={today - timedelta(days=1)}"
    # The session and the company with its counters' generation; HR's figures are cached
    # under it (metrics.report_cache): a miss adds the company's days.
    queries_of(django_assert_num_queries, 2, lambda: Client().get(path, **auth))
    client = portal(hr_acme)
    queries_of(django_assert_num_queries, 2, lambda: client.get("/metrics/company/"))
    with django_assert_num_queries(3):  # weeks: not cached yet
        assert Client().get(f"{path}&granularity=week", **auth).status_code == 200
    with django_assert_num_queries(3):
        assert client.get("/metrics/company/?granularity=week").status_code == 200


def write_queries(django_assert_num_queries, expected, auth, path, body=None):
    """One write, after a read that warmed the user's caches."""
    assert Client().get("/api/v1/auth/me", **auth).status_code == 200
    with django_assert_num_queries(expected):
        response = Client().post(
            path, json.dumps(body or {}), content_type="application/json", **auth
        )
    assert response.status_code in (200, 201), response.content
    return response


@pytest.fixture
def p_every_day(practitioner_p):
    services.availability_update(actor=practitioner_p, length_minutes=50, buffer_minutes=10)
    services.weekly_hours_set(
        actor=practitioner_p, openings=[(day, time(0), time(23, 59)) for day in range(7)]
    )
    return practitioner_p


@pytest.mark.postgres  # the embedded SQLite reads the hours in four queries, not one
def test_book(django_assert_num_queries, employee_a, p_every_day):
    now = timezone.now()
    slot = selectors.practitioner_slots(
        practitioner=p_every_day, start=now, end=now + timedelta(days=3)
    )[0]
    body = {
        "practitionerId": str(p_every_day.pk),
        "scheduledAt": slot.start.isoformat(),
        "type": "video",
    }
    # 6: the session, the locks with the practitioner's row, the employee's company and
    # both participants' addresses (one statement), the availability with its hours and both
    # sides' live consultations (one statement), the booking with its grants, history
    # and both emails' outbox rows (rendered at delivery): one statement; BEGIN and
    # COMMIT.
    write_queries(django_assert_num_queries, 6, bearer(employee_a), "/api/v1/consultations", body)
    assert Consultation.objects.filter(employee=employee_a, scheduled_at=slot.start).exists()


@pytest.mark.postgres  # as test_book
def test_book_with_an_idempotency_key_and_its_replay(
    django_assert_num_queries, employee_a, p_every_day
):
    now = timezone.now()
    slot = selectors.practitioner_slots(
        practitioner=p_every_day, start=now, end=now + timedelta(days=3)
    )[0]
    body = {
        "practitionerId": str(p_every_day.pk),
        "scheduledAt": slot.start.isoformat(),
        "type": "video",
    }
    auth = {**bearer(employee_a), "HTTP_IDEMPOTENCY_KEY": "one-booking"}
    # 8: test_book's 6, the key's row inserted unless known (one statement, no
    # savepoint around it) and the answer kept in it.
    first = write_queries(django_assert_num_queries, 8, auth, "/api/v1/consultations", body)
    # The retry: the session, then BEGIN, the key (known: nothing inserted), the kept
    # answer read, COMMIT.
    again = write_queries(django_assert_num_queries, 5, auth, "/api/v1/consultations", body)
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content


def test_cancel(django_assert_num_queries, employee_a, p_every_day):
    consultation = book(employee_a, p_every_day)
    # 5 on PostgreSQL: the session, the consultation locked with the permissions its
    # participant holds on it and both participants' addresses (one statement; three
    # elsewhere), the update with its history row and both emails' outbox rows (one
    # statement; three elsewhere); BEGIN and COMMIT.
    write_queries(
        django_assert_num_queries,
        5 if connection.vendor == "postgresql" else 9,
        bearer(employee_a),
        f"/api/v1/consultations/{consultation.pk}/cancel",
        {"reason": "Un empêchement."},
    )


def test_start_and_end(django_assert_num_queries, employee_a, p_every_day):
    soon = (timezone.now() + timedelta(minutes=5)).replace(second=0, microsecond=0)
    consultation = book(employee_a, p_every_day, at=soon)
    auth = bearer(p_every_day)
    path = f"/api/v1/consultations/{consultation.pk}"
    postgresql = connection.vendor == "postgresql"
    # 5 on PostgreSQL: the session, the consultation locked with the permissions its
    # participant holds on it (one statement; two elsewhere), the update with its
    # history row (one statement; two elsewhere); BEGIN and COMMIT.
    write_queries(django_assert_num_queries, 5 if postgresql else 7, auth, path + "/start")
    # 6 on PostgreSQL: the same three, and the counting in one statement (its marker,
    # three daily rows and the company's counters generation: metrics.services);
    # elsewhere the permissions' query, and the counting in five statements.
    write_queries(django_assert_num_queries, 6 if postgresql else 12, auth, path + "/end")
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.COMPLETED
