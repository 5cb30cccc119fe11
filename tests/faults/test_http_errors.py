"""What a fault costs an HTTP client (F9): an outage answers 503 with Retry-After, a bug
our own 500; JSON in the API's error body on the API and allauth headless, a short page
of ours on the portals; never Django's "Server Error (500)". huntzen.errors.server_error."""

import logging

import pytest
from django.db import OperationalError
from django.test import Client

from accounts.sessions import SessionStore  # the project's SESSION_ENGINE

pytestmark = [pytest.mark.faults, pytest.mark.django_db, pytest.mark.urls("tests.faults.urls_boom")]


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_a_bug_on_the_api_answers_the_api_error_body_not_html(client):
    response = client.get("/api/v1/test-bug/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "server_error"
    assert body["message"]
    assert "Retry-After" not in response


def test_a_bug_on_a_portal_page_answers_our_page(client):
    response = client.get("/test-bug/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Server Error (500)" not in html
    assert "Erreur interne" in html
    assert "3114" in html  # the crisis numbers stay in sight


def test_the_database_down_on_the_api_answers_503_json_with_retry_after(client):
    response = client.get("/api/v1/test-database-down/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "unavailable",
        "message": "Le service est momentanément indisponible. Réessayez dans quelques instants.",
    }
    assert response["Retry-After"] == "10"


def test_the_api_message_follows_the_language(client):
    response = client.get("/api/v1/test-database-down/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response.json()["message"] == (
        "The service is temporarily unavailable. Try again in a few moments."
    )


def test_the_database_down_on_a_portal_page_answers_our_503_page(client, settings):
    settings.HUNTZEN_RETRY_AFTER_SECONDS = 7
    response = client.get("/test-database-down/")
    assert response.status_code == 503
    assert response["Retry-After"] == "7"
    html = response.content.decode()
    assert "Service momentanément indisponible" in html
    assert "Réessayez dans 7 secondes." in html
    english = client.get("/test-database-down/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Service temporarily unavailable" in english.content.decode()
    assert "Try again in 7 seconds." in english.content.decode()


def test_the_database_failing_inside_a_middleware_answers_503_too(client, monkeypatch):
    """The session is read by middleware, before any view: its failure is caught as well."""

    def unreachable(self):
        raise OperationalError("connection failed: Connection refused")

    monkeypatch.setattr(SessionStore, "load", unreachable)
    client.cookies["sessionid"] = "a" * 32
    portal = client.get("/")
    assert portal.status_code == 503
    assert "Service momentanément indisponible" in portal.content.decode()
    api = client.get("/api/v1/consultations/")
    assert (api.status_code, api.json()["code"]) == (503, "unavailable")
    headless = client.get("/_allauth/app/v1/auth/session")
    assert (headless.status_code, headless.json()["code"]) == (503, "unavailable")


def test_an_outage_is_one_log_line_per_request_not_a_traceback(client, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        client.get("/api/v1/test-database-down/")
        client.get("/test-bug/")
    outage, bug = [r for r in caplog.records if r.name == "django.request"]
    assert outage.status_code == 503 and outage.exc_info is None
    assert bug.status_code == 500 and bug.exc_info is not None  # a bug keeps its traceback
