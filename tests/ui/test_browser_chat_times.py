"""Chat times are in the zone of every other time on the page (Europe/Paris), not the
device's: a participant whose laptop is set to New York reads the same hour."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from chat.services import message_send
from tests.browser_support import TIMEOUT_MS
from tests.chat.conftest import open_consultation
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_chat_times_are_in_paris_time_on_a_device_set_to_new_york(
    browser, live_server, employee_a, practitioner_p
):
    consultation = open_consultation(employee_a, practitioner_p, minutes_ago=60 * 30)
    sent_at = consultation.scheduled_at + timedelta(minutes=5)
    message_send(
        sender=practitioner_p,
        consultation=consultation,
        body="À la semaine prochaine",
        client_message_id="old-1",
        now=sent_at,
    )
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", timezone_id="America/New_York"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.get_by_label("Courriel").fill(employee_a.email)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
        page.goto(f"/consultations/{consultation.pk}/chat/")
        expect(page.locator(".chat-log")).to_contain_text("À la semaine prochaine")
        paris = sent_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M")
        expect(page.locator(".chat-log time").first).to_have_text(paris)
    finally:
        context.close()
