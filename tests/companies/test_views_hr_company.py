"""/hr/company/ and its edit page: HR of the company only; the subscription is read-only."""

import pytest
from django.urls import reverse

from companies.services import company_deactivate

pytestmark = pytest.mark.django_db

SHOW = reverse("companies:hr_company")
EDIT = reverse("companies:hr_company_edit")
NOT_HR = ["employee_a", "practitioner_p", "staff_r2", "operator_r1", "superuser"]


def test_hr_sees_its_company_with_seats_and_status(client, hr_acme, employee_a, acme):
    client.force_login(hr_acme)
    response = client.get(SHOW)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme" in body and "contact@acme.test" in body and acme.siret in body
    assert "1 utilisées sur 50" in body
    assert "Globex" not in body


def test_hr_of_globex_sees_globex_not_acme(client, hr_globex, acme):
    client.force_login(hr_globex)
    body = client.get(SHOW).content.decode()
    assert "Globex" in body and "contact@acme.test" not in body


@pytest.mark.parametrize("who", NOT_HR)
@pytest.mark.parametrize("url", [SHOW, EDIT])
def test_other_roles_are_refused(client, person, who, url):
    client.force_login(person(who))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [SHOW, EDIT])
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and reverse("account_login") in response.url


def test_hr_edits_the_contact_fields(client, hr_acme, acme):
    client.force_login(hr_acme)
    response = client.post(
        EDIT,
        {
            "contact_email": "rh@acme.test",
            "contact_phone": "0102030405",
            "address": "2 avenue du Parc",
        },
    )
    assert response.status_code == 302 and response.url == SHOW
    acme.refresh_from_db()
    assert (acme.contact_email, acme.contact_phone, acme.address) == (
        "rh@acme.test",
        "0102030405",
        "2 avenue du Parc",
    )


def test_posting_seats_or_activation_changes_nothing_of_them(client, hr_acme, acme):
    client.force_login(hr_acme)
    client.post(
        EDIT,
        {
            "contact_email": "rh@acme.test",
            "seats": "9999",
            "is_active": "",
            "yearly_allowance_per_employee": "1",
            "name": "Hacked",
        },
    )
    acme.refresh_from_db()
    assert (acme.seats, acme.is_active, acme.yearly_allowance_per_employee, acme.name) == (
        50,
        True,
        None,
        "Acme",
    )
    assert acme.contact_email == "rh@acme.test"


def test_the_edit_form_offers_no_subscription_field(client, hr_acme):
    client.force_login(hr_acme)
    body = client.get(EDIT).content.decode()
    assert 'name="contact_email"' in body
    assert 'name="seats"' not in body and 'name="is_active"' not in body


def test_a_bad_email_is_shown_and_nothing_saved(client, hr_acme, acme):
    client.force_login(hr_acme)
    response = client.post(EDIT, {"contact_email": "nope", "address": "changed"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    acme.refresh_from_db()
    assert acme.address == ""


def test_an_inactive_company_shows_why_booking_is_unavailable(client, hr_acme, acme):
    company_deactivate(company=acme)
    client.force_login(hr_acme)
    body = client.get(SHOW).content.decode()
    assert "Prise de rendez-vous indisponible" in body
    assert "Contactez l&#x27;équipe HuntZen" in body or "Contactez l'équipe HuntZen" in body
