"""A sign-in's end closes its chat sockets at once, with 4401 (accounts.session_end):
the session's own sockets for a logout or a revoked token session, every socket of
the user for a new password, deactivation, a role change or an MFA authenticator
removed. Sockets of other sessions stay open for session-scoped events."""

import asyncio
import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from chat.access import CLOSE_UNAUTHENTICATED
from chat.tickets import ticket_issue
from companies.services import member_deactivate
from tests.chat.conftest import (
    communicator,
    joined,
    receive_type,
    refused_with,
    send,
    session_cookie,
    ws_for,
)
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.asyncio,
]

CLOSED = {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
LOGIN = "/_allauth/app/v1/auth/login"
SESSION = "/_allauth/app/v1/auth/session"
REFRESH = "/_allauth/app/v1/tokens/refresh"


@sync_to_async
def portal(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def cookie_socket(consultation, client):
    ws = communicator(consultation.pk, cookie=client.cookies["sessionid"].value)
    await joined(ws)
    return ws


@sync_to_async
def api_sign_in(user):
    response = Client().post(
        LOGIN,
        json.dumps({"email": user.email, "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    meta = response.json()["meta"]
    return meta["access_token"], meta["refresh_token"]


@sync_to_async
def api_ticket(consultation, access):
    response = Client().post(
        f"/api/v1/consultations/{consultation.pk}/chat-ticket",
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )
    assert response.status_code == 201, response.content
    return response.json()["ticket"]


async def ticket_socket(consultation, ticket):
    ws = communicator(consultation.pk)
    connected, _ = await ws.connect(timeout=3)
    assert connected
    await ws.send_to(text_data=json.dumps({"type": "auth", "ticket": ticket}))
    assert (await ws.receive_json_from(timeout=3))["type"] == "ready"
    assert (await ws.receive_json_from(timeout=3))["type"] == "history"
    return ws


async def closed_at_once(ws):
    assert await ws.receive_output(timeout=1) == CLOSED


async def still_open(ws, consultation, user):
    """Still joined: it gets the next message of the other participant."""
    other = await ws_for(consultation.pk, user)
    await joined(other)
    await send(other, "toujours là ?", "still-open")
    assert (await receive_type(ws, "message"))["body"] == "toujours là ?"
    await other.disconnect()


# --- Session-scoped: that device only ----------------------------------------------


async def test_portal_logout_closes_that_sessions_socket_only(
    employee_a, practitioner_p, consultation
):
    laptop, phone = await portal(employee_a), await portal(employee_a)
    on_laptop, on_phone = (
        await cookie_socket(consultation, laptop),
        await cookie_socket(consultation, phone),
    )
    response = await sync_to_async(laptop.post)(reverse("account_logout"))
    assert response.status_code == 302
    await closed_at_once(on_laptop)
    await still_open(on_phone, consultation, practitioner_p)
    await on_phone.disconnect()


async def test_api_logout_closes_the_token_sessions_socket_only(
    employee_a, practitioner_p, consultation
):
    access, _refresh = await api_sign_in(employee_a)
    app = await ticket_socket(consultation, await api_ticket(consultation, access))
    browser = await cookie_socket(consultation, await portal(employee_a))
    response = await sync_to_async(Client().delete)(SESSION, HTTP_AUTHORIZATION=f"Bearer {access}")
    assert response.status_code == 401  # allauth: signed out
    await closed_at_once(app)
    await still_open(browser, consultation, practitioner_p)
    await browser.disconnect()


async def test_a_reused_refresh_token_closes_the_revoked_sessions_socket(
    employee_a, practitioner_p, consultation
):
    access, refresh = await api_sign_in(employee_a)
    app = await ticket_socket(consultation, await api_ticket(consultation, access))
    browser = await cookie_socket(consultation, await portal(employee_a))

    @sync_to_async
    def refresh_with(token):
        return Client().post(
            REFRESH, json.dumps({"refresh_token": token}), content_type="application/json"
        )

    assert (await refresh_with(refresh)).status_code == 200  # rotated
    assert (await refresh_with(refresh)).status_code != 200  # reused: session revoked
    await closed_at_once(app)
    await still_open(browser, consultation, practitioner_p)
    await browser.disconnect()


async def test_a_ticket_of_a_session_that_ended_opens_nothing(employee_a, consultation):
    access, _refresh = await api_sign_in(employee_a)
    ticket = await api_ticket(consultation, access)
    await sync_to_async(Client().delete)(SESSION, HTTP_AUTHORIZATION=f"Bearer {access}")
    ws = communicator(consultation.pk)
    await ws.connect(timeout=3)
    await ws.send_to(text_data=json.dumps({"type": "auth", "ticket": ticket}))
    assert await ws.receive_output(timeout=2) == CLOSED


# --- User-scoped: every device -------------------------------------------------------


@sync_to_async
def change_password_in_portal(client):
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "another-horse-battery-2027",
            "password2": "another-horse-battery-2027",
        },
    )
    assert response.status_code == 302, response.content


@sync_to_async
def set_password_as_staff(user):
    user.set_password("set-by-the-staff-2027!")
    user.save()


@sync_to_async
def deactivate(hr, user):
    member_deactivate(actor=hr, member=user)


@sync_to_async
def change_role(user):
    user.role = Role.COMPANY_RH
    user.save(update_fields=["role"])


@pytest.mark.parametrize("event", ["portal_password", "staff_password", "deactivation", "role"])
async def test_user_events_close_every_socket_of_the_user(
    employee_a, hr_acme, practitioner_p, consultation, event
):
    laptop = await portal(employee_a)
    on_laptop = await cookie_socket(consultation, laptop)
    on_phone = await cookie_socket(consultation, await portal(employee_a))
    access, _refresh = await api_sign_in(employee_a)
    app = await ticket_socket(consultation, await api_ticket(consultation, access))
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(paula)
    if event == "portal_password":
        await change_password_in_portal(laptop)
    elif event == "staff_password":
        await set_password_as_staff(employee_a)
    elif event == "deactivation":
        await deactivate(hr_acme, employee_a)
    else:
        await change_role(employee_a)
    for ws in (on_laptop, on_phone, app):
        await closed_at_once(ws)
    # The other participant's socket is not hers: it stays.
    await send(paula, "encore là", "paula-1")
    assert (await receive_type(paula, "message"))["body"] == "encore là"
    await paula.disconnect()


@pytest.mark.parametrize("how", ["staff_deletes_it", "recovery_codes_regenerated"])
async def test_removing_an_mfa_authenticator_closes_every_socket_of_the_user(
    employee_a, practitioner_p, consultation, how
):
    @sync_to_async
    def enrol():
        TOTP.activate(practitioner_p, generate_totp_secret())

    @sync_to_async
    def remove():
        if how == "staff_deletes_it":
            Authenticator.objects.get(user=practitioner_p, type="totp").delete()
        else:  # what allauth's regenerate view does first
            Authenticator.objects.filter(user=practitioner_p, type="recovery_codes").delete()

    await enrol()

    @sync_to_async
    def recovery_codes():
        from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

        RecoveryCodes.activate(practitioner_p)

    await recovery_codes()
    first = await cookie_socket(consultation, await portal(practitioner_p))
    second = await cookie_socket(consultation, await portal(practitioner_p))
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    await remove()
    await closed_at_once(first)
    await closed_at_once(second)
    await still_open(alice, consultation, practitioner_p)
    await alice.disconnect()


async def test_saving_a_user_without_a_sign_in_change_closes_nothing(
    employee_a, practitioner_p, consultation
):
    alice = await cookie_socket(consultation, await portal(employee_a))

    @sync_to_async
    def rename():
        employee_a.first_name = "Alicia"
        employee_a.save()

    await rename()
    await still_open(alice, consultation, practitioner_p)
    await alice.disconnect()


# --- Deliveries after the end (item 3) ------------------------------------------------


async def test_a_deactivated_employees_socket_receives_nothing_after_the_commit(
    employee_a, hr_acme, practitioner_p, consultation
):
    alice = await ws_for(consultation.pk, employee_a)
    await joined(alice)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(paula)
    await deactivate(hr_acme, employee_a)
    await send(paula, "après le départ", "p-after")
    await paula.send_to(text_data=json.dumps({"type": "typing", "active": True}))
    assert (await receive_type(paula, "message"))["body"] == "après le départ"
    assert await alice.receive_output(timeout=1) == CLOSED
    assert await alice.receive_nothing(timeout=0.3)
    await paula.disconnect()


# --- The MFA-enrolment gate (item 2) ---------------------------------------------------


@pytest.fixture
def mfa_required_for_practitioners(settings):
    settings.HUNTZEN_MFA_REQUIRED_ROLES = ["R4_PRACTITIONER"]


async def test_a_practitioner_held_at_mfa_enrolment_is_refused_with_a_cookie(
    practitioner_p, consultation, mfa_required_for_practitioners
):
    ws = await ws_for(consultation.pk, practitioner_p)
    assert await refused_with(ws) == CLOSE_UNAUTHENTICATED


async def test_a_practitioner_held_at_mfa_enrolment_gets_no_ticket_and_no_socket(
    practitioner_p, consultation, mfa_required_for_practitioners
):
    client = await portal(practitioner_p)
    response = await sync_to_async(client.post)(
        f"/api/v1/consultations/{consultation.pk}/chat-ticket"
    )
    assert response.status_code == 403  # accounts.permissions.MfaEnrolled
    # A ticket issued before MFA became required opens nothing either.
    ticket = await sync_to_async(ticket_issue)(
        user=practitioner_p,
        consultation=consultation,
        session_key=client.cookies["sessionid"].value,
    )
    ws = communicator(consultation.pk)
    await ws.connect(timeout=3)
    await ws.send_to(text_data=json.dumps({"type": "auth", "ticket": ticket}))
    assert await ws.receive_output(timeout=2) == CLOSED


async def test_an_enrolled_practitioner_is_let_in(
    practitioner_p, consultation, mfa_required_for_practitioners
):
    await sync_to_async(TOTP.activate)(practitioner_p, generate_totp_secret())
    ws = await ws_for(consultation.pk, practitioner_p)
    await joined(ws)
    ticket = await sync_to_async(ticket_issue)(
        user=practitioner_p,
        consultation=consultation,
        session_key=await sync_to_async(session_cookie)(practitioner_p),
    )
    app = await ticket_socket(consultation, ticket)
    await ws.disconnect()
    await app.disconnect()


async def test_a_lost_end_is_caught_by_the_periodic_recheck(
    employee_a, practitioner_p, consultation, monkeypatch
):
    from accounts import session_end
    from chat import consumers

    monkeypatch.setattr(session_end, "_broadcast", lambda group: None)
    now = [1000.0]
    monkeypatch.setattr(consumers.ChatConsumer, "clock", staticmethod(lambda: now[0]))
    laptop = await portal(employee_a)
    alice = await cookie_socket(consultation, laptop)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(paula)
    await sync_to_async(laptop.post)(reverse("account_logout"))
    now[0] += consumers.RECHECK_DELIVERIES_AFTER
    await send(paula, "personne ?", "lost-1")
    assert await alice.receive_output(timeout=2) == CLOSED
    await paula.disconnect()


async def test_each_check_draws_its_background_recheck_within_the_bounds():
    """Drawn anew per check, between RECHECK_FROM and RECHECK_UNTIL after it, which
    stays under the bound events wait at: sockets checked in the same second spread
    their next re-checks over the interval."""
    from chat import consumers

    assert 0 < consumers.RECHECK_FROM < consumers.RECHECK_UNTIL
    assert consumers.RECHECK_UNTIL < consumers.RECHECK_DELIVERIES_AFTER
    sockets = [consumers.ChatConsumer() for _ in range(400)]
    for socket in sockets:
        socket._checked(1000.0)
    due = [socket.recheck_at - 1000.0 for socket in sockets]
    assert all(consumers.RECHECK_FROM <= d <= consumers.RECHECK_UNTIL for d in due)
    assert all(socket.checked_at == 1000.0 for socket in sockets)
    # 400 uniform draws over 8 s: the chance that they span less than 6 s is ~1e-48.
    width = consumers.RECHECK_UNTIL - consumers.RECHECK_FROM
    assert max(due) - min(due) > 0.75 * width
    # No second holds more than a fifth of them (400 over 8 s: about 50 each).
    per_second = {}
    for d in due:
        per_second[int(d)] = per_second.get(int(d), 0) + 1
    assert max(per_second.values()) < 80


async def test_an_event_before_the_drawn_point_is_not_rechecked(
    employee_a, practitioner_p, consultation, monkeypatch
):
    from chat import consumers

    now = [1000.0]
    monkeypatch.setattr(consumers.ChatConsumer, "clock", staticmethod(lambda: now[0]))
    calls = []
    recheck = consumers._recheck

    async def counted(*args, **kwargs):
        calls.append(args)
        return await recheck(*args, **kwargs)

    monkeypatch.setattr(consumers, "_recheck", counted)
    monkeypatch.setattr(consumers, "_recheck_background", counted)
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    now[0] += consumers.RECHECK_FROM - 0.5
    await send(paula, "encore tôt", "early-1")
    assert (await receive_type(alice, "message"))["body"] == "encore tôt"
    assert (await receive_type(paula, "message"))["clientMessageId"] == "early-1"
    assert calls == []
    await alice.disconnect()
    await paula.disconnect()


async def test_past_its_drawn_point_an_event_is_delivered_while_the_recheck_runs(
    employee_a, practitioner_p, consultation, monkeypatch
):
    """From the socket's drawn point (and within RECHECK_DELIVERIES_AFTER), an event
    is delivered at once while the re-check it started runs (here held until
    released); the decision then dates from the check's start."""
    from chat import consumers

    now = [1000.0]
    monkeypatch.setattr(consumers.ChatConsumer, "clock", staticmethod(lambda: now[0]))
    started, release = asyncio.Event(), asyncio.Event()
    recheck = consumers._recheck_background

    async def held(*args, **kwargs):
        started.set()
        await release.wait()
        return await recheck(*args, **kwargs)

    monkeypatch.setattr(consumers, "_recheck_background", held)
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    now[0] += consumers.RECHECK_UNTIL
    await send(paula, "tout de suite", "fresh-1")
    assert (await receive_type(alice, "message"))["body"] == "tout de suite"
    assert started.is_set() and not release.is_set()
    release.set()
    assert await alice.receive_nothing(timeout=0.5)  # still signed in: stays open
    await alice.disconnect()
    await paula.disconnect()


async def test_a_lost_end_is_caught_by_the_background_recheck_without_another_event(
    employee_a, practitioner_p, consultation, monkeypatch
):
    """The logout's broadcast lost: the first event past the socket's drawn point
    starts the re-check, which finds the session gone and closes the socket, before
    RECHECK_DELIVERIES_AFTER and with no further event."""
    from accounts import session_end
    from chat import consumers

    monkeypatch.setattr(session_end, "_broadcast", lambda group: None)
    now = [1000.0]
    monkeypatch.setattr(consumers.ChatConsumer, "clock", staticmethod(lambda: now[0]))
    laptop = await portal(employee_a)
    alice = await cookie_socket(consultation, laptop)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(paula)
    await sync_to_async(laptop.post)(reverse("account_logout"))
    now[0] += consumers.RECHECK_UNTIL
    await send(paula, "personne ?", "lost-2")
    while (output := await alice.receive_output(timeout=2))["type"] != "websocket.close":
        assert output["type"] == "websocket.send"  # the event it started with
    assert output == CLOSED
    # Paula, still signed in, has her confirmation and stays open.
    assert (await receive_type(paula, "message"))["clientMessageId"] == "lost-2"
    assert await paula.receive_nothing(timeout=0.3)
    await paula.disconnect()


async def test_a_failed_background_recheck_leaves_the_bound_to_the_waiting_one(
    employee_a, practitioner_p, consultation, monkeypatch
):
    """A fault of the background re-check does not extend the decision: the first event
    at RECHECK_DELIVERIES_AFTER waits for a check, which here finds the session gone."""
    from django.db import OperationalError

    from accounts import session_end
    from chat import consumers

    monkeypatch.setattr(session_end, "_broadcast", lambda group: None)
    now = [1000.0]
    monkeypatch.setattr(consumers.ChatConsumer, "clock", staticmethod(lambda: now[0]))
    recheck = consumers._recheck_background
    faults = []

    async def failing_once(user_id, *args, **kwargs):
        if user_id == employee_a.pk and not faults:  # Alice's first re-check only
            faults.append(user_id)
            raise OperationalError("database down")
        return await recheck(user_id, *args, **kwargs)

    monkeypatch.setattr(consumers, "_recheck_background", failing_once)
    laptop = await portal(employee_a)
    alice = await cookie_socket(consultation, laptop)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(paula)
    await sync_to_async(laptop.post)(reverse("account_logout"))
    now[0] += consumers.RECHECK_UNTIL
    await send(paula, "une", "fault-1")
    assert (await receive_type(alice, "message"))["clientMessageId"] == "fault-1"
    assert len(faults) == 1
    now[0] += 1.0  # past the drawn point still, not at the bound: no new check
    await send(paula, "deux", "fault-2")
    assert (await receive_type(alice, "message"))["clientMessageId"] == "fault-2"
    now[0] += consumers.RECHECK_DELIVERIES_AFTER - consumers.RECHECK_UNTIL
    await send(paula, "trois", "fault-3")
    assert await alice.receive_output(timeout=2) == CLOSED
    await paula.disconnect()


async def test_at_the_bound_an_event_waits_for_the_background_recheck_still_running(
    employee_a, practitioner_p, consultation, monkeypatch
):
    """A background re-check not back by RECHECK_DELIVERIES_AFTER: the next event waits
    for it (no second check), then is delivered on its answer."""
    from chat import consumers

    now = [1000.0]
    monkeypatch.setattr(consumers.ChatConsumer, "clock", staticmethod(lambda: now[0]))
    release = asyncio.Event()
    background, waiting = [], []
    recheck_background, recheck = consumers._recheck_background, consumers._recheck

    async def held(user_id, *args, **kwargs):
        background.append(user_id)
        if user_id == employee_a.pk:
            await release.wait()
        return await recheck_background(user_id, *args, **kwargs)

    async def counted(user_id, *args, **kwargs):
        waiting.append(user_id)
        return await recheck(user_id, *args, **kwargs)

    monkeypatch.setattr(consumers, "_recheck_background", held)
    monkeypatch.setattr(consumers, "_recheck", counted)
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    now[0] += consumers.RECHECK_UNTIL
    await send(paula, "une", "bound-1")
    assert (await receive_type(alice, "message"))["clientMessageId"] == "bound-1"
    assert (await receive_type(paula, "message"))["clientMessageId"] == "bound-1"
    now[0] += consumers.RECHECK_DELIVERIES_AFTER - consumers.RECHECK_UNTIL
    await send(paula, "deux", "bound-2")
    assert (await receive_type(paula, "message"))["clientMessageId"] == "bound-2"
    assert await alice.receive_nothing(timeout=0.3)  # held with the check
    release.set()
    assert (await receive_type(alice, "message"))["clientMessageId"] == "bound-2"
    assert background.count(employee_a.pk) == 1
    assert employee_a.pk not in waiting
    await alice.disconnect()
    await paula.disconnect()


# The loop's timer at the drawn point: real time, the draw pinned a little ahead.
TIMER_AT = 1.5  # seconds after the check: room for the joins, a message, a logout


def recheck_after(monkeypatch, seconds):
    from chat import consumers

    monkeypatch.setattr(consumers, "RECHECK_FROM", seconds)
    monkeypatch.setattr(consumers, "RECHECK_UNTIL", seconds)


def counted_rechecks(monkeypatch, *, failing_for=None):
    """(background calls, waiting calls): the user ids each re-check ran for; those of
    the user id `failing_for` raise OperationalError (the database down)."""
    from django.db import OperationalError

    from chat import consumers

    background, waiting = [], []
    recheck_background, recheck = consumers._recheck_background, consumers._recheck

    def counted(calls, check):
        async def call(user_id, *args, **kwargs):
            calls.append(user_id)
            if user_id == failing_for:
                raise OperationalError("database down")
            return await check(user_id, *args, **kwargs)

        return call

    monkeypatch.setattr(consumers, "_recheck_background", counted(background, recheck_background))
    monkeypatch.setattr(consumers, "_recheck", counted(waiting, recheck))
    return background, waiting


async def test_the_timer_rechecks_an_active_socket_without_another_event(
    employee_a, practitioner_p, consultation, monkeypatch
):
    """The logout's broadcast lost: at the socket's drawn point, the loop's timer starts
    the background re-check of a socket that had an event since its last check; it
    finds the session gone and closes the socket, with no further event and no event
    waiting for it."""
    from accounts import session_end

    monkeypatch.setattr(session_end, "_broadcast", lambda group: None)
    recheck_after(monkeypatch, TIMER_AT)
    background, waiting = counted_rechecks(monkeypatch)
    laptop = await portal(employee_a)
    alice = await cookie_socket(consultation, laptop)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(paula)
    await send(paula, "bonjour", "timer-1")
    assert (await receive_type(alice, "message"))["clientMessageId"] == "timer-1"
    await sync_to_async(laptop.post)(reverse("account_logout"))
    assert background == [], "the setup outlasted the drawn point: raise TIMER_AT"
    assert await alice.receive_output(timeout=TIMER_AT + 3) == CLOSED
    assert employee_a.pk in background and waiting == []
    # Paula, still signed in, stays open.
    assert (await receive_type(paula, "message"))["clientMessageId"] == "timer-1"
    assert await paula.receive_nothing(timeout=0.3)
    await paula.disconnect()


async def test_an_idle_socket_is_not_rechecked_by_its_timer(
    employee_a, practitioner_p, consultation, monkeypatch
):
    """No event since its last check: the timer queries nothing; the socket's next
    event (past the drawn point, before RECHECK_DELIVERIES_AFTER) starts the re-check
    in the background and is delivered at once, as before."""
    recheck_after(monkeypatch, 0.2)
    background, waiting = counted_rechecks(monkeypatch)
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    await asyncio.sleep(0.6)  # past both sockets' drawn points
    assert background == [] and waiting == []
    await send(paula, "tu es là ?", "idle-1")
    assert (await receive_type(alice, "message"))["clientMessageId"] == "idle-1"
    assert (await receive_type(paula, "message"))["clientMessageId"] == "idle-1"
    assert sorted(background) == sorted([employee_a.pk, practitioner_p.pk])
    assert waiting == []
    await alice.disconnect()
    await paula.disconnect()


async def test_disconnect_cancels_the_recheck_timer(
    employee_a, practitioner_p, consultation, monkeypatch
):
    """No timer outlives its socket: once disconnected, the drawn point passes without
    the timer firing."""
    from chat import consumers

    recheck_after(monkeypatch, 0.5)
    fired = []
    monkeypatch.setattr(consumers.ChatConsumer, "_recheck_due", lambda self: fired.append(self))
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    await joined(paula)
    await send(paula, "au revoir", "bye-1")
    assert (await receive_type(alice, "message"))["clientMessageId"] == "bye-1"
    await alice.disconnect()
    await paula.disconnect()
    await asyncio.sleep(1.0)
    assert fired == []


async def test_a_socket_closed_by_a_refusal_keeps_no_recheck_timer(
    employee_a, practitioner_p, consultation, monkeypatch
):
    """A socket closed by the server (here its session's end) drops its timer at once,
    before its disconnect."""
    from chat import consumers

    recheck_after(monkeypatch, 0.5)
    fired = []
    monkeypatch.setattr(consumers.ChatConsumer, "_recheck_due", lambda self: fired.append(self))
    laptop = await portal(employee_a)
    alice = await cookie_socket(consultation, laptop)
    await sync_to_async(laptop.post)(reverse("account_logout"))
    assert await alice.receive_output(timeout=2) == CLOSED
    await asyncio.sleep(1.0)
    assert fired == []


async def test_a_failed_timer_recheck_leaves_the_bound_to_the_waiting_one(
    employee_a, practitioner_p, consultation, monkeypatch
):
    """A database fault in the timer's re-check: the decision stays as it was (delivered
    on), the timer does not try again before the bound, and the first event at
    RECHECK_DELIVERIES_AFTER waits for a check, whose fault closes the socket with 4503
    (`error unavailable` first)."""
    from chat import consumers
    from chat.access import CLOSE_UNAVAILABLE

    bound = 2 * TIMER_AT
    recheck_after(monkeypatch, TIMER_AT)
    monkeypatch.setattr(consumers, "RECHECK_DELIVERIES_AFTER", bound)
    background, waiting = counted_rechecks(monkeypatch, failing_for=employee_a.pk)
    loop = asyncio.get_running_loop()
    alice = await ws_for(consultation.pk, employee_a)
    paula = await ws_for(consultation.pk, practitioner_p)
    await joined(alice)
    alice_joined = loop.time()
    await joined(paula)
    await send(paula, "une", "fault-timer-1")
    assert (await receive_type(alice, "message"))["clientMessageId"] == "fault-timer-1"
    assert (await receive_type(paula, "message"))["clientMessageId"] == "fault-timer-1"
    assert background == [], "the setup outlasted the drawn point: raise TIMER_AT"
    # Alice's timer fired and its re-check failed; not at the bound yet.
    await asyncio.sleep(alice_joined + TIMER_AT + 0.4 - loop.time())
    assert background.count(employee_a.pk) == 1 and waiting == []
    await asyncio.sleep(alice_joined + bound + 0.2 - loop.time())
    assert background.count(employee_a.pk) == 1  # not retried before the bound
    await send(paula, "deux", "fault-timer-2")
    assert (await receive_type(alice, "error"))["code"] == "unavailable"
    assert await alice.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_UNAVAILABLE,
    }
    assert employee_a.pk in waiting
