"""French typography: one short and one long date style in each language, elision
before a vowel, and allauth's sign-in refusal in plain French."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from huntzen import dates
from huntzen.typography import elides
from tests.ui.portal import portal_pages

DAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    "language, short, long",
    [
        ("fr", "mar. 1 déc.", "mardi 1 décembre 2026"),
        ("en", "Tue, Dec. 1", "Tuesday, December 1, 2026"),
    ],
)
def test_one_short_and_one_long_date_style_per_language(language, short, long):
    with translation.override(language):
        assert dates.date_short(DAY) == short
        assert dates.date_long(DAY) == long
        at = datetime(2026, 12, 1, 14, 30, tzinfo=ZoneInfo("Europe/Paris"))
        assert dates.datetime_short(at) == f"{short}, 14:30"


def test_months_are_lowercase_in_french():
    with translation.override("fr"):
        assert dates.date_short(date(2026, 11, 30)) == "lun. 30 nov."


@pytest.mark.parametrize(
    "word, expected",
    [
        ("Acme", True),
        ("Alice", True),
        ("Émilie", True),
        ("utilisateur", True),
        ("Globex", False),
        ("Bob", False),
        ("", False),
    ],
)
def test_elision_before_a_vowel(word, expected):
    assert elides(word) is expected


@pytest.mark.django_db
def test_hr_pages_elide_before_a_vowel(client, hr_acme, employee_a):
    client.force_login(hr_acme)
    html = client.get(reverse("companies:hr_employee_list")).text
    assert "Salariés d’Acme" in html
    assert "Arrivée le" in html
    assert "Espace RH d’Acme" in client.get(reverse("accounts:hr_home")).text


@pytest.mark.django_db
def test_hr_pages_keep_de_before_a_consonant(client, hr_globex):
    client.force_login(hr_globex)
    assert "Salariés de Globex" in client.get(reverse("companies:hr_employee_list")).text


@pytest.mark.django_db
def test_a_wrong_password_is_refused_in_plain_french(client, employee_a):
    response = client.post(
        reverse("account_login"), {"login": employee_a.email, "password": "wrong-password-0"}
    )
    assert "L’adresse e-mail ou le mot de passe est incorrect." in response.text


@pytest.mark.django_db
def test_no_iso_date_is_shown_on_the_portal_pages(
    client, employee_a, practitioner_p, hr_acme, staff_r2
):
    pages = portal_pages(
        employee=employee_a, practitioner=practitioner_p, hr=hr_acme, staff=staff_r2
    )
    iso = re.compile(r">[^<]*\b20\d\d-\d\d-\d\d\b[^<]*<")
    for role, user in (
        ("employee", employee_a),
        ("practitioner", practitioner_p),
        ("hr", hr_acme),
        ("staff", staff_r2),
    ):
        client.force_login(user)
        for url in pages[role]:
            html = client.get(url).text
            assert not iso.search(html), (url, iso.search(html))


@pytest.mark.django_db
def test_the_language_menu_names_each_language_in_itself(client, employee_a):
    client.force_login(employee_a)
    for language in ("fr", "en"):
        client.cookies["django_language"] = language
        html = client.get(reverse("accounts:employee_home")).text
        assert 'lang="fr"' in html and ">Français</option>" in html
        assert 'lang="en"' in html and ">English</option>" in html
        assert "js/language.js" in html


@pytest.mark.django_db
def test_the_chat_announces_a_new_message_with_elision(client, employee_a, practitioner_p):
    from tests.consultations.factories import book

    consultation = book(employee_a, practitioner_p)
    client.force_login(practitioner_p)
    html = client.get(reverse("chat:page", args=[consultation.pk])).text
    assert 'data-label-new-message="Nouveau message d’%s : %s"' in html
