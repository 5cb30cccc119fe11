from datetime import timedelta

import jwt
import pytest
import time_machine
from django.urls import reverse

from consultations import services
from consultations.video import jitsi_token, room_is_open, room_name
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book
from tests.medical.scan import rows_containing

pytestmark = pytest.mark.django_db
TUESDAY_9 = paris(2026, 3, 3, 9)


@pytest.fixture
def consultation(employee_a, p_open):
    return book(employee_a, p_open, at=TUESDAY_9, now=NOW)


def _get(client, user, consultation, at):
    client.force_login(user)
    with time_machine.travel(at, tick=False):
        return client.get(reverse("consultations:room", args=[consultation.pk]))


def test_room_names_are_long_and_reveal_nothing_of_the_consultation(employee_a, employee_b, p_open):
    one = book(employee_a, p_open, at=TUESDAY_9, now=NOW)
    two = book(employee_b, p_open, at=TUESDAY_9 + timedelta(hours=1), now=NOW)
    for consultation in (one, two):
        name = room_name(consultation)
        assert len(name) >= 32 and name == name.lower()  # Jitsi ignores case
        for derived in (str(consultation.pk), consultation.pk.hex[:8], "20260303"):
            assert derived not in name
    assert room_name(one)[:16] != room_name(two)[:16]


def test_a_room_name_is_stable_and_keyed(consultation, settings):
    name = room_name(consultation)
    assert room_name(consultation) == name
    settings.HUNTZEN_VIDEO_ROOM_KEY = "another-key-of-at-least-32-characters!"
    assert room_name(consultation) != name  # without the key, the id opens nothing


def test_the_room_name_is_nowhere_in_the_database(employee_a, consultation, client):
    """Nothing to steal from a dump: a page shows it, no table holds it."""
    name = room_name(consultation)
    assert name in _get(client, employee_a, consultation, TUESDAY_9).content.decode()
    assert rows_containing(name) == []
    assert rows_containing(name.removeprefix("huntzen-")[:12]) == []


def test_participants_join_in_the_window(employee_a, p_open, consultation, client):
    opens = TUESDAY_9 - timedelta(minutes=15)
    response = _get(client, employee_a, consultation, opens)
    assert response.status_code == 200
    assert room_name(consultation) in response.content.decode()
    # The practitioner's video opens with the start (one action: join and start).
    assert room_name(consultation) not in _get(client, p_open, consultation, opens).text
    services.consultation_start(actor=p_open, consultation=consultation, now=opens)
    assert room_name(consultation) in _get(client, p_open, consultation, opens).text


def test_the_page_csp_allows_exactly_the_jitsi_domain(employee_a, consultation, client, settings):
    settings.JITSI_DOMAIN = "video.example.org"
    response = _get(client, employee_a, consultation, TUESDAY_9)
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self' https://video.example.org"
    assert policy["frame-src"] == "https://video.example.org"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "<script>" not in response.content.decode()  # no inline script


def test_other_pages_keep_the_strict_policy(employee_a, consultation, client):
    client.force_login(employee_a)
    with time_machine.travel(TUESDAY_9, tick=False):
        response = client.get(reverse("consultations:detail", args=[consultation.pk]))
    assert "meet.jit.si" not in response["Content-Security-Policy"]
    assert "frame-src 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "who,status",
    [
        ("staff_r2", 403),
        ("operator_r1", 403),
        ("superuser", 403),
        ("employee_b", 404),
        ("employee_c", 404),
        ("practitioner_q", 404),
        ("hr_acme", 404),
        ("hr_globex", 404),
    ],
)
def test_non_participants_cannot_join(cast, consultation, client, who, status):
    response = _get(client, cast[who], consultation, TUESDAY_9)
    assert response.status_code == status
    assert room_name(consultation) not in response.content.decode()


@pytest.mark.parametrize(
    "at",
    [
        TUESDAY_9 - timedelta(minutes=16),
        TUESDAY_9 + timedelta(minutes=65),  # planned end + the grace, never started
    ],
)
def test_out_of_window_the_room_shows_no_video(employee_a, consultation, client, at):
    response = _get(client, employee_a, consultation, at)
    assert response.status_code == 200
    assert room_name(consultation) not in response.content.decode()
    assert "meet.jit.si" not in response["Content-Security-Policy"]


def test_a_started_consultation_stays_open_until_it_ends(employee_a, p_open, consultation, client):
    services.consultation_start(actor=p_open, consultation=consultation, now=TUESDAY_9)
    late = TUESDAY_9 + timedelta(minutes=70)
    assert room_name(consultation) in _get(client, employee_a, consultation, late).text
    services.consultation_end(actor=p_open, consultation=consultation, now=late)
    assert room_name(consultation) not in _get(client, employee_a, consultation, late).text


def test_a_cancelled_consultation_has_no_room(employee_a, consultation, client):
    services.consultation_cancel(actor=employee_a, consultation=consultation, now=NOW)
    assert room_name(consultation) not in _get(client, employee_a, consultation, TUESDAY_9).text


def test_a_chat_consultation_has_no_video_room(employee_a, p_open):
    consultation = book(employee_a, p_open, at=TUESDAY_9, now=NOW, kind="chat")
    assert not room_is_open(consultation, now=TUESDAY_9)


def test_no_token_without_app_credentials(employee_a, consultation, settings):
    settings.JITSI_APP_ID = settings.JITSI_APP_SECRET = ""
    assert jitsi_token(consultation, employee_a, now=TUESDAY_9) is None


def test_the_token_is_short_lived_for_this_room_with_the_practitioner_moderating(
    employee_a, p_open, consultation, settings, client
):
    settings.JITSI_APP_ID, settings.JITSI_APP_SECRET = "huntzen", "s" * 32
    with time_machine.travel(TUESDAY_9, tick=False):
        employee_token = jitsi_token(consultation, employee_a)
        practitioner_token = jitsi_token(consultation, p_open)
        claims = jwt.decode(employee_token, "s" * 32, algorithms=["HS256"], audience="jitsi")
        moderator = jwt.decode(practitioner_token, "s" * 32, algorithms=["HS256"], audience="jitsi")
    assert claims["room"] == room_name(consultation) and claims["iss"] == "huntzen"
    assert claims["sub"] == settings.JITSI_DOMAIN
    assert claims["exp"] - claims["iat"] <= 15 * 60
    assert claims["context"]["user"]["moderator"] is False
    assert moderator["context"]["user"]["moderator"] is True
    page = _get(client, employee_a, consultation, TUESDAY_9).content.decode()
    assert 'data-jwt="ey' in page
    with pytest.raises(jwt.ExpiredSignatureError):
        with time_machine.travel(TUESDAY_9 + timedelta(minutes=16), tick=False):
            jwt.decode(employee_token, "s" * 32, algorithms=["HS256"], audience="jitsi")


def test_settings_refuse_half_of_the_jitsi_credentials():
    import os
    import subprocess
    import sys

    env = {**os.environ, "DEBUG": "true", "JITSI_APP_ID": "x", "JITSI_APP_SECRET": ""}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; import os; "
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'huntzen.settings'); django.setup()",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "JITSI_APP_SECRET" in result.stderr
