"""The access log: one append-only row per read, write, export or refusal of data about
a person (medical content, a consultation's metadata opened by staff, a consent change).

Each row names its `subject`, the person the data is about, so that her privacy page
finds the rows about her with one indexed query. Callers need not pass it: it is
derived from the object type and id, inside the INSERT itself (a subquery, no extra
round trip on the chat's hot path).
"""

import uuid

from django.db.models import QuerySet, Subquery

from huntzen.middleware import current_client_request_id, current_request_id
from medical.models import AccessLogEntry

# Object types whose id is a consultation's: the subject is its employee.
CONSULTATION_TYPES = frozenset({"chat", "clinical_note", "consultation"})
# Object types whose id is a journal entry's: the subject is its owner.
JOURNAL_ENTRY_TYPES = frozenset({"journal_entry"})
# Object types whose id is the subject's own (her journal as a whole, her consent).
PERSON_TYPES = frozenset({"journal", "personal_data", "usage_sharing"})

CONSULTATION = "consultation"  # a consultation's metadata (who, when, status)
USAGE_SHARING = "usage_sharing"  # the employee's choice to share her counters with HR


def _as_uuid(value) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def subject_of(object_type: str, object_id):
    """The subject's id for a row about `object_type` `object_id`: a value, a subquery
    the INSERT resolves, or None (unknown type, malformed or missing id)."""
    pk = _as_uuid(object_id)
    if pk is None:
        return None
    if object_type in PERSON_TYPES:
        from accounts.models import User

        return Subquery(User.objects.filter(pk=pk).values("pk")[:1])
    if object_type in CONSULTATION_TYPES:
        from consultations.models import Consultation

        return Subquery(Consultation.objects.filter(pk=pk).values("employee_id")[:1])
    if object_type in JOURNAL_ENTRY_TYPES:
        from medical.models import JournalEntry

        return Subquery(JournalEntry.objects.filter(pk=pk).values("owner_id")[:1])
    return None


def log_access(
    *,
    user,
    object_type: str,
    object_id,
    action: str,
    allowed: bool,
    request_id: str | None = None,
    subject=None,
) -> AccessLogEntry:
    """Append one access-log row. Never pass content here: ids and verdicts only.

    `subject` (the person the data is about) is derived from `object_type` and
    `object_id` when not given; on the returned row it may then still be the unresolved
    subquery (refresh_from_db() reads it back).
    """
    authenticated = user is not None and user.is_authenticated
    return AccessLogEntry.objects.create(
        user=user if authenticated else None,
        user_email=user.email if authenticated else "",
        role=getattr(user, "role", "") if authenticated else "",
        subject_id=subject.pk if subject is not None else subject_of(object_type, object_id),
        object_type=object_type,
        object_id=str(object_id or ""),
        action=action,
        allowed=allowed,
        request_id=request_id or current_request_id() or "",
        client_request_id=current_client_request_id() or "",
    )


def disclosures_about(*, subject) -> QuerySet[AccessLogEntry]:
    """Every row about `subject`'s data written by anyone but herself, refused attempts
    included, newest first: her accounting of disclosures."""
    return (
        AccessLogEntry.objects.filter(subject=subject).exclude(user=subject).order_by("-at", "-id")
    )
