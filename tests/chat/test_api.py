"""GET /api/v1/consultations/{id}/messages and POST .../chat-ticket."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from chat.services import message_send
from chat.tickets import _PREFIX, TICKET_TTL, _key, ticket_consume
from medical.models import AccessLogEntry
from tests.chat.conftest import BARRED_PARTICIPANTS, bar_participant, open_consultation

pytestmark = pytest.mark.django_db

OTHERS = [
    ("employee_b", 404),
    ("employee_c", 404),
    ("practitioner_q", 404),
    ("hr_acme", 404),
    ("hr_globex", 404),
    ("staff_r2", 403),
    ("operator_r1", 403),
    ("superuser", 403),
]


def _messages_url(consultation):
    return f"/api/v1/consultations/{consultation.pk}/messages"


def _ticket_url(consultation):
    return f"/api/v1/consultations/{consultation.pk}/chat-ticket"


def _write(consultation, employee, practitioner, n):
    start = timezone.now() - timedelta(minutes=5)
    for i in range(n):
        with time_machine.travel(start + timedelta(seconds=i), tick=False):
            message_send(
                sender=employee if i % 2 == 0 else practitioner,
                consultation=consultation,
                body=f"m{i}",
                client_message_id=f"c{i}",
            )


def test_a_participant_reads_the_history_newest_page_first(
    api_client, employee_a, practitioner_p, consultation, django_assert_max_num_queries
):
    _write(consultation, employee_a, practitioner_p, 7)
    api_client.force_authenticate(employee_a)
    with django_assert_max_num_queries(10):
        response = api_client.get(_messages_url(consultation), {"pageSize": 3})
    assert response.status_code == 200
    page = response.json()
    assert [m["body"] for m in page["results"]] == ["m4", "m5", "m6"]
    assert page["hasMore"] is True
    first = page["results"][0]
    assert set(first) == {"id", "sender", "body", "createdAt", "clientMessageId"}
    assert first["sender"] == str(employee_a.pk)

    response = api_client.get(page["next"])
    assert [m["body"] for m in response.json()["results"]] == ["m1", "m2", "m3"]
    response = api_client.get(response.json()["next"])
    assert [m["body"] for m in response.json()["results"]] == ["m0"]
    assert response.json() == {**response.json(), "hasMore": False, "next": None}


def test_the_query_count_does_not_grow_with_messages(
    api_client, employee_a, practitioner_p, consultation, django_assert_max_num_queries
):
    _write(consultation, employee_a, practitioner_p, 60)
    api_client.force_authenticate(practitioner_p)
    with django_assert_max_num_queries(10):
        response = api_client.get(_messages_url(consultation))
    assert len(response.json()["results"]) == 50


def test_the_history_stays_readable_after_the_chat_closes(
    api_client, employee_a, practitioner_p, consultation
):
    _write(consultation, employee_a, practitioner_p, 1)
    api_client.force_authenticate(employee_a)
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        response = api_client.get(_messages_url(consultation))
    assert response.status_code == 200
    assert [m["body"] for m in response.json()["results"]] == ["m0"]


@pytest.mark.parametrize(("who", "status"), OTHERS)
def test_others_may_not_read_the_history(api_client, cast, consultation, who, status):
    _write(consultation, cast["employee_a"], cast["practitioner_p"], 2)
    api_client.force_authenticate(cast[who])
    response = api_client.get(_messages_url(consultation))
    assert response.status_code == status
    assert "m0" not in response.content.decode()
    assert AccessLogEntry.objects.filter(user=cast[who], allowed=False, action="read").exists()


def test_anonymous_gets_401(api_client, consultation):
    assert api_client.get(_messages_url(consultation)).status_code == 401
    assert api_client.post(_ticket_url(consultation)).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"before": "nope"}, "before"),
        ({"before": "00000000-0000-0000-0000-000000000000"}, "before"),
        ({"pageSize": 0}, "pageSize"),
        ({"pageSize": 101}, "pageSize"),
        ({"page": 2}, "page"),
    ],
)
def test_bad_query_parameters_are_400_naming_them(
    api_client, employee_a, consultation, params, field
):
    api_client.force_authenticate(employee_a)
    response = api_client.get(_messages_url(consultation), params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_a_participant_gets_a_single_use_ticket(api_client, employee_a, consultation):
    api_client.force_login(employee_a)
    response = api_client.post(_ticket_url(consultation))
    assert response.status_code == 201
    body = response.json()
    assert body["expiresIn"] == TICKET_TTL == 60
    assert body["url"] == f"/ws/chat/{consultation.pk}/"
    # The cache holds it under its hash, never the ticket itself.
    assert cache.get(_key(body["ticket"])) is not None
    assert _PREFIX + body["ticket"] not in str(cache.get(_key(body["ticket"])))
    holder = ticket_consume(body["ticket"], consultation_id=consultation.pk)
    assert holder.user_id == employee_a.pk
    assert holder.session_key == api_client.session.session_key
    assert ticket_consume(body["ticket"], consultation_id=consultation.pk) is None


def test_a_ticket_expires_after_60_seconds(api_client, employee_a, consultation, settings):
    # The local-memory cache follows the travelling clock (Redis keeps its own time).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    api_client.force_login(employee_a)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        ticket = api_client.post(_ticket_url(consultation)).json()["ticket"]
        traveller.shift(61)
        assert ticket_consume(ticket, consultation_id=consultation.pk) is None


def test_a_ticket_is_valid_for_its_consultation_only(
    api_client, employee_a, employee_b, consultation, practitioner_q
):
    other = open_consultation(employee_b, practitioner_q)
    api_client.force_login(employee_a)
    ticket = api_client.post(_ticket_url(consultation)).json()["ticket"]
    assert ticket_consume(ticket, consultation_id=other.pk) is None
    assert ticket_consume(ticket, consultation_id=consultation.pk) is None  # spent


@pytest.mark.parametrize(("who", "status"), OTHERS)
def test_others_get_no_ticket(api_client, cast, consultation, who, status):
    api_client.force_authenticate(cast[who])
    assert api_client.post(_ticket_url(consultation)).status_code == status


def test_no_ticket_for_a_closed_chat(api_client, employee_a, practitioner_p):
    consultation = open_consultation(employee_a, practitioner_p, minutes_ago=-60 * 5)
    api_client.force_authenticate(employee_a)
    response = api_client.post(_ticket_url(consultation))
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("case", "status"), [*((case, 403) for case in BARRED_PARTICIPANTS), ("inactive", 404)]
)
def test_a_barred_participant_gets_no_history_and_no_ticket(
    api_client, employee_a, practitioner_p, consultation, case, status
):
    _write(consultation, employee_a, practitioner_p, 1)
    bar_participant(employee_a, case)
    api_client.force_authenticate(type(employee_a).objects.get(pk=employee_a.pk))
    response = api_client.get(_messages_url(consultation))
    assert response.status_code == status
    assert "m0" not in response.content.decode()
    assert api_client.post(_ticket_url(consultation)).status_code == status
    refused = AccessLogEntry.objects.filter(user=employee_a, allowed=False)
    assert sorted(refused.values_list("action", flat=True)) == ["join", "read"]
