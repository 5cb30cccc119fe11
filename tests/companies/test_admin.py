"""The Django admin as HuntZen staff's back office: staff are not superusers, do their
job with their role group's permissions, and never see a password hash."""

import pytest
from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User
from companies.models import Company, PractitionerProfile

pytestmark = pytest.mark.django_db

STAFF = ["staff_r2", "operator_r1"]


@pytest.fixture
def staff_client(client, staff_r2):
    assert not staff_r2.is_superuser
    client.force_login(staff_r2)
    return client


def _company_form(**extra):
    data = {
        "name": "Initech",
        "siret": "55212032000023",
        "contact_email": "c@initech.test",
        "contact_phone": "",
        "address": "",
        "seats": "25",
        "yearly_allowance_per_employee": "",
        "members-TOTAL_FORMS": "0",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("who", STAFF)
def test_staff_open_the_admin_index(client, person, who):
    client.force_login(person(who))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Entreprises" in body or "entreprises" in body


@pytest.mark.parametrize("who", STAFF)
def test_every_changelist_staff_may_view_renders(client, person, acme, practitioner_p, who):
    user = person(who)
    client.force_login(user)
    visible = [
        model
        for model in admin.site._registry
        if user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
    ]
    assert {Company, User, PractitionerProfile} <= set(visible)
    for model in visible:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["hr_acme", "employee_a", "practitioner_p"])
def test_non_staff_cannot_enter_the_admin(client, person, who):
    client.force_login(person(who))
    response = client.get(reverse("admin:companies_company_changelist"))
    assert response.status_code == 302 and "login" in response.url


def test_staff_create_a_company_and_its_hr_in_the_admin(
    staff_client, staff_r2, django_capture_on_commit_callbacks
):
    response = staff_client.post(reverse("admin:companies_company_add"), _company_form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    company = Company.objects.get(siret="55212032000023")
    assert company.is_active is False and company.seats == 25

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:accounts_user_add"),
            {
                "email": "rh@initech.test",
                "first_name": "Ines",
                "last_name": "Tech",
                "role": Role.COMPANY_RH,
                "company": str(company.pk),
                "language": "fr",
            },
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    hr = User.objects.get(email="rh@initech.test")
    assert hr.company == company and hr.role == Role.COMPANY_RH
    assert hr.has_perm("accounts.employees_invite") and not hr.is_superuser
    assert [m.to for m in mail.outbox] == [["rh@initech.test"]]

    response = staff_client.post(
        reverse("admin:companies_company_changelist"),
        {"action": "activate", "_selected_action": [str(company.pk)]},
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.is_active and company.activated_at

    logged = LogEntry.objects.filter(user=staff_r2)
    assert logged.filter(action_flag=ADDITION, object_id=str(company.pk)).exists()
    assert logged.filter(action_flag=ADDITION, object_id=str(hr.pk)).exists()
    assert logged.filter(action_flag=CHANGE, object_id=str(company.pk)).exists()


def test_a_company_with_a_bad_siret_is_refused_in_the_admin(staff_client):
    response = staff_client.post(
        reverse("admin:companies_company_add"), _company_form(siret="12345678901234")
    )
    assert response.status_code == 200 and not Company.objects.exists()


def test_an_hr_without_company_is_refused(staff_client):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {"email": "rh@nowhere.test", "role": Role.COMPANY_RH, "company": "", "language": "fr"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="rh@nowhere.test").exists()


def test_an_employee_beyond_the_seats_is_refused(staff_client, acme, employee_a):
    acme.seats = 1
    acme.save()
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "extra@acme.test",
            "role": Role.EMPLOYEE,
            "company": str(acme.pk),
            "language": "fr",
        },
    )
    assert response.status_code == 200 and "places" in response.content.decode()
    assert not User.objects.filter(email="extra@acme.test").exists()


def test_staff_are_not_offered_the_operator_role(staff_client):
    body = staff_client.get(reverse("admin:accounts_user_add")).content.decode()
    assert f'value="{Role.HUNTZEN_ADMIN}"' in body and f'value="{Role.PSG_SUPER}"' not in body
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {"email": "op@huntzen.test", "role": Role.PSG_SUPER, "language": "fr"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="op@huntzen.test").exists()


@pytest.mark.parametrize("who", ["employee_a", "hr_acme", "practitioner_p", "staff_r2"])
def test_the_user_page_shows_no_password_hash_nor_privileges(staff_client, person, who):
    user = person(who)
    body = staff_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()
    assert user.email in body
    algorithm = user.password.split("$", 1)[0]
    assert user.password not in body and algorithm not in body
    for field in ("password", "is_superuser", "groups", "user_permissions", "is_staff"):
        assert f'name="{field}"' not in body
    assert "totp" not in body.lower() and "recovery" not in body.lower()


