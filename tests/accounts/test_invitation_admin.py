"""Invitations in the Django admin: created through the service, never edited."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Role

pytestmark = pytest.mark.django_db

ADD = reverse("admin:accounts_invitation_add")
CHANGELIST = reverse("admin:accounts_invitation_changelist")


def _add(client, **data):
    return client.post(
        ADD,
        {
            "email": "psy@huntzen.test",
            "first_name": "P",
            "last_name": "S",
            "role": Role.PRACTITIONER,
            "company": "",
            "language": "fr",
            **data,
        },
    )


@pytest.mark.parametrize("who", ["staff_r2", "operator_r1"])
def test_staff_invite_a_practitioner_from_the_admin(
    client, cast, who, django_capture_on_commit_callbacks
):
    client.force_login(cast[who])
    with django_capture_on_commit_callbacks(execute=True):
        response = _add(client)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.invited_by) == (Role.PRACTITIONER, cast[who])
    assert mail.outbox[0].to == ["psy@huntzen.test"]


def test_staff_invite_hr_of_a_company(client, staff_r2, acme):
    client.force_login(staff_r2)
    _add(client, email="rh2@acme.test", role=Role.COMPANY_RH, company=str(acme.pk))
    assert Invitation.objects.get().company == acme


def test_refusals_show_on_the_form_and_nothing_is_created(client, staff_r2, acme, employee_a):
    client.force_login(staff_r2)
    response = _add(client, email=employee_a.email)
    assert response.status_code == 200
    assert "Un compte existe déjà" in response.text
    response = _add(client, company=str(acme.pk))
    assert "aucune entreprise" in response.text
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_staff_roles_cannot_be_chosen(client, staff_r2):
    client.force_login(staff_r2)
    response = _add(client, role=Role.PSG_SUPER)
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_the_token_hash_is_never_shown(client, staff_r2, invite):
    invitation = invite("nina@acme.test")
    client.force_login(staff_r2)
    response = client.get(reverse("admin:accounts_invitation_change", args=[invitation.pk]))
    assert response.status_code == 200
    assert invitation.token_hash not in response.text
    assert "token_hash" not in response.text


def test_an_invitation_cannot_be_edited_or_deleted(client, staff_r2, invite):
    invitation = invite("nina@acme.test")
    client.force_login(staff_r2)
    client.post(
        reverse("admin:accounts_invitation_change", args=[invitation.pk]),
        {"email": "evil@x.test", "role": Role.PRACTITIONER},
    )
    invitation.refresh_from_db()
    assert (invitation.email, invitation.role) == ("nina@acme.test", Role.EMPLOYEE)
    response = client.get(reverse("admin:accounts_invitation_delete", args=[invitation.pk]))
    assert response.status_code == 403


def test_admin_actions_revoke_and_resend(client, staff_r2, invite, time_machine):
    first, second = invite("a@acme.test"), invite("b@acme.test")
    old_hash = second.token_hash
    time_machine.move_to(timezone.now() + timezone.timedelta(minutes=2))
    client.force_login(staff_r2)
    client.post(CHANGELIST, {"action": "revoke_selected", "_selected_action": [first.pk]})
    client.post(CHANGELIST, {"action": "resend_selected", "_selected_action": [second.pk]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Invitation.Status.REVOKED
    assert second.token_hash != old_hash


def test_status_filter(client, staff_r2, invite):
    invite("a@acme.test")
    client.force_login(staff_r2)
    assert "a@acme.test" in client.get(CHANGELIST + "?status=pending").text
    assert "a@acme.test" not in client.get(CHANGELIST + "?status=revoked").text


@pytest.mark.parametrize("who", ["hr_acme", "employee_a", "practitioner_p"])
def test_portal_roles_have_no_admin(client, cast, who):
    client.force_login(cast[who])
    assert client.get(CHANGELIST).status_code in (302, 403)
    assert not Invitation.objects.exists()
