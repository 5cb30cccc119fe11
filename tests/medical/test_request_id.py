"""The access log's request id is the server's own; a client's X-Request-ID is kept
apart, only when short and plain."""

import re

import pytest
from django.urls import reverse

from huntzen.middleware import client_request_id
from medical.models import AccessLogEntry

pytestmark = pytest.mark.django_db

SERVER_ID = re.compile(r"^[0-9a-f]{32}$")


def _read_journal(login, employee_a, header):
    response = login(employee_a).get(reverse("medical:journal"), HTTP_X_REQUEST_ID=header)
    assert response.status_code == 200
    return response, AccessLogEntry.objects.get()


@pytest.mark.parametrize(
    "header",
    [
        "A" * 10_000,
        "abc\r\nX-Injected: 1",
        "<script>alert(1)</script>",
        "id with spaces",
        "a" * 65,
    ],
)
def test_a_hostile_client_id_never_reaches_the_log(header, login, employee_a):
    response, row = _read_journal(login, employee_a, header)
    assert SERVER_ID.match(row.request_id)
    assert row.client_request_id == ""
    assert response["X-Request-ID"] == row.request_id


def test_a_sane_client_id_lands_only_in_its_own_column(login, employee_a):
    response, row = _read_journal(login, employee_a, "mobile-1.2_abc")
    assert row.client_request_id == "mobile-1.2_abc"
    assert row.request_id != "mobile-1.2_abc" and SERVER_ID.match(row.request_id)
    assert response["X-Request-ID"] == row.request_id


def test_a_client_cannot_choose_the_server_id_even_with_a_uuid(login, employee_a):
    forged = "0" * 32
    response, row = _read_journal(login, employee_a, forged)
    assert row.request_id != forged and response["X-Request-ID"] != forged
    assert row.client_request_id == forged


def test_each_request_gets_a_fresh_id(client):
    first = client.get("/")["X-Request-ID"]
    second = client.get("/")["X-Request-ID"]
    assert SERVER_ID.match(first) and SERVER_ID.match(second) and first != second


@pytest.mark.parametrize(
    ("value", "kept"),
    [("", None), ("ok", "ok"), ("x" * 64, "x" * 64), ("x" * 65, None), ("a\nb", None)],
)
def test_client_request_id_is_length_and_charset_limited(value, kept):
    assert client_request_id(value) == kept
