"""The portal shell: home per role, 403 and 404 pages, language switch."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HOMES = {
    "accounts:employee_home": {"employee_a", "employee_b", "employee_c"},
    "accounts:practitioner_home": {"practitioner_p", "practitioner_q"},
    "accounts:hr_home": {"hr_acme", "hr_globex"},
}


LANDING = {
    "employee_a": "accounts:employee_home",
    "employee_b": "accounts:employee_home",
    "employee_c": "accounts:employee_home",
    "practitioner_p": "accounts:practitioner_home",
    "practitioner_q": "accounts:practitioner_home",
    "hr_acme": "accounts:hr_home",
    "hr_globex": "accounts:hr_home",
    "staff_r2": "admin:index",
    "operator_r1": "admin:index",
    "superuser": "admin:index",
}


def test_the_root_sends_each_role_to_its_home(client, cast):
    for name, user in cast.items():
        client.force_login(user)
        assert client.get(reverse("home"))["Location"] == reverse(LANDING[name]), name


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("page", list(HOMES))
def test_each_home_is_for_its_role_only(client, cast, page):
    for name, user in cast.items():
        client.force_login(user)
        response = client.get(reverse(page))
        if name in HOMES[page]:
            assert response.status_code == 200, name
            assert "home-card" in response.text
        else:
            assert response.status_code == 403, name
            assert "Accès refusé" in response.text
            assert "réservée à un autre rôle" in response.text


def test_the_hr_home_shows_the_seats_of_its_company(client, hr_acme, employee_a, invite):
    invite("nina@acme.test")
    client.force_login(hr_acme)
    response = client.get(reverse("accounts:hr_home"))
    assert response.context["seats_used"] == 2
    assert reverse("accounts:invitation_list") in response.text


def test_the_403_page_says_what_is_not_allowed(client, employee_a):
    client.force_login(employee_a)
    response = client.get(reverse("accounts:invitation_list"))
    assert response.status_code == 403
    assert "Seuls les RH" in response.text
    assert '<html lang="fr">' in response.text


def test_the_404_page_is_ours(client, employee_a):
    client.force_login(employee_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page introuvable" in response.text
    assert "HuntZen Care" in response.text


def test_the_404_page_works_for_anonymous_visitors(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page introuvable" in response.text


def test_french_is_the_default_and_english_is_selectable(client, employee_a):
    client.force_login(employee_a)
    assert '<html lang="fr">' in client.get(reverse("accounts:employee_home")).text
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("accounts:employee_home")}
    )
    assert response.status_code == 302
    page = client.get(reverse("accounts:employee_home"))
    assert '<html lang="en">' in page.text


def test_allauth_pages_follow_the_language_switch(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Password" in client.get(reverse("account_login")).text
