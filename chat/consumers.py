"""The chat websocket: ws/chat/<consultation id>/.

Parse, check access, call the chat services, send. Access is decided before the
socket is accepted and again on every event. A refused socket is accepted only to be
closed at once with its code (daphne turns a close before accept into a bare HTTP 403,
and the page needs the code to know it must not reconnect): it joins no group and
receives no frame.

Client -> server frames (JSON objects):
  {"type": "auth", "ticket": "..."}                first frame, API clients only
  {"type": "message", "body": "...", "clientMessageId": "..."}
  {"type": "history", "before": "<message id>"}    an older page
  {"type": "typing", "active": true|false}          to the other participant, not stored
  {"type": "read", "upTo": "<message id>"}         read receipt, not stored
Server -> client frames:
  ready, history {messages, hasMore, before}, message {id, sender, body, createdAt,
  clientMessageId}, typing {sender, active}, read {sender, upTo},
  error {code, message[, clientMessageId]},
  status {event, status, ...} (the consultation's lifecycle: consultations.live)
Close codes: see chat.access (4401, 4403, 4404, 4409, 1013).

A socket belongs to the session that opened it (the cookie session, or the token
session its ticket was issued under): it joins that session's and its user's groups
(accounts.session_end), and a `session.end` event there closes it with 4401 at once.
Every delivery first reads the in-memory `closing` flag that event sets; every
RECHECK_DELIVERIES_AFTER seconds it also re-checks, in the database, that the session
still signs the user in and that the join rule holds (the safety net should a
broadcast be lost).
"""

import asyncio
import json
import logging
import time
import uuid
from collections import deque
from functools import wraps

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.session_end import session_group, session_user, user_group
from chat import flood, services
from chat.access import (
    CLOSE_UNAUTHENTICATED,
    CLOSE_UNAVAILABLE,
    Action,
    ChatRefused,
    get_chat_for,
    get_socket_chat_for,
    refuse_unauthenticated,
    still_allowed,
)
from chat.tickets import ticket_consume
from consultations.models import Consultation

logger = logging.getLogger(__name__)

# A fully \u-escaped body (12 characters per astral code point) fits, nothing much bigger.
MAX_FRAME_CHARS = 12 * services.MAX_BODY_CHARS + 1000
AUTH_TIMEOUT = 10.0  # seconds an unauthenticated socket may wait for its ticket
MESSAGES_PER_WINDOW = 10  # per socket, in memory; chat.flood counts per user
FRAMES_PER_WINDOW = 60  # every frame (typing, receipts, history pages) together
RATE_WINDOW = 10.0
RECHECK_DELIVERIES_AFTER = 30.0  # seconds between re-checks before delivering events

# Failures of the channel layer (Redis down, pool exhausted, timeouts).
LAYER_ERRORS = (OSError, ConnectionError, asyncio.TimeoutError, RuntimeError)


ERRORS = {
    "invalid_frame": _("Seuls les messages texte JSON sont acceptés."),
    "frame_too_large": _("Message trop volumineux."),
    "invalid_json": _("Message illisible : un objet JSON avec un « type » est attendu."),
    "unknown_type": _("Type de message inconnu."),
    "rate_limited": _("Vous envoyez trop de messages : patientez quelques secondes."),
    "invalid_before": _("« before » doit être l'identifiant d'un message."),
    "invalid_read": _("« upTo » doit être l'identifiant d'un message."),
    "unavailable": _("La messagerie est momentanément indisponible. Nouvelle tentative…"),
}


def db(func):
    """database_sync_to_async, run on the thread pool on PostgreSQL: a daphne process
    then serves many sockets' database work in parallel (the connection pool holds the
    connections) instead of queueing all of it on Channels' single thread. SQLite has
    one writer anyway: there it stays on that thread."""

    @wraps(func)
    async def call(*args, **kwargs):
        parallel = connections["default"].vendor == "postgresql"
        return await database_sync_to_async(func, thread_sensitive=not parallel)(*args, **kwargs)

    return call


