"""Guardian's rows of a booking's participants, written by one INSERT ... SELECT with
three parameters (consultations/permissions.py `participants_grant`): each side gets
its own object permissions, nothing more, whichever way the statement runs."""

import pytest
from django.db import connection

from consultations.models import ConsultationUserObjectPermission
from consultations.permissions import (
    EMPLOYEE_PERMS,
    PRACTITIONER_PERMS,
    _codenames,
    grant_participants,
    participants_grant,
)
from tests.consultations.conftest import NOW, paris
from tests.consultations.factories import book

pytestmark = pytest.mark.django_db


def _granted(consultation) -> dict:
    rows = ConsultationUserObjectPermission.objects.filter(content_object=consultation)
    granted = {}
    for user_id, codename in rows.values_list("user_id", "permission__codename"):
        granted.setdefault(user_id, []).append(codename)
    return {user_id: sorted(codenames) for user_id, codenames in granted.items()}


def test_the_statement_grants_each_side_its_permissions_alone(employee_a, p_open, frozen):
    consultation = book(employee_a, p_open, at=paris(2026, 3, 3, 9), now=NOW)
    ConsultationUserObjectPermission.objects.filter(content_object=consultation).delete()
    grant_participants(consultation)  # the statement run on its own
    assert _granted(consultation) == {
        employee_a.pk: sorted(EMPLOYEE_PERMS),
        p_open.pk: sorted(PRACTITIONER_PERMS),
    }
    sql, params, count = participants_grant(consultation, connection)
    assert len(params) == 3 and sql.count("%s") == 3
    assert count == len(EMPLOYEE_PERMS) + len(PRACTITIONER_PERMS) == 10


def test_only_plain_codenames_are_written_into_the_statement():
    assert _codenames(("view_consultation", "chat_consultation")) == (
        "'view_consultation', 'chat_consultation'"
    )
    for hostile in ("x'; DROP TABLE auth_permission; --", "Chat", "a b", "é", ""):
        with pytest.raises(ValueError, match="Not a plain codename"):
            _codenames(("view_consultation", hostile))
