"""The consultation room in Chromium, employee and practitioner in two pages, through a
real daphne process (the live status comes over the chat's websocket; pytest-django's
live server speaks no websocket). Jitsi leaves the process: its script is served by a
stand-in through Playwright routing, or blocked to test the fallback."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consultations.models import Consultation
from consultations.video import room_name
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from tests.chat.conftest import open_consultation, session_cookie
from tests.chat.servers import daphne_processes
from tests.consultations.factories import book

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "room"
JITSI_SCRIPT = "https://meet.jit.si/external_api.js"
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Stands in for Jitsi's external API: records what the page asked for, draws a box.
JITSI_STAND_IN = """
window.JitsiMeetExternalAPI = function (domain, options) {
  var box = document.createElement("div");
  box.className = "jitsi-stand-in";
  box.textContent = "Jitsi " + domain + " / " + options.roomName;
  box.style.cssText = "color:#fff;padding:1rem;height:100%;box-sizing:border-box";
  options.parentNode.appendChild(box);
  window.__jitsi = { domain: domain, options: options, disposed: false };
  this.dispose = function () { window.__jitsi.disposed = true; box.remove(); };
};
"""


def _page(browser, port, user, *, viewport=WIDE, locale="fr-FR", jitsi="stand-in"):
    context = browser.new_context(
        base_url=f"http://127.0.0.1:{port}", locale=locale, viewport=viewport
    )
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
    if jitsi == "stand-in":
        context.route(
            JITSI_SCRIPT,
            lambda route: route.fulfill(
                status=200, content_type="application/javascript", body=JITSI_STAND_IN
            ),
        )
    else:
        context.route(JITSI_SCRIPT, lambda route: route.abort())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def test_two_pages_follow_the_consultation_live(browser, employee_a, practitioner_p):
    consultation = open_consultation(employee_a, practitioner_p, minutes_ago=2)
    url = f"/consultations/{consultation.pk}/room/"
    with daphne_processes(1) as (port,):
        alice_context, alice, alice_errors = _page(browser, port, employee_a)
        paula_context, paula, paula_errors = _page(browser, port, practitioner_p)
        try:
            alice.goto(url)
            expect(alice.locator("[data-chat-status]")).to_have_text("Connecté")
            expect(alice.locator(".jitsi-stand-in")).to_contain_text(room_name(consultation))
            expect(alice.locator("[data-room-status]")).to_have_text(
                "La séance commence dès que Paula Test vous rejoint."
            )
            options = alice.evaluate("window.__jitsi.options")
            assert options["roomName"] == room_name(consultation)
            assert options["configOverwrite"]["fileRecordingsEnabled"] is False
            assert options["configOverwrite"]["hideLobbyButton"] is True
            alice.evaluate("window.__notReloaded = true")

            paula.goto(url)
            expect(paula.locator("[data-room-status]")).to_have_text("Alice est dans la salle.")
            expect(paula.locator("[data-chat-status]")).to_have_text("Connecté")
            # The practitioner's arrival is pushed to the employee's page.
            expect(alice.locator("[data-room-status]")).to_have_text(
                "Paula Test a rejoint la salle."
            )
            _shot(paula, "practitioner-before-start-1280")

            # One action: join and start.
            paula.get_by_role("button", name="Rejoindre et démarrer la séance").click()
            expect(paula.locator(".messages")).to_contain_text("La séance a commencé")
            expect(paula.locator(".jitsi-stand-in")).to_be_visible()
            assert paula.evaluate("window.__jitsi.options.configOverwrite.localRecording") == {
                "disable": True
            }
            expect(alice.locator("[data-room-status]")).to_contain_text("La séance a commencé à ")
            consultation.refresh_from_db()
            assert consultation.status == Consultation.Status.IN_PROGRESS

            # Video and chat side by side at 1280 px.
            expect(paula.locator("[data-chat-status]")).to_have_text("Connecté")
            video = alice.locator(".room-video").bounding_box()
            chat = alice.locator(".room-chat").bounding_box()
            assert chat["x"] >= video["x"] + video["width"] - 1
            assert abs(chat["y"] - video["y"]) < 5
            alice.get_by_label("Votre message").fill("Je vous entends mal, j'écris ici.")
            alice.get_by_label("Votre message").press("Enter")
            expect(paula.locator(".chat-log")).to_contain_text("je vous entends mal".capitalize())
            _shot(alice, "employee-in-session-1280")
            _shot(paula, "practitioner-in-session-1280")

            # "Terminer" asks first; then the duration is recorded and shown.
            paula.get_by_text("Terminer la séance", exact=True).click()
            expect(paula.get_by_text("Terminer la séance maintenant ?")).to_be_visible()
            _shot(paula, "practitioner-end-confirm-1280")
            paula.get_by_role("button", name="Oui, terminer").click()
            expect(paula.locator(".messages")).to_contain_text("Durée enregistrée")
            expect(
                paula.get_by_role("link", name="Écrire la note de cette consultation")
            ).to_be_visible()
            consultation.refresh_from_db()
            assert consultation.status == Consultation.Status.COMPLETED
            minutes = consultation.duration_minutes
            # The employee's page follows without a reload: status, no more video.
            expect(alice.locator("[data-room-status]")).to_have_text(
                f"Séance terminée. Durée enregistrée : {minutes} min."
            )
            expect(alice.locator(".room-video")).to_be_hidden()
            assert alice.evaluate("window.__jitsi.disposed") is True
            assert alice.evaluate("window.__notReloaded") is True
            _shot(alice, "employee-ended-1280")
            _shot(paula, "practitioner-ended-1280")
            assert alice_errors == [] and paula_errors == []
        finally:
            alice_context.close()
            paula_context.close()


def test_a_cancellation_reaches_the_other_page(browser, employee_a, practitioner_p):
    consultation = open_consultation(employee_a, practitioner_p, minutes_ago=-10)
    url = f"/consultations/{consultation.pk}/room/"
    with daphne_processes(1) as (port,):
        alice_context, alice, _errors = _page(browser, port, employee_a)
        paula_context, paula, _errors = _page(browser, port, practitioner_p)
        try:
            paula.goto(url)
            expect(paula.locator("[data-chat-status]")).to_have_text("Connecté")
            paula.evaluate("window.__notReloaded = true")
            alice.goto(f"/consultations/{consultation.pk}/")
            alice.get_by_text("Annuler ce rendez-vous").click()
            alice.get_by_role("button", name="Confirmer l'annulation").click()
            expect(paula.locator("[data-room-status]")).to_have_text(
                "Cette consultation a été annulée."
            )
            expect(
                paula.get_by_role("button", name="Rejoindre et démarrer la séance")
            ).to_be_hidden()
            assert paula.evaluate("window.__notReloaded") is True
        finally:
            alice_context.close()
            paula_context.close()


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
def test_when_jitsi_cannot_load_the_chat_still_works(browser, employee_a, practitioner_p, viewport):
    consultation = open_consultation(employee_a, practitioner_p, minutes_ago=2)
    url = f"/consultations/{consultation.pk}/room/"
    width = viewport["width"]
    with daphne_processes(1) as (port,):
        alice_context, alice, alice_errors = _page(
            browser, port, employee_a, viewport=viewport, jitsi="blocked"
        )
        paula_context, paula, _errors = _page(browser, port, practitioner_p, viewport=viewport)
        try:
            alice.goto(url)
            failed = alice.locator("[data-video-failed]")
            expect(failed).to_be_visible()
            expect(failed).to_contain_text("La vidéo n’a pas pu se charger ici")
            link = failed.get_by_role("link", name="Ouvrir la salle vidéo dans un nouvel onglet")
            assert link.get_attribute("href") == f"https://meet.jit.si/{room_name(consultation)}"
            expect(alice.locator("[data-video-loading]")).to_have_count(0)
            paula.goto(url)
            expect(alice.locator("[data-chat-status]")).to_have_text("Connecté")
            expect(paula.locator("[data-chat-status]")).to_have_text("Connecté")
            alice.get_by_label("Votre message").fill("La vidéo ne marche pas chez moi.")
            alice.get_by_label("Votre message").press("Enter")
            expect(paula.locator(".chat-log")).to_contain_text("La vidéo ne marche pas")
            if width == 390:  # stacked on a phone: the chat below the video's place
                video = alice.locator(".room-video").bounding_box()
                chat = alice.locator(".room-chat").bounding_box()
                assert chat["y"] >= video["y"] + video["height"] - 1
                assert alice.evaluate("document.documentElement.scrollWidth") <= width
            # The employee keeps the crisis numbers in view.
            expect(
                alice.get_by_role("link", name="3114 prévention du suicide, 24h/24")
            ).to_be_visible()
            _shot(alice, f"employee-jitsi-blocked-{width}")
            assert alice_errors == []
        finally:
            alice_context.close()
            paula_context.close()


@pytest.mark.parametrize(
    "locale,opens,prepare",
    [
        ("fr-FR", "La salle ouvre à", "Pour vous préparer"),
        ("en-US", "The room opens at", "To get ready"),
    ],
)
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
def test_before_the_window_a_countdown_and_what_to_prepare(
    browser, employee_a, practitioner_p, locale, opens, prepare, viewport
):
    start = (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    consultation = book(employee_a, practitioner_p, at=start)
    opens_at = timezone.localtime(start - timedelta(minutes=15)).strftime("%H:%M")
    with daphne_processes(1) as (port,):
        context, page, errors = _page(browser, port, employee_a, viewport=viewport, locale=locale)
        try:
            page.goto(f"/consultations/{consultation.pk}/room/")
            expect(page.locator(".room-opens")).to_contain_text(f"{opens} {opens_at}")
            expect(page.locator("[data-room-countdown]")).to_contain_text(" h ")
            expect(page.get_by_role("heading", name=prepare)).to_be_visible()
            expect(page.locator("[data-chat]")).to_have_count(0)
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            _shot(page, f"employee-countdown-{locale}-{viewport['width']}")
            assert errors == []
        finally:
            context.close()


def test_at_the_opening_the_room_opens_by_itself(browser, employee_a, practitioner_p):
    start = timezone.now() + timedelta(minutes=15, seconds=25)
    consultation = book(employee_a, practitioner_p, at=start.replace(microsecond=0))
    with daphne_processes(1) as (port,):
        context, page, errors = _page(browser, port, employee_a)
        try:
            page.goto(f"/consultations/{consultation.pk}/room/")
            expect(page.locator("[data-room-countdown]")).to_contain_text(" s")
            expect(page.locator("[data-chat]")).to_have_count(0)
            # No click: at the opening the page turns into the room, video and chat.
            expect(page.locator(".jitsi-stand-in")).to_be_visible(timeout=40_000)
            expect(page.locator("[data-chat-status]")).to_have_text("Connecté")
            assert errors == []
        finally:
            context.close()


def test_in_english_on_phones_the_session_follows_live(browser, employee_a, practitioner_p):
    consultation = open_consultation(employee_a, practitioner_p, minutes_ago=2)
    url = f"/consultations/{consultation.pk}/room/"
    with daphne_processes(1) as (port,):
        alice_context, alice, alice_errors = _page(
            browser, port, employee_a, viewport=PHONE, locale="en-US"
        )
        paula_context, paula, paula_errors = _page(
            browser, port, practitioner_p, viewport=PHONE, locale="en-US"
        )
        try:
            alice.goto(url)
            expect(alice.locator("[data-room-status]")).to_have_text(
                "The session starts as soon as Paula Test joins you."
            )
            expect(alice.locator("[data-chat-status]")).to_have_text("Connected")
            paula.goto(url)
            expect(paula.locator("[data-room-status]")).to_have_text("Alice is in the room.")
            expect(alice.locator("[data-room-status]")).to_have_text(
                "Paula Test has joined the room."
            )
            paula.get_by_role("button", name="Join and start the session").click()
            expect(paula.locator(".jitsi-stand-in")).to_be_visible()
            started = alice.locator("[data-room-status]")
            expect(started).to_have_text(re.compile(r"^The session started at \d\d:\d\d\.$"))
            # Stacked on a phone: the video, then the chat; nothing wider than the screen.
            video = alice.locator(".room-video").bounding_box()
            chat = alice.locator(".room-chat").bounding_box()
            assert chat["y"] >= video["y"] + video["height"] - 1
            assert alice.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            _shot(alice, "employee-in-session-en-390")
            paula.get_by_text("End the session", exact=True).click()
            expect(paula.get_by_text("End the session now?")).to_be_visible()
            paula.get_by_role("button", name="Yes, end it").click()
            expect(
                paula.get_by_role("link", name="Write this consultation's note").first
            ).to_be_visible()
            _shot(paula, "practitioner-ended-en-390")
            expect(alice.locator("[data-room-status]")).to_contain_text(
                "Session ended. Recorded length:"
            )
            assert alice_errors == [] and paula_errors == []
        finally:
            alice_context.close()
            paula_context.close()


@pytest.mark.parametrize("devices", ["fake", "none"])
def test_the_camera_and_microphone_check(browser, live_server, employee_a, practitioner_p, devices):
    """Chromium's fake devices stand in for a camera and a microphone; without them,
    the check says none was found."""
    start = (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    consultation = book(employee_a, practitioner_p, at=start)
    args = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    media_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS + (args if devices == "fake" else []),
    )
    try:
        context = media_browser.new_context(base_url=live_server.url, locale="fr-FR")
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies(
            [{"name": "sessionid", "value": session_cookie(employee_a), "url": live_server.url}]
        )
        if devices == "fake":
            context.grant_permissions(["camera", "microphone"])
        page = context.new_page()
        page.goto(f"/consultations/{consultation.pk}/room/")
        page.get_by_role("button", name="Tester ma caméra et mon micro").click()
        result = page.locator("[data-media-result]")
        if devices == "fake":
            expect(result).to_have_text("Caméra et micro fonctionnent.")
            expect(page.locator("[data-media-preview]")).to_be_visible()
            _shot(page, "employee-camera-check-1280")
        else:
            expect(result).to_have_text(
                re.compile("Aucune caméra ou aucun micro|Le navigateur n’a pas accès")
            )
    finally:
        media_browser.close()
