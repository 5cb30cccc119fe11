"""Erasure of a whole account (GDPR art. 17) from the data page, confirmed by password;
and the data page and its links for each role."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts.models import User
from accounts.services import ERASED_NAME, account_erase, erased_email
from chat.models import ChatMessage
from chat.services import message_send
from consultations.models import Consultation
from medical import services as medical_services
from medical.models import AccessLogEntry, ClinicalNote, JournalEntry
from metrics.consent import usage_sharing_of, usage_sharing_set
from tests.consultations.factories import completed
from tests.medical.conftest import past

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def history(employee_a, practitioner_p):
    consultation = completed(employee_a, practitioner_p, at=past())
    medical_services.note_create(
        author=practitioner_p, consultation=consultation, reason="r", observations="o", plan="p"
    )
    medical_services.journal_entry_create(owner=employee_a, mood=2, text="Journée difficile.")
    employee_a.set_password(PASSWORD)
    employee_a.save()
    during = consultation.started_at + timedelta(minutes=5)
    for sender, cid in ((employee_a, "e1"), (practitioner_p, "p1")):
        message_send(
            sender=sender, consultation=consultation, body="msg", client_message_id=cid, now=during
        )
    usage_sharing_set(employee=employee_a, shared=True)
    EmailAddress.objects.create(user=employee_a, email="perso@example.org", verified=True)
    return consultation


def _erase(client, user, password):
    client.force_login(user)
    return client.post(reverse("accounts:account_erase"), {"password": password})


def test_a_wrong_password_changes_nothing(client, employee_a, history):
    response = _erase(client, employee_a, "wrong")
    assert response.status_code == 400 and "Mot de passe incorrect" in response.text
    employee_a.refresh_from_db()
    assert employee_a.is_active and employee_a.first_name != ERASED_NAME
    assert JournalEntry.objects.filter(owner=employee_a).count() == 1
    assert ChatMessage.objects.filter(sender=employee_a).count() == 1
    assert usage_sharing_of(employee=employee_a).shared
    assert EmailAddress.objects.filter(user=employee_a, email="perso@example.org").exists()
    assert client.get(reverse("accounts:my_data")).status_code == 200  # still signed in


def test_the_right_password_erases_and_keeps_what_the_law_requires(
    client, employee_a, practitioner_p, history
):
    email = employee_a.email
    response = _erase(client, employee_a, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("account_login")
    user = User.objects.get(pk=employee_a.pk)
    assert not user.is_active and user.deactivated_at is not None
    assert (user.first_name, user.last_name) == (ERASED_NAME, "")
    assert user.email == erased_email(user) and email not in user.email
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not JournalEntry.objects.filter(owner=user).exists()
    assert not ChatMessage.objects.filter(sender=user).exists()
    assert ChatMessage.objects.filter(sender=practitioner_p).count() == 1
    assert not usage_sharing_of(employee=user).shared
    # Kept: the consultation (billing), the practitioner's note, the access log.
    assert Consultation.objects.filter(pk=history.pk, employee=user).exists()
    assert ClinicalNote.objects.filter(consultation=history).exists()
    assert AccessLogEntry.objects.filter(user=user, action="delete").exists()
    # Signed out everywhere: no session of hers is left.
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    assert client.get(reverse("accounts:my_data")).status_code == 302


def test_two_erased_accounts_get_distinct_placeholders(employee_a, employee_b):
    for user in (employee_a, employee_b):
        user.set_password(PASSWORD)
        user.save()
        account_erase(user=user, password=PASSWORD)
    assert User.objects.filter(email__endswith="@erased.invalid").count() == 2


@pytest.mark.parametrize(
    "role", ["practitioner_p", "hr_acme", "staff_r2", "operator_r1", "superuser"]
)
def test_only_employees_erase_their_own_account(role, cast, client):
    user = cast[role]
    user.set_password(PASSWORD)
    user.save()
    assert _erase(client, user, PASSWORD).status_code == 403
    assert client.get(reverse("accounts:account_erase")).status_code == 403
    user.refresh_from_db()
    assert user.is_active


def test_the_confirmation_page_says_what_is_erased_and_kept(client, employee_a):
    client.force_login(employee_a)
    html = client.get(reverse("accounts:account_erase")).text
    assert "Ce que la loi nous oblige à garder" in html and "20 ans" in html
    assert 'type="password"' in html


@pytest.mark.parametrize(
    "role", ["employee_a", "practitioner_p", "hr_acme", "staff_r2", "operator_r1"]
)
def test_every_role_has_a_data_page_with_the_export(role, cast, client):
    client.force_login(cast[role])
    html = client.get(reverse("accounts:my_data")).text
    assert reverse("medical:export") in html
    assert (reverse("accounts:account_erase") in html) is (role == "employee_a")


def test_the_privacy_page_links_to_export_and_erasure(client, employee_a):
    client.force_login(employee_a)
    html = client.get(reverse("privacy")).text
    assert reverse("accounts:my_data") in html and reverse("accounts:account_erase") in html


def test_anonymous_is_sent_to_sign_in(client):
    for name in ("accounts:my_data", "accounts:account_erase"):
        assert client.get(reverse(name)).status_code == 302
