"""The periodic re-check of an open socket (chat.consumers._recheck_now): every socket runs
it about every 25 s, so its statements are pinned here, and what it decides."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from chat import consumers
from chat.access import ChatClosed, ChatUnauthenticated
from consultations.models import Consultation
from tests.chat.conftest import (
    BARRED_PARTICIPANTS,
    bar_participant,
    open_consultation,
    session_cookie,
)
from tests.medical.conftest import ROLES

pytestmark = pytest.mark.django_db

recheck = consumers._recheck_now


def test_the_recheck_is_two_statements(employee_a, consultation):
    """The session; the consultation's window and participants (those columns only)
    with the object permission can_chat asks, read with the row; the user and the
    role's permissions from the auth cache."""
    key = session_cookie(employee_a)
    recheck(employee_a.pk, consultation.pk, key)  # the auth cache warmed
    with CaptureQueriesContext(connection) as queries:
        user, _consultation = recheck(employee_a.pk, consultation.pk, key)
    assert user.pk == employee_a.pk
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == 2, statements
    assert "django_session" in statements[0]
    assert '"employee_id", "consultations_consultation"."practitioner_id"' in statements[1]
    assert "company_id" not in statements[1]
    assert "userobjectpermission" in statements[1]


def test_the_recheck_refuses_a_session_gone(employee_a, consultation):
    from django.contrib.sessions.models import Session

    key = session_cookie(employee_a)
    Session.objects.filter(session_key=key).delete()
    with pytest.raises(ChatUnauthenticated):
        recheck(employee_a.pk, consultation.pk, key)


def test_the_recheck_refuses_a_cancelled_consultation(employee_a, consultation):
    key = session_cookie(employee_a)
    Consultation.objects.filter(pk=consultation.pk).update(status=Consultation.Status.CANCELLED)
    with pytest.raises(ChatClosed):
        recheck(employee_a.pk, consultation.pk, key)


def test_the_recheck_refuses_a_participant_whose_permission_went(employee_a, consultation):
    from consultations.models import ConsultationUserObjectPermission

    key = session_cookie(employee_a)
    ConsultationUserObjectPermission.objects.filter(
        user=employee_a, permission__codename="chat_consultation"
    ).delete()
    with pytest.raises(consumers.ChatRefused):
        recheck(employee_a.pk, consultation.pk, key)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_background_rechecks_run_on_their_own_threads():
    """A burst of background re-checks never holds the threads messages run on."""
    from chat.auth import BACKGROUND_DB_THREADS, db, db_background

    def thread_name():
        return threading.current_thread().name

    assert (await db_background(thread_name)()).startswith("chat-db-background_")
    assert (await db(thread_name)()).startswith("chat-db_")
    assert BACKGROUND_DB_THREADS == 2


def _fresh_decision(user, consultation_id) -> bool:
    """still_allowed on the whole row, read anew, guardian asked: the step-by-step rule."""
    from chat.access import still_allowed

    fresh = User.objects.get(pk=user.pk)
    return still_allowed(fresh, Consultation.objects.get(pk=consultation_id))


def _recheck_decision(user, consultation_id) -> bool:
    """still_allowed on the re-check's read (the permission read with the row)."""
    from chat.access import recheck_consultation, still_allowed

    fresh = User.objects.get(pk=user.pk)
    consultation = recheck_consultation(consultation_id, fresh)
    return consultation is not None and still_allowed(fresh, consultation)


@pytest.mark.parametrize("who", ROLES)
def test_the_recheck_decides_as_guardian_asked_for_everyone(cast, consultation, who):
    user = cast[who]
    expected = who in ("employee_a", "practitioner_p")
    assert _fresh_decision(user, consultation.pk) is expected
    assert _recheck_decision(user, consultation.pk) is expected


@pytest.mark.parametrize("case", [*BARRED_PARTICIPANTS, "inactive"])
def test_the_recheck_refuses_a_barred_participant_as_guardian_asked(employee_a, consultation, case):
    bar_participant(employee_a, case)
    assert _fresh_decision(employee_a, consultation.pk) is False
    assert _recheck_decision(employee_a, consultation.pk) is False


@pytest.mark.parametrize("codename", ["chat_consultation", "view_consultation"])
def test_the_recheck_reads_the_permission_of_its_user_only(
    employee_a, practitioner_p, consultation, codename
):
    """One participant's permission removed: she is refused, the other is not (the
    permission read with the row is the re-checked user's, not anyone's)."""
    from consultations.models import ConsultationUserObjectPermission

    ConsultationUserObjectPermission.objects.filter(
        user=employee_a, permission__codename=codename
    ).delete()
    expected = codename != "chat_consultation"
    assert _fresh_decision(employee_a, consultation.pk) is expected
    assert _recheck_decision(employee_a, consultation.pk) is expected
    assert _recheck_decision(practitioner_p, consultation.pk) is True


def test_the_recheck_reads_nothing_of_another_consultation(
    employee_a, employee_b, practitioner_q, consultation
):
    """The permission of a consultation of one's own does not count for another's."""
    other = open_consultation(employee_b, practitioner_q)
    assert _recheck_decision(employee_a, other.pk) is False
    assert _recheck_decision(employee_b, other.pk) is True
    assert _recheck_decision(employee_b, consultation.pk) is False


@pytest.mark.parametrize(
    "consultation_id", ["not-a-uuid", "", "00000000-0000-0000-0000-000000000000"]
)
def test_the_recheck_finds_no_consultation_for_a_bad_or_unknown_id(employee_a, consultation_id):
    from chat.access import recheck_consultation

    assert recheck_consultation(consultation_id, employee_a) is None


def test_the_recheck_decides_the_window_as_the_whole_row(employee_a, consultation):
    """Closed by status, then reopened: the same answer from both reads each time."""
    for status in Consultation.Status.values:
        Consultation.objects.filter(pk=consultation.pk).update(status=status)
        assert _recheck_decision(employee_a, consultation.pk) is _fresh_decision(
            employee_a, consultation.pk
        ), status
