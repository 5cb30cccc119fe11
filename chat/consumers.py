"""The chat websocket: ws/chat/<consultation id>/.

Parse, check access, call the chat services, send. The socket is accepted at once
(daphne turns a close before accept into a bare HTTP 403, and the page needs the close
code to know it must not reconnect; nor does the handshake wait for the database), and
access is decided before any frame is sent and again on every event: a refused socket
is closed at once with its code and receives no frame.

Client -> server frames (JSON objects):
  {"type": "auth", "ticket": "..."}                first frame, API clients only
  {"type": "message", "body": "...", "clientMessageId": "..."}
  {"type": "history", "before": "<message id>"}    an older page
  {"type": "typing", "active": true|false}          to the other participant, not stored
  {"type": "read", "upTo": "<message id>"}         read receipt, not stored
Server -> client frames:
  ready, history {messages, hasMore, before}, message {id, sender, body, createdAt,
  clientMessageId}, typing {sender, active}, read {sender, upTo},
  retracted {id, clientMessageId} (a message shown before its commit, not stored),
  error {code, message[, clientMessageId]},
  status {event, status, ...} (the consultation's lifecycle: consultations.live)
Close codes: see chat.access (4401, 4403, 4404, 4409; 4503 "unavailable, retry").

Delivered on receipt, confirmed on commit: the socket holds the participant decision
(see below) and the chat window (the consultation's status and times: read on join and
by every re-check, kept current by the `consultation.status` events it forwards). A new
message whose body and id are valid, that the per-socket limit and the sender's flood
budget (chat.flood, counted in Redis and awaited on the event loop: the budget bounds
what the room receives) allow, while the cached window is open now (chat.access's own
rule, chat_is_open, on the cached values) is handed to the room (the other
participant's sockets and the sender's other sockets) at once, with its id
(chat.services.message_id) and createdAt (the server time then, which the store
writes), before anything is stored; it is then stored, once that group_send returned
(the store's thread would compete for the GIL with the loop carrying the room's frames),
in a task beside the socket's events (Channels hands a socket one event at a time: the
other participant's message would wait for this one's COMMIT), the socket's next message
waiting for it (stored and confirmed in the order sent); the statement decides the
window again (authoritative), writes the access-log row and the message; the sending
socket gets its own message frame (its confirmation) only once the COMMIT returned: a
message its sender saw confirmed is stored. Should the store refuse it (the window
closed in the database: the refusal is logged, the socket closes with its code) or
fail (`error unavailable` with its clientMessageId, then a 4503 close; its client
resends it), the room but the sending socket (which keeps it pending) gets a
`retracted` frame (clients remove that id) first. A
resend from another socket that finds its message stored is retracted too, then the
stored message is broadcast (the room shows the stored time and body). A message's id is
the same for every attempt, so a resend shows once where the first attempt was seen.
When the cached window is closed or unknown, for a bad body or id, a barred account, or
a resend on the socket that stored it, the message is stored first and handed to the
room only after its COMMIT (a new one still before: services.message_send's
`announce`, from the database thread).

Delivery is at least once: a message frame carries its id, and a resend (same
clientMessageId, after a reconnect) is broadcast to the room again (after its commit),
so that a message stored but never broadcast (the process died, Redis failed) still
reaches the other participant; clients ignore an id they already show. A history
frame stays under HISTORY_FRAME_BYTES (daphne refuses to send a frame over 1 MiB): when
a page would not fit, its oldest messages are left for the next page (hasMore).

A socket belongs to the session that opened it (the cookie session, or the token
session its ticket was issued under): it joins that session's and its user's groups
(accounts.session_end), and a `session.end` event there closes it with 4401 at once.
The participant decision (can_chat: guardian's object permission and the role's) is
made on join and kept for the connection; a `chat.access_changed` event on the user's
group (an object permission of hers removed: chat.signals) has it made again at once,
and the socket re-checks in the database that the session still signs the user in and
that the join rule holds (the safety net should a broadcast be lost): at a point drawn
per socket and per check between RECHECK_FROM and RECHECK_UNTIL seconds after the last
check, the loop's timer starts that re-check in the background if the socket had an
event since that check (an idle socket's next event starts it instead, and is
delivered at once); an event RECHECK_DELIVERIES_AFTER seconds or more after the last
check waits for the check. So no socket reads on a decision older than
RECHECK_DELIVERIES_AFTER, an active socket's events do not wait for a re-check, and
sockets opened together (a burst of connects, a restart) do not all re-check in the
same second. The chat window is read again on every message, in the transaction that
logs and stores it: the socket's cached window only decides whether the room may see
the message before that transaction (a stale "open" costs a retraction, a stale
"closed" the store-first path). A process that could not hear the channel layer for a
while closes its sockets with 4503 (chat.watch).

Every channel-layer event is a method named after its type (`chat.message` ->
chat_message): to push a new kind of event to the room, group_send to
chat.consumers.group_name(consultation id) a type handled by a method here that
checks `await self._still_allowed()` before sending.
"""

