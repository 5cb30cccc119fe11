"""Live status of a consultation, pushed to its room pages over the socket they already
hold (the chat's, ws/chat/<id>/): the lifecycle services call `status_changed` inside
their transaction, and the broadcast leaves once it commits (never for a rolled-back
write). The chat consumer forwards the `consultation.status` group message as a
`status` frame to the two participants (chat.consumers.ChatConsumer.consultation_status).

Frames: {"type": "status", "event": <EVENT>, "consultation": <id>, "status": <status>, ...}
  joined     a participant opened the room in its window ("who": employee|practitioner)
  started    "startedAt"
  ended      "endedAt", "durationSeconds", "durationMinutes"
  cancelled, no_show
The opening of the window is not pushed: the page knows `opensAt` and opens itself
(before the window no socket is open yet: the chat opens with the room).

Nothing here is medical: who is in the room and the lifecycle, never what is said.
A lost push (channel layer down) is logged; the page shows the truth on its next load.
"""

import asyncio
import logging
import os
import threading
import uuid
from datetime import datetime, timedelta
from functools import partial

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import transaction
from rest_framework.fields import DateTimeField

from consultations.models import Consultation
from huntzen import after_commit

logger = logging.getLogger(__name__)

# The channel-layer message type; the consumer handles it in `consultation_status`.
STATUS_MESSAGE = "consultation.status"

EVENTS = ("joined", "started", "ended", "cancelled", "no_show")
_EVENT_OF_STATUS = {
    Consultation.Status.IN_PROGRESS: "started",
    Consultation.Status.COMPLETED: "ended",
    Consultation.Status.CANCELLED: "cancelled",
    Consultation.Status.NO_SHOW: "no_show",
}
# How long "X opened the room" is remembered (presence is not stored in the database).
JOINED_TTL = timedelta(hours=2)


def group_name(consultation_id) -> str:
    """The consultation's group on the channel layer: the chat's (one socket per page)."""
    from chat.consumers import group_name as chat_group

    return chat_group(consultation_id)


def _iso(at: datetime | None) -> str | None:
    return DateTimeField().to_representation(at) if at else None


def status_frame(consultation: Consultation, event: str, **extra) -> dict:
    assert event in EVENTS, event
    frame = {
        "type": "status",
        "event": event,
        "consultation": str(consultation.pk),
        "status": consultation.status,
        **extra,
    }
    if event == "started":
        frame["startedAt"] = _iso(consultation.started_at)
    if event == "ended":
        frame["endedAt"] = _iso(consultation.ended_at)
        frame["durationSeconds"] = consultation.duration_seconds
        frame["durationMinutes"] = consultation.duration_minutes
    return frame


# How long a push from sync code outside any event loop may take before it is given up.
PUSH_SECONDS = 10
_process_loop_state: dict = {}
_process_loop_lock = threading.Lock()


def _outer_loop():
    """The event loop that runs this thread's sync code (an ASGI server's, an async
    test's: `sync_to_async`), if any: async_to_sync hands the push to it."""
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    return loop if loop is not None and loop.is_running() else None


def _process_loop() -> asyncio.AbstractEventLoop:
    """One event loop per process, in a daemon thread of its own, for the pushes of sync
    code that runs outside any event loop (a WSGI worker's thread): there async_to_sync
    made a new loop, a new thread and a new channel-layer connection for every push
    (about a tenth of a cancellation's CPU). Made again in a forked child."""
    pid = os.getpid()
    loop = _process_loop_state.get(pid)
    if loop is None:
        with _process_loop_lock:
            loop = _process_loop_state.get(pid)
            if loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=loop.run_forever, name="live-status-pushes", daemon=True
                ).start()
                _process_loop_state.clear()
                _process_loop_state[pid] = loop
    return loop


async def _group_send(layer, group: str, message: dict) -> None:
    # In the loop: a layer may keep its connections per running loop (channels_redis).
    await layer.group_send(group, message)


def broadcast(consultation_id, frame: dict) -> None:
    """Send `frame` to every socket of the consultation's room, now."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": STATUS_MESSAGE, "frame": frame}
    try:
        if _outer_loop() is not None:
            async_to_sync(layer.group_send)(group_name(consultation_id), message)
        elif _joined_the_commits_batch(layer, consultation_id, message):
            pass
        else:
            pushed = asyncio.run_coroutine_threadsafe(
                _group_send(layer, group_name(consultation_id), message), _process_loop()
            )
            try:
                pushed.result(timeout=PUSH_SECONDS)
            finally:
                pushed.cancel()  # given up (a no-op once done)
    except Exception:  # a lifecycle step never fails for the push's sake
        logger.exception("Could not push the status of consultation %s", consultation_id)


def _joined_the_commits_batch(layer, consultation_id, message: dict) -> bool:
    """Whether the push was queued with the COMMIT's other Redis commands, to go in one
    round trip (huntzen/after_commit.py; channels' own group_send where it cannot)."""
    batch = after_commit.pending()
    queue = getattr(layer, "group_send_in", None)
    if not batch or queue is None:
        return False
    failed = partial(_not_pushed, consultation_id)
    return queue(batch, group_name(consultation_id), message, failed=failed)


def _not_pushed(consultation_id, error: Exception) -> None:
    logger.error("Could not push the status of consultation %s", consultation_id, exc_info=error)


def status_changed(consultation: Consultation) -> None:
    """Push the consultation's new status once the current transaction commits."""
    frame = status_frame(consultation, _EVENT_OF_STATUS[consultation.status])
    transaction.on_commit(partial(broadcast, consultation.pk, frame))


def _joined_key(consultation_id, who: str) -> str:
    return f"room-joined:{uuid.UUID(str(consultation_id)).hex}:{who}"


def participant_joined(consultation: Consultation, user, *, now: datetime) -> None:
    """`user` (a participant) opened the room in its window: remembered for a while,
    and pushed to the other participant."""
    who = "practitioner" if user.pk == consultation.practitioner_id else "employee"
    try:
        cache.set(_joined_key(consultation.pk, who), now.isoformat(), JOINED_TTL.total_seconds())
    except Exception:  # presence is a courtesy: the room opens without the cache
        logger.warning("Could not remember who joined consultation %s", consultation.pk)
    frame = status_frame(consultation, "joined", who=who, at=_iso(now))
    transaction.on_commit(partial(broadcast, consultation.pk, frame))


def joined_at(consultation: Consultation, who: str) -> datetime | None:
    """When the `who` participant last opened the room (within JOINED_TTL), if known."""
    try:
        value = cache.get(_joined_key(consultation.pk, who))
    except Exception:
        logger.warning("Could not read who joined consultation %s", consultation.pk)
        return None
    return datetime.fromisoformat(value) if value else None
