"""Access to companies, their people and practitioner profiles: one function per
object, called first by every view (outsiders get 404: existence does not leak), and the
gates of companies' pages and endpoints (accounts.gates)."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.gates import gate, has_role_perm
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


@gate(
    "browse_practitioners",
    _("L'annuaire des praticiens est réservé aux salariés et à l'équipe HuntZen."),
)
def may_browse_practitioners(user) -> bool:
    """Employees (the booking flow starts here) and HuntZen staff (R1/R2, who curate the
    profiles), on the portal and the API alike; not HR, not practitioners."""
    return has_role_perm(user, "accounts.booking_create") or has_role_perm(
        user, "accounts.companies_list_all"
    )


@gate("list_companies", _("Vous ne pouvez pas consulter les entreprises."))
def may_list_companies(user) -> bool:
    """Staff list every company, HR its own (the selector scopes the list)."""
    return has_role_perm(user, "accounts.companies_list_all") or has_role_perm(
        user, "accounts.company_read"
    )


@gate("create_companies", _("Seule l'équipe HuntZen crée des entreprises."))
def may_create_companies(user) -> bool:
    return has_role_perm(user, "accounts.companies_create")


@gate("activate_companies", _("Seule l'équipe HuntZen active les entreprises."))
def may_activate_companies(user) -> bool:
    return has_role_perm(user, "accounts.companies_activate")


def get_practitioner_for(user, pk, *, card: bool = True) -> PractitionerProfile:
    """An active practitioner's public profile, by the practitioner's user id (behind
    the browse_practitioners gate); `card=False` when the specialties and languages are
    not shown (two queries fewer)."""
    profiles = practitioners_active()
    return _get_or_404(profiles if card else profiles.prefetch_related(None), pk)
