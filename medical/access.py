"""The one place that decides who may read or write medical content.

Medical content is clinical notes, journal entries and chat messages. HuntZen staff
(R1, R2), HR (R3), any is_staff account and superusers are refused FIRST: guardian and
Django grant superusers every permission, so that refusal must come before has_perm.
Then the guardian object permission granted to the author / owner / participants
decides. Every decision is written to the access log.
"""

from accounts.models import Role
from medical.audit import log_access

BARRED_ROLES = frozenset({Role.PSG_SUPER, Role.HUNTZEN_ADMIN, Role.COMPANY_RH})


def is_barred(user) -> bool:
    """Accounts that may never read or write medical content, whatever they hold."""
    return (
        user is None
        or not user.is_authenticated
        or not user.is_active
        or user.is_superuser
        or user.is_staff
        or user.role in BARRED_ROLES
    )


def decide(user, *, perm: str, obj, object_type: str, object_id=None, action: str) -> bool:
    """May `user` do `action` on medical content guarded by the object permission `perm`
    on `obj`? Logs the verdict."""
    allowed = not is_barred(user) and user.has_perm(perm, obj)
    log_access(
        user=user,
        object_type=object_type,
        object_id=object_id if object_id is not None else getattr(obj, "pk", ""),
        action=action,
        allowed=allowed,
    )
    return allowed


def may_chat(user, consultation, *, action: str = "join") -> bool:
    """Participants of the consultation (guardian perm granted on booking), nobody else."""
    return decide(
        user,
        perm="consultations.chat_consultation",
        obj=consultation,
        object_type="chat",
        object_id=consultation.pk,
        action=action,
    )
