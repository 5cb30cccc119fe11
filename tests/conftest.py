"""The fixed cast (STYLE.md rule 11), built through the real services.

employee A and B (Acme), employee C (Globex), practitioners P and Q, HR of Acme and of
Globex, staff R2, operator R1 and a superuser. Every password is PASSWORD.
"""

import os

import pytest
from django.conf import settings

from accounts.models import Role
from accounts.services import user_create
from companies.services import company_activate, company_create

# Browser fixtures (browser, page, sign_in): Playwright + chromium on the live server.
pytest_plugins = ["tests.browser_support"]

PASSWORD = "correct-horse-battery-staple-2026"

ACME_SIRET = "73282932000074"
GLOBEX_SIRET = "55212032000015"


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres/redis must run, not skip, in CI (CI=true)."""
    in_ci = os.environ.get("CI", "").lower() == "true"
    has_pg = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_redis = bool(settings.REDIS_URL)
    for item in items:
        if "postgres" in item.keywords and not has_pg:
            if in_ci:
                raise pytest.UsageError("CI=true but DATABASE_URL is not PostgreSQL.")
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL (PostgreSQL)"))
        if "redis" in item.keywords and not has_redis:
            if in_ci:
                raise pytest.UsageError("CI=true but REDIS_URL is not set.")
            item.add_marker(pytest.mark.skip(reason="needs REDIS_URL"))


@pytest.fixture(scope="session", autouse=True)
def _no_connection_left_on_the_test_database(django_db_setup, django_db_blocker):
    """Runs before the test database is dropped: the servers and thread pools some tests
    start (daphne, channels' database_sync_to_async, racing threads) may leave idle
    connections on it, and DROP DATABASE would wait for them. Close them first."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    connection.close()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The cast hashes ten passwords per test: PBKDF2 would make the suite take half an
    hour. Password checks still run through Django's hasher machinery."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache: each test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def acme(db):
    return company_activate(
        company=company_create(
            name="Acme", siret=ACME_SIRET, contact_email="contact@acme.test", seats=50
        )
    )


@pytest.fixture
def globex(db):
    return company_activate(
        company=company_create(
            name="Globex", siret=GLOBEX_SIRET, contact_email="contact@globex.test", seats=50
        )
    )


def _user(email, role, company=None, **extra):
    return user_create(
        email=email,
        role=role,
        company=company,
        password=PASSWORD,
        first_name=extra.pop("first_name", email.split("@")[0].title()),
        last_name=extra.pop("last_name", "Test"),
        email_verified=True,
        **extra,
    )


@pytest.fixture
def employee_a(acme):
    return _user("alice@acme.test", Role.EMPLOYEE, acme, first_name="Alice")


@pytest.fixture
def employee_b(acme):
    return _user("bob@acme.test", Role.EMPLOYEE, acme, first_name="Bob")


@pytest.fixture
def employee_c(globex):
    return _user("carol@globex.test", Role.EMPLOYEE, globex, first_name="Carol")


@pytest.fixture
def practitioner_p(staff_r2):
    user = _user("psy.p@huntzen.test", Role.PRACTITIONER, first_name="Paula")
    _practitioner_profile(
        staff_r2,
        user,
        profession="psychologist",
        registration_number="759300001",
        specialties=["stress", "burnout", "anxiety"],
        languages=["fr", "en"],
    )
    return user


@pytest.fixture
def practitioner_q(staff_r2):
    user = _user("psy.q@huntzen.test", Role.PRACTITIONER, first_name="Quentin")
    _practitioner_profile(
        staff_r2,
        user,
        profession="psychiatrist",
        registration_number="10009876540",
        specialties=["depression", "sleep"],
        languages=["fr"],
    )
    return user


def _practitioner_profile(staff, user, **profile):
    """An active directory profile, attached by staff through the real service."""
    from companies.services import practitioner_create

    return practitioner_create(actor=staff, email=user.email, **profile)


@pytest.fixture
def hr_acme(acme):
    return _user("rh@acme.test", Role.COMPANY_RH, acme)


@pytest.fixture
def hr_globex(globex):
    return _user("rh@globex.test", Role.COMPANY_RH, globex)


@pytest.fixture
def staff_r2(db):
    return _user("admin@huntzen.test", Role.HUNTZEN_ADMIN)


@pytest.fixture
def operator_r1(db):
    return _user("super@huntzen.test", Role.PSG_SUPER)


@pytest.fixture
def superuser(db):
    from accounts.models import User

    user = User.objects.create_superuser(email="root@huntzen.test", password=PASSWORD)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


@pytest.fixture
def cast(
    employee_a,
    employee_b,
    employee_c,
    practitioner_p,
    practitioner_q,
    hr_acme,
    hr_globex,
    staff_r2,
    operator_r1,
    superuser,
):
    """Everybody, by name, for tests that walk every role."""
    return {
        "employee_a": employee_a,
        "employee_b": employee_b,
        "employee_c": employee_c,
        "practitioner_p": practitioner_p,
        "practitioner_q": practitioner_q,
        "hr_acme": hr_acme,
        "hr_globex": hr_globex,
        "staff_r2": staff_r2,
        "operator_r1": operator_r1,
        "superuser": superuser,
    }


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
