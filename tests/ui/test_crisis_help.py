"""Crisis help: the employee sees what to do in an emergency in France on every page of
her portal and in the consultation room; the practitioner opens the same guidance in one
click in the room; HR and staff pages do not carry it (they are not the people in need)."""

import pytest

from tests.ui.portal import portal_pages

pytestmark = pytest.mark.django_db

NUMBERS = ('href="tel:3114"', 'href="tel:15"', 'href="tel:112"')


@pytest.fixture
def pages(employee_a, practitioner_p, hr_acme, staff_r2):
    return portal_pages(
        employee=employee_a, practitioner=practitioner_p, hr=hr_acme, staff=staff_r2
    )


def _get(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.text


def test_every_employee_page_shows_the_emergency_numbers(client, pages, employee_a):
    for url in pages["employee"]:
        html = _get(client, employee_a, url)
        assert 'class="crisis-help"' in html, url
        assert all(number in html for number in NUMBERS), url
        assert "HuntZen Care n’est pas un service d’urgence." in html, url
        assert 'class="crisis-help-disclosure"' not in html, url


def test_the_practitioner_opens_the_guidance_in_one_click_in_the_room(
    client, pages, practitioner_p
):
    for url in pages["room"]:
        html = _get(client, practitioner_p, url)
        assert '<details class="crisis-help-disclosure">' in html, url
        assert "Consignes d’urgence du salarié" in html, url
        assert all(number in html for number in NUMBERS), url


def test_other_practitioner_pages_do_not_carry_it(client, pages, practitioner_p):
    for url in pages["practitioner"]:
        if url not in pages["room"]:
            assert "crisis-help" not in _get(client, practitioner_p, url), url


@pytest.mark.parametrize("role", ["hr", "staff"])
def test_hr_and_staff_pages_do_not_carry_it(request, client, pages, role):
    user = request.getfixturevalue({"hr": "hr_acme", "staff": "staff_r2"}[role])
    for url in pages[role]:
        assert "crisis-help" not in _get(client, user, url), url


def test_it_is_translated(client, employee_a, pages):
    client.force_login(employee_a)
    client.cookies["django_language"] = "en"
    html = client.get(pages["employee"][0]).text
    assert "In an emergency" in html
    assert "HuntZen Care is not an emergency service." in html


def test_the_navigation_marks_the_current_page(client, pages, employee_a):
    client.force_login(employee_a)
    home = client.get(pages["employee"][0]).text
    assert home.count('aria-current="page"') == 1
    assert '<a href="/" aria-current="page">' in home
    journal = client.get(pages["employee"][6]).text  # a new journal entry
    assert '<a href="/journal/" aria-current="page">' in journal
    assert journal.count('aria-current="page"') == 1


@pytest.mark.parametrize(
    "role, user, line",
    [
        ("employee", "employee_a", "ni votre employeur ni HuntZen ne les lisent"),
        ("practitioner", "practitioner_p", "vous seul les lisez"),
        ("hr", "hr_acme", "jamais qui consulte ni ce qui se dit"),
    ],
)
def test_each_role_has_its_footer(request, client, pages, role, user, line):
    client.force_login(request.getfixturevalue(user))
    for url in pages[role]:
        footer = client.get(url).text.split('<footer class="site-footer">')[1]
        assert line in footer, url