def test_staff_cannot_make_anyone_superuser_or_grant_permissions(staff_client, employee_a):
    url = reverse("admin:accounts_user_change", args=[employee_a.pk])
    response = staff_client.post(
        url,
        {
            "first_name": "Alicia",
            "last_name": "Test",
            "language": "fr",
            "is_superuser": "on",
            "is_staff": "on",
            "groups": ["1"],
            "user_permissions": ["1"],
            "role": Role.PSG_SUPER,
            "password": "x",
            "email": "evil@acme.test",
        },
    )
    assert response.status_code == 302
    employee_a.refresh_from_db()
    assert employee_a.first_name == "Alicia"
    assert (employee_a.is_superuser, employee_a.is_staff, employee_a.role, employee_a.email) == (
        False,
        False,
        Role.EMPLOYEE,
        "alice@acme.test",
    )
    assert employee_a.user_permissions.count() == 0
    assert list(employee_a.groups.values_list("name", flat=True)) == [Role.EMPLOYEE]
    assert LogEntry.objects.filter(object_id=str(employee_a.pk), action_flag=CHANGE).exists()


def test_staff_cannot_edit_a_superuser(staff_client, superuser):
    url = reverse("admin:accounts_user_change", args=[superuser.pk])
    staff_client.post(url, {"first_name": "Hacked", "last_name": "", "language": "fr"})
    superuser.refresh_from_db()
    assert superuser.first_name != "Hacked"


def test_staff_cannot_delete_people_or_companies(staff_client, acme, employee_a):
    assert (
        staff_client.get(reverse("admin:accounts_user_delete", args=[employee_a.pk])).status_code
        == 403
    )
    assert (
        staff_client.get(reverse("admin:companies_company_delete", args=[acme.pk])).status_code
        == 403
    )


def test_user_search_by_email_and_filters(staff_client, employee_a, employee_c, hr_acme, acme):
    url = reverse("admin:accounts_user_changelist")
    body = staff_client.get(url, {"q": "carol@globex"}).content.decode()
    assert "carol@globex.test" in body and "alice@acme.test" not in body
    body = staff_client.get(url, {"role__exact": Role.COMPANY_RH}).content.decode()
    assert "rh@acme.test" in body and "alice@acme.test" not in body
    body = staff_client.get(url, {"company__id__exact": str(acme.pk)}).content.decode()
    assert "alice@acme.test" in body and "carol@globex.test" not in body


def test_company_search_filter_and_hr_inline(staff_client, acme, globex, hr_acme):
    url = reverse("admin:companies_company_changelist")
    body = staff_client.get(url, {"q": "Glob"}).content.decode()
    assert "Globex" in body and ">Acme<" not in body
    body = staff_client.get(
        reverse("admin:companies_company_change", args=[acme.pk])
    ).content.decode()
    assert "rh@acme.test" in body


def test_staff_deactivate_an_employee_from_the_admin(staff_client, staff_r2, employee_a):
    response = staff_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate", "_selected_action": [str(employee_a.pk)]},
    )
    assert response.status_code == 302
    employee_a.refresh_from_db()
    assert not employee_a.is_active and employee_a.deactivated_at
    assert LogEntry.objects.filter(user=staff_r2, object_id=str(employee_a.pk)).exists()


def test_staff_create_a_practitioner_in_the_admin(
    staff_client, staff_r2, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:companies_practitionerprofile_add"),
            {
                "email": "nouvelle.psy@huntzen.test",
                "first_name": "Nadia",
                "last_name": "Psy",
                "profession": "psychologist",
                "registration_number": "759300077",
                "specialties": ["stress", "grief"],
                "languages": ["fr"],
                "bio": "Bonjour",
            },
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    profile = PractitionerProfile.objects.get(user__email="nouvelle.psy@huntzen.test")
    assert profile.user.role == Role.PRACTITIONER and profile.is_active
    assert [m.to for m in mail.outbox] == [["nouvelle.psy@huntzen.test"]]
    assert LogEntry.objects.filter(
        user=staff_r2, object_id=str(profile.pk), action_flag=ADDITION
    ).exists()


def test_a_practitioner_with_a_bad_rpps_is_refused_in_the_admin(staff_client):
    response = staff_client.post(
        reverse("admin:companies_practitionerprofile_add"),
        {
            "email": "x@huntzen.test",
            "profession": "psychiatrist",
            "registration_number": "10009876541",
            "languages": ["fr"],
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="x@huntzen.test").exists()


def test_staff_remove_a_practitioner_from_the_directory(staff_client, staff_r2, practitioner_p):
    response = staff_client.post(
        reverse("admin:companies_practitionerprofile_changelist"),
        {"action": "deactivate", "_selected_action": [str(practitioner_p.pk)]},
    )
    assert response.status_code == 302
    assert not PractitionerProfile.objects.get(pk=practitioner_p.pk).is_active
    assert LogEntry.objects.filter(
        user=staff_r2, object_id=str(practitioner_p.pk), action_flag=CHANGE
    ).exists()


def test_staff_edit_a_practitioner_profile(staff_client, practitioner_p):
    url = reverse("admin:companies_practitionerprofile_change", args=[practitioner_p.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(
        url,
        {
            "profession": "psychotherapist",
            "registration_number": "759300001",
            "specialties": ["grief"],
            "languages": ["fr"],
            "bio": "Mise à jour",
        },
    )
    assert response.status_code == 302
    profile = PractitionerProfile.objects.get(pk=practitioner_p.pk)
    assert profile.profession == "psychotherapist" and profile.bio == "Mise à jour"


def test_nothing_medical_is_registered_by_this_app():
    registered = {model._meta.label for model in admin.site._registry}
    assert not {"medical.ClinicalNote", "medical.JournalEntry", "chat.ChatMessage"} & registered
