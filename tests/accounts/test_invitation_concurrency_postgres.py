"""On PostgreSQL, from separate connections (threads): the row locks of the invitation
services hold under concurrency."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from accounts.exceptions import InvitationUnusable
from accounts.models import Invitation, Role, User
from accounts.services import invitation_accept, invitation_create

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _race(target, items):
    """target(item) in one thread (one connection) per item, released at once; returns
    (results, expected refusals)."""
    barrier = threading.Barrier(len(items))
    results, refusals, errors = [], [], []

    def worker(item):
        try:
            barrier.wait()
            results.append(target(item))
        except (ValidationError, InvitationUnusable) as exc:
            refusals.append(exc)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results, refusals


def test_concurrent_invitations_never_exceed_the_seats(hr_acme, acme):
    assert connection.vendor == "postgresql"
    acme.seats = 3
    acme.save()
    results, refusals = _race(
        lambda n: invitation_create(
            inviter=hr_acme,
            email=f"e{n}@acme.test",
            role=Role.EMPLOYEE,
            company=acme,
        ),
        range(8),
    )
    assert len(results) == 3 and len(refusals) == 5
    assert {r.code for r in refusals} == {"seat_limit"}
    assert Invitation.objects.filter(company=acme).count() == 3


def test_concurrent_invitations_of_one_address_create_one(hr_acme, acme):
    results, refusals = _race(
        lambda n: invitation_create(
            inviter=hr_acme,
            email="same@acme.test",
            role=Role.EMPLOYEE,
            company=acme,
        ),
        range(5),
    )
    assert len(results) == 1 and {r.code for r in refusals} == {"already_invited"}


def test_a_double_submitted_acceptance_creates_one_account(hr_acme, acme):
    invitation = invitation_create(
        inviter=hr_acme, email="nina@acme.test", role=Role.EMPLOYEE, company=acme
    )
    results, refusals = _race(
        lambda n: invitation_accept(
            invitation=invitation,
            first_name="Nina",
            last_name=f"N{n}",
            password="a-long-and-unusual-passphrase-42",
        ),
        range(4),
    )
    assert len(results) == 1 and len(refusals) == 3
    assert User.objects.filter(email="nina@acme.test").count() == 1
