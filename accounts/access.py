"""Who may reach which invitation. Outsiders get 404: existence does not leak."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Invitation, Role, User


def get_invitation_for(user: User, pk) -> Invitation:
    """HuntZen staff reach every invitation; HR only its own company's employee ones."""
    invitations = Invitation.objects.select_related("company", "invited_by")
    if user.has_perm("accounts.staff_invite"):
        return get_object_or_404(invitations, pk=pk)
    if user.has_perm("accounts.employees_invite") and user.company_id:
        return get_object_or_404(invitations, pk=pk, company_id=user.company_id, role=Role.EMPLOYEE)
    raise Http404
