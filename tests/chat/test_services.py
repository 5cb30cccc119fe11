"""chat.services: message_send and message_history, through the real access rule."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat.access import ChatClosed, ChatForbidden, ChatUnknown
from chat.models import ChatMessage
from chat.services import message_history, message_send
from medical import crypto
from medical.models import AccessLogEntry
from tests.chat.conftest import open_consultation

pytestmark = pytest.mark.django_db


def _send(user, consultation, body="Bonjour", client_id="c-1"):
    return message_send(
        sender=user, consultation=consultation, body=body, client_message_id=client_id
    )


def _log(consultation):
    return list(
        AccessLogEntry.objects.filter(object_type="chat", object_id=str(consultation.pk))
        .order_by("at", "id")
        .values_list("user_email", "action", "allowed")
    )


def test_it_stores_a_sealed_message_for_a_participant(employee_a, consultation):
    message, created = _send(employee_a, consultation, "Je dors mal")
    assert created
    row = ChatMessage.objects.get()
    assert row.pk == message.id
    assert row.sender == employee_a
    assert row.body_sealed.startswith(crypto.current_key_id() + ":")
    assert "Je dors mal" not in row.body_sealed
    assert crypto.unseal(row.body_sealed, aad=row.aad("body")) == "Je dors mal"
    assert message.body == "Je dors mal"
    assert _log(consultation) == [(employee_a.email, "send", True)]


def test_the_ciphertext_is_bound_to_row_consultation_and_sender(
    employee_a, practitioner_p, consultation
):
    _send(employee_a, consultation, "premier", "c-1")
    _send(practitioner_p, consultation, "second", "c-2")
    first, second = ChatMessage.objects.order_by("created_at", "id")
    # Copying a ciphertext to another row makes it unreadable, not silently valid.
    ChatMessage.objects.filter(pk=second.pk).update(body_sealed=first.body_sealed)
    messages, _ = message_history(user=employee_a, consultation=consultation)
    assert [m.body for m in messages] == ["premier", None]
    # So does pretending another participant wrote it.
    ChatMessage.objects.filter(pk=first.pk).update(sender=practitioner_p)
    messages, _ = message_history(user=employee_a, consultation=consultation)
    assert [m.body for m in messages] == [None, None]


def test_a_resend_with_the_same_client_id_stores_once(employee_a, practitioner_p, consultation):
    first, created = _send(employee_a, consultation, "une fois", "same")
    again, created_again = _send(employee_a, consultation, "une fois", "same")
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    # The id is per sender: the other participant may use the same one.
    _send(practitioner_p, consultation, "moi aussi", "same")
    assert ChatMessage.objects.count() == 2


def _statements(captured) -> list[str]:
    """Savepoint statements are the test's own transaction's."""
    return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_an_open_sockets_message_costs_one_statement(employee_a, consultation):
    """With the socket's cached participant decision: the window, the access-log row
    and the message (INSERT ... ON CONFLICT) in one statement on PostgreSQL, three on
    SQLite; no guardian or role-permission query. A resend reads the stored row back:
    one more."""
    one = connection.vendor == "postgresql"
    with CaptureQueriesContext(connection) as captured:
        message, created = message_send(
            sender=employee_a,
            consultation=consultation,
            body="vite",
            client_message_id="fast-1",
            participant=True,
        )
    statements = _statements(captured)
    assert created and len(statements) == (1 if one else 3), statements
    assert not any("guardian" in sql or "auth_permission" in sql for sql in statements)
    with CaptureQueriesContext(connection) as captured:
        again, created = message_send(
            sender=employee_a,
            consultation=consultation,
            body="vite",
            client_message_id="fast-1",
            participant=True,
        )
    statements = _statements(captured)
    assert not created and again.id == message.id and len(statements) == (2 if one else 4)
    assert again.body == "vite"
    assert ChatMessage.objects.count() == 1
    assert _log(consultation) == [(employee_a.email, "send", True)] * 2


def test_the_one_statement_writes_what_the_step_by_step_path_writes(
    employee_a, practitioner_p, consultation
):
    """Same message row (sealed, bound to its row) and same access-log row (subject the
    consultation's employee, the sender's email and role), whichever path wrote it."""
    fast, _ = message_send(
        sender=practitioner_p,
        consultation=consultation,
        body="rapide",
        client_message_id="a",
        participant=True,
    )
    slow, _ = message_send(
        sender=practitioner_p, consultation=consultation, body="lent", client_message_id="b"
    )
    rows = {m.pk: m for m in ChatMessage.objects.all()}
    for sent, body in ((fast, "rapide"), (slow, "lent")):
        row = rows[sent.id]
        assert (row.consultation_id, row.sender_id, row.created_at) == (
            consultation.pk,
            practitioner_p.pk,
            sent.created_at,
        )
        assert crypto.unseal(row.body_sealed, aad=row.aad("body")) == body
    logged = [
        {k: v for k, v in row.items() if k not in ("id", "at")}
        for row in AccessLogEntry.objects.filter(action="send").order_by("at", "id").values()
    ]
    assert len(logged) == 2 and logged[0] == logged[1]
    assert logged[0]["subject_id"] == consultation.employee_id
    assert (logged[0]["user_id"], logged[0]["role"]) == (practitioner_p.pk, practitioner_p.role)


@pytest.mark.parametrize("status", ["cancelled", "no_show"])
def test_an_open_sockets_message_to_a_closed_consultation_is_refused_once(
    employee_a, consultation, status
):
    """The one statement writes nothing when the window row is missing: the refusal is
    decided and logged by the step-by-step path, one row, no allowed one."""
    type(consultation).objects.filter(pk=consultation.pk).update(status=status)
    with pytest.raises(ChatClosed):
        message_send(
            sender=employee_a,
            consultation=consultation,
            body="non",
            client_message_id="closed-1",
            participant=True,
        )
    assert not ChatMessage.objects.exists()
    assert _log(consultation) == [(employee_a.email, "send", False)]


def test_a_cached_decision_never_lets_a_barred_account_send(employee_a, consultation):
    """participant=True speaks for the object permission only: a barred account
    (here a participant turned staff) is refused all the same, and logged."""
    employee_a.is_staff = True
    employee_a.save(update_fields=["is_staff"])
    with pytest.raises(ChatForbidden):
        message_send(
            sender=employee_a,
            consultation=consultation,
            body="non",
            client_message_id="barred-1",
            participant=True,
        )
    assert ChatMessage.objects.count() == 0
    assert ("alice@acme.test", "send", False) in _log(consultation)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "empty_body"),
        ("  \n ", "empty_body"),
        ("x" * 4001, "body_too_long"),
        (None, "invalid_body"),
        (12, "invalid_body"),
    ],
)
def test_it_refuses_a_bad_body_and_stores_nothing(employee_a, consultation, body, code):
    with pytest.raises(ValidationError) as refused:
        _send(employee_a, consultation, body)
    assert refused.value.code == code
    assert not ChatMessage.objects.exists()


@pytest.mark.parametrize("client_id", ["", "x" * 65, "a b", "é", None, 3])
def test_it_refuses_a_bad_client_id(employee_a, consultation, client_id):
    with pytest.raises(ValidationError):
        _send(employee_a, consultation, "ok", client_id)
    assert not ChatMessage.objects.exists()


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("employee_b", ChatUnknown),
        ("employee_c", ChatUnknown),
        ("practitioner_q", ChatUnknown),
        ("hr_acme", ChatUnknown),
        ("hr_globex", ChatUnknown),
        ("staff_r2", ChatForbidden),
        ("operator_r1", ChatForbidden),
        ("superuser", ChatForbidden),
    ],
)
def test_only_participants_send_and_read(cast, consultation, who, error):
    with pytest.raises(error):
        _send(cast[who], consultation)
    with pytest.raises(error):
        message_history(user=cast[who], consultation=consultation)
    assert not ChatMessage.objects.exists()
    assert _log(consultation) == [
        (cast[who].email, "send", False),
        (cast[who].email, "read", False),
    ]


def test_sending_outside_the_window_is_refused_but_history_stays_readable(employee_a, consultation):
    _send(employee_a, consultation, "pendant")
    after = consultation.scheduled_end + timedelta(hours=24, seconds=1)
    with time_machine.travel(after, tick=False):
        with pytest.raises(ChatClosed):
            _send(employee_a, consultation, "après", "c-2")
        messages, _ = message_history(user=employee_a, consultation=consultation)
    assert [m.body for m in messages] == ["pendant"]


def test_history_pages_backwards_with_a_constant_query_count(
    employee_a, practitioner_p, consultation, django_assert_max_num_queries
):
    start = timezone.now() - timedelta(minutes=5)
    for i in range(120):
        with time_machine.travel(start + timedelta(seconds=i), tick=False):
            _send(employee_a if i % 2 else practitioner_p, consultation, f"m{i}", f"c{i}")
    with django_assert_max_num_queries(8):
        page, has_more = message_history(user=employee_a, consultation=consultation)
    assert [m.body for m in page] == [f"m{i}" for i in range(70, 120)]
    assert has_more
    with django_assert_max_num_queries(9):
        older, has_more = message_history(
            user=employee_a, consultation=consultation, before=page[0].id
        )
    assert [m.body for m in older] == [f"m{i}" for i in range(20, 70)]
    oldest, has_more = message_history(
        user=employee_a, consultation=consultation, before=older[0].id
    )
    assert [m.body for m in oldest] == [f"m{i}" for i in range(20)]
    assert not has_more


def test_history_pages_do_not_skip_messages_of_the_same_instant(employee_a, consultation):
    with time_machine.travel(timezone.now(), tick=False):
        for i in range(5):
            _send(employee_a, consultation, f"m{i}", f"c{i}")
    ids = [m.id for m in message_history(user=employee_a, consultation=consultation)[0]]
    seen = []
    before = None
    while True:
        page, has_more = message_history(
            user=employee_a, consultation=consultation, before=before, limit=2
        )
        seen = [m.id for m in page] + seen
        if not has_more:
            break
        before = page[0].id
    assert seen == ids


@pytest.mark.parametrize("before", ["nope", "00000000-0000-0000-0000-000000000000"])
def test_history_refuses_an_unknown_cursor(employee_a, consultation, before):
    with pytest.raises(ValidationError) as invalid:
        message_history(user=employee_a, consultation=consultation, before=before)
    # Keyed by the parameter, so the API names it without catching anything.
    (error,) = invalid.value.error_dict["before"]
    assert error.code == "invalid_before"


def test_history_refuses_a_cursor_from_another_consultation(
    employee_a, employee_b, practitioner_q, consultation
):
    other = open_consultation(employee_b, practitioner_q)
    message, _ = _send(practitioner_q, other, "ailleurs")
    with pytest.raises(ValidationError):
        message_history(user=employee_a, consultation=consultation, before=message.id)


def test_the_database_holds_only_ciphertext(employee_a, consultation):
    canary = "CANARY-7c1e-je-vais-mal"
    _send(employee_a, consultation, canary)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ChatMessage._meta.db_table}")
        dump = repr(cursor.fetchall())
    assert canary not in dump


def test_the_history_on_join_reuses_the_consultation_just_read(employee_a, consultation):
    """The socket's join decision has just read the consultation: the first page costs
    the access-log row and the page, not a third read of the consultation; logged."""
    _send(employee_a, consultation, "avant", "h-1")
    with CaptureQueriesContext(connection) as captured:
        page, has_more = message_history(
            user=employee_a, consultation=consultation, participant=True, fresh=True
        )
    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert [m.body for m in page] == ["avant"] and not has_more
    assert len(statements) == 2, statements
    assert not any('FROM "consultations_consultation"' in sql for sql in statements[1:])
    assert _log(consultation)[-1][1:] == ("read", True)


def test_an_open_sockets_message_to_an_unknown_or_malformed_consultation_is_refused(
    employee_a, consultation
):
    """The message's plain read of the window: no such row, or an id that is not one,
    refuses (404, logged) and stores nothing."""
    from consultations.models import Consultation

    for missing in (uuid.uuid4(), "not-a-uuid"):
        with pytest.raises(ChatUnknown):
            message_send(
                sender=employee_a,
                consultation=Consultation(pk=missing),
                body="perdu",
                client_message_id="lost-1",
                participant=True,
            )
    assert not ChatMessage.objects.exists()


def test_an_open_sockets_message_after_the_window_reads_the_whole_row_to_refuse(
    employee_a, practitioner_p
):
    """Outside the window the refusal needs the participants (who may know of it): the
    whole consultation is read then, and the participant told the chat is closed."""
    old = open_consultation(employee_a, practitioner_p, minutes_ago=3 * 24 * 60)
    with pytest.raises(ChatClosed):
        message_send(
            sender=employee_a,
            consultation=old,
            body="trop tard",
            client_message_id="late-1",
            participant=True,
        )
    assert not ChatMessage.objects.exists()
    assert _log(old)[-1][1:] == ("send", False)


@pytest.mark.parametrize(
    "value",
    ["c", "A-z_0.9:", "x" * 64, uuid.uuid4().hex, str(uuid.uuid4()), "-", ":.:_"],
)
def test_a_client_message_id_of_ascii_letters_digits_and_four_marks_is_valid(value):
    from chat.services import validate_client_message_id

    assert validate_client_message_id(value) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        42,
        b"abc",
        "",
        "x" * 65,
        "abc\n",  # a regular expression's $ would let a final newline through
        "\nabc",
        "a b",
        "a/b",
        "é",
        "١٢٣",  # Unicode digits (str.isalnum), not ASCII
        "ﬁ",
        "²",
        "a\x00",
    ],
)
def test_any_other_client_message_id_is_refused(value):
    from chat.services import validate_client_message_id

    with pytest.raises(ValidationError) as refused:
        validate_client_message_id(value)
    assert refused.value.code == "invalid_client_message_id"


@pytest.mark.parametrize(
    ("body", "code"),
    [("", "empty_body"), (" \n\t\u3000\u2028", "empty_body"), (None, "invalid_body")],
)
def test_an_empty_or_blank_body_is_refused(body, code):
    from chat.services import validate_body

    with pytest.raises(ValidationError) as refused:
        validate_body(body)
    assert refused.value.code == code


def test_a_body_with_text_around_blanks_is_kept_as_sent():
    from chat.services import validate_body

    assert validate_body(" \u3000 hi \n") == " \u3000 hi \n"
