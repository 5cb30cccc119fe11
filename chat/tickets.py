"""Single-use websocket tickets for API clients (no session cookie).

An authenticated HTTPS call gets a ticket valid for TICKET_TTL seconds for one
consultation; the client presents it in the FIRST websocket frame, never in the URL
(URLs end up in logs). The cache holds only a hash of the ticket; consuming deletes it,
and only the caller whose delete removed the key gets the ticket's content, so two
connections racing with the same ticket cannot both succeed.
"""

import hashlib
import secrets
import uuid

from django.core.cache import cache

TICKET_TTL = 60
_PREFIX = "chat-ticket:"


def _key(ticket: str) -> str:
    return _PREFIX + hashlib.sha256(ticket.encode("utf-8")).hexdigest()


def ticket_issue(*, user, consultation) -> str:
    ticket = secrets.token_urlsafe(32)
    cache.set(
        _key(ticket),
        {"user": str(user.pk), "consultation": str(consultation.pk)},
        timeout=TICKET_TTL,
    )
    return ticket


def ticket_consume(ticket, *, consultation_id) -> uuid.UUID | None:
    """The user id the ticket was issued to, if it is valid for this consultation; the
    ticket is spent either way."""
    if not isinstance(ticket, str) or not 20 <= len(ticket) <= 100:
        return None
    key = _key(ticket)
    data = cache.get(key)
    if data is None or not cache.delete(key):
        return None
    if data.get("consultation") != str(consultation_id):
        return None
    return uuid.UUID(data["user"])
