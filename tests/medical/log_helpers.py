"""Logged medical decisions made the way production makes them, for tests about the
access log itself (its subject column, the privacy page's disclosures)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from medical import access
from medical.audit import log_access


def chat_join(user, consultation) -> bool:
    """A logged chat join decision, as the consumer makes it inside the window (these
    consultations are past, so the window itself is not what is tested here)."""
    allowed = access.can_chat(user, consultation)
    log_access(
        user=user, object_type="chat", object_id=consultation.pk, action="join", allowed=allowed
    )
    return allowed


def read_note(user, note) -> bool:
    """The note read the page and the API make: logged, allowed or refused."""
    try:
        access.get_note_for(user, note.consultation_id)
    except (Http404, PermissionDenied):
        return False
    return True
