"""Access to companies, their people and practitioner profiles: one function per
object, called first by every view. Outsiders get 404 (existence does not leak)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from companies.models import Company, PractitionerProfile
from companies.selectors import companies_visible_to, employees_visible_to, practitioners_active


def _get_or_404(queryset, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def get_company_for(user, pk) -> Company:
    return _get_or_404(companies_visible_to(user), pk)


def get_employee_for(user, pk) -> User:
    return _get_or_404(employees_visible_to(user), pk)


def can_browse_practitioners(user) -> bool:
    """Employees (the booking flow starts here) and staff; not HR, not practitioners."""
    return user.is_authenticated and (
        user.has_perm("accounts.booking_create") or user.has_perm("accounts.companies_list_all")
    )


def check_can_browse_practitioners(user) -> None:
    if not can_browse_practitioners(user):
        raise PermissionDenied(_("L'annuaire des praticiens est réservé aux salariés."))


def get_practitioner_for(user, pk) -> PractitionerProfile:
    """An active practitioner's public profile, by the practitioner's user id."""
    check_can_browse_practitioners(user)
    return _get_or_404(practitioners_active(), pk)
