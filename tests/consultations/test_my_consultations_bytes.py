"""GET /api/v1/consultations/my answers, byte for byte, what DRF's generic path answered
before its statement was compiled once per process (huntzen/statements.py): the
selectors' querysets paginated by DRF, each instance through the serializer's generic
field walk, rendered by DRF's JSON renderer. Over every status, every scope, several
pages, French and English, and the time zones the API may be run in."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import translation
from rest_framework import exceptions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from consultations import selectors, services
from consultations.api import MY_CONSULTATIONS
from consultations.serializers import ConsultationSerializer
from huntzen.api import Pagination, error_body
from tests.consultations.factories import book, completed, utc

pytestmark = pytest.mark.django_db

PATH = "/api/v1/consultations/my"
NOW = utc(2026, 10, 20, 9, 17, 3, 250000)

SCOPED = {
    "": lambda user: selectors.consultations_of(user).order_by("-scheduled_at"),
    "all": lambda user: selectors.consultations_of(user).order_by("-scheduled_at"),
    "upcoming": selectors.upcoming_consultations,
    "past": selectors.past_consultations,
    "cancelled": selectors.cancelled_consultations,
}


class GenericConsultation(ConsultationSerializer):
    """The serializer as DRF walks it, field by field, from an instance."""

    def to_representation(self, instance):
        return serializers.ModelSerializer.to_representation(self, instance)


def _generic(user, scope: str, query: str, language: str) -> tuple[int, bytes]:
    """(status, body) of the former path for `?scope=...&query`."""
    request = Request(APIRequestFactory().get(PATH + query, HTTP_ACCEPT_LANGUAGE=language))
    request.user = user
    pagination = Pagination()
    try:
        page = pagination.paginate_queryset(SCOPED[scope](user), request)
    except exceptions.APIException as error:
        return error.status_code, JSONRenderer().render(error_body(error))
    data = GenericConsultation(page, many=True, context={"request": request}).data
    return 200, JSONRenderer().render(pagination.get_paginated_response(data).data)


@pytest.fixture
def history(employee_a, practitioner_p, practitioner_q):
    """Every status, both participants' cancellations (late and not, with and without a
    reason), times with and without microseconds across both daylight-saving changes."""
    with time_machine.travel(NOW, tick=False):
        for n, at in enumerate(
            [
                utc(2026, 3, 28, 9, 0),  # the day before the spring change
                utc(2026, 3, 30, 8, 0),
                utc(2026, 10, 26, 10, 0),  # the day after the autumn change
                utc(2026, 6, 2, 13, 0),
            ]
        ):
            completed(employee_a, practitioner_p if n % 2 else practitioner_q, at=at, minutes=37)
        missed = book(employee_a, practitioner_p, at=utc(2026, 10, 19, 13, 0))
        services.consultation_mark_no_show(
            actor=practitioner_p, consultation=missed, now=utc(2026, 10, 19, 13, 20)
        )
        running = book(employee_a, practitioner_p, at=utc(2026, 10, 20, 9, 0))
        services.consultation_start(
            actor=practitioner_p, consultation=running, now=utc(2026, 10, 20, 9, 1, 7, 4321)
        )
        book(employee_a, practitioner_q, at=utc(2026, 10, 19, 8, 0))  # over, never started
        for at in (utc(2026, 10, 28, 10, 0), utc(2026, 11, 3, 15, 0), utc(2026, 12, 1, 8, 0)):
            book(employee_a, practitioner_p, at=at)
        early = book(employee_a, practitioner_p, at=utc(2026, 11, 10, 9, 0))
        services.consultation_cancel(actor=employee_a, consultation=early)
        late = book(employee_a, practitioner_q, at=utc(2026, 10, 20, 15, 0))
        services.consultation_cancel(actor=employee_a, consultation=late, reason="Grippe, désolée.")
        theirs = book(employee_a, practitioner_p, at=utc(2026, 11, 12, 9, 0))
        services.consultation_cancel(
            actor=practitioner_p, consultation=theirs, reason="Formation « urgente »."
        )
    return employee_a


QUERIES = ["", "?pageSize=4", "?pageSize=4&page=2", "?pageSize=4&page=4", "?page=2"]


@pytest.mark.parametrize("zone", ["Europe/Paris", "UTC", "Pacific/Kiritimati"])
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("scope", list(SCOPED))
def test_every_scope_answers_the_former_bytes(
    history, practitioner_p, api_client, scope, language, zone
):
    statuses = set()
    with time_machine.travel(NOW, tick=False), override_settings(TIME_ZONE=zone):
        for reader in (history, practitioner_p):
            api_client.force_authenticate(reader)
            for query in QUERIES:
                full = f"?scope={scope}{query.replace('?', '&')}" if scope else query
                response = api_client.get(PATH + full, HTTP_ACCEPT_LANGUAGE=language)
                with translation.override(language):
                    expected = _generic(reader, scope, full, language)
                assert (response.status_code, response.content) == expected
                if response.status_code == 200:
                    statuses |= {c["status"] for c in json.loads(response.content)["results"]}
    assert (
        statuses
        == {
            "": {"scheduled", "in_progress", "completed", "cancelled", "no_show"},
            "all": {"scheduled", "in_progress", "completed", "cancelled", "no_show"},
            "upcoming": {"scheduled", "in_progress"},
            "past": {"scheduled", "completed", "no_show"},
            "cancelled": {"cancelled"},
        }[scope]
    )


def test_the_list_reads_the_clock_at_each_request(history, api_client):
    """The compiled statement takes `now` at each request: an upcoming consultation
    becomes past once it is over."""
    api_client.force_authenticate(history)
    ids = {}
    for at in (NOW, NOW + timedelta(days=20)):
        with time_machine.travel(at, tick=False):
            body = api_client.get(PATH + "?scope=upcoming&pageSize=200").json()
            ids[at] = {c["id"] for c in body["results"]}
            assert body["count"] == len(ids[at])
    assert ids[NOW] > ids[NOW + timedelta(days=20)]


def test_each_user_reads_only_their_own(history, employee_b, practitioner_q, api_client):
    """The same compiled statement for every user: each one's rows are theirs."""
    api_client.force_authenticate(employee_b)
    assert api_client.get(PATH).json()["count"] == 0
    api_client.force_authenticate(practitioner_q)
    listed = api_client.get(PATH + "?pageSize=200").json()["results"]
    assert listed and {c["practitioner"]["id"] for c in listed} == {str(practitioner_q.pk)}
    assert len(MY_CONSULTATIONS) == 4
