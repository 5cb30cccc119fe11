"""Employee and practitioner chat in two browser pages, through a real daphne process
(pytest-django's live server speaks no websocket)."""

import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from chat.services import message_send
from tests.browser_support import TIMEOUT_MS
from tests.chat.conftest import open_consultation, session_cookie
from tests.chat.servers import daphne_processes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _page_for(browser, port, user):  # noqa: F811
    context = browser.new_context(base_url=f"http://127.0.0.1:{port}", locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": session_cookie(user),
                "domain": "127.0.0.1",
                "path": "/",
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    return context, context.new_page()


def test_employee_and_practitioner_chat_in_two_pages(
    browser,
    employee_a,
    practitioner_p,
    consultation,  # noqa: F811
):
    with daphne_processes(1) as (port,):
        alice_context, alice = _page_for(browser, port, employee_a)
        paula_context, paula = _page_for(browser, port, practitioner_p)
        try:
            errors = []
            alice.on("pageerror", lambda error: errors.append(str(error)))
            for page in (alice, paula):
                page.goto(f"/consultations/{consultation.pk}/chat/")
                expect(page.locator("[data-chat-status]")).to_have_text("Connecté")

            alice.get_by_label("Votre message").fill("Bonjour, je suis un peu stressée")
            expect(paula.locator("[data-chat-typing]")).to_contain_text("écrit…")
            alice.get_by_label("Votre message").press("Enter")
            expect(paula.locator(".chat-log")).to_contain_text("je suis un peu stressée")
            expect(paula.locator("[data-chat-announce]")).to_contain_text("je suis un peu stressée")
            expect(alice.locator(".chat-msg.is-mine")).to_contain_text("stressée")

            paula.get_by_label("Votre message").fill("Bonjour Alice, parlons-en.")
            paula.get_by_role("button", name="Envoyer").click()
            expect(alice.locator(".chat-log")).to_contain_text("parlons-en")
            # Alice saw it: Paula's message gets the read receipt.
            expect(paula.locator("[data-chat-read]")).to_have_text("Lu")

            # A reload shows the same conversation, from the encrypted history.
            alice.reload()
            expect(alice.locator(".chat-msg")).to_have_count(2)
            assert errors == []
        finally:
            alice_context.close()
            paula_context.close()


# The sender's COMMIT held back: the other page shows the message on receipt and
# answers with its read receipt before the sender's confirmation arrives.
_SLOW_COMMIT = (
    "CREATE FUNCTION test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$",
    "CREATE CONSTRAINT TRIGGER test_slow_commit AFTER INSERT ON chat_chatmessage "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_slow_commit()",
)
_FAST_COMMIT = (
    "DROP TRIGGER IF EXISTS test_slow_commit ON chat_chatmessage",
    "DROP FUNCTION IF EXISTS test_slow_commit()",
)


def test_a_read_receipt_before_the_senders_confirmation_still_shows(
    browser,
    employee_a,
    practitioner_p,
    consultation,  # noqa: F811
):
    with daphne_processes(1) as (port,):
        alice_context, alice = _page_for(browser, port, employee_a)
        paula_context, paula = _page_for(browser, port, practitioner_p)
        try:
            for page in (alice, paula):
                page.goto(f"/consultations/{consultation.pk}/chat/")
                expect(page.locator("[data-chat-status]")).to_have_text("Connecté")
            _run(_SLOW_COMMIT)
            try:
                paula.get_by_label("Votre message").fill("Prenez votre temps.")
                paula.get_by_role("button", name="Envoyer").click()
                expect(alice.locator(".chat-log")).to_contain_text("Prenez votre temps")
                # Alice's receipt reached Paula's page while her message was still pending.
                expect(paula.locator(".chat-msg.is-mine:not([data-id])")).to_have_count(1)
                expect(paula.locator(".chat-msg.is-mine[data-id]")).to_have_count(1)
            finally:
                _run(_FAST_COMMIT)
            expect(paula.locator(".chat-msg.is-mine [data-chat-read]")).to_have_text("Lu")
        finally:
            alice_context.close()
            paula_context.close()


def test_a_closed_chat_shows_its_history_read_only(browser, employee_a, practitioner_p):  # noqa: F811
    consultation = open_consultation(employee_a, practitioner_p, minutes_ago=60 * 30)
    message_send(
        sender=practitioner_p,
        consultation=consultation,
        body="À la semaine prochaine",
        client_message_id="old-1",
        now=consultation.scheduled_at + timedelta(minutes=5),
    )
    with daphne_processes(1) as (port,):
        context, page = _page_for(browser, port, employee_a)
        try:
            page.goto(f"/consultations/{consultation.pk}/chat/")
            expect(page.locator("[data-chat-status]")).to_contain_text("fermée")
            expect(page.locator(".chat-log")).to_contain_text("À la semaine prochaine")
            expect(page.get_by_label("Votre message")).to_be_hidden()
        finally:
            context.close()


# Every chat message's COMMIT fails while this deferred trigger exists (its insert does
# not): the database losing the commit after the early delivery.
_DOOM = (
    "CREATE FUNCTION test_doomed_commit() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'commit refused'; END $$",
    "CREATE CONSTRAINT TRIGGER test_doomed_commit AFTER INSERT ON chat_chatmessage "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_doomed_commit()",
)
_HEAL = (
    "DROP TRIGGER IF EXISTS test_doomed_commit ON chat_chatmessage",
    "DROP FUNCTION IF EXISTS test_doomed_commit()",
)

# Counts the messages the log adds and removes (window.chatSeen).
_WATCH_LOG = """() => {
  window.chatSeen = { added: 0, removed: 0 };
  const count = (nodes, key) => nodes.forEach((node) => {
    if (node.classList && node.classList.contains("chat-msg")) { window.chatSeen[key] += 1; }
  });
  new MutationObserver((changes) => changes.forEach((change) => {
    count(change.addedNodes, "added");
    count(change.removedNodes, "removed");
  })).observe(document.querySelector("[data-chat-log]"), { childList: true });
}"""


def _wait_until(condition):
    """Polls `condition` (the page's CSP forbids the eval wait_for_function polls with)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _run(statements):
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def test_a_message_whose_commit_failed_is_retracted_then_shown_once(
    browser,
    employee_a,
    practitioner_p,
    consultation,  # noqa: F811
):
    from chat.models import ChatMessage

    with daphne_processes(1) as (port,):
        alice_context, alice = _page_for(browser, port, employee_a)
        paula_context, paula = _page_for(browser, port, practitioner_p)
        try:
            errors = []
            for page in (alice, paula):
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.goto(f"/consultations/{consultation.pk}/chat/")
                expect(page.locator("[data-chat-status]")).to_have_text("Connecté")
            paula.evaluate(_WATCH_LOG)
            _run(_DOOM)
            try:
                alice.get_by_label("Votre message").fill("Tenez bon")
                alice.get_by_label("Votre message").press("Enter")
                # Paula's page showed it on insert, then took it back when the commit failed.
                _wait_until(lambda: paula.evaluate("() => window.chatSeen.removed") >= 1)
                # Alice's stays on screen, pending, to be resent.
                expect(alice.locator(".chat-msg.is-mine")).to_contain_text("Tenez bon")
            finally:
                _run(_HEAL)
            # Alice's page reconnects and resends it: stored once, shown once on both.
            expect(alice.locator(".chat-msg.is-mine[data-id]")).to_have_count(1)
            expect(paula.locator(".chat-msg")).to_have_count(1)
            expect(paula.locator(".chat-msg")).to_contain_text("Tenez bon")
            assert ChatMessage.objects.count() == 1
            assert errors == []
        finally:
            alice_context.close()
            paula_context.close()
