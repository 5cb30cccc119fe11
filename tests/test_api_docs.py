"""/api/schema/ and /api/docs/: public or staff-only (HUNTZEN_API_DOCS)."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

pytestmark = pytest.mark.django_db

DOCS = [reverse("api-schema"), reverse("api-docs")]
STAFF = ["staff_r2", "operator_r1", "superuser"]
OTHERS = ["employee_a", "practitioner_p", "hr_acme"]


@pytest.fixture
def staff_only(settings):
    settings.HUNTZEN_API_DOCS = "staff"


def _get(client, url):
    return client.get(url, HTTP_ACCEPT="application/json" if "schema" in url else "text/html")


@pytest.mark.parametrize("url", DOCS)
def test_anonymous_is_refused_when_staff_only(client, staff_only, url):
    response = _get(client, url)
    assert response.status_code in (401, 403)
    assert b"/api/v1/medical" not in response.content


@pytest.mark.parametrize("url", DOCS)
@pytest.mark.parametrize("who", OTHERS)
def test_every_other_role_is_refused_when_staff_only(client, cast, staff_only, who, url):
    client.force_login(cast[who])
    response = _get(client, url)
    assert response.status_code == 403
    assert b"/api/v1/medical" not in response.content


@pytest.mark.parametrize("url", DOCS)
@pytest.mark.parametrize("who", STAFF)
def test_staff_read_the_docs_when_staff_only(client, cast, staff_only, who, url):
    client.force_login(cast[who])
    assert _get(client, url).status_code == 200


def test_staff_read_the_schema_with_a_bearer_token_too(api_client, staff_r2, staff_only):
    api_client.force_authenticate(staff_r2)
    response = api_client.get(reverse("api-schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/v1/medical/journal" in response.json()["paths"]


def test_staff_who_must_enrol_mfa_are_refused_until_they_do(client, staff_r2, staff_only, settings):
    settings.HUNTZEN_MFA_REQUIRED_ROLES = ["R2_HUNTZEN_ADMIN"]
    client.force_login(staff_r2)
    assert _get(client, reverse("api-schema")).status_code == 403
    TOTP.activate(staff_r2, generate_totp_secret())
    assert _get(client, reverse("api-schema")).status_code == 200


@pytest.mark.parametrize("url", DOCS)
def test_anonymous_reads_them_when_public(client, settings, url):
    settings.HUNTZEN_API_DOCS = "public"
    assert _get(client, url).status_code == 200


def test_production_defaults_to_staff_only_and_refuses_nonsense():
    import os
    import subprocess
    import sys

    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'huntzen.settings'); "
        "django.setup(); from django.conf import settings; print(settings.HUNTZEN_API_DOCS)"
    )
    base = {k: v for k, v in os.environ.items() if k != "HUNTZEN_API_DOCS"}
    production = {
        **base,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "care.example.com",
        "HUNTZEN_HTTPS": "false",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=production, capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "staff", result.stderr
    debug = {**base, "DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=debug, capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "public", result.stderr
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**debug, "HUNTZEN_API_DOCS": "everyone"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "HUNTZEN_API_DOCS" in result.stderr
