"""Navigation per role: each role's footer says what stays private and where to go; staff
find the administration first; forms open with an error summary that links to each field;
an empty list says what to do next."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _footer(html: str) -> str:
    return html.split('<footer class="site-footer">')[1].split("</footer>")[0]


def test_each_role_has_its_own_footer(client, employee_a, practitioner_p, hr_acme, staff_r2):
    pages = {
        employee_a: reverse("accounts:employee_home"),
        practitioner_p: reverse("accounts:practitioner_home"),
        hr_acme: reverse("accounts:hr_home"),
        staff_r2: reverse("metrics:staff"),
    }
    footers = {}
    for user, url in pages.items():
        client.force_login(user)
        footers[user.role] = _footer(client.get(url).text)
    assert len(set(footers.values())) == 4
    assert "ni votre employeur ni HuntZen ne les lisent" in footers["R5_EMPLOYEE"]
    assert "vous seul les lisez" in footers["R4_PRACTITIONER"]
    assert "jamais qui consulte" in footers["R3_COMPANY_RH"]
    staff = footers["R2_HUNTZEN_ADMIN"]
    assert "aucun contenu médical n'est visible ici" in staff
    assert f'href="{reverse("admin:index")}"' in staff


def test_staff_find_the_administration_first_in_the_menu(client, staff_r2):
    client.force_login(staff_r2)
    html = client.get(reverse("metrics:staff")).text
    nav = html.split('<ul class="nav">')[1].split("</ul>")[0]
    assert nav.strip().startswith(f'<li><a href="{reverse("home")}">Administration</a></li>')
    assert f'href="{reverse("metrics:staff")}" aria-current="page">Compteurs<' in nav


def test_other_roles_keep_home_and_mark_it_current(client, hr_acme):
    client.force_login(hr_acme)
    nav = client.get(reverse("accounts:hr_home")).text.split('<ul class="nav">')[1]
    assert f'<a href="{reverse("home")}" aria-current="page">Accueil</a>' in nav
    assert "Administration" not in nav.split("</ul>")[0]


def test_a_failed_sign_in_opens_on_an_error_summary(client, employee_a):
    response = client.post(
        reverse("account_login"), {"login": employee_a.email, "password": "wrong-password-0"}
    )
    summary = response.text.split('<div class="form-errors"')[1].split("</div>")[0]
    assert 'role="alert" tabindex="-1" autofocus' in summary
    assert "L’adresse e-mail ou le mot de passe est incorrect." in summary


def test_a_missing_sign_in_field_is_linked_from_the_summary(client):
    response = client.post(reverse("account_login"), {"login": "", "password": "x"})
    summary = response.text.split('<div class="form-errors"')[1].split("</div>")[0]
    assert 'href="#id_login"' in summary


def test_the_company_form_links_its_errors_to_their_fields(client, hr_acme):
    client.force_login(hr_acme)
    response = client.post(
        reverse("companies:hr_company_edit"),
        {"contact_email": "not-an-address", "contact_phone": "", "address": ""},
    )
    assert response.status_code == 200
    summary = response.text.split('<div class="form-errors"')[1].split("</div>")[0]
    assert 'href="#id_contact_email"' in summary and "autofocus" in summary


def test_an_empty_journal_says_how_to_begin(client, employee_a):
    client.force_login(employee_a)
    html = client.get(reverse("medical:journal")).text
    empty = html.split('<div class="empty-state">')[1].split("</div>")[0]
    assert f'href="{reverse("medical:journal_new")}"' in empty


def test_hr_without_employees_or_invitations_is_shown_how_to_invite(client, hr_globex):
    client.force_login(hr_globex)
    html = client.get(reverse("companies:hr_employee_list")).text
    empty = html.split('<div class="empty-state">')[1].split("</div>")[0]
    assert f'href="{reverse("accounts:invitation_create")}"' in empty
    html = client.get(reverse("accounts:invitation_list")).text
    empty = html.split('<div class="empty-state">')[1].split("</div>")[0]
    assert "Invitez vos salariés un par un ou importez une liste" in empty
    assert f'class="button" href="{reverse("accounts:invitation_create")}"' in html