import asyncio
import json
import logging
import random
import time
import uuid
from collections import deque

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.session_end import session_group, session_user, user_group
from chat import flood, services
from chat.access import (
    CLOSE_UNAUTHENTICATED,
    CLOSE_UNAVAILABLE,
    Action,
    ChatRefused,
    chat_is_open,
    get_chat_for,
    get_socket_chat_for,
    recheck_consultation,
    refuse_unauthenticated,
    still_allowed,
)
from chat.auth import db, db_background, scope_user
from chat.guard import UNAVAILABLE_ERRORS
from chat.tickets import ticket_consume
from chat.watch import watch
from consultations.models import Consultation
from huntzen.channel_layer import SENDER_KEY
from medical.access import is_barred

logger = logging.getLogger(__name__)

# A fully \u-escaped body (12 characters per astral code point) fits, nothing much bigger.
MAX_FRAME_CHARS = 12 * services.MAX_BODY_CHARS + 1000
# A history frame's size in UTF-8 (daphne refuses frames over 1 MiB); one message is at
# most ~25 KB encoded (4,000 characters, 6 bytes for an escaped control character).
HISTORY_FRAME_BYTES = 256 * 1024
AUTH_TIMEOUT = 10.0  # seconds an unauthenticated socket may wait for its ticket
MESSAGES_PER_WINDOW = 10  # per socket, in memory; chat.flood counts per user
FRAMES_PER_WINDOW = 60  # every frame (typing, receipts, history pages) together
RATE_WINDOW = 10.0
RECHECK_DELIVERIES_AFTER = 30.0  # the oldest decision an event is delivered on (s)
# The background re-check starts at a point drawn uniformly in [RECHECK_FROM,
# RECHECK_UNTIL] seconds after the last check, anew for each check (the loop's timer,
# for a socket that had an event since; else its first event past that point): 400
# sockets opened in the same second re-check over 8 s, not in one (each re-check is a
# few statements on the database threads). RECHECK_UNTIL leaves the check 2 s to
# return before an event would wait for it.
RECHECK_FROM = 20.0
RECHECK_UNTIL = 28.0
# The client message ids a socket stored last (ChatConsumer.sent_here): their resend
# on that socket takes the path that reads the database before telling anyone.
SENT_REMEMBERED = 64

# Failures of the channel layer (Redis down, pool exhausted, timeouts).
LAYER_ERRORS = (*UNAVAILABLE_ERRORS, RuntimeError)

# The channel-layer event that has open sockets of a user decide again whether she is
# still a participant (chat.signals).
ACCESS_CHANGED = "chat.access_changed"


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
def _history(user, consultation, before, *, just_read=False):
    """A page of history, with the socket's participant decision. `just_read`: the
    consultation was read by the join decision of this very connect (the history page
    on join), not read again."""
    return services.message_history(
        user=user, consultation=consultation, before=before, participant=True, fresh=just_read
    )


@db
def _admit_session(scope, consultation_id):
    """(user, session key, consultation, history page) of a cookie socket whose session
    signs a user in who may join (logged), in one hop: the sign-in lookup, the join
    decision and the last page (the room's group is joined before: see connect). None
    when the session signs no one in (the socket may still bring a ticket); raises a
    ChatRefused."""
    user = scope_user(scope)
    if user is None:
        return None
    consultation = get_socket_chat_for(user, consultation_id)
    page = services.message_history(
        user=user, consultation=consultation, before=None, participant=True, fresh=True
    )
    return user, scope["session"].session_key, consultation, page


@db
def _admit_ticket(ticket, consultation_id):
    """(user, session key) of a valid ticket whose session still signs its user in and
    who may join; raises a (logged) ChatRefused otherwise."""
    holder = ticket_consume(ticket, consultation_id=consultation_id)
    user = session_user(holder.session_key) if holder else None
    if user is None or user.pk != holder.user_id:
        raise refuse_unauthenticated(consultation_id, user=user)
    consultation = get_socket_chat_for(user, consultation_id)
    return user, holder.session_key, consultation


