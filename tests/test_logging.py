"""Expected refusals (403, 404) are one line in the log; a server error keeps its
traceback. The favicon is served (browsers ask every page for one)."""

import logging
import sys

import pytest
from django.urls import reverse

from huntzen.log_filters import ExpectedRefusalFilter

pytestmark = pytest.mark.django_db


def _request_records(caplog):
    return [r for r in caplog.records if r.name == "django.request"]


def test_a_403_is_logged_in_one_line_without_traceback(client, employee_a, caplog):
    client.force_login(employee_a)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("accounts:invitation_list")).status_code == 403
    (record,) = _request_records(caplog)
    assert record.getMessage() == "Forbidden (Permission denied): /hr/invitations/"
    assert record.exc_info is None


def test_a_404_is_logged_in_one_line_without_traceback(client, employee_a, caplog):
    client.force_login(employee_a)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/consultations/00000000-0000-0000-0000-000000000000/").status_code == 404
    (record,) = _request_records(caplog)
    assert record.getMessage().startswith("Not Found: /consultations/")
    assert record.exc_info is None


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("django.request", logging.ERROR, "", 0, "x", (), None)
        record.exc_info = sys.exc_info()
    record.status_code = 500
    assert ExpectedRefusalFilter().filter(record)
    assert record.exc_info is not None


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/static/favicon.svg")
