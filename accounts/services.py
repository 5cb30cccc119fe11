"""Account writes. Role and company always come from the server side."""

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.models import STAFF_ROLES, Role, User
from accounts.roles import group_for


@transaction.atomic
def user_create(
    *,
    email: str,
    role: str,
    company=None,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    language: str = "fr",
    email_verified: bool = False,
) -> User:
    """Create a user in their role group; staff roles get admin access (never superuser)."""
    user = User.objects.create_user(
        email=email,
        password=password,
        role=Role(role),
        company=company,
        first_name=first_name,
        last_name=last_name,
        language=language,
        is_staff=role in STAFF_ROLES,
    )
    user.groups.add(group_for(role))
    EmailAddress.objects.create(
        user=user, email=user.email, primary=True, verified=email_verified
    )
    return user
