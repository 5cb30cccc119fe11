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


def test_the_recheck_reads_the_auth_cache_once(monkeypatch, employee_a, consultation):
    """The user (the session's, through the authentication backend) and the role's
    catalogue can_chat asks come from one read of the auth cache, not two (a Redis
    round trip per re-check of every socket)."""
    from accounts import auth_cache

    key = session_cookie(employee_a)
    recheck(employee_a.pk, consultation.pk, key)  # the auth cache warmed
    reads = []
    real = auth_cache.cached_user
    monkeypatch.setattr(
        auth_cache, "cached_user", lambda *a, **k: reads.append(a[0]) or real(*a, **k)
    )
    monkeypatch.setattr("medical.access.cached_user", auth_cache.cached_user)
    user, _consultation = recheck(employee_a.pk, consultation.pk, key)
    assert user.pk == employee_a.pk
    assert len(reads) == 1, reads


def test_a_recheck_without_the_session_reads_the_catalogue_from_the_cache(
    monkeypatch, employee_a, consultation
):
    """A re-check that loads the user by its id (typing, read receipts) did not read the
    auth cache for it: the catalogue is read there, as for any caller."""
    from medical import access

    reads = []
    real = access.cached_user
    monkeypatch.setattr(access, "cached_user", lambda *a, **k: reads.append(a[0]) or real(*a, **k))
    recheck(employee_a.pk, consultation.pk)
    assert reads == [employee_a.pk]


def test_the_recheck_refuses_a_role_permission_removed_since_the_last_one(employee_a, consultation):
    """The catalogue the re-check reads with the session's user is the current one: a
    role permission removed since the socket's last check refuses it."""
    from django.contrib.auth.models import Group, Permission

    key = session_cookie(employee_a)
    recheck(employee_a.pk, consultation.pk, key)  # the auth cache warmed
    Group.objects.get(name=employee_a.role).permissions.remove(
        Permission.objects.get(codename="chat_participate")
    )
    with pytest.raises(consumers.ChatRefused):
        recheck(employee_a.pk, consultation.pk, key)


def test_the_recheck_asks_the_database_while_the_shared_cache_is_down(
    monkeypatch, employee_a, consultation
):
    """Redis down: the user and the role's permission from the database, as before."""
    from types import SimpleNamespace

    from django.contrib.auth.models import Group, Permission

    from medical import access

    key = session_cookie(employee_a)
    monkeypatch.setattr(access, "cache", SimpleNamespace(is_down=True))
    with CaptureQueriesContext(connection) as queries:
        recheck(employee_a.pk, consultation.pk, key)
    assert any("auth_permission" in q["sql"] for q in queries.captured_queries)
    Group.objects.get(name=employee_a.role).permissions.remove(
        Permission.objects.get(codename="chat_participate")
    )
    with pytest.raises(consumers.ChatRefused):
        recheck(employee_a.pk, consultation.pk, key)


def test_the_rechecks_row_carries_the_whole_window(employee_a, consultation):
    """The socket keeps the re-check's row as its chat window (ChatConsumer._window_from)
    and reads it on the event loop, where a deferred column would be a query (refused
    there): chat_is_open reads it with none."""
    from chat.access import chat_is_open, recheck_consultation

    read = recheck_consultation(consultation.pk, employee_a)
    with CaptureQueriesContext(connection) as queries:
        assert chat_is_open(read)
    assert queries.captured_queries == []
