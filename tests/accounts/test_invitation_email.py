"""accounts.emails.send_invitation: subject, text and html, in the invitation's language."""

import pytest
from django.core import mail
from django.utils import translation

from accounts.emails import send_invitation
from accounts.models import Role
from tests.accounts.conftest import BASE_URL

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site_url_with_a_slash(settings):
    settings.HUNTZEN_SITE_URL = BASE_URL + "/"  # the link has no double slash


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    def send(invitation):
        with django_capture_on_commit_callbacks(execute=True):  # the outbox, after commit
            send_invitation(invitation=invitation, token="tok-123")
        return mail.outbox[-1]

    return send


def test_french_by_default_with_text_and_html(sent, invite, hr_acme):
    message = sent(invite("nina@acme.test", first_name="Nina"))
    assert message.subject == "Votre invitation à HuntZen Care (Acme)"
    assert "Bonjour Nina," in message.body
    assert f"{hr_acme.get_full_name()} vous invite" in message.body
    assert f"{BASE_URL}/invitation/tok-123/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{BASE_URL}/invitation/tok-123/"' in html
    assert '<html lang="fr">' in html


def test_english_when_the_invitation_is_in_english(sent, invite):
    message = sent(invite("nina@acme.test", language="en"))
    # English comes from the compiled catalogue; without it the French text stays.
    with translation.override("en"):
        expected = translation.gettext("Votre invitation à HuntZen Care (%(company)s)")
    assert message.subject == expected % {"company": "Acme"}
    assert '<html lang="en">' in message.alternatives[0][0]


def test_practitioner_invitation_names_no_company(sent, invite, staff_r2):
    message = sent(invite("psy@huntzen.test", inviter=staff_r2, role=Role.PRACTITIONER))
    assert message.subject == "Votre invitation à HuntZen Care"
    assert "Praticien" in message.body


def test_html_escapes_names(sent, invite):
    message = sent(invite("nina@acme.test", first_name="<b>Nina</b>"))
    assert "<b>Nina</b>" not in message.alternatives[0][0]
    assert "Bonjour <b>Nina</b>," in message.body  # plain text needs no escaping


def test_it_declares_its_language(sent, invite):
    assert sent(invite("nina@acme.test", language="en")).extra_headers["Content-Language"] == "en"