def _first_error(invalid: ValidationError) -> tuple[str, str]:
    """(code, message) of a service's first validation error, keyed by field or not."""
    errors = (
        next(iter(invalid.error_dict.values())) if hasattr(invalid, "error_dict") else [invalid]
    )
    return errors[0].code, errors[0].messages[0]


def group_name(consultation_id) -> str:
    return f"chat.{uuid.UUID(str(consultation_id)).hex}"


class RateLimit:
    """At most `limit` events in any `window` seconds (sliding, per connection)."""

    def __init__(self, limit: int, window: float, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self.events: deque[float] = deque()

    def allow(self) -> bool:
        now = self.clock()
        while self.events and now - self.events[0] >= self.window:
            self.events.popleft()
        if len(self.events) >= self.limit:
            return False
        self.events.append(now)
        return True


@db
def _admit(user, consultation_id):
    return get_socket_chat_for(user, consultation_id)


@db
def _admit_ticket(ticket, consultation_id):
    """(user, session key) of a valid ticket whose session still signs its user in and
    who may join; raises a (logged) ChatRefused otherwise."""
    holder = ticket_consume(ticket, consultation_id=consultation_id)
    user = session_user(holder.session_key) if holder else None
    if user is None or user.pk != holder.user_id:
        raise refuse_unauthenticated(consultation_id, user=user)
    get_socket_chat_for(user, consultation_id)
    return user, holder.session_key


@db
def _recheck(user_id, consultation_id, session_key=None):
    """Fresh user and consultation, and whether the join rule still holds (a refusal
    is logged through get_chat_for, which raises). With `session_key`, also whether
    that session still signs the user in."""
    if session_key is None:
        user = User.objects.filter(pk=user_id).first()
    else:
        user = session_user(session_key)
        user = user if user is not None and user.pk == user_id else None
    if user is None or not user.is_active:
        raise refuse_unauthenticated(consultation_id, user=user)
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None or not still_allowed(user, consultation):
        get_chat_for(user, consultation_id, action=Action.JOIN)
    return user, consultation


@db
def _send(user_id, consultation_id, body, client_message_id):
    """(message, created), or None when the user is over her flood budget."""
    if not flood.user_may_send(user_id):
        return None
    user = User.objects.filter(pk=user_id).first()
    consultation = Consultation(pk=consultation_id)
    return services.message_send(
        sender=user, consultation=consultation, body=body, client_message_id=client_message_id
    )


@db
def _history(user_id, consultation_id, before):
    user = User.objects.filter(pk=user_id).first()
    return services.message_history(
        user=user, consultation=Consultation(pk=consultation_id), before=before
    )


class ChatConsumer(AsyncJsonWebsocketConsumer):
    clock = staticmethod(time.monotonic)

    async def connect(self):
        self.consultation_id = self.scope["url_route"]["kwargs"]["consultation_id"]
        self.group = group_name(self.consultation_id)
        self.user = None
        self.session_key = None
        self.groups_joined = ()
        self.joined = False
        self.closing = False
        self.auth_timer = None
        self.message_limit = RateLimit(MESSAGES_PER_WINDOW, RATE_WINDOW, self.clock)
        self.frame_limit = RateLimit(FRAMES_PER_WINDOW, RATE_WINDOW, self.clock)
        self.checked_at = 0.0
        scope_user = self.scope.get("user")
        if scope_user is None or not scope_user.is_authenticated:
            # API client: say nothing until the first frame brings a valid ticket.
            await self.accept()
            self.auth_timer = asyncio.create_task(self._auth_deadline())
            return
        try:
            await _admit(scope_user, self.consultation_id)
        except ChatRefused as refused:
            await self._refuse(refused.close_code)
            return
        await self.accept()
        await self._join(scope_user, self.scope["session"].session_key)

    async def _auth_deadline(self):
        await asyncio.sleep(AUTH_TIMEOUT)
        if not self.joined and not self.closing:
            await self._refuse(CLOSE_UNAUTHENTICATED, accepted=True)

    async def _refuse(self, code: int, *, accepted: bool = False):
        self.closing = True
        if not accepted:
            await self.accept()
        await self.close(code=code)

    async def _join(self, user, session_key):
        self.user, self.session_key = user, session_key
        # The session's and the user's groups carry `session.end` (accounts.session_end).
        groups = (self.group, session_group(session_key), user_group(user.pk))
        self.groups_joined = groups  # left on disconnect, even if joining fails midway
        try:
            await asyncio.gather(
                *(self.channel_layer.group_add(group, self.channel_name) for group in groups)
            )
        except LAYER_ERRORS:
            logger.exception("Chat unavailable: channel layer failed on join")
            await self._unavailable()
            return
        self.joined = True
        self.checked_at = self.clock()
        await self.send_json(
            {
                "type": "ready",
                "consultation": str(self.consultation_id),
                "you": str(user.pk),
                "maxBodyChars": services.MAX_BODY_CHARS,
            }
        )
        await self._send_history(None)

    async def _unavailable(self, client_message_id=None):
        await self._error("unavailable", client_message_id)
        self.closing = True
        await self.close(code=CLOSE_UNAVAILABLE)

    async def disconnect(self, code):
        if self.auth_timer is not None:
            self.auth_timer.cancel()
        self.joined = False
        groups, self.groups_joined = self.groups_joined, ()
        if groups:
            try:
                await asyncio.gather(
                    *(self.channel_layer.group_discard(g, self.channel_name) for g in groups)
                )
            except LAYER_ERRORS:
                logger.warning("Channel layer failed while leaving a chat group")

    # --- Frames from the client ----------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self.closing:
            return
        if text_data is None:
            return await self._error("invalid_frame")
        if not self.frame_limit.allow():
            return await self._error("rate_limited")
        if len(text_data) > MAX_FRAME_CHARS:
            return await self._error("frame_too_large")
        try:
            content = json.loads(text_data)
        except ValueError:
            return await self._error("invalid_json")
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            return await self._error("invalid_json")
        if not self.joined:
            return await self._authenticate(content)
        handler = self.HANDLERS.get(content["type"])
        if handler is None:
            return await self._error("unknown_type")
        try:
            await handler(self, content)
        except ChatRefused as refused:
            await self._refuse(refused.close_code, accepted=True)
        except DatabaseError:
            logger.exception("Chat unavailable: database error")
            await self._unavailable(content.get("clientMessageId"))

    async def _authenticate(self, content):
        if self.scope.get("user") is not None and self.scope["user"].is_authenticated:
            return  # a session socket refused at connect: already closing
        try:
            if content["type"] != "auth":
                raise await db(refuse_unauthenticated)(self.consultation_id)
            user, session_key = await _admit_ticket(content.get("ticket"), self.consultation_id)
        except ChatRefused as refused:
            return await self._refuse(refused.close_code, accepted=True)
        if self.auth_timer is not None:
            self.auth_timer.cancel()
        await self._join(user, session_key)

    async def on_message(self, content):
        client_message_id = content.get("clientMessageId")
        reply_id = client_message_id if isinstance(client_message_id, str) else None
        if not self.message_limit.allow():
            return await self._error("rate_limited", reply_id)
        try:
            sent = await _send(
                self.user.pk, self.consultation_id, content.get("body"), client_message_id
            )
        except ValidationError as invalid:
            code, message = _first_error(invalid)
            return await self._error(code, reply_id, message)
        if sent is None:  # the user's budget, across her sockets and processes
            return await self._error("rate_limited", reply_id)
        message, created = sent
        frame = {"type": "message", **message.as_frame()}
        if not created:
            # A resend: the room already had it; confirm to this socket only.
            return await self.send_json(frame)
        try:
            await self.channel_layer.group_send(
                self.group, {"type": "chat.message", "frame": frame}
            )
        except LAYER_ERRORS:
            logger.exception("Chat unavailable: channel layer failed on send")
            # Stored, so confirmed; the other participant gets it with the history.
            await self.send_json(frame)
            await self._unavailable()

    async def on_history(self, content):
        before = content.get("before")
        if before is not None and not isinstance(before, str):
            return await self._error("invalid_before")
        await self._send_history(before)

    async def _send_history(self, before):
        try:
            messages, has_more = await _history(self.user.pk, self.consultation_id, before)
        except ValidationError as invalid:
            code, message = _first_error(invalid)
            return await self._error(code, message=message)
        await self.send_json(
            {
                "type": "history",
                "before": before,
                "messages": [m.as_frame() for m in messages],
                "hasMore": has_more,
            }
        )

    async def on_typing(self, content):
        await self._signal({"type": "typing", "active": content.get("active") is not False})

    async def on_read(self, content):
        up_to = content.get("upTo")
        try:
            up_to = str(uuid.UUID(up_to)) if isinstance(up_to, str) else None
        except ValueError:
            up_to = None
        if up_to is None:
            return await self._error("invalid_read")
        await self._signal({"type": "read", "upTo": up_to})

    async def _signal(self, frame):
        """Typing and read receipts: checked (not logged: no content), not stored, sent
        to the other participant's sockets only."""
        self.user, _consultation = await _recheck(self.user.pk, self.consultation_id)
        self.checked_at = self.clock()
        frame["sender"] = str(self.user.pk)
        try:
            await self.channel_layer.group_send(self.group, {"type": "chat.signal", "frame": frame})
        except LAYER_ERRORS:
            logger.exception("Chat unavailable: channel layer failed on a signal")
            await self._unavailable()

    HANDLERS = {"message": on_message, "history": on_history, "typing": on_typing, "read": on_read}

    # --- Events from the channel layer ---------------------------------------------

    async def chat_message(self, event):
        if await self._still_allowed():
            await self.send_json(event["frame"])

    async def chat_signal(self, event):
        if event["frame"]["sender"] != str(self.user.pk) and await self._still_allowed():
            await self.send_json(event["frame"])

    async def consultation_status(self, event):
        """A lifecycle event of the consultation (consultations.live: joined, started,
        ended, cancelled, no-show), for the room page. No content: forwarded to the
        participants' open sockets before the usual re-check, so that a cancellation
        is told even by the socket that re-check then closes."""
        if self.closing or not self.joined:
            return
        await self.send_json(event["frame"])
        await self._still_allowed()

    async def session_end(self, event):
        """The sign-in that opened this socket ended (logout, new password,
        deactivation, ...: accounts.session_end): close at once."""
        if not self.closing:
            await self._refuse(CLOSE_UNAUTHENTICATED, accepted=True)

    async def _still_allowed(self) -> bool:
        """Every delivery reads the in-memory flag a `session.end` sets (no query);
        at most every RECHECK_DELIVERIES_AFTER seconds it also re-checks the session,
        the account and the join rule in the database: a cancelled consultation, or a
        sign-in whose end was not broadcast, stops receiving soon."""
        if self.closing or not self.joined:
            return False
        if self.clock() - self.checked_at < RECHECK_DELIVERIES_AFTER:
            return True
        try:
            self.user, _consultation = await _recheck(
                self.user.pk, self.consultation_id, self.session_key
            )
        except ChatRefused as refused:
            await self._refuse(refused.close_code, accepted=True)
            return False
        self.checked_at = self.clock()
        return True

    async def _error(self, code: str, client_message_id=None, message=None):
        frame = {"type": "error", "code": code, "message": str(message or ERRORS[code])}
        if client_message_id:
            frame["clientMessageId"] = client_message_id
        await self.send_json(frame)
