"""Live status (consultations.live): the lifecycle services push, once their
transaction commits, a `status` frame to both participants' room sockets (the chat
socket the page holds); nothing for a rolled-back write, nothing to other rooms."""

import asyncio
import logging
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils import timezone

from consultations import live, services
from tests.chat.conftest import joined, open_consultation, receive_type, ws_for
from tests.chat.layers import FailingLayer

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.asyncio,
]


@pytest.fixture
def consultation(employee_a, practitioner_p):
    return open_consultation(employee_a, practitioner_p, minutes_ago=5)


async def _both(consultation, employee, practitioner):
    alice = await ws_for(consultation.pk, employee)
    await joined(alice)
    paula = await ws_for(consultation.pk, practitioner)
    await joined(paula)
    return alice, paula


async def test_start_and_end_reach_both_participants(employee_a, practitioner_p, consultation):
    alice, paula = await _both(consultation, employee_a, practitioner_p)
    started = await sync_to_async(services.consultation_start)(
        actor=practitioner_p, consultation=consultation
    )
    for ws in (alice, paula):
        frame = await receive_type(ws, "status")
        assert frame["event"] == "started" and frame["status"] == "in_progress"
        assert frame["consultation"] == str(consultation.pk)
        assert frame["startedAt"] is not None
    ended = await sync_to_async(services.consultation_end)(
        actor=practitioner_p,
        consultation=started,
        now=started.started_at + timedelta(minutes=46),
    )
    for ws in (alice, paula):
        frame = await receive_type(ws, "status")
        assert frame["event"] == "ended" and frame["status"] == "completed"
        assert frame["durationSeconds"] == ended.duration_seconds == 46 * 60
        assert frame["durationMinutes"] == 46
    await alice.disconnect()
    await paula.disconnect()


async def test_a_cancellation_is_told_to_the_other_participant(employee_a, practitioner_p):
    soon = await sync_to_async(open_consultation)(employee_a, practitioner_p, minutes_ago=-10)
    alice, paula = await _both(soon, employee_a, practitioner_p)
    await sync_to_async(services.consultation_cancel)(actor=employee_a, consultation=soon)
    frame = await receive_type(paula, "status")
    assert (frame["event"], frame["status"]) == ("cancelled", "cancelled")
    await alice.disconnect()
    await paula.disconnect()


async def test_a_no_show_is_told(employee_a, practitioner_p, consultation):
    alice, paula = await _both(consultation, employee_a, practitioner_p)
    await sync_to_async(services.consultation_mark_no_show)(
        actor=practitioner_p, consultation=consultation
    )
    frame = await receive_type(alice, "status")
    assert (frame["event"], frame["status"]) == ("no_show", "no_show")
    await alice.disconnect()
    await paula.disconnect()


async def test_the_other_participant_joining_is_told_and_remembered(
    employee_a, practitioner_p, consultation
):
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(paula)
    now = timezone.now()
    await sync_to_async(live.participant_joined)(consultation, employee_a, now=now)
    frame = await receive_type(paula, "status")
    assert (frame["event"], frame["who"]) == ("joined", "employee")
    assert await sync_to_async(live.joined_at)(consultation, "employee") == now
    assert await sync_to_async(live.joined_at)(consultation, "practitioner") is None
    await paula.disconnect()


async def test_nothing_is_pushed_for_a_rolled_back_start(employee_a, practitioner_p, consultation):
    alice, paula = await _both(consultation, employee_a, practitioner_p)

    def start_then_fail():
        with transaction.atomic():
            services.consultation_start(actor=practitioner_p, consultation=consultation)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await sync_to_async(start_then_fail)()
    assert await alice.receive_nothing(timeout=0.5)
    await alice.disconnect()
    await paula.disconnect()


async def test_another_room_hears_nothing(
    employee_a, employee_b, practitioner_p, practitioner_q, consultation
):
    other = await sync_to_async(open_consultation)(employee_b, practitioner_q, minutes_ago=5)
    bob = await ws_for(other.pk, employee_b)
    await joined(bob)
    await sync_to_async(services.consultation_start)(
        actor=practitioner_p, consultation=consultation
    )
    assert await bob.receive_nothing(timeout=0.5)
    await bob.disconnect()


async def test_a_channel_layer_failure_never_fails_the_step(
    employee_a, practitioner_p, consultation, settings, caplog
):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "tests.chat.layers.FailingLayer"}}
    FailingLayer.fail_group_send = True
    try:
        with caplog.at_level(logging.ERROR, logger="consultations.live"):
            started = await sync_to_async(services.consultation_start)(
                actor=practitioner_p, consultation=consultation
            )
    finally:
        FailingLayer.fail_group_send = False
    assert started.status == "in_progress"
    assert "Could not push the status" in caplog.text


def _outside_any_loop(function, *args, **kwargs):
    """`function` in a thread of its own that no event loop runs (a WSGI worker's)."""
    import threading

    result = []
    thread = threading.Thread(target=lambda: result.append(function(*args, **kwargs)))
    thread.start()
    thread.join()
    return result[0]


async def test_a_step_outside_any_event_loop_is_pushed_through_the_process_loop(
    employee_a, practitioner_p, consultation, monkeypatch
):
    alice, paula = await _both(consultation, employee_a, practitioner_p)
    handed = []
    monkeypatch.setattr(live, "async_to_sync", lambda f: handed.append(f) or f)
    started = await asyncio.to_thread(
        _outside_any_loop,
        services.consultation_start,
        actor=practitioner_p,
        consultation=consultation,
    )
    await asyncio.to_thread(
        _outside_any_loop,
        services.consultation_end,
        actor=practitioner_p,
        consultation=started,
        now=started.started_at + timedelta(minutes=46),
    )
    for event in ("started", "ended"):
        for ws in (alice, paula):
            frame = await receive_type(ws, "status")
            assert frame["event"] == event
    assert handed == []  # no loop of its own per push: the process's one loop
    assert _outside_any_loop(live._process_loop) is _outside_any_loop(live._process_loop)
    await alice.disconnect()
    await paula.disconnect()


async def test_a_push_outside_any_event_loop_that_fails_never_fails_the_step(
    employee_a, practitioner_p, consultation, settings, caplog
):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "tests.chat.layers.FailingLayer"}}
    FailingLayer.fail_group_send = True
    try:
        with caplog.at_level(logging.ERROR, logger="consultations.live"):
            started = await asyncio.to_thread(
                _outside_any_loop,
                services.consultation_start,
                actor=practitioner_p,
                consultation=consultation,
            )
    finally:
        FailingLayer.fail_group_send = False
    assert started.status == "in_progress"
    assert "Could not push the status" in caplog.text
