"""allauth's own emails (password reset, email confirmation, unknown account) link to
HUNTZEN_SITE_URL whatever Host header the request carried."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from tests.accounts.conftest import BASE_URL

pytestmark = pytest.mark.django_db

SPOOFED = "evil.example"
URL = re.compile(r"https?://[^\s\"'<>]+")


@pytest.fixture
def spoofing_client(client, settings):
    settings.ALLOWED_HOSTS = ["*"]
    client.defaults["HTTP_HOST"] = SPOOFED
    return client


def _links(message) -> list[str]:
    bodies = [message.body, *(body for body, _ in getattr(message, "alternatives", []))]
    return [url for body in bodies for url in URL.findall(body)]


def _assert_on_site(message):
    links = _links(message)
    assert links, "the email carries no link"
    assert all(url.startswith(BASE_URL + "/") for url in links), links
    text = message.body + "".join(b for b, _ in getattr(message, "alternatives", []))
    assert SPOOFED not in text and SPOOFED not in message.subject


def test_password_reset_email_links_to_the_site(
    spoofing_client, employee_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # emails leave after commit
        response = spoofing_client.post(
            reverse("account_reset_password"), {"email": employee_a.email}
        )
    assert response.status_code == 302
    [message] = mail.outbox
    _assert_on_site(message)
    assert any("/password/reset/key/" in url for url in _links(message))


def test_unknown_account_email_links_to_the_site(
    spoofing_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        spoofing_client.post(reverse("account_reset_password"), {"email": "nobody@acme.test"})
    assert mail.outbox
    for message in mail.outbox:
        _assert_on_site(message)


def test_email_confirmation_links_to_the_site(
    spoofing_client, employee_a, django_capture_on_commit_callbacks
):
    spoofing_client.force_login(employee_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = spoofing_client.post(
            reverse("account_email"), {"action_add": "", "email": "perso@example.org"}
        )
    assert response.status_code in (200, 302)
    assert EmailAddress.objects.filter(email="perso@example.org").exists()
    [message] = [m for m in mail.outbox if "perso@example.org" in m.to]
    _assert_on_site(message)
    assert any("/confirm-email/" in url for url in _links(message))
