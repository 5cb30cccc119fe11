"""The chat page, /consultations/<id>/chat/, in both portals."""

import re

import pytest
from django.template import Context, Template

from chat.models import ChatMessage
from medical.models import AccessLogEntry
from tests.chat.conftest import BARRED_PARTICIPANTS, bar_participant, open_consultation

pytestmark = pytest.mark.django_db


def _url(consultation):
    return f"/consultations/{consultation.pk}/chat/"


@pytest.mark.parametrize("who", ["employee_a", "practitioner_p"])
def test_participants_get_the_chat_page(client, cast, consultation, who):
    client.force_login(cast[who])
    response = client.get(_url(consultation))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-chat-ws="/ws/chat/{consultation.pk}/"' in html
    assert f'data-chat-user="{cast[who].pk}"' in html
    assert 'data-chat-open="true"' in html
    assert "/static/chat/chat.js" in html
    assert 'aria-live="polite"' in html
    assert "<script>" not in html and " style=" not in html  # strict CSP: nothing inline
    assert 'for="chat-input-' in html  # the textarea has its label
    # The page itself reads nothing medical: the socket and the API do, and log it.
    assert not AccessLogEntry.objects.exists()


def test_the_other_participant_is_named(client, employee_a, practitioner_p, consultation):
    client.force_login(employee_a)
    html = client.get(_url(consultation)).content.decode()
    assert re.search(r'data-name-other="Paula Test"', html)


def test_a_closed_chat_shows_the_history_read_only(client, employee_a, practitioner_p):
    consultation = open_consultation(employee_a, practitioner_p, minutes_ago=60 * 25)
    client.force_login(employee_a)
    response = client.get(_url(consultation))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-chat-open="false"' in html
    assert "data-chat-form hidden" in html


@pytest.mark.parametrize(
    ("who", "status"),
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
def test_others_are_refused_and_logged(client, cast, consultation, who, status):
    ChatMessage.objects.all().delete()
    client.force_login(cast[who])
    assert client.get(_url(consultation)).status_code == status
    assert AccessLogEntry.objects.filter(user=cast[who], allowed=False).count() == 1


def test_anonymous_is_sent_to_sign_in(client, consultation):
    response = client.get(_url(consultation))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["employee_a", "practitioner_p"])
def test_the_consultation_page_has_the_chat_beside_the_video(client, cast, consultation, who):
    client.force_login(cast[who])
    html = client.get(f"/consultations/{consultation.pk}/").content.decode()
    assert f'data-chat-ws="/ws/chat/{consultation.pk}/"' in html
    assert "/static/chat/chat.js" in html


def test_staff_see_the_consultation_page_without_the_chat(client, staff_r2, consultation):
    client.force_login(staff_r2)
    response = client.get(f"/consultations/{consultation.pk}/")
    assert response.status_code == 200
    assert "data-chat" not in response.content.decode()


@pytest.mark.parametrize("case", BARRED_PARTICIPANTS)
def test_a_barred_participant_is_refused_the_page_with_403(client, employee_a, consultation, case):
    bar_participant(employee_a, case)
    client.force_login(employee_a)
    assert client.get(_url(consultation)).status_code == 403
    assert AccessLogEntry.objects.filter(user=employee_a, allowed=False).count() == 1


def test_an_inactive_participant_is_signed_out_of_the_page(client, employee_a, consultation):
    client.force_login(employee_a)
    bar_participant(employee_a, "inactive")
    response = client.get(_url(consultation))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _panel(user, consultation):
    return Template("{% load chat %}{% chat_panel consultation %}").render(
        Context({"user": user, "consultation": consultation})
    )


@pytest.mark.parametrize(
    "who",
    [
        "employee_a",
        "practitioner_p",
        "employee_b",
        "employee_c",
        "practitioner_q",
        "hr_acme",
        "hr_globex",
        "staff_r2",
        "operator_r1",
        "superuser",
    ],
)
def test_the_panel_is_for_the_two_participants_only(cast, consultation, who):
    html = _panel(cast[who], consultation)
    assert ("data-chat" in html) is (who in ("employee_a", "practitioner_p"))


@pytest.mark.parametrize("case", [*BARRED_PARTICIPANTS, "inactive"])
def test_the_panel_is_hidden_from_a_barred_participant(employee_a, consultation, case):
    bar_participant(employee_a, case)
    employee_a = type(employee_a).objects.get(pk=employee_a.pk)
    assert "data-chat" not in _panel(employee_a, consultation)
