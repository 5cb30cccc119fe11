"""Emails in the portal's words: the invitation's expiry in the long date style, and the
unknown-account email pointing to invitations (there is no sign-up)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts import services
from huntzen import dates

pytestmark = pytest.mark.django_db


def test_the_invitation_says_until_when_in_the_long_style(
    django_capture_on_commit_callbacks, hr_acme
):
    sent_at = datetime(2026, 11, 30, 15, 32, tzinfo=ZoneInfo("Europe/Paris"))
    with time_machine.travel(sent_at, tick=False), django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            inviter=hr_acme,
            email="new@acme.test",
            first_name="Émile",
            last_name="Roux",
            role="R5_EMPLOYEE",
            company=hr_acme.company,
            language="fr",
        )
    (message,) = mail.outbox
    expiry = invitation.expires_at.astimezone(ZoneInfo("Europe/Paris"))
    with translation.override("fr"):
        line = f"jusqu'au {dates.datetime_long(expiry)}."
    assert line.startswith("jusqu'au ") and line.endswith(" 2026, 15:32.")  # a weekday, a month
    assert line in message.body and line in message.alternatives[0][0]


def test_an_unknown_address_is_pointed_to_invitations_not_to_a_sign_up(
    client, django_capture_on_commit_callbacks
):
    # The mail goes through the outbox, delivered once the request's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "nobody@acme.test"})
    (message,) = mail.outbox
    assert "nobody@acme.test" in message.body
    assert "sur invitation de votre service RH" in message.body
    assert "/accounts/signup/" not in message.body
