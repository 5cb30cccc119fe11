"""Who may reach which invitation, and the gates of accounts' own pages (accounts.gates).
Outsiders of an invitation get 404: existence does not leak."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from accounts.gates import gate, has_role, has_role_perm
from accounts.models import Invitation, Role, User

_OTHER_ROLE = _("Cette page est réservée à un autre rôle.")


@gate("employee_space", _OTHER_ROLE)
def may_use_employee_space(user) -> bool:
    """The employee's home."""
    return has_role(user, Role.EMPLOYEE)


@gate("practitioner_space", _OTHER_ROLE)
def may_use_practitioner_space(user) -> bool:
    """The practitioner's home and own directory profile."""
    return has_role(user, Role.PRACTITIONER)


@gate("hr_space", _OTHER_ROLE)
def may_use_hr_space(user) -> bool:
    """HR's home, its company's page and its employees (the role implies a company)."""
    return has_role(user, Role.COMPANY_RH)


@gate(
    "invite_employees",
    _("Seuls les RH d'une entreprise gèrent les invitations de ses salariés."),
)
def may_invite_employees(user) -> bool:
    """HR of a company holding EMPLOYEES_INVITE; staff invite from the admin."""
    return has_role(user, Role.COMPANY_RH) and has_role_perm(user, "accounts.employees_invite")


def get_invitation_for(user: User, pk) -> Invitation:
    """HuntZen staff reach every invitation; HR only its own company's employee ones."""
    invitations = Invitation.objects.select_related("company", "invited_by")
    if user.has_perm("accounts.staff_invite"):
        return get_object_or_404(invitations, pk=pk)
    if user.has_perm("accounts.employees_invite") and user.company_id:
        return get_object_or_404(invitations, pk=pk, company_id=user.company_id, role=Role.EMPLOYEE)
    raise Http404
