"""`Pagination.paginate_rows` and `paginate_statement` (values rows, the total counted
in the page's own statement) answer exactly what DRF's generic pagination over model
instances answers: the same count, results, links, and the same 404 or 400 for a bad
page, on every page."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from consultations import selectors
from consultations.serializers import ConsultationSerializer
from huntzen.api import Pagination, error_body
from tests.consultations.factories import completed

pytestmark = pytest.mark.django_db

PATH = "/api/v1/consultations/my"


def _generic(user, query: str):
    """(status, body) of DRF's own pagination over instances for `query`."""
    request = Request(APIRequestFactory().get(PATH + query))
    request.user = user
    pagination = Pagination()
    try:
        page = pagination.paginate_queryset(
            selectors.consultations_of(user).order_by("-scheduled_at"), request
        )
    except exceptions.APIException as error:
        return error.status_code, error_body(error)
    data = ConsultationSerializer(page, many=True, context={"request": request}).data
    body = pagination.get_paginated_response(data).data
    return 200, json.loads(JSONRenderer().render(body))


@pytest.fixture
def seven(employee_a, practitioner_p):
    days = [d for d in range(2, 30) if (timezone.localtime() - timedelta(days=d)).weekday() < 5]
    for n in days[:7]:
        at = (timezone.localtime() - timedelta(days=n)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
        completed(employee_a, practitioner_p, at=at)
    return employee_a


QUERIES = [
    "",
    "?page=1",
    "?pageSize=3",
    "?pageSize=3&page=2",
    "?pageSize=3&page=3",  # the last, with one row
    "?pageSize=3&page=4",  # past the end: 404
    "?pageSize=7&page=2",  # exactly past the end
    "?pageSize=7",
    "?page=2",
    "?pageSize=128&page=149034649510070736842193075894311610249",  # no OFFSET that large
    "?pageSize=1&page=9223372036854775808",  # the first page past PostgreSQL's bigint
    "?pageSize=1&page=9223372036854775807",
    "?page=2.0",  # DRF's field accepts it, Django's paginator does not: 404
    "?page=0",  # 400
    "?pageSize=201",  # 400
    "?page=x",  # 400
]


@pytest.mark.parametrize("query", QUERIES)
def test_every_page_is_what_drf_answers(seven, api_client, query):
    status, body = _generic(seven, query)
    api_client.force_authenticate(seven)
    response = api_client.get(PATH + query)
    assert response.status_code == status
    assert response.json() == body
    if status == 200:
        assert list(response.json()) == ["count", "next", "previous", "results"]


@pytest.mark.parametrize("query", ["", "?page=1", "?page=2", "?pageSize=5&page=2"])
def test_an_empty_list(employee_b, api_client, query):
    status, body = _generic(employee_b, query)
    api_client.force_authenticate(employee_b)
    response = api_client.get(PATH + query)
    assert (response.status_code, response.json()) == (status, body)
    assert status == (200 if "page=2" not in query else 404)


@pytest.mark.parametrize("query", QUERIES)
def test_a_compiled_statement_pages_as_its_queryset_does(seven, query):
    """`paginate_statement` (my consultations' statement, compiled once) and
    `paginate_rows` over the queryset it was compiled from: the same rows and page, or
    the same refusal. The statement reads ids and instants as PostgreSQL's text: rows
    compared as the list writes them."""
    from consultations.api import MY_CONSULTATIONS

    def page(paginate):
        request = Request(APIRequestFactory().get(PATH + query))
        request.user = seven
        pagination = Pagination()
        try:
            rows = paginate(pagination, request)
        except exceptions.APIException as error:
            return error.status_code, error_body(error)
        written = ConsultationSerializer.represent_rows(rows, request=request)
        return written, len(rows), pagination.page.paginator.count, pagination.get_next_link()

    queryset = selectors.consultations_of(seven).order_by("-scheduled_at")
    fields = ConsultationSerializer.ROW_FIELDS
    assert page(lambda p, r: p.paginate_rows(queryset, fields, r)) == page(
        lambda p, r: p.paginate_statement(
            MY_CONSULTATIONS["all"], r, user_id=seven.pk, now=timezone.now()
        )
    )
