"""accounts.services.invitation_create: who may invite whom, and what is refused."""

import hashlib

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Invitation, Role
from accounts.services import invitation_create
from tests.accounts.conftest import BASE_URL, link_token

pytestmark = pytest.mark.django_db


def _invite(inviter, email="new@example.test", role=Role.EMPLOYEE, company=None, **kw):
    return invitation_create(inviter=inviter, email=email, role=role, company=company, **kw)


def test_hr_invites_an_employee_of_its_company(hr_acme, acme):
    invitation = _invite(hr_acme, company=acme)
    assert (invitation.role, invitation.company, invitation.invited_by) == (
        Role.EMPLOYEE,
        acme,
        hr_acme,
    )
    assert invitation.status == Invitation.Status.PENDING


def test_it_expires_after_the_configured_validity(hr_acme, acme, settings):
    invitation = _invite(hr_acme, company=acme)
    assert invitation.expires_at - invitation.created_at == settings.HUNTZEN_INVITATION_VALIDITY


def test_only_a_sha256_of_the_token_is_stored(hr_acme, acme):
    invitation = _invite(hr_acme, company=acme)
    stored = Invitation.objects.get(pk=invitation.pk)
    assert stored.token_hash == hashlib.sha256(invitation.raw_token.encode()).hexdigest()
    assert invitation.raw_token not in stored.token_hash
    assert len(invitation.raw_token) >= 40  # 32 random bytes


def test_email_is_normalized(hr_acme, acme):
    assert _invite(hr_acme, email="  New.Hire@ACME.test ", company=acme).email == (
        "new.hire@acme.test"
    )


def test_hr_cannot_invite_into_another_company(hr_acme, globex):
    with pytest.raises(PermissionDenied):
        _invite(hr_acme, company=globex)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("role", [Role.COMPANY_RH, Role.PRACTITIONER])
def test_hr_cannot_invite_hr_or_practitioners(hr_acme, acme, role):
    with pytest.raises(PermissionDenied):
        _invite(hr_acme, role=role, company=acme if role == Role.COMPANY_RH else None)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("who", ["employee_a", "practitioner_p"])
def test_employees_and_practitioners_cannot_invite(cast, acme, who):
    with pytest.raises(PermissionDenied):
        _invite(cast[who], company=acme)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("who", ["staff_r2", "operator_r1", "superuser"])
@pytest.mark.parametrize("role", [Role.COMPANY_RH, Role.EMPLOYEE])
def test_staff_invite_hr_and_employees_of_any_company(cast, globex, who, role):
    invitation = _invite(cast[who], role=role, company=globex)
    assert (invitation.role, invitation.company) == (role, globex)


@pytest.mark.parametrize("who", ["staff_r2", "operator_r1"])
def test_staff_invite_practitioners_without_company(cast, who):
    assert _invite(cast[who], role=Role.PRACTITIONER).company is None


@pytest.mark.parametrize("role", [Role.PSG_SUPER, Role.HUNTZEN_ADMIN])
def test_staff_roles_are_not_invitable(staff_r2, role):
    with pytest.raises(PermissionDenied):
        _invite(staff_r2, role=role)


def test_practitioner_with_a_company_is_refused(staff_r2, acme):
    with pytest.raises(ValidationError) as exc:
        _invite(staff_r2, role=Role.PRACTITIONER, company=acme)
    assert exc.value.code == "company_forbidden"


def test_hr_without_company_is_refused(staff_r2):
    with pytest.raises(ValidationError) as exc:
        _invite(staff_r2, role=Role.COMPANY_RH)
    assert exc.value.code == "company_required"


def test_employees_of_an_inactive_company_are_refused(staff_r2):
    from companies.services import company_create

    dormant = company_create(name="Initech", siret="40483304800022", contact_email="c@initech.test")
    with pytest.raises(ValidationError) as exc:
        _invite(staff_r2, company=dormant)
    assert exc.value.code == "company_inactive"
    # HR can be invited before activation, to prepare the company.
    assert _invite(staff_r2, email="rh@initech.test", role=Role.COMPANY_RH, company=dormant)


def test_existing_user_email_is_refused_with_a_clear_message(hr_acme, acme, employee_a):
    with pytest.raises(ValidationError) as exc:
        _invite(hr_acme, email="ALICE@acme.test", company=acme)
    assert exc.value.code == "already_user"
    assert "existe déjà" in exc.value.messages[0]


def test_second_open_invitation_for_an_email_is_refused(hr_acme, acme):
    _invite(hr_acme, email="twice@acme.test", company=acme)
    with pytest.raises(ValidationError) as exc:
        _invite(hr_acme, email="Twice@acme.test", company=acme)
    assert exc.value.code == "already_invited"
    assert Invitation.objects.count() == 1


def test_the_seat_limit_counts_employees_and_pending_invitations(hr_acme, acme, employee_a):
    acme.seats = 2
    acme.save()
    _invite(hr_acme, email="one@acme.test", company=acme)  # seat 2 of 2
    with pytest.raises(ValidationError) as exc:
        _invite(hr_acme, email="two@acme.test", company=acme)
    assert exc.value.code == "seat_limit"


def test_an_expired_invitation_frees_its_seat(hr_acme, acme, time_machine):
    acme.seats = 1
    acme.save()
    _invite(hr_acme, email="one@acme.test", company=acme)
    time_machine.move_to(timezone.now() + timezone.timedelta(days=8))
    assert _invite(hr_acme, email="two@acme.test", company=acme)


def test_invalid_email_is_refused(hr_acme, acme):
    with pytest.raises(ValidationError) as exc:
        _invite(hr_acme, email="not-an-email", company=acme)
    assert exc.value.code == "invalid_email"


def test_the_email_leaves_after_commit_with_a_working_link(
    hr_acme, acme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(hr_acme, email="new@acme.test", company=acme, first_name="Nina")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@acme.test"]
    assert link_token(message) == invitation.raw_token
    assert f"{BASE_URL}/invitation/{invitation.raw_token}/" in message.body


def test_no_email_when_the_transaction_rolls_back(
    hr_acme, acme, django_capture_on_commit_callbacks
):
    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            _invite(hr_acme, company=acme)
            raise Boom
    assert callbacks == []
    assert mail.outbox == []
    assert not Invitation.objects.exists()
