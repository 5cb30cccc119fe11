"""SMTP down, seen by an HTTP client: a refusing or silent server costs a request a few
seconds at most (EMAIL_TIMEOUT) and a clear answer, never a 500 nor a request held
forever. Delivery itself (outbox, retries) is covered with the email tests; here, the
password reset, which mails whether or not the address has an account."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from tests.faults.support import smtp_sink

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

RESET = reverse("account_reset_password")
DONE = reverse("account_reset_password_done")


@pytest.fixture
def smtp(settings):
    def use(sink):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_TIMEOUT = 1

    return use


def _reset(email):
    started = time.monotonic()
    response = Client(raise_request_exception=False).post(RESET, {"email": email})
    return response, time.monotonic() - started


def test_email_timeout_is_bounded_by_default(settings):
    assert 0 < settings.EMAIL_TIMEOUT <= 10


def test_an_accepting_server_gets_the_mail(smtp, employee_a, django_capture_on_commit_callbacks):
    with smtp_sink("accepting") as sink:
        smtp(sink)
        # The mail goes through the outbox, delivered once the request's transaction commits.
        with django_capture_on_commit_callbacks(execute=True):
            response, _ = _reset(employee_a.email)
    assert (response.status_code, response["Location"]) == (302, DONE)
    [message] = sink.messages
    assert b"alice@acme.test" in message


@pytest.mark.parametrize("mode", ["refusing", "silent"])
def test_a_failing_server_costs_a_clear_answer_within_seconds(smtp, employee_a, mode):
    with smtp_sink(mode) as sink:
        smtp(sink)
        response, seconds = _reset(employee_a.email)
        assert seconds < 1 + 2  # EMAIL_TIMEOUT, then an answer
        assert response.status_code in (302, 503), response.content[:300]
        if response.status_code == 503:  # sent in the request: "try again", not a 500
            assert response["Retry-After"]
            assert "Service momentanément indisponible" in response.content.decode()
        # The server serves the next request as usual.
        assert Client().get(reverse("account_login")).status_code == 200
