"""The periodic re-check of an open socket (chat.consumers._recheck_now): every socket runs
it about every 25 s, so its statements are pinned here, and what it decides."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import consumers
from chat.access import ChatClosed, ChatUnauthenticated
from consultations.models import Consultation
from tests.chat.conftest import session_cookie

pytestmark = pytest.mark.django_db

recheck = consumers._recheck_now


def test_the_recheck_is_three_statements(employee_a, consultation):
    """The session, the consultation's window and participants (those columns only),
    the object permission; the user and the role's permissions from the auth cache."""
    key = session_cookie(employee_a)
    recheck(employee_a.pk, consultation.pk, key)  # the auth cache warmed
    with CaptureQueriesContext(connection) as queries:
        user, _consultation = recheck(employee_a.pk, consultation.pk, key)
    assert user.pk == employee_a.pk
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == 3, statements
    assert "django_session" in statements[0]
    assert '"employee_id", "practitioner_id"' in statements[1]
    assert "company_id" not in statements[1]
    assert "userobjectpermission" in statements[2]


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
