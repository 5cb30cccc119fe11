"""Account reads."""

import hashlib

from allauth.account.models import EmailAddress
from django.db.models import F, QuerySet

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
    return notification_addresses([user])[user.pk]


def notification_addresses(users) -> dict:
    """`notification_address` of each of `users`, by primary key, in one query."""
    users = list(users)
    chosen = dict(
        NotificationAddress.objects.filter(
            user__in=[u.pk for u in users],
            email_address__user_id=F("user_id"),
            email_address__verified=True,
        ).values_list("user_id", "email_address__email")
    )
    return {u.pk: chosen.get(u.pk) or u.email for u in users}


def personal_addresses(user: User) -> QuerySet[EmailAddress]:
    """`user`'s addresses other than her account address (allauth's rows, verified or
    not): those she may choose for her notifications once verified."""
    return (
        EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).order_by("email")
    )
