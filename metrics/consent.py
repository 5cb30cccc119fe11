"""An employee's consent to show her own usage counts to her company's HR.

Off by default (no row), revocable at any time, each change dated in the access log.
HR reads per-employee counters only of employees who share; nothing tells HR who does
not (an employee who does not share answers 404, exactly like an unknown id, and is
absent from the list). HuntZen staff read every employee's counters, as DESIGN's
permission table says (billing; they already see each consultation in the admin).

`metrics.access` decides who may read counters at all and of which company; the two
functions here that views call narrow its answer by consent.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from companies.models import Company
from medical.audit import USAGE_SHARING, log_access
from medical.models import AccessLogEntry
from metrics import access, selectors
from metrics.models import UsageSharing


@dataclass(frozen=True)
class UsageSharingState:
    shared: bool
    changed_at: datetime | None  # None: never chosen, so off by default


def may_choose_usage_sharing(user) -> bool:
    """Only an employee decides about her own counters; nobody decides for her."""
    return user.is_authenticated and user.is_active and user.is_employee


@transaction.atomic
def usage_sharing_set(*, employee: User, shared: bool) -> UsageSharingState:
    """Switch sharing of `employee`'s own counters with her company's HR on or off.

    A change is dated here and in the access log (her own row: never listed as a
    disclosure); choosing what is already in force changes and logs nothing.
    """
    if not may_choose_usage_sharing(employee):
        raise PermissionDenied(_("Seuls les salariés choisissent de partager leurs compteurs."))
    row = UsageSharing.objects.select_for_update().filter(employee=employee).first()
    if (row.shared if row else False) == shared:
        return usage_sharing_of(employee=employee)
    now = timezone.now()
    UsageSharing.objects.update_or_create(
        employee=employee, defaults={"shared": shared, "changed_at": now}
    )
    log_access(
        user=employee,
        object_type=USAGE_SHARING,
        object_id=employee.pk,
        action=AccessLogEntry.Action.CONSENT if shared else AccessLogEntry.Action.WITHDRAW,
        allowed=True,
        subject=employee,
    )
    return UsageSharingState(shared=shared, changed_at=now)


def usage_sharing_of(*, employee: User) -> UsageSharingState:
    row = UsageSharing.objects.filter(employee=employee).first()
    if row is None:
        return UsageSharingState(shared=False, changed_at=None)
    return UsageSharingState(shared=row.shared, changed_at=row.changed_at)


def sharing_only(employees: QuerySet[User]) -> QuerySet[User]:
    """The employees among `employees` who share their counters with HR."""
    return employees.filter(usage_sharing__shared=True)


def _narrowed_for(user: User, employees: QuerySet[User]) -> QuerySet[User]:
    return employees if access.sees_everyone(user) else sharing_only(employees)


def get_employee_for(user: User, pk) -> User:
    """The employee whose counters `user` may read: metrics.access's rule (403 without
    the permission, 404 outside the user's company), then, for HR, 404 unless she
    shares, before anything else is looked at (a bad period must not tell apart)."""
    employee = access.get_employee_for(user, pk)
    if not _narrowed_for(user, User.objects.filter(pk=employee.pk)).exists():
        raise Http404
    return employee


def company_employees_for(user: User, *, company: Company) -> QuerySet[User]:
    """The employees of `company` listed with their counters for `user` (HR: only those
    who share; the list says nothing of the others)."""
    return _narrowed_for(user, selectors.company_employees(company=company))
