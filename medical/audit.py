from huntzen.middleware import current_request_id
from medical.models import AccessLogEntry


def log_access(
    *, user, object_type: str, object_id, action: str, allowed: bool, request_id: str | None = None
) -> AccessLogEntry:
    """Append one access-log row. Never pass content here: ids and verdicts only."""
    authenticated = user is not None and user.is_authenticated
    return AccessLogEntry.objects.create(
        user=user if authenticated else None,
        user_email=user.email if authenticated else "",
        role=getattr(user, "role", "") if authenticated else "",
        object_type=object_type,
        object_id=str(object_id or ""),
        action=action,
        allowed=allowed,
        request_id=request_id or current_request_id() or "",
    )
