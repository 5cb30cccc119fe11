"""Medical fixtures, built through the real services (consultations and medical)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from medical import services
from tests.consultations.factories import book, completed

ROLES = [
    "employee_a",
    "employee_b",
    "employee_c",
    "practitioner_p",
    "practitioner_q",
    "hr_acme",
    "hr_globex",
    "staff_r2",
    "operator_r1",
    "superuser",
]
BARRED = ["hr_acme", "hr_globex", "staff_r2", "operator_r1", "superuser"]
CANARY = "CANARY-7f3e9b1c-secret-médical"


def past(days=3, hour=10):
    return (timezone.now() - timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


@pytest.fixture
def consultation(employee_a, practitioner_p):
    """A completed consultation between employee A and practitioner P."""
    return completed(employee_a, practitioner_p, at=past())


@pytest.fixture
def scheduled(employee_a, practitioner_p):
    return book(employee_a, practitioner_p)


@pytest.fixture
def note(consultation, practitioner_p):
    return services.note_create(
        author=practitioner_p,
        consultation=consultation,
        reason="Stress au travail",
        observations="Sommeil perturbé depuis trois semaines.",
        plan="Revoir dans quinze jours.",
    )


@pytest.fixture
def entry(employee_a):
    return services.journal_entry_create(
        owner=employee_a, mood=2, text="Journée difficile.", entry_date=timezone.localdate()
    )


@pytest.fixture
def entry_b(employee_b):
    return services.journal_entry_create(owner=employee_b, mood=4, text="Bonne journée.")


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def api_as(api_client):
    def _as(user):
        api_client.force_authenticate(user)
        return api_client

    return _as
