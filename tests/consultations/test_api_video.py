"""GET /api/v1/consultations/{id}/video: the two participants in the window get the
room; outside it 409 with the window's times; everybody else is refused."""

from datetime import timedelta

import jwt
import pytest
import time_machine
from django.urls import reverse

from consultations import services
from consultations.video import room_name
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db
TUESDAY_9 = paris(2026, 3, 3, 9)  # ends 09:50; the room opens 08:45, start deadline 10:05
SECRET = "s" * 32


@pytest.fixture
def consultation(employee_a, p_open):
    return book(employee_a, p_open, at=TUESDAY_9, now=NOW)


def _get(api_client, user, consultation, at):
    if user is not None:
        api_client.force_authenticate(user)
    with time_machine.travel(at, tick=False):
        return api_client.get(reverse("api-consultation-video", args=[consultation.pk]))


@pytest.mark.parametrize("who", ["employee_a", "practitioner_p"])
def test_participants_in_the_window_get_the_room(cast, consultation, api_client, who, settings):
    settings.JITSI_DOMAIN = "video.example.org"
    response = _get(api_client, cast[who], consultation, paris(2026, 3, 3, 8, 45))
    assert response.status_code == 200
    body = response.json()
    assert body["domain"] == "video.example.org"
    assert body["room"] == room_name(consultation)
    assert body["jwt"] is None  # no app credentials: public Jitsi
    assert body["opensAt"].startswith("2026-03-03T08:45:00")
    assert body["closesAt"].startswith("2026-03-03T10:05:00")
    assert body["moderator"] is (who == "practitioner_p")
    config = body["configOverwrite"]
    assert config["fileRecordingsEnabled"] is False
    assert config["liveStreamingEnabled"] is False
    assert config["localRecording"] == {"disable": True}
    assert config["hideLobbyButton"] is True
    assert not {"recording", "livestreaming"} & set(config["toolbarButtons"])


def test_with_app_credentials_each_participant_gets_a_token_for_this_room(
    employee_a, p_open, consultation, api_client, settings
):
    settings.JITSI_APP_ID, settings.JITSI_APP_SECRET = "huntzen", SECRET
    tokens = {}
    for user in (employee_a, p_open):
        body = _get(api_client, user, consultation, TUESDAY_9).json()
        tokens[user] = jwt.decode(
            body["jwt"],
            SECRET,
            algorithms=["HS256"],
            audience="jitsi",
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    employee, practitioner = tokens[employee_a], tokens[p_open]
    assert employee["room"] == practitioner["room"] == room_name(consultation)
    assert employee["context"]["user"]["moderator"] is False
    assert practitioner["context"]["user"]["moderator"] is True
    assert practitioner["context"]["user"]["affiliation"] == "owner"
    for claims in (employee, practitioner):
        assert claims["context"]["user"]["lobby_bypass"] is True
        assert claims["context"]["room"] == {"lobby": False}
        assert claims["context"]["features"]["recording"] is False
        assert claims["context"]["features"]["livestreaming"] is False
        assert claims["exp"] - claims["iat"] <= 15 * 60


@pytest.mark.parametrize(
    "at",
    [
        paris(2026, 3, 3, 8, 45) - timedelta(seconds=1),  # before the room opens
        paris(2026, 3, 3, 10, 5),  # never started, past the start deadline
        TUESDAY_9 + timedelta(days=3),
    ],
)
def test_outside_the_window_it_answers_409_with_the_times(employee_a, consultation, api_client, at):
    response = _get(api_client, employee_a, consultation, at)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "room_closed"
    assert body["currentStatus"] == "scheduled"
    assert body["opensAt"].startswith("2026-03-03T08:45:00")
    assert body["closesAt"].startswith("2026-03-03T10:05:00")
    assert room_name(consultation) not in response.content.decode()


def test_a_started_consultation_stays_open_past_the_deadline_until_it_ends(
    employee_a, p_open, consultation, api_client
):
    services.consultation_start(actor=p_open, consultation=consultation, now=TUESDAY_9)
    late = paris(2026, 3, 3, 10, 30)
    assert _get(api_client, employee_a, consultation, late).status_code == 200
    services.consultation_end(actor=p_open, consultation=consultation, now=late)
    response = _get(api_client, employee_a, consultation, late)
    assert response.status_code == 409
    assert response.json()["currentStatus"] == "completed"


def test_a_cancelled_consultation_has_no_room(employee_a, consultation, api_client):
    services.consultation_cancel(actor=employee_a, consultation=consultation, now=NOW)
    response = _get(api_client, employee_a, consultation, TUESDAY_9)
    assert response.status_code == 409
    assert response.json()["currentStatus"] == "cancelled"


def test_a_chat_consultation_has_no_video(employee_a, p_open, api_client):
    consultation = book(employee_a, p_open, at=TUESDAY_9, now=NOW, kind="chat")
    response = _get(api_client, employee_a, consultation, TUESDAY_9)
    assert response.status_code == 409
    assert response.json()["code"] == "not_a_video_consultation"


@pytest.mark.parametrize(
    "who,status",
    [
        ("employee_b", 404),
        ("employee_c", 404),
        ("practitioner_q", 404),
        ("hr_acme", 404),
        ("hr_globex", 404),
        ("staff_r2", 403),
        ("operator_r1", 403),
        ("superuser", 403),
    ],
)
def test_everybody_else_is_refused(cast, consultation, api_client, who, status):
    response = _get(api_client, cast[who], consultation, TUESDAY_9)
    assert response.status_code == status
    assert room_name(consultation) not in response.content.decode()


def test_anonymous_gets_401(consultation, api_client):
    assert _get(api_client, None, consultation, TUESDAY_9).status_code == 401


def test_an_unknown_consultation_is_404(employee_a, api_client):
    api_client.force_authenticate(employee_a)
    response = api_client.get("/api/v1/consultations/00000000-0000-0000-0000-000000000000/video")
    assert response.status_code == 404


def test_the_schema_documents_every_answer(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/consultations/{id}/video"]["get"]
    assert operation["operationId"] == "consultations_video"
    assert {"200", "401", "403", "404", "409"} <= set(operation["responses"])
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][ok.rsplit("/", 1)[-1]]["properties"]
    assert {"domain", "room", "jwt", "opensAt", "closesAt", "configOverwrite"} <= set(fields)