def _recheck_now(user_id, consultation_id, session_key=None):
    """Fresh user and consultation, and whether the join rule still holds (a refusal
    is logged through get_chat_for, which raises). With `session_key`, also whether
    that session still signs the user in."""
    if session_key is None:
        user = User.objects.filter(pk=user_id).first()
    else:
        # Through the authentication backend (the auth cache): its role catalogue is
        # read with it, so the rule below does not read the cache again (loaded_now).
        user = session_user(session_key)
        user = user if user is not None and user.pk == user_id else None
    if user is None or not user.is_active:
        raise refuse_unauthenticated(consultation_id, user=user)
    consultation = recheck_consultation(consultation_id, user)
    loaded_now = session_key is not None
    if consultation is None or not still_allowed(user, consultation, loaded_now=loaded_now):
        get_chat_for(user, consultation_id, action=Action.JOIN)
    return user, consultation


# An event (or an access change) waits for this one: the message threads.
_recheck = db(_recheck_now)
# Started by an event and not waited for (ChatConsumer._still_allowed): its own threads.
_recheck_background = db_background(_recheck_now)


@db
def _send(user, room, body, client_message_id, announce=None):
    """(message, created), or None when the user is over her flood budget. The
    participant decision is the socket's (made within RECHECK_DELIVERIES_AFTER).
    `room`: the socket's consultation, by its id only (ChatConsumer.room). `announce`:
    services.message_send's, called in this (database) thread before the COMMIT. The
    budget's count is sent to Redis first and its answer read once the message's
    statement has run (services.message_send's `may_store`): the two round trips
    overlap."""
    budget = flood.Count(user.pk)
    try:
        return services.message_send(
            sender=user,
            consultation=room,
            body=body,
            client_message_id=client_message_id,
            participant=True,
            announce=announce,
            may_store=budget.allows,
        )
    finally:
        budget.close()


def _no_announce(message):
    """message_send's `announce` for a message the room was handed already (on
    receipt): the statement still runs in its own transaction, committed after it."""


@db
def _store(user, room, message):
    """Store `message`, handed to the room on receipt (ChatConsumer._deliver_then_store),
    with the participant decision of the socket: (message, created), created False for
    a resend of a message stored already (the stored one). The statement decides the
    window again (authoritative) and writes the access-log row; a chat closed in the
    database raises the logged ChatRefused. The flood budget was counted on the loop."""
    return services.message_send(
        sender=user,
        consultation=room,
        body=message.body,
        client_message_id=message.client_message_id,
        now=message.created_at,
        participant=True,
        announce=_no_announce,
    )


class EarlyDelivery:
    """A new message handed to the room before its COMMIT. `deliver`, on the socket's
    loop before the message is stored (delivered on receipt: ChatConsumer.
    _deliver_then_store); `announce`, from the database thread between the insert and
    the COMMIT (services.message_send, the store-first path), only schedules the
    group_send on the socket's event loop, so that the COMMIT is not kept waiting and no
    transaction stays open across an await. The event names the sending socket
    (huntzen.channel_layer.SENDER_KEY), which skips it: that socket confirms after the
    COMMIT (the Redis layer does not even hand it its own event)."""

    def __init__(self, consumer, loop):
        self.consumer, self.loop = consumer, loop
        self.text = None
        self.message = None
        self.sent = None  # the group_send's concurrent future

    def announce(self, message):
        self.sent = asyncio.run_coroutine_threadsafe(self._group_send(message), self.loop)

    def deliver(self, message):
        """`announce` on the socket's own loop, before the message is stored (delivered
        on receipt): the group_send starts now, the store does not wait for it."""
        self.sent = asyncio.ensure_future(self._group_send(message))

    def _group_send(self, message):
        """The group_send of `message` to the room but the sending socket (its frame
        kept for the sender's confirmation)."""
        self.message = message
        self.text = _encode({"type": "message", **message.as_frame()})
        event = {"type": "chat.message", "text": self.text, SENDER_KEY: self.consumer.channel_name}
        return self.consumer.channel_layer.group_send(self.consumer.group, event)

    async def delivered(self):
        """Wait for the early group_send; raises what it raised."""
        await asyncio.wrap_future(self.sent)

    async def settled(self):
        """Wait for the early group_send to end, whatever its outcome (`delivered`
        raises it later)."""
        await asyncio.wait([asyncio.wrap_future(self.sent)])

    async def retract(self):
        """The COMMIT failed, or the store refused the message: have the room's clients
        remove it (after the early frame, so that no socket gets the retraction first)."""
        try:
            await self.delivered()
        except LAYER_ERRORS:
            logger.warning("Channel layer failed on an early delivery")
        frame = {
            "type": "retracted",
            "id": str(self.message.id),
            "clientMessageId": self.message.client_message_id,
        }
        # Not to the sending socket, which was never shown it: it keeps the message
        # pending (its error or close says why).
        event = {"type": "chat.retracted", "frame": frame, SENDER_KEY: self.consumer.channel_name}
        try:
            await self.consumer.channel_layer.group_send(self.consumer.group, event)
        except LAYER_ERRORS:
            # The resend (same id) or the next history page puts the recipient right.
            logger.exception("Chat: channel layer failed on a retraction")


