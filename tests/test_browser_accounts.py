"""Browser journeys of accounts: an invited employee joins; a wrong password is refused."""

import re

import pytest

from accounts.models import Role, User
from accounts.services import invitation_create

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"


def test_an_invited_employee_accepts_signs_in_and_lands_on_the_employee_home(
    page, live_server, hr_acme, acme
):
    invitation = invitation_create(
        inviter=hr_acme,
        email="nina@acme.test",
        role=Role.EMPLOYEE,
        company=acme,
        first_name="Nina",
    )
    page.goto(f"/invitation/{invitation.raw_token}/")
    assert page.get_by_role("heading", name="Créer mon compte").is_visible()
    assert page.get_by_role("textbox", name="Prénom", exact=True).input_value() == "Nina"
    page.get_by_role("textbox", name="Nom", exact=True).fill("Nouvelle")
    page.get_by_label(re.compile(r"^Mot de passe")).fill(NEW_PASSWORD)
    page.get_by_label(re.compile(r"^Confirmez le mot de passe")).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url(re.compile(r"/employee/$"))
    assert page.get_by_role("heading", name="Bonjour Nina").is_visible()

    user = User.objects.get(email="nina@acme.test")
    assert (user.role, user.company_id) == (Role.EMPLOYEE, acme.pk)

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Courriel").fill("nina@acme.test")
    page.get_by_label("Mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/employee/$"))
    assert page.get_by_role("heading", name="Bonjour Nina").is_visible()


def test_a_wrong_password_shows_an_error(page, sign_in, employee_a):
    sign_in(employee_a, password="not-the-right-password")
    assert re.search(r"/accounts/login/", page.url)
    assert page.get_by_text("mot de passe est incorrect").is_visible()
    page.goto("/employee/")
    assert re.search(r"/accounts/login/", page.url)  # still signed out
