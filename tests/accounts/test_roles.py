import pytest
from django.contrib.auth.models import Group

from accounts.models import Role, User
from accounts.roles import ROLE_PERMISSIONS

pytestmark = pytest.mark.django_db

CATALOGUE = {
    "R1_PSG_SUPER": {
        "companies_create",
        "companies_list_all",
        "companies_activate",
        "company_read",
        "company_update",
        "employees_invite",
        "employees_deactivate",
        "staff_invite",
        "consultations_read_all",
        "metrics_practitioner_usage_read",
        "exports_practitioner_usage",
        "metrics_employee_usage_read",
        "metrics_company_read",
        "exports_metrics_company",
        "news_write",
    },
    "R3_COMPANY_RH": {
        "company_read",
        "company_update",
        "employees_invite",
        "employees_deactivate",
        "metrics_employee_usage_read",
        "metrics_company_read",
        "exports_metrics_company",
    },
    "R4_PRACTITIONER": {
        "consultations_my_read",
        "consultations_own_write",
        "booking_cancel_own",
        "clinical_notes_own_write",
        "clinical_notes_own_read",
        "chat_participate",
        "metrics_practitioner_usage_read",
        "exports_practitioner_usage",
    },
    "R5_EMPLOYEE": {
        "booking_create",
        "consultations_my_read",
        "booking_cancel_own",
        "journal_own_write",
        "journal_own_read",
        "chat_participate",
    },
}
CATALOGUE["R2_HUNTZEN_ADMIN"] = CATALOGUE["R1_PSG_SUPER"]


def _catalogue_perms(group):
    return set(
        group.permissions.filter(content_type__app_label="accounts", content_type__model="user")
        .exclude(codename__in=["add_user", "change_user", "delete_user", "view_user"])
        .values_list("codename", flat=True)
    )


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_group_holds_exactly_its_catalogue(role):
    assert _catalogue_perms(Group.objects.get(name=role)) == CATALOGUE[role]


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_a_user_of_a_role_has_exactly_its_catalogue(cast, role):
    user = next(u for u in cast.values() if u.role == role and not u.is_superuser)
    granted = {p.split(".", 1)[1] for p in user.get_all_permissions() if p.startswith("accounts.")}
    granted &= {codename for codename, _name in User._meta.permissions}  # the catalogue
    assert granted == CATALOGUE[role]


def test_no_role_group_holds_a_delete_on_people_or_companies():
    for labels in ROLE_PERMISSIONS.values():
        assert not any(label.split(".")[1].startswith("delete_user") for label in labels)
        assert "companies.delete_company" not in labels


def test_staff_roles_are_admin_users_but_never_superusers(staff_r2, operator_r1):
    for user in (staff_r2, operator_r1):
        assert user.is_staff
        assert not user.is_superuser


def test_portal_roles_have_no_admin_access(employee_a, practitioner_p, hr_acme):
    assert not any(u.is_staff for u in (employee_a, practitioner_p, hr_acme))
