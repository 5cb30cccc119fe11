"""Who may use the chat of a consultation, and when.

The medical rule (`medical.access.can_chat`: the two participants, whose role may chat,
never HR, staff or a superuser) decides who; this module adds when: not for a
cancelled consultation or one marked as a no-show, and only from
HUNTZEN_CHAT_OPENS_BEFORE before the start to HUNTZEN_CHAT_CLOSES_AFTER after the end.
Reading the history of one's own consultation is allowed whenever the chat is closed
too.

Refusals: `ChatUnknown` (404 / close 4404) for a consultation that does not exist or
that the user must not know of; `ChatForbidden` (403 / 4403) for staff, who may see the
consultation but never what is said; `ChatClosed` (409 / 4409) outside the window.
Every decision is written to the medical access log, exactly once.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.mfa import must_enroll_mfa
from accounts.models import User
from consultations.access import may_know_of
from consultations.models import Consultation
from consultations.permissions import load_object_perms, with_held_perms
from huntzen.exceptions import Refusal
from huntzen.instance_statements import InstanceStatement
from medical.access import can_chat, is_barred
from medical.audit import log_access
from medical.models import AccessLogEntry

Action = AccessLogEntry.Action

OBJECT_TYPE = "chat"

# Websocket close codes (4000-4999 are the application's own).
# No session, bad or expired ticket, signed out, session ended, or sign-in incomplete
# (a role that requires MFA without an enrolled authenticator).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403  # may know of the consultation, may not chat (staff)
CLOSE_UNKNOWN = 4404  # no such consultation, or not the user's business
CLOSE_CLOSED = 4409  # cancelled / no-show, or outside the chat window
# "Unavailable, try again": the database, the cache or the channel layer failed.
# Our own code: the websocket library daphne uses (autobahn) accepts only 1000 and
# 3000-4999 from the application, so a close with 1013 turned into 1011.
CLOSE_UNAVAILABLE = 4503

CLOSED_STATUSES = (Consultation.Status.CANCELLED, Consultation.Status.NO_SHOW)


class ChatRefused(Refusal):
    close_code: int
    message = _("Accès refusé.")


class ChatUnauthenticated(ChatRefused):
    close_code = CLOSE_UNAUTHENTICATED
    http_status = 401
    code = "unauthenticated"
    message = _("Authentification requise.")


class ChatUnknown(ChatRefused):
    close_code = CLOSE_UNKNOWN
    http_status = 404
    code = "not_found"
    message = _("Consultation introuvable.")


class ChatForbidden(ChatRefused):
    close_code = CLOSE_FORBIDDEN
    http_status = 403
    code = "chat_forbidden"
    message = _("Les échanges d'une consultation sont réservés à ses deux participants.")


class ChatClosed(ChatRefused):
    close_code = CLOSE_CLOSED
    http_status = 409
    code = "chat_closed"
    message = _("La messagerie de cette consultation est fermée.")


def _as_duration(value: timedelta | int | float) -> timedelta:
    """A duration setting; a number counts seconds."""
    return timedelta(seconds=value) if isinstance(value, int | float) else value


def chat_window(consultation: Consultation) -> tuple[datetime, datetime]:
    """(opens, closes) of the chat; settings are read at call time (tests change them)."""
    opens_before = _as_duration(settings.HUNTZEN_CHAT_OPENS_BEFORE)
    closes_after = _as_duration(settings.HUNTZEN_CHAT_CLOSES_AFTER)
    end = consultation.ended_at or consultation.scheduled_end
    return consultation.scheduled_at - opens_before, end + closes_after


def chat_is_open(consultation: Consultation, now: datetime | None = None) -> bool:
    if consultation.status in CLOSED_STATUSES:
        return False
    opens, closes = chat_window(consultation)
    now = now or timezone.now()
    return opens <= now < closes


def chat_is_open_sql(quote, now: datetime) -> tuple[str, list]:
    """`chat_is_open` as a condition on a consultations row in SQL (unqualified column
    names, `quote`d), and its parameters: for a statement that decides and writes at
    once (chat.services). Same settings, read at call time; tested against
    chat_is_open on both sides of every bound."""
    meta = Consultation._meta

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    opens_before = _as_duration(settings.HUNTZEN_CHAT_OPENS_BEFORE)
    closes_after = _as_duration(settings.HUNTZEN_CHAT_CLOSES_AFTER)
    statuses = ", ".join(["%s"] * len(CLOSED_STATUSES))
    sql = (
        f"{column('status')} NOT IN ({statuses}) "
        f"AND {column('scheduled_at')} - %s <= %s "
        f"AND COALESCE({column('ended_at')}, {column('scheduled_end')}) + %s > %s"
    )
    return sql, [*(str(s) for s in CLOSED_STATUSES), opens_before, now, closes_after, now]


def _refuse(user, consultation_id, action: str, exc: type[ChatRefused]) -> ChatRefused:
    log_access(
        user=user,
        object_type=OBJECT_TYPE,
        object_id=consultation_id,
        action=action,
        allowed=False,
    )
    return exc()


def refuse_unauthenticated(consultation_id, *, user=None) -> ChatUnauthenticated:
    """A socket without a valid session or ticket, or whose account went inactive:
    logged, and the exception to raise."""
    return _refuse(user, consultation_id, Action.JOIN, ChatUnauthenticated)


def get_socket_chat_for(user, consultation_id) -> Consultation:
    """The consultation whose chat socket `user` may join: an active user whose sign-in
    is complete (held at MFA enrolment by accounts.mfa.must_enroll_mfa, the function
    that gates every page and API view), then the join rule. Logged; raises a
    ChatRefused (4401 for the sign-in)."""
    if user is None or not user.is_active or must_enroll_mfa(user):
        raise refuse_unauthenticated(consultation_id, user=user)
    return get_chat_for(user, consultation_id, action=Action.JOIN)


def get_chat_for(
    user,
    consultation_id,
    *,
    action: str = Action.JOIN,
    now: datetime | None = None,
    participant: bool | None = None,
    read: Consultation | None = None,
) -> Consultation:
    """The consultation whose chat `user` may `action` (join, send: only while the chat
    is open at `now`; read: its history, also once closed), or raises a ChatRefused.
    Logged.

    `participant`: the caller's own recent answer of `can_chat(user, consultation)`
    (an open socket decides it on join and again whenever the session-ending group or
    an access change tells it to, at least every 30 s: chat.consumers); None asks
    guardian. When it is dropped (the who), the when is still decided here, from the
    consultation read now.

    `read`: this consultation as the caller read it an instant ago, in the same connect
    (the join decision, then the history page on join): not read again."""
    if read is not None and str(read.pk) == str(consultation_id):
        consultation = read
    elif consultation_id is not None and action == Action.SEND and participant is not None:
        consultation = _window_of(consultation_id)
    elif consultation_id is not None:
        consultation = Consultation.objects.filter(pk=consultation_id).first()
    else:
        consultation = None
    if consultation is None:
        raise _refuse(user, consultation_id, action, ChatUnknown)
    if action != Action.READ and not chat_is_open(consultation, now):
        consultation = Consultation.objects.get(pk=consultation.pk)  # all of it
        knows = may_know_of(user, consultation)
        # Outsiders learn nothing, not even that the chat is closed.
        closed = ChatClosed if knows and not is_barred(user) else _refusal(knows)
        raise _refuse(user, consultation.pk, action, closed)
    allowed = can_chat(user, consultation) if participant is None else participant
    if not allowed or is_barred(user):
        raise _refuse(user, consultation.pk, action, _refusal_for(user, consultation))
    log_access(
        user=user, object_type=OBJECT_TYPE, object_id=consultation.pk, action=action, allowed=True
    )
    return consultation


# What a message needs of its consultation: whether the chat is open now.
_WINDOW_FIELDS = ("id", "status", "scheduled_at", "scheduled_end", "ended_at")
# What a socket's re-check needs: that, and who its two participants are (can_chat).
_RECHECK_FIELDS = (*_WINDOW_FIELDS, "employee", "practitioner")


def _window_of(consultation_id, fields=_WINDOW_FIELDS) -> Consultation | None:
    """The consultation with its status and times only (or `fields`; the rest
    deferred), or None: a message's read, one plain statement (the ORM's SELECT of
    every column, built anew for each message, cost about a third of a message's own
    work). The caller reads the whole row again should the chat be closed."""
    meta = Consultation._meta
    connection = connections[router.db_for_read(Consultation)]
    quote = connection.ops.quote_name
    try:
        pk = meta.pk.get_db_prep_value(meta.pk.to_python(consultation_id), connection)
    except ValidationError:
        return None
    # Identifiers from the model's own metadata, quoted; the id a parameter.
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608  # nosec B608
    return next(iter(Consultation.objects.raw(sql, [pk])), None)


def _refusal_for(user, consultation) -> type[ChatRefused]:
    return _refusal(may_know_of(user, consultation))


def _refusal(knows_of_it: bool) -> type[ChatRefused]:
    """Staff may know of the consultation, not what is said (403); others, nothing."""
    return ChatForbidden if knows_of_it else ChatUnknown


# The object permission can_chat asks of guardian (medical.access.can_chat): read with
# the re-check's row. Should can_chat ask another one, has_object_perm asks it itself.
_RECHECK_PERMS = ("chat_consultation",)


def _recheck_query(pk, user_id):
    return with_held_perms(
        Consultation.objects.only(*_RECHECK_FIELDS).filter(pk=pk), User(pk=user_id), _RECHECK_PERMS
    )


# Built by the consultations' own rule (with_held_perms), compiled once per process.
_RECHECK_STATEMENT = InstanceStatement(
    _recheck_query, pk=Consultation._meta.pk, user_id=User._meta.pk
)


def recheck_consultation(consultation_id, user) -> Consultation | None:
    """The consultation as still_allowed needs it (the window, the two participants;
    the rest deferred), with the object permission of `user` that can_chat asks (read
    with the row: consultations.permissions.with_held_perms, then load_object_perms),
    in one statement, or None: an open socket's periodic re-check, every socket about
    every 25 s, where the permission was a statement of its own."""
    try:
        pk = Consultation._meta.pk.to_python(consultation_id)
    except ValidationError:
        return None
    found = _RECHECK_STATEMENT.instances(pk=pk, user_id=user.pk)
    if not found:
        return None
    (consultation,) = found
    load_object_perms(user, consultation, _RECHECK_PERMS)
    return consultation


def still_allowed(user, consultation: Consultation, *, loaded_now: bool = False) -> bool:
    """The join rule re-checked for events that carry no content (typing, read
    receipts, deliveries to an open socket): no log row when allowed, since nothing
    medical is read or written; the caller logs a refusal through get_chat_for.
    `loaded_now`: `user` was just loaded through the authentication backend by the
    caller, in this same check (medical.access.can_chat's: its catalogue not read again)."""
    return chat_is_open(consultation) and can_chat(user, consultation, loaded_now=loaded_now)


def get_chat_page_for(user, consultation_id) -> Consultation:
    """The consultation whose chat page `user` may open (the participants, open or
    closed: the page itself shows no content, which comes through the logged socket or
    API). Refusals are logged; an allowed page view is not (nothing medical is read)."""
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None:
        raise _refuse(user, consultation_id, Action.JOIN, ChatUnknown)
    if not can_chat(user, consultation):
        raise _refuse(user, consultation.pk, Action.JOIN, _refusal_for(user, consultation))
    return consultation