def _encode(content) -> str:
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"))


def history_frame(messages, has_more: bool, before) -> str:
    """The history frame, encoded, within HISTORY_FRAME_BYTES: when the page is too
    large its oldest messages are left out (and hasMore set), so the client's next
    page starts right before what it got. The newest message always fits. A page
    that fits (the usual case) is encoded once, as a whole."""
    frames = [m.as_frame() for m in messages]
    budget = HISTORY_FRAME_BYTES - 200  # the frame's own keys
    whole = _encode({"type": "history", "before": before, "messages": frames, "hasMore": has_more})
    if len(whole) * 4 <= budget or len(whole.encode("utf-8")) <= budget:
        return whole
    sizes = [len(_encode(frame).encode("utf-8")) + 1 for frame in frames]
    kept = 0
    while kept < len(frames) and (kept == 0 or sum(sizes[-kept - 1 :]) <= budget):
        kept += 1
    return _encode(
        {
            "type": "history",
            "before": before,
            "messages": frames[len(frames) - kept :],
            "hasMore": has_more or kept < len(frames),
        }
    )


class ChatConsumer(AsyncJsonWebsocketConsumer):
    clock = staticmethod(time.monotonic)

    @classmethod
    async def encode_json(cls, content):
        # UTF-8 as is (French text, emoji), not \u escapes: frames a third the size.
        return _encode(content)

    async def dispatch(self, message):
        """Channels' dispatch, less its close_old_connections hop to the sync thread on
        every event (each of our database calls runs in database_sync_to_async, which
        closes old connections around it, in the thread that uses them); plus the
        outcomes every handler shares: a refusal closes with its code, a fault of the
        database, the cache or the channel layer with 4503."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        try:
            await handler(message)
        except ChatRefused as refused:
            await self._refuse(refused.close_code)
        except UNAVAILABLE_ERRORS:
            logger.exception("Chat unavailable: %s failed", message["type"])
            await self._unavailable()

    async def accept(self, subprotocol=None, headers=None):
        self.accepted = True
        await super().accept(subprotocol, headers)

    async def connect(self):
        self.consultation_id = self.scope["url_route"]["kwargs"]["consultation_id"]
        # The consultation by its id only, made once (a model instance per message cost
        # a tenth of the message's database thread): what the services are given.
        self.room = Consultation(pk=self.consultation_id)
        self.group = group_name(self.consultation_id)
        self.user = None
        self.session_key = None
        self.groups_joined = ()
        self.accepted = False
        self.joined = False
        self.closing = False
        self.auth_timer = None
        self.watch = None
        self.message_limit = RateLimit(MESSAGES_PER_WINDOW, RATE_WINDOW, self.clock)
        self.frame_limit = RateLimit(FRAMES_PER_WINDOW, RATE_WINDOW, self.clock)
        self.checked_at = 0.0
        self.recheck_at = 0.0  # when the background re-check is due
        self.recheck_timer = None  # the loop's timer at recheck_at (_recheck_due)
        self.event_at = float("-inf")  # the last event that read the decision
        self.rechecking = None  # that re-check's task, while it runs
        self.session_socket = False
        # The chat window as last read or told (ChatConsumer._window_from), None when
        # unknown; a message is handed to the room on receipt only when it says open.
        self.window = None
        self.window_told = 0  # status events applied to it (a re-check's older read loses)
        self.sent_here = deque(maxlen=SENT_REMEMBERED)  # client ids stored by this socket
        self.storing = None  # the store of the last message delivered on receipt (a task)
        # Accepted at once, decided after: a refused socket was accepted anyway (only
        # to carry its close code), and no frame reaches the client before `ready`.
        # So the handshake never waits for the database (daphne drops a handshake not
        # answered within 5 s: 400 sockets opening together did).
        await self.accept()
        session = self.scope.get("session")
        admitted = None
        if session is not None and session.session_key:
            # The room's and the session's groups first, so that the join decision and
            # the history page share one hop: what is sent after the page was read is
            # delivered once connect returns (a refused socket drops it: not joined).
            early = (self.group, session_group(session.session_key))
            if not await self._add_groups(early):
                return
            admitted = await _admit_session(self.scope, self.consultation_id)  # may refuse
        if admitted is None:
            # API client: say nothing until the first frame brings a valid ticket.
            self.auth_timer = asyncio.create_task(self._auth_deadline())
            return
        self.session_socket = True
        await self._join(*admitted)

    async def _auth_deadline(self):
        await asyncio.sleep(AUTH_TIMEOUT)
        if not self.joined and not self.closing:
            await self._refuse(CLOSE_UNAUTHENTICATED)

    async def _refuse(self, code: int):
        self.closing = True
        self._cancel_recheck_timer()
        if not self.accepted:
            await self.accept()
        await self.close(code=code)

    async def _add_groups(self, groups) -> bool:
        """Join those of `groups` not joined yet; False (and closed 4503) when the
        channel layer fails."""
        missing = [group for group in groups if group not in self.groups_joined]
        # Left on disconnect, even if joining fails midway.
        self.groups_joined = (*self.groups_joined, *missing)
        try:
            await asyncio.gather(
                *(self.channel_layer.group_add(group, self.channel_name) for group in missing)
            )
        except LAYER_ERRORS:
            logger.exception("Chat unavailable: channel layer failed on join")
            await self._unavailable()
            return False
        return True

    async def _join(self, user, session_key, consultation, page=None):
        """Join the room's, the session's and the user's groups (those carry
        `session.end`: accounts.session_end), then read the last page, unless `page`
        was read already after the room's group was joined: joining first, nothing
        sent in between can be missed (a message both in the page and delivered shows
        once: clients go by id). Events that arrive meanwhile wait: Channels
        dispatches them after this handler returns."""
        self.user, self.session_key = user, session_key
        self.scope["user"] = user
        self._window_from(consultation)
        groups = (self.group, session_group(session_key), user_group(user.pk))
        if not await self._add_groups(groups):
            return
        self.joined = True
        self._checked(self.clock())
        self._arm_recheck_timer()
        self.watch = watch(self, ChatConsumer._layer_lost)
        await self.send_json(
            {
                "type": "ready",
                "consultation": str(self.consultation_id),
                "you": str(user.pk),
                "maxBodyChars": services.MAX_BODY_CHARS,
            }
        )
        if page is None:
            page = await _history(user, consultation, None, just_read=True)
        messages, has_more = page
        await self.send(text_data=history_frame(messages, has_more, None))

    async def _unavailable(self, client_message_id=None):
        if self.closing:
            return
        self.closing = True
        self._cancel_recheck_timer()
        if not self.accepted:
            await self.accept()
        await self._error("unavailable", client_message_id)
        await self.close(code=CLOSE_UNAVAILABLE)

    async def _layer_lost(self):
        """This process could not hear the channel layer for a while (chat.watch):
        events for this socket may be lost. The page reconnects; the history on join
        brings what it missed."""
        await self._unavailable()

    async def disconnect(self, code):
        if self.auth_timer is not None:
            self.auth_timer.cancel()
        if self.watch is not None:
            self.watch.forget(self)
        self._cancel_recheck_timer()
        if self.rechecking is not None:
            self.rechecking.cancel()
        if self.storing is not None:
            # The socket's last message is stored (or retracted) before it is done: no
            # store outlives its consumer (a test's teardown truncates the tables).
            await asyncio.wait([self.storing])
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
        except UNAVAILABLE_ERRORS:
            logger.exception("Chat unavailable: database, cache or layer error")
            client_message_id = content.get("clientMessageId")
            await self._unavailable(
                client_message_id if isinstance(client_message_id, str) else None
            )

    async def _authenticate(self, content):
        if self.session_socket:
            return  # a session socket refused at connect: already closing
        if content["type"] != "auth":
            raise await db(refuse_unauthenticated)(self.consultation_id)
        admitted = await _admit_ticket(content.get("ticket"), self.consultation_id)
        if self.auth_timer is not None:
            self.auth_timer.cancel()
        await self._join(*admitted)

    async def on_message(self, content):
        client_message_id = content.get("clientMessageId")
        reply_id = client_message_id if isinstance(client_message_id, str) else None
        if not self.message_limit.allow():
            return await self._error("rate_limited", reply_id)
        if self.storing is not None:
            # This socket's previous message stored (or retracted) first: its messages
            # are stored and confirmed in the order sent, and `sent_here` is complete.
            await asyncio.wait([self.storing])
        if not await self._still_allowed():
            return
        early = EarlyDelivery(self, asyncio.get_running_loop())
        message = self._deliverable(content)
        if message is not None:
            return await self._deliver_then_store(message, early, reply_id)
        try:
            sent = await _send(
                self.user, self.room, content.get("body"), client_message_id, early.announce
            )
        except ValidationError as invalid:
            code, message = _first_error(invalid)
            return await self._error(code, reply_id, message)
        except Exception:
            if early.sent is None:
                raise
            # Shown to the room, then not stored (the COMMIT failed): take it back; the
            # sender's client keeps it pending and resends it under the same id.
            logger.exception("Chat unavailable: a message announced failed to commit")
            await early.retract()
            return await self._unavailable(reply_id)
        if sent is None:  # the user's budget, across her sockets and processes
            return await self._error("rate_limited", reply_id)
        if early.sent is not None:
            return await self._confirm_early(early)
        message, _created = sent
        self.sent_here.append(message.client_message_id)
        await self._broadcast_stored(message)

    async def _confirm_early(self, early):
        """Stored: the sender's confirmation, then the early delivery's outcome."""
        await self.send(text_data=early.text)
        try:
            await early.delivered()
        except LAYER_ERRORS:
            logger.exception("Chat unavailable: channel layer failed on send")
            await self._unavailable()

    async def _broadcast_stored(self, message):
        """A stored message to the whole room, the sending socket included (its
        confirmation)."""
        # Encoded once here, sent as is by every socket of the room (chat_message).
        text = _encode({"type": "message", **message.as_frame()})
        try:
            # A resend too (created is False): the first broadcast may never have
            # happened (a process killed, Redis down), and clients go by id.
            await self.channel_layer.group_send(self.group, {"type": "chat.message", "text": text})
        except LAYER_ERRORS:
            logger.exception("Chat unavailable: channel layer failed on send")
            # Stored, so confirmed; the other participant gets it with the history, or
            # when this client resends it after reconnecting.
            await self.send(text_data=text)
            await self._unavailable()

    def _deliverable(self, content) -> services.Message | None:
        """The message of `content` as the room is to be shown it on receipt, or None
        when the path that stores before telling anyone applies: a bad body or id (its
        error comes after the flood budget, as there), a barred account, a resend on
        this socket of a message it stored, or a chat window unknown here or closed now
        (chat.access.chat_is_open on the cached window). Its createdAt is the server
        time now, which is also what the store writes."""
        body, client_message_id = content.get("body"), content.get("clientMessageId")
        try:
            services.validate_body(body)
            services.validate_client_message_id(client_message_id)
        except ValidationError:
            return None
        if client_message_id in self.sent_here or self.window is None or is_barred(self.user):
            return None
        now = timezone.now()
        if not chat_is_open(self.window, now):
            return None
        return services.Message(
            id=services.message_id(self.room.pk, self.user.pk, client_message_id),
            sender_id=self.user.pk,
            body=body,
            created_at=now,
            client_message_id=client_message_id,
        )

    async def _deliver_then_store(self, message, early, reply_id):
        """Deliver on receipt, confirm on commit: once the sender's flood budget (across
        her sockets and processes, counted in Redis, awaited on the loop) allows, the
        message goes to the room's group (not to this socket), then is stored (the
        statement decides the window again, logs, inserts) and confirmed to the sender
        after its COMMIT, in a task of its own (_store_delivered): this socket goes on
        receiving meanwhile (Channels hands a socket its events one at a time: the
        other participant's message would otherwise wait for this one's COMMIT)."""
        budget = flood.Count.on_loop(self.user.pk)
        try:
            allowed = await budget.allows_on_loop()
        finally:
            budget.abandon()  # nothing left once answered; a cancelled wait drops it
        if not allowed:
            return await self._error("rate_limited", reply_id)
        early.deliver(message)
        self.storing = asyncio.ensure_future(
            self._beside_events(self._store_delivered(message, early, reply_id), reply_id)
        )

    async def _beside_events(self, work, reply_id):
        """Run `work` beside the socket's events: a failure is logged and answered as the
        store's own (`error unavailable`, then 4503: the page reconnects and resends what it
        has not seen confirmed), where a handler's failure would have ended the socket."""
        try:
            await work
        except Exception:
            logger.exception("Chat unavailable: a message's store failed beside its socket")
            await self._unavailable(reply_id)

    async def _store_delivered(self, message, early, reply_id):
        """Store a message delivered on receipt once the early group_send returned (the
        loop carries the room's frames meanwhile: the store's thread would hold the GIL
        between the steps that do). A refusal or a failure of the store retracts it
        from the room; a resend that finds its message stored has the room show the
        stored one."""
        await early.settled()
        try:
            stored, created = await _store(self.user, self.room, message)
        except ChatRefused as refused:
            # Closed in the database (the socket's window was stale): the refusal is
            # logged; the room is told, then the sender (closed with its code).
            await early.retract()
            return await self._refuse(refused.close_code)
        except Exception:
            logger.exception("Chat unavailable: a message delivered failed to store")
            await early.retract()
            return await self._unavailable(reply_id)
        self.sent_here.append(message.client_message_id)
        if created:
            return await self._confirm_early(early)
        # A resend (from another socket) of a message stored before: the room was shown
        # this attempt's time (and body); it shows the stored message instead.
        await early.retract()
        await self._broadcast_stored(stored)

    async def on_history(self, content):
        before = content.get("before")
        if before is not None and not isinstance(before, str):
            return await self._error("invalid_before")
        if not await self._still_allowed():
            return
        try:
            messages, has_more = await _history(self.user, self.room, before)
        except ValidationError as invalid:
            code, message = _first_error(invalid)
            return await self._error(code, message=message)
        await self.send(text_data=history_frame(messages, has_more, before))

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
        """Typing and read receipts: checked in the database (not logged: no content),
        not stored, sent to the other participant's sockets only."""
        await self._recheck()
        frame["sender"] = str(self.user.pk)
        try:
            await self.channel_layer.group_send(self.group, {"type": "chat.signal", "frame": frame})
        except LAYER_ERRORS:
            logger.exception("Chat unavailable: channel layer failed on a signal")
            await self._unavailable()

    HANDLERS = {"message": on_message, "history": on_history, "typing": on_typing, "read": on_read}

    # --- Events from the channel layer ---------------------------------------------

    async def chat_message(self, event):
        # The sending socket confirms its message itself, after the COMMIT (on_message).
        if event.get(SENDER_KEY) != self.channel_name and await self._still_allowed():
            await self.send(text_data=event["text"])

    async def chat_retracted(self, event):
        """A message delivered before its COMMIT was not stored (on_message)."""
        if event.get(SENDER_KEY) != self.channel_name and await self._still_allowed():
            await self.send_json(event["frame"])

    async def chat_signal(self, event):
        if (
            self.joined  # the room's group is joined before the user is known
            and event["frame"]["sender"] != str(self.user.pk)
            and await self._still_allowed()
        ):
            await self.send_json(event["frame"])

    async def consultation_status(self, event):
        """A lifecycle event of the consultation (consultations.live: joined, started,
        ended, cancelled, no-show), for the room page. No content: forwarded to the
        participants' open sockets before the usual re-check, so that a cancellation
        is told even by the socket that re-check then closes."""
        if self.closing or not self.joined:
            return
        self._window_told(event["frame"])
        await self.send_json(event["frame"])
        await self._still_allowed()

    def _window_from(self, consultation):
        """The chat window as the database gave it (the join, a re-check): the
        consultation that decision read, for this socket alone (nothing else keeps
        it), kept as is: only what chat.access.chat_is_open reads is read of it (a
        re-check's row has those columns: chat.access._RECHECK_FIELDS), and
        `_window_told` updates it in place. No copy: a model instance built on the loop
        for every re-check was about half of the re-check's own time on the loop."""
        self.window = consultation

    def _window_told(self, frame):
        """The window kept current by the lifecycle events (consultations.live's
        frames: the status, and endedAt once ended); a frame it cannot read leaves the
        window unknown (messages are then stored before anyone is told)."""
        self.window_told += 1
        if self.window is None:
            return
        status = frame.get("status")
        ended_at = frame.get("endedAt")
        if ended_at is not None:
            ended_at = parse_datetime(ended_at) if isinstance(ended_at, str) else None
            if ended_at is None or timezone.is_naive(ended_at):
                self.window = None
                return
            self.window.ended_at = ended_at
        if status not in Consultation.Status.values:
            self.window = None
            return
        self.window.status = status

    async def session_end(self, event):
        """The sign-in that opened this socket ended (logout, new password,
        deactivation, ...: accounts.session_end): close at once."""
        if not self.closing:
            await self._refuse(CLOSE_UNAUTHENTICATED)

    async def chat_access_changed(self, event):
        """One of the user's object permissions went away (chat.signals): decide again
        now whether she is still a participant of this consultation."""
        if self.joined and not self.closing:
            try:
                await self._recheck(session=True)
            except ChatRefused as refused:
                await self._refuse(refused.close_code)

    def _checked(self, at: float):
        """The decision holds as of `at` (when its check started: what the database
        said then); the next background re-check is due at a point drawn for it."""
        self.checked_at = at
        self.recheck_at = at + random.uniform(RECHECK_FROM, RECHECK_UNTIL)  # noqa: S311  # nosec B311

    def _arm_recheck_timer(self):
        """The loop's timer at the drawn `recheck_at` (_recheck_due), replacing the
        previous check's; none once the socket is closing."""
        self._cancel_recheck_timer()
        if self.joined and not self.closing:
            delay = max(0.0, self.recheck_at - self.clock())
            self.recheck_timer = asyncio.get_running_loop().call_later(delay, self._recheck_due)

    def _cancel_recheck_timer(self):
        if self.recheck_timer is not None:
            self.recheck_timer.cancel()
            self.recheck_timer = None

    def _recheck_due(self):
        """The drawn point was reached (the loop's timer): a socket that had an event
        since its last check starts the background re-check now, so that its next
        event, however late, finds a fresh decision instead of waiting for one. An idle
        socket does not query the database for nothing: its next event re-checks (in
        the background before RECHECK_DELIVERIES_AFTER, waiting for it after)."""
        self.recheck_timer = None
        if self.closing or not self.joined or self.rechecking is not None:
            return
        if self.event_at < self.checked_at:
            logger.debug("Chat re-check: idle")
            return
        logger.debug("Chat re-check: timer")
        self.rechecking = asyncio.ensure_future(self._recheck_in_background())

    async def _recheck(self, *, session: bool = False, background: bool = False):
        """The participant decision made again in the database (raises ChatRefused)."""
        started, told = self.clock(), self.window_told
        check = _recheck_background if background else _recheck
        self.user, consultation = await check(
            self.user.pk, self.consultation_id, self.session_key if session else None
        )
        if told == self.window_told:  # no lifecycle event since it read the row
            self._window_from(consultation)
        self._checked(started)
        self._arm_recheck_timer()

    async def _still_allowed(self) -> bool:
        """Every event reads the in-memory flag a `session.end` sets (no query). At the
        socket's drawn `recheck_at`, the loop's timer starts the re-check of the
        session, the account and the join rule in the database, in the background,
        when the socket had an event since its last check (_recheck_due); past that
        point, an event also starts it should it not run yet (an idle socket's), and
        is delivered on the decision it has; an event RECHECK_DELIVERIES_AFTER seconds
        or more after the last check waits for the check: a participant whose access
        went, or a sign-in whose end was not broadcast, stops receiving within that."""
        if self.closing or not self.joined:
            return False
        now = self.event_at = self.clock()
        if now - self.checked_at < RECHECK_DELIVERIES_AFTER:
            if now >= self.recheck_at and self.rechecking is None:
                logger.debug("Chat re-check: event")
                self.rechecking = asyncio.ensure_future(self._recheck_in_background())
            return True
        logger.debug("Chat re-check: waited")
        if self.rechecking is not None:
            # Started before the bound and not back yet (its threads are busy): wait for
            # it rather than run a second one; its decision dates from its start.
            await asyncio.shield(self.rechecking)
            if self.closing or self.clock() - self.checked_at < RECHECK_DELIVERIES_AFTER:
                return not self.closing
        try:
            await self._recheck(session=True)
        except ChatRefused as refused:
            await self._refuse(refused.close_code)
            return False
        return not self.closing

    async def _recheck_in_background(self):
        """_still_allowed's re-check, ahead of the bound: a refusal closes the socket;
        a fault leaves the decision as it was (the first event past
        RECHECK_DELIVERIES_AFTER checks again and waits, and a fault there is 4503)."""
        try:
            await self._recheck(session=True, background=True)
        except ChatRefused as refused:
            await self._refuse(refused.close_code)
        except UNAVAILABLE_ERRORS:
            logger.warning("Chat: a background re-check failed; the next event re-checks")
            # Not again before the bound, where the event waits for it (and a fault
            # closes the socket with 4503): a database down is not asked every event.
            self.recheck_at = self.checked_at + RECHECK_DELIVERIES_AFTER
        finally:
            self.rechecking = None

    async def _error(self, code: str, client_message_id=None, message=None):
        frame = {"type": "error", "code": code, "message": str(message or ERRORS[code])}
        if client_message_id:
            frame["clientMessageId"] = client_message_id
        await self.send_json(frame)
