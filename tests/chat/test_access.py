"""chat.access: the chat window, the refusal codes, and the access log."""

import uuid
from datetime import timedelta

import pytest
import time_machine

from chat.access import (
    ChatClosed,
    ChatForbidden,
    ChatUnknown,
    chat_is_open,
    chat_window,
    get_chat_for,
    get_chat_page_for,
)
from consultations import services as consultation_services
from medical.models import AccessLogEntry
from tests.consultations.factories import book, completed, utc

pytestmark = pytest.mark.django_db

AT = utc(2026, 3, 10, 9, 0)


@pytest.fixture
def later(employee_a, practitioner_p):
    return book(employee_a, practitioner_p, at=AT)  # 50 minutes, until 09:50


def test_the_window_opens_15_minutes_before_and_closes_24_hours_after_the_end(later):
    opens, closes = chat_window(later)
    assert opens == AT - timedelta(minutes=15)
    assert closes == AT + timedelta(minutes=50) + timedelta(hours=24)
    assert not chat_is_open(later, opens - timedelta(seconds=1))
    assert chat_is_open(later, opens)
    assert chat_is_open(later, closes - timedelta(seconds=1))
    assert not chat_is_open(later, closes)


def test_the_window_follows_the_real_end_of_a_completed_consultation(employee_a, practitioner_p):
    consultation = completed(employee_a, practitioner_p, at=AT, minutes=20)
    assert chat_window(consultation)[1] == AT + timedelta(minutes=20, hours=24)


def test_the_window_is_configurable_at_call_time(later, settings):
    settings.HUNTZEN_CHAT_OPENS_BEFORE = timedelta(hours=1)
    settings.HUNTZEN_CHAT_CLOSES_AFTER = 3600  # seconds also accepted
    assert chat_window(later) == (AT - timedelta(hours=1), AT + timedelta(minutes=110))


def test_a_cancelled_consultation_has_a_closed_chat(later, employee_a):
    consultation_services.consultation_cancel(
        actor=employee_a, consultation=later, now=AT - timedelta(hours=2)
    )
    later.refresh_from_db()
    assert not chat_is_open(later, AT)


def test_a_no_show_has_a_closed_chat(later, practitioner_p):
    consultation_services.consultation_mark_no_show(
        actor=practitioner_p, consultation=later, now=AT + timedelta(minutes=20)
    )
    later.refresh_from_db()
    assert not chat_is_open(later, AT + timedelta(minutes=21))


def test_participants_may_join_in_the_window_and_it_is_logged(later, employee_a, practitioner_p):
    with time_machine.travel(AT, tick=False):
        assert get_chat_for(employee_a, later.pk, action="join") == later
        assert get_chat_for(practitioner_p, later.pk, action="send") == later
    assert list(AccessLogEntry.objects.order_by("id").values_list("action", "allowed")) == [
        ("join", True),
        ("send", True),
    ]


@pytest.mark.parametrize("action", ["join", "send"])
def test_participants_are_refused_outside_the_window(later, employee_a, action):
    with time_machine.travel(AT - timedelta(minutes=16), tick=False):
        with pytest.raises(ChatClosed):
            get_chat_for(employee_a, later.pk, action=action)
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.action, entry.allowed) == (employee_a, action, False)


def test_history_stays_readable_outside_the_window(later, employee_a):
    with time_machine.travel(AT + timedelta(days=30), tick=False):
        assert get_chat_for(employee_a, later.pk, action="read") == later


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("employee_b", ChatUnknown),
        ("employee_c", ChatUnknown),
        ("practitioner_q", ChatUnknown),
        ("hr_acme", ChatUnknown),
        ("hr_globex", ChatUnknown),
        ("staff_r2", ChatForbidden),
        ("operator_r1", ChatForbidden),
        ("superuser", ChatForbidden),
    ],
)
@pytest.mark.parametrize("moment", [AT, AT + timedelta(days=3)])
def test_others_get_the_same_answer_open_or_closed(cast, later, who, error, moment):
    with time_machine.travel(moment, tick=False):
        with pytest.raises(error):
            get_chat_for(cast[who], later.pk, action="join")
        with pytest.raises(error):
            get_chat_page_for(cast[who], later.pk)
    assert AccessLogEntry.objects.filter(user=cast[who], allowed=False).count() == 2
    assert not AccessLogEntry.objects.filter(allowed=True).exists()


def test_an_unknown_consultation_is_unknown_and_logged(employee_a):
    missing = uuid.uuid4()
    with pytest.raises(ChatUnknown):
        get_chat_for(employee_a, missing)
    assert AccessLogEntry.objects.get().object_id == str(missing)


def test_an_inactive_participant_is_refused(later, employee_a):
    employee_a.is_active = False
    employee_a.save(update_fields=["is_active"])
    with time_machine.travel(AT, tick=False):
        with pytest.raises(ChatUnknown):
            get_chat_for(employee_a, later.pk)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "status", ["scheduled", "in_progress", "completed", "cancelled", "no_show"]
)
@pytest.mark.parametrize("ended", [False, True])
def test_the_windows_sql_condition_agrees_with_chat_is_open(later, settings, status, ended):
    """chat_is_open_sql (a message's one statement, chat.services) decides as
    chat_is_open does, on both sides of each bound, for every status, with and without
    a real end, and with the settings of the moment."""
    from django.db import connection

    from chat.access import chat_is_open_sql
    from consultations.models import Consultation

    settings.HUNTZEN_CHAT_OPENS_BEFORE = timedelta(minutes=20)
    settings.HUNTZEN_CHAT_CLOSES_AFTER = 3600  # seconds, as the environment gives it
    Consultation.objects.filter(pk=later.pk).update(
        status=status, ended_at=AT + timedelta(minutes=70) if ended else None
    )
    later.refresh_from_db()
    opens, closes = chat_window(later)
    tick = timedelta(microseconds=1)
    for now in (opens - tick, opens, opens + tick, closes - tick, closes, closes + tick):
        condition, params = chat_is_open_sql(connection.ops.quote_name, now)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM consultations_consultation WHERE id = %s AND {condition}",  # noqa: S608  # nosec B608
                [later.pk, *params],
            )
            in_sql = cursor.fetchone()[0] == 1
        assert in_sql == chat_is_open(later, now), (status, ended, now)
