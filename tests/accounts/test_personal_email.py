"""A personal address for appointment emails, added and verified through allauth's own
email management (/accounts/email/ and its confirmation link), then chosen on the
privacy page. The account address stays primary and the login; sign-up stays closed."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.selectors import notification_address

pytestmark = pytest.mark.django_db
PERSONAL = "alice.perso@example.org"


def add(client, email=PERSONAL):
    return client.post(reverse("account_email"), {"action_add": "", "email": email}, follow=True)


def confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", message.body)[1]


def test_the_email_page_is_french_and_offers_no_make_primary(client, employee_a):
    client.force_login(employee_a)
    html = client.get(reverse("account_email")).content.decode()
    assert "Mes adresses e-mail" in html and "Ajouter une adresse personnelle" in html
    assert "action_primary" not in html
    assert reverse("privacy") in html


def test_add_verify_then_choose_a_personal_address(
    client, employee_a, django_capture_on_commit_callbacks
):
    client.force_login(employee_a)
    with django_capture_on_commit_callbacks(execute=True):  # emails leave after commit
        add(client)
    address = EmailAddress.objects.get(user=employee_a, email=PERSONAL)
    assert (address.verified, address.primary) == (False, False)
    [message] = mail.outbox
    assert message.to == [PERSONAL]
    link = confirmation_link(message)
    assert client.get(link).status_code == 200  # a page with a button: GET changes nothing
    address.refresh_from_db()
    assert not address.verified
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == reverse("account_email")
    address.refresh_from_db()
    assert address.verified
    assert notification_address(employee_a) == employee_a.email  # not chosen yet
    client.post(reverse("privacy_notifications"), {"address": address.pk})
    assert notification_address(employee_a) == PERSONAL
    employee_a.refresh_from_db()
    assert employee_a.email == "alice@acme.test"  # the login is unchanged


def test_make_primary_is_refused(client, employee_a):
    EmailAddress.objects.create(user=employee_a, email=PERSONAL, verified=True, primary=False)
    client.force_login(employee_a)
    response = client.post(
        reverse("account_email"), {"action_primary": "", "email": PERSONAL}, follow=True
    )
    assert "Votre adresse de connexion reste celle de votre compte." in response.content.decode()
    employee_a.refresh_from_db()
    assert employee_a.email == "alice@acme.test"
    assert EmailAddress.objects.get(user=employee_a, primary=True).email == "alice@acme.test"


def test_one_personal_address_at_most(client, employee_a):
    client.force_login(employee_a)
    add(client)
    add(client, "alice.second@example.org")
    assert EmailAddress.objects.filter(user=employee_a).count() == 2


def test_an_address_of_another_account_can_never_be_verified_nor_chosen(
    client, employee_a, employee_b, django_capture_on_commit_callbacks
):
    """allauth attaches it unverified (so that the form does not tell which addresses
    have an account), and refuses to verify an address another account has verified."""
    client.force_login(employee_a)
    with django_capture_on_commit_callbacks(execute=True):
        add(client, employee_b.email)
    links = [confirmation_link(m) for m in mail.outbox if "/accounts/confirm-email/" in m.body]
    for link in links:
        client.post(link)
    address = EmailAddress.objects.get(user=employee_a, email=employee_b.email)
    assert not address.verified
    client.post(reverse("privacy_notifications"), {"address": address.pk})
    assert notification_address(employee_a) == employee_a.email


def test_signup_stays_closed(client):
    response = client.get(reverse("account_signup"))
    assert "Inscription sur invitation" in response.content.decode()
    client.post(
        reverse("account_signup"),
        {
            "email": "self@evil.test",
            "password1": "a-long-pass-2026",
            "password2": "a-long-pass-2026",
        },
    )
    assert not User.objects.filter(email="self@evil.test").exists()
