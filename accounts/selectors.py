"""Account reads."""

import functools
import hashlib

from allauth.account.models import EmailAddress
from django.db import connection
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
    return notification_addresses([user])[user.pk]


def notification_addresses(users) -> dict:
    """`notification_address` of each of `users`, by primary key, in one query (written
    out: every booking and cancellation asks, and the ORM took longer to build this
    join than the database to answer it)."""
    users = list(users)
    if not users:
        return {}
    pk = User._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            _chosen_addresses_sql(len(users)),
            [pk.get_db_prep_value(u.pk, connection) for u in users],
        )
        chosen = {pk.to_python(user_id): email for user_id, email in cursor.fetchall()}
    return addresses_from(users, chosen)


def chosen_address_sql(user_id_column: str) -> str:
    """`notification_addresses`' rule as a scalar subquery, for a statement that reads
    users anyway (the booking's row locks): the verified address the user whose key is
    `user_id_column` (an SQL column, e.g. `u."id"`) chose, if it is still hers, else
    NULL (then her account address)."""
    qn = connection.ops.quote_name
    chosen, address = NotificationAddress._meta, EmailAddress._meta

    def col(meta, name):
        return qn(meta.get_field(name).column)

    return (
        f"(SELECT a.{col(address, 'email')} "  # noqa: S608 # nosec B608
        f"FROM {qn(chosen.db_table)} c JOIN {qn(address.db_table)} a "
        f"ON a.{col(address, 'id')} = c.{col(chosen, 'email_address')} "
        f"WHERE c.{col(chosen, 'user')} = {user_id_column} "
        f"AND a.{col(address, 'user')} = c.{col(chosen, 'user')} AND a.{col(address, 'verified')})"
    )


def addresses_from(users, chosen: dict) -> dict:
    """`notification_addresses` of `users` from the addresses they chose (`chosen`, by
    key, as `chosen_address_sql` reads them)."""
    return {u.pk: chosen.get(u.pk) or u.email for u in users}


@functools.cache
def _chosen_addresses_sql(count: int) -> str:
    """The verified address each of `count` users chose, if it is still hers."""
    qn = connection.ops.quote_name
    chosen, address = NotificationAddress._meta, EmailAddress._meta

    def col(meta, name):
        return qn(meta.get_field(name).column)

    marks = ", ".join(["%s"] * count)
    return (
        f"SELECT c.{col(chosen, 'user')}, a.{col(address, 'email')} "  # noqa: S608 # nosec B608
        f"FROM {qn(chosen.db_table)} c JOIN {qn(address.db_table)} a "
        f"ON a.{col(address, 'id')} = c.{col(chosen, 'email_address')} "
        f"WHERE a.{col(address, 'user')} = c.{col(chosen, 'user')} "
        f"AND a.{col(address, 'verified')} AND c.{col(chosen, 'user')} IN ({marks})"
    )


def personal_addresses(user: User) -> QuerySet[EmailAddress]:
    """`user`'s addresses other than her account address (allauth's rows, verified or
    not): those she may choose for her notifications once verified."""
    return (
        EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).order_by("email")
    )
