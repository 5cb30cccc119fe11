"""Who may read whose counters: the one place, called first by every view and API view.

A user without the role permission gets 403 (the feature is not theirs); a user with it
asking about someone outside their reach gets 404 (existence does not leak):
practitioners see themselves, HR their own company and its employees, HuntZen staff
(R1/R2, superusers) everyone.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role, User
from companies.models import Company
from metrics.selectors import as_uuid

PRACTITIONER_READ = "accounts.metrics_practitioner_usage_read"
PRACTITIONER_EXPORT = "accounts.exports_practitioner_usage"
EMPLOYEE_READ = "accounts.metrics_employee_usage_read"
COMPANY_READ = "accounts.metrics_company_read"
COMPANY_EXPORT = "accounts.exports_metrics_company"


def _require(user: User, perm: str) -> None:
    if not user.is_authenticated or not user.has_perm(perm):
        raise PermissionDenied(_("Vous n'avez pas accès à ces compteurs."))


def sees_everyone(user: User) -> bool:
    return user.is_authenticated and user.is_huntzen_staff


def get_practitioner_for(user: User, pk, *, perm: str = PRACTITIONER_READ) -> User:
    _require(user, perm)
    pk = as_uuid(pk)
    if pk is None or not (sees_everyone(user) or pk == user.pk):
        raise Http404
    try:
        return User.objects.get(pk=pk, role=Role.PRACTITIONER)
    except User.DoesNotExist:
        raise Http404 from None


def get_employee_for(user: User, pk) -> User:
    _require(user, EMPLOYEE_READ)
    pk = as_uuid(pk)
    if pk is None:
        raise Http404
    employees = User.objects.filter(pk=pk, role=Role.EMPLOYEE)
    if not sees_everyone(user):
        if user.company_id is None:
            raise Http404
        employees = employees.filter(company_id=user.company_id)
    try:
        return employees.select_related("company").get()
    except User.DoesNotExist:
        raise Http404 from None


def get_company_for(user: User, pk, *, perm: str = COMPANY_READ) -> Company:
    _require(user, perm)
    pk = as_uuid(pk)
    if pk is None or not (sees_everyone(user) or (user.company_id and pk == user.company_id)):
        raise Http404
    try:
        return Company.objects.get(pk=pk)
    except Company.DoesNotExist:
        raise Http404 from None


def require_staff_overview(user: User) -> None:
    """The payment run and all-company view: HuntZen staff only (403 for others)."""
    _require(user, PRACTITIONER_READ)
    _require(user, COMPANY_READ)
    if not sees_everyone(user):
        raise PermissionDenied(_("Cette page est réservée à l'équipe HuntZen."))


def protects_small_groups(user: User) -> bool:
    """HR sees company figures with small groups withheld; HuntZen staff, who already see
    each consultation's participants in the admin, see exact figures (billing)."""
    return not sees_everyone(user)
