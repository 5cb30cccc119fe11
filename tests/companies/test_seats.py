"""The seat rule (companies.seats), through every write that takes a seat: an
invitation, a CSV row, re-sending an expired invitation, accepting one, staff
reactivating or opening an employee account; and what counts and what frees a seat."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone, translation

from accounts.csv_import import parse_employee_csv
from accounts.exceptions import InvitationStateError, InvitationUnusable
from accounts.models import Invitation, Role, User
from accounts.services import (
    invitation_accept,
    invitation_create,
    invitation_import,
    invitation_resend,
    invitation_revoke,
)
from companies.seats import company_seat_available, company_seats_free, company_seats_used
from companies.services import account_create, member_deactivate, member_reactivate

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture(autouse=True)
def _french():
    """The refusals are asserted word for word, in the language users read."""
    with translation.override("fr"):
        yield


def _invite(inviter, company, email, role=Role.EMPLOYEE):
    return invitation_create(inviter=inviter, email=email, role=role, company=company)


def _set_seats(company, seats):
    company.seats = seats
    company.save(update_fields=["seats"])


def _expire_all(time_machine):
    time_machine.move_to(timezone.now() + settings.HUNTZEN_INVITATION_VALIDITY + timedelta(hours=1))


# --- What takes a seat -----------------------------------------------------------------


def test_active_employees_take_a_seat_hr_and_practitioners_do_not(person, acme):
    person("employee_a"), person("employee_b"), person("hr_acme"), person("employee_c")
    person("practitioner_p")
    assert company_seats_used(acme) == 2


def test_a_deactivated_employee_frees_the_seat(person, acme):
    person("employee_a"), person("employee_b")
    member_deactivate(actor=person("hr_acme"), member=person("employee_a"))
    assert company_seats_used(acme) == 1


def test_pending_employee_invitations_take_a_seat(hr_acme, acme, employee_a):
    _invite(hr_acme, acme, "one@acme.test")
    _invite(hr_acme, acme, "two@acme.test")
    assert company_seats_used(acme) == 3


def test_an_expired_invitation_holds_no_seat(hr_acme, acme, employee_a, time_machine):
    _invite(hr_acme, acme, "old@acme.test")
    _expire_all(time_machine)
    assert company_seats_used(acme) == 1


def test_a_revoked_invitation_holds_no_seat(hr_acme, acme, employee_a):
    invitation = _invite(hr_acme, acme, "gone@acme.test")
    invitation_revoke(actor=hr_acme, invitation=invitation)
    assert company_seats_used(acme) == 1


def test_an_accepted_invitation_is_counted_once(hr_acme, acme, employee_a):
    invitation = _invite(hr_acme, acme, "nina@acme.test")
    invitation_accept(invitation=invitation, first_name="Nina", last_name="N", password=PASSWORD)
    assert company_seats_used(acme) == 2


def test_an_hr_invitation_holds_no_seat(staff_r2, acme, employee_a):
    _invite(staff_r2, acme, "rh2@acme.test", role=Role.COMPANY_RH)
    assert company_seats_used(acme) == 1


def test_free_seats_never_go_below_zero(acme, employee_a, employee_b):
    _set_seats(acme, 1)  # staff lowered the seats below those taken
    assert company_seats_free(acme) == 0
    assert not company_seat_available(acme)


# --- The last seat, taken by each write ------------------------------------------------


def test_the_last_seat_taken_by_an_invitation(hr_acme, acme, employee_a):
    _set_seats(acme, 2)
    _invite(hr_acme, acme, "last@acme.test")
    with pytest.raises(ValidationError) as caught:
        _invite(hr_acme, acme, "over@acme.test")
    assert caught.value.code == "seat_limit"
    assert caught.value.messages == [
        "Toutes les places de l'entreprise sont prises (2) : salariés actifs et "
        "invitations en attente."
    ]
    assert not Invitation.objects.filter(email="over@acme.test").exists()


def test_the_last_seat_taken_by_a_csv_row(hr_acme, acme, employee_a):
    _set_seats(acme, 3)
    rows = parse_employee_csv(b"one@acme.test\ntwo@acme.test\nthree@acme.test\n")
    report = invitation_import(inviter=hr_acme, company=acme, rows=rows)
    assert [r.email for r in report.accepted] == ["one@acme.test", "two@acme.test"]
    assert [(r.email, r.code, r.reason) for r in report.rejected] == [
        ("three@acme.test", "seat_limit", "Plus de place disponible dans l'entreprise (3 places).")
    ]
    with pytest.raises(ValidationError) as caught:
        _invite(hr_acme, acme, "after@acme.test")
    assert caught.value.code == "seat_limit"


def test_a_csv_import_into_a_full_company_invites_nobody(hr_acme, acme, employee_a):
    _set_seats(acme, 1)
    rows = parse_employee_csv(b"one@acme.test\n")
    report = invitation_import(inviter=hr_acme, company=acme, rows=rows)
    assert not report.accepted and [r.code for r in report.rejected] == ["seat_limit"]


def test_the_last_seat_taken_by_resending_an_expired_invitation(
    hr_acme, acme, employee_a, time_machine
):
    _set_seats(acme, 2)
    expired = _invite(hr_acme, acme, "late@acme.test")
    _expire_all(time_machine)
    invitation_resend(actor=hr_acme, invitation=expired)
    assert company_seats_used(acme) == 2
    with pytest.raises(ValidationError) as caught:
        _invite(hr_acme, acme, "over@acme.test")
    assert caught.value.code == "seat_limit"


def test_resending_an_expired_invitation_into_a_full_company_is_refused(
    hr_acme, acme, employee_a, time_machine
):
    _set_seats(acme, 2)
    expired = _invite(hr_acme, acme, "late@acme.test")
    _expire_all(time_machine)
    _invite(hr_acme, acme, "sooner@acme.test")  # takes the seat the expired one freed
    with pytest.raises(InvitationStateError) as caught:
        invitation_resend(actor=hr_acme, invitation=expired)
    assert caught.value.message == (
        "Toutes les places de l'entreprise sont prises (2) : salariés actifs et "
        "invitations en attente."
    )
    expired.refresh_from_db()
    assert expired.expires_at <= timezone.now()


def test_resending_a_pending_invitation_keeps_its_seat_in_a_full_company(
    hr_acme, acme, employee_a, time_machine
):
    _set_seats(acme, 2)
    pending = _invite(hr_acme, acme, "nina@acme.test")
    time_machine.move_to(timezone.now() + timedelta(days=1))
    invitation_resend(actor=hr_acme, invitation=pending)
    assert company_seats_used(acme) == 2


def test_the_last_seat_taken_by_accepting(hr_acme, acme, employee_a):
    first = _invite(hr_acme, acme, "first@acme.test")
    second = _invite(hr_acme, acme, "second@acme.test")
    _set_seats(acme, 2)  # staff lowered the seats after both invitations left
    invitation_accept(invitation=first, first_name="First", last_name="F", password=PASSWORD)
    with pytest.raises(InvitationUnusable) as caught:
        invitation_accept(invitation=second, first_name="Second", last_name="S", password=PASSWORD)
    assert caught.value.reason == InvitationUnusable.SEAT_LIMIT
    assert not User.objects.filter(email="second@acme.test").exists()


def test_accepting_uses_the_seat_the_invitation_holds(hr_acme, acme, employee_a):
    _set_seats(acme, 3)
    invitation = _invite(hr_acme, acme, "nina@acme.test")
    _invite(hr_acme, acme, "other@acme.test")  # the company is now full
    user = invitation_accept(
        invitation=invitation, first_name="Nina", last_name="N", password=PASSWORD
    )
    assert user.is_active and company_seats_used(acme) == 3


def test_a_deactivated_employee_frees_the_seat_for_an_invitation(hr_acme, acme, employee_a):
    _set_seats(acme, 1)
    with pytest.raises(ValidationError):
        _invite(hr_acme, acme, "next@acme.test")
    member_deactivate(actor=hr_acme, member=employee_a)
    assert _invite(hr_acme, acme, "next@acme.test")


def test_the_last_seat_taken_by_a_reactivation(staff_r2, hr_acme, acme, employee_a):
    member_deactivate(actor=hr_acme, member=employee_a)
    _set_seats(acme, 1)
    member_reactivate(actor=staff_r2, member=employee_a)
    with pytest.raises(ValidationError) as caught:
        _invite(hr_acme, acme, "over@acme.test")
    assert caught.value.code == "seat_limit"


def test_staff_read_which_company_is_full(staff_r2, hr_acme, acme, employee_a, employee_b):
    member_deactivate(actor=hr_acme, member=employee_a)
    _set_seats(acme, 1)
    with pytest.raises(ValidationError) as caught:
        member_reactivate(actor=staff_r2, member=employee_a)
    assert caught.value.message_dict == {
        "company": ["Toutes les places de Acme sont occupées (1)."]
    }
    assert caught.value.error_dict["company"][0].code == "seat_limit"
    with pytest.raises(ValidationError) as caught:
        account_create(actor=staff_r2, email="new@acme.test", role=Role.EMPLOYEE, company=acme)
    assert caught.value.message_dict == {
        "company": ["Toutes les places de Acme sont occupées (1)."]
    }


# --- PostgreSQL: concurrent requests for the last seat ----------------------------------


def _race(*calls):
    """Each call in its own thread (its own connection), released together; returns
    (results, seat refusals)."""
    barrier = threading.Barrier(len(calls))
    results, refusals, errors = [], [], []

    def worker(call):
        try:
            barrier.wait()
            results.append(call())
        except ValidationError as exc:
            refusals.append(exc)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results, refusals


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_invitations_for_the_last_seat_one_wins(hr_acme, acme, employee_a):
    assert connection.vendor == "postgresql"
    _set_seats(acme, 2)
    results, refusals = _race(
        lambda: _invite(hr_acme, acme, "one@acme.test"),
        lambda: _invite(hr_acme, acme, "two@acme.test"),
    )
    assert len(results) == 1 and [r.code for r in refusals] == ["seat_limit"]
    assert company_seats_used(acme) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_invitation_and_a_reactivation_for_the_last_seat_one_wins(
    staff_r2, hr_acme, acme, employee_a, employee_b
):
    assert connection.vendor == "postgresql"
    member_deactivate(actor=hr_acme, member=employee_a)
    _set_seats(acme, 2)
    results, refusals = _race(
        lambda: _invite(hr_acme, acme, "new@acme.test"),
        lambda: member_reactivate(actor=staff_r2, member=employee_a),
    )
    assert len(results) == 1 and len(refusals) == 1
    assert company_seats_used(acme) == 2
