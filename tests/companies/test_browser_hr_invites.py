"""Browser journey: HR invites an employee and finds them in the employee list."""

import re

import pytest

from accounts.models import Invitation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _rows_of_migrations(transactional_db):
    """A transactional test before this one may have flushed the tables without the
    serialized rows coming back (Playwright's loop): recreate the permissions, role
    groups (post_migrate) and reference codes the cast needs."""
    import importlib

    from django.apps import apps
    from django.core.management.sql import emit_post_migrate_signal

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    importlib.import_module("companies.migrations.0003_reference_codes").create_codes(apps, None)


def test_hr_invites_an_employee_and_sees_them_in_the_list(page, sign_in, hr_acme, employee_a):
    sign_in(hr_acme)
    page.goto("/hr/employees/")
    assert page.get_by_role("heading", name="Salariés d’Acme").is_visible()
    assert page.get_by_role("cell", name="alice@acme.test").is_visible()

    page.get_by_role("link", name="Inviter des salariés").click()
    page.get_by_label("Adresse e-mail").fill("nina@acme.test")
    page.get_by_label("Prénom").fill("Nina")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    page.wait_for_url(re.compile(r"/hr/invitations/$"))

    page.goto("/hr/employees/")
    invited = page.get_by_role("row").filter(has_text="nina@acme.test")
    assert invited.is_visible()
    assert invited.get_by_text("Invité").is_visible()
    assert page.get_by_text("Places utilisées : 2 sur 50").is_visible()
    assert Invitation.objects.filter(email="nina@acme.test", company=hr_acme.company).exists()
