"""Single-use websocket tickets for API clients (no session cookie).

An authenticated HTTPS call gets a ticket valid for TICKET_TTL seconds for one
consultation; the client presents it in the FIRST websocket frame, never in the URL
(URLs end up in logs). The cache holds only a hash of the ticket; consuming deletes it,
and only the caller whose delete removed the key gets the ticket's content, so two
connections racing with the same ticket cannot both succeed.

A ticket records the session it was issued under (the allauth token session of a
bearer token, or the cookie session): the socket it opens belongs to that session and
closes when it ends (accounts.session_end).
"""

import hashlib
import secrets
import uuid
from typing import NamedTuple

from django.core.cache import cache

TICKET_TTL = 60
_PREFIX = "chat-ticket:"


class TicketHolder(NamedTuple):
    user_id: uuid.UUID
    session_key: str


def _key(ticket: str) -> str:
    return _PREFIX + hashlib.sha256(ticket.encode("utf-8")).hexdigest()


def ticket_issue(*, user, consultation, session_key: str) -> str:
    ticket = secrets.token_urlsafe(32)
    cache.set(
        _key(ticket),
        {"user": str(user.pk), "consultation": str(consultation.pk), "session": session_key},
        timeout=TICKET_TTL,
    )
    return ticket


def ticket_consume(ticket, *, consultation_id) -> TicketHolder | None:
    """Who the ticket was issued to (user and session), if it is valid for this
    consultation; the ticket is spent either way."""
    if not isinstance(ticket, str) or not 20 <= len(ticket) <= 100:
        return None
    key = _key(ticket)
    data = cache.get(key)
    if data is None or not cache.delete(key):
        return None
    if data.get("consultation") != str(consultation_id) or not data.get("session"):
        return None
    return TicketHolder(uuid.UUID(data["user"]), data["session"])
