"""Staff opening a consultation in the Django admin is written to the access log, with
the consultation's employee as its subject: she sees it on her privacy page."""

import pytest
from django.urls import reverse

from medical.models import AccessLogEntry
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db

ADMINS = ["staff_r2", "operator_r1", "superuser"]
OTHERS = ["employee_a", "practitioner_p", "hr_acme"]


@pytest.fixture
def consultation(employee_a, practitioner_p):
    return book(employee_a, practitioner_p)


def change_url(consultation):
    return reverse("admin:consultations_consultation_change", args=[consultation.pk])


@pytest.mark.parametrize("role", ADMINS)
def test_opening_a_consultation_in_the_admin_is_logged(role, cast, client, consultation):
    client.force_login(cast[role])
    response = client.get(change_url(consultation))
    assert response.status_code == 200
    row = AccessLogEntry.objects.get(object_type="consultation")
    assert (row.user, row.subject, row.action, row.allowed, row.object_id) == (
        cast[role],
        cast["employee_a"],
        "read",
        True,
        str(consultation.pk),
    )


def test_the_change_list_alone_writes_no_row(client, staff_r2, consultation):
    client.force_login(staff_r2)
    assert client.get(reverse("admin:consultations_consultation_changelist")).status_code == 200
    assert not AccessLogEntry.objects.filter(object_type="consultation").exists()


def test_a_staff_account_without_the_view_permission_is_refused_and_logged(
    client, staff_r2, consultation
):
    staff_r2.groups.clear()
    client.force_login(staff_r2)
    assert client.get(change_url(consultation)).status_code == 403
    row = AccessLogEntry.objects.get(object_type="consultation")
    assert (row.subject, row.allowed) == (consultation.employee, False)


@pytest.mark.parametrize("role", OTHERS)
def test_non_staff_never_reach_the_admin_view_so_nothing_is_logged(
    role, cast, client, consultation
):
    client.force_login(cast[role])
    response = client.get(change_url(consultation))
    assert response.status_code == 302
    assert not AccessLogEntry.objects.filter(object_type="consultation").exists()
