"""Account reads."""

import hashlib

from allauth.account.models import EmailAddress
from django.db.models import QuerySet

from accounts.exceptions import InvitationUnusable
from accounts.models import Invitation, NotificationAddress, Role, User


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_for_token(token: str) -> Invitation:
    """The invitation a link's token opens, usable or not; unknown tokens raise."""
    if not token or len(token) > 128:
        raise InvitationUnusable(InvitationUnusable.INVALID)
    try:
        return Invitation.objects.select_related("company").get(
            token_hash=invitation_token_hash(token)
        )
    except Invitation.DoesNotExist:
        raise InvitationUnusable(InvitationUnusable.INVALID) from None


def pending_employee_invitations(company) -> int:
    """Employee invitations of `company` whose link still works: each holds a seat
    (companies.seats)."""
    return Invitation.objects.pending().filter(company=company, role=Role.EMPLOYEE).count()


def invitations_for_company(company) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(company=company, role=Role.EMPLOYEE)
        .select_related("invited_by")
        .order_by("-created_at")
    )


def notification_address(user: User) -> str:
    """Where `user`'s appointment emails and their .ics go: the personal address she
    chose, while it is hers and verified, else her account (work) address."""
    chosen = (
        NotificationAddress.objects.filter(
            user=user, email_address__user=user, email_address__verified=True
        )
        .values_list("email_address__email", flat=True)
        .first()
    )
    return chosen or user.email


def personal_addresses(user: User) -> QuerySet[EmailAddress]:
    """`user`'s addresses other than her account address (allauth's rows, verified or
    not): those she may choose for her notifications once verified."""
    return (
        EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).order_by("email")
    )
