"""Role groups as data: each role is a Django group holding its permission catalogue.

The mapping below is the single source; `sync_role_groups` makes the database match
it exactly (idempotent), from a data migration and after every migrate.
"""

from django.contrib.auth.management import create_permissions
from django.urls import reverse

from accounts.models import Role

_STAFF = [
    "accounts.companies_create",
    "accounts.companies_list_all",
    "accounts.companies_activate",
    "accounts.company_read",
    "accounts.company_update",
    "accounts.employees_invite",
    "accounts.employees_deactivate",
    "accounts.staff_invite",
    "accounts.consultations_read_all",
    "accounts.metrics_practitioner_usage_read",
    "accounts.exports_practitioner_usage",
    "accounts.metrics_employee_usage_read",
    "accounts.metrics_company_read",
    "accounts.exports_metrics_company",
    "accounts.news_write",
]

# Model permissions the back office (Django admin) needs; nothing medical is here.
_STAFF_ADMIN = [
    "accounts.view_user",
    "accounts.add_user",
    "accounts.change_user",
    "accounts.view_invitation",
    "accounts.add_invitation",
    "accounts.change_invitation",
    "companies.view_company",
    "companies.add_company",
    "companies.change_company",
    "companies.view_practitionerprofile",
    "companies.add_practitionerprofile",
    "companies.change_practitionerprofile",
    "content.view_article",
    "content.add_article",
    "content.change_article",
    "content.delete_article",
    "consultations.view_consultation",
    "medical.view_accesslogentry",
    "admin.view_logentry",
    "outbox.view_outboxmessage",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.PSG_SUPER: _STAFF + _STAFF_ADMIN,
    Role.HUNTZEN_ADMIN: _STAFF + _STAFF_ADMIN,
    Role.COMPANY_RH: [
        "accounts.company_read",
        "accounts.company_update",
        "accounts.employees_invite",
        "accounts.employees_deactivate",
        "accounts.metrics_employee_usage_read",
        "accounts.metrics_company_read",
        "accounts.exports_metrics_company",
    ],
    Role.PRACTITIONER: [
        "accounts.consultations_my_read",
        "accounts.consultations_own_write",
        "accounts.booking_cancel_own",
        "accounts.clinical_notes_own_write",
        "accounts.clinical_notes_own_read",
        "accounts.chat_participate",
        "accounts.metrics_practitioner_usage_read",
        "accounts.exports_practitioner_usage",
    ],
    Role.EMPLOYEE: [
        "accounts.booking_create",
        "accounts.consultations_my_read",
        "accounts.booking_cancel_own",
        "accounts.journal_own_write",
        "accounts.journal_own_read",
        "accounts.chat_participate",
    ],
}


def sync_role_groups(apps) -> None:
    """Make each role group hold exactly its catalogue (permissions that exist yet)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted_labels = {label for labels in ROLE_PERMISSIONS.values() for label in labels}
    by_label = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
        if f"{p.content_type.app_label}.{p.codename}" in wanted_labels
    }
    for role, labels in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([by_label[label] for label in labels if label in by_label])


def sync_after_migrate(sender, app_config=None, using="default", apps=None, **kwargs):
    from django.apps import apps as global_apps

    if app_config is not list(global_apps.get_app_configs())[-1]:
        return  # once per migrate, after the last app's permissions exist
    for config in global_apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    sync_role_groups(global_apps)


def group_for(role: str):
    from django.contrib.auth.models import Group

    return Group.objects.get(name=role)


# Where each role lands after sign-in; staff run the platform from the admin.
HOME_BY_ROLE = {
    Role.PSG_SUPER: "admin:index",
    Role.HUNTZEN_ADMIN: "admin:index",
    Role.COMPANY_RH: "accounts:hr_home",
    Role.PRACTITIONER: "accounts:practitioner_home",
    Role.EMPLOYEE: "accounts:employee_home",
}


def home_url_for(user) -> str:
    """The page `user` lands on (the site's root redirects there after sign-in)."""
    return reverse(HOME_BY_ROLE[user.role])
