"""The seat rule: how many employees a company's subscription holds, counted once.

A seat is taken by an active employee (R5) of the company, and by each employee
invitation of the company whose link still works (neither accepted nor revoked, not
expired). An expired invitation no longer holds its seat (re-sending it takes one
again); a revoked one or a deactivated employee frees it at once. HR and practitioners
take no seat.

Locking: every write that takes a seat (invitation, CSV import, re-sending an expired
invitation, accepting one, staff reactivating or opening an employee account) first
calls `company_lock_seats` inside its transaction, and only then counts. Two requests
for the last seat therefore queue on the company row, and the second one counts the
seat the first one took. Take that lock before any other row lock (invitation, user),
so that no two seat writes wait on each other in opposite orders. Freeing a seat
(revoking, deactivating) needs no lock.

The wording of the refusal depends on who reads it (the SEATS_FULL* texts below; an
invitee whose link meets a full company reads InvitationUnusable.SEAT_LIMIT); its code
is always "seat_limit".
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.selectors import pending_employee_invitations
from companies.models import Company

# HR inviting (one invitation, or the re-sending of an expired one).
SEATS_FULL = _(
    "Toutes les places de l'entreprise sont prises (%(seats)d) : salariés actifs et "
    "invitations en attente."
)
# One refused row of an HR's CSV import.
SEATS_FULL_CSV_ROW = _("Plus de place disponible dans l'entreprise (%(seats)d places).")
# HuntZen staff in the back office, who handle many companies.
SEATS_FULL_FOR_STAFF = _("Toutes les places de %(company)s sont occupées (%(seats)s).")


def company_lock_seats(company_id) -> Company:
    """The company row, locked until the end of the caller's transaction: call it
    before counting whenever the write may take a seat."""
    return Company.objects.select_for_update().get(pk=company_id)


def _active_employees(company: Company) -> int:
    return User.objects.filter(company=company, role=Role.EMPLOYEE, is_active=True).count()


def company_seats_used(company: Company) -> int:
    """Active employees plus employee invitations whose link still works."""
    return _active_employees(company) + pending_employee_invitations(company)


def company_seats_free(company: Company) -> int:
    return max(company.seats - company_seats_used(company), 0)


def company_seat_available(company: Company, *, held_by_invitation: bool = False) -> bool:
    """Whether one more employee fits in the company's seats.

    `held_by_invitation`: the newcomer accepts a pending invitation of this company,
    which already holds one of the seats counted; only active employees are then
    weighed against the seats, so when staff lower the seats below those held, the
    first invitees to accept take the seats left.
    """
    if held_by_invitation:
        return _active_employees(company) < company.seats
    return company_seats_free(company) > 0


def company_seat_limit_error(
    company: Company, *, message=SEATS_FULL, field: str | None = None
) -> ValidationError:
    """The refusal, with `message` (one of the SEATS_FULL* texts) and, for a form,
    attached to `field`."""
    error = ValidationError(
        message, code="seat_limit", params={"seats": company.seats, "company": company.name}
    )
    return ValidationError({field: error}) if field else error


def company_seat_check(company: Company, *, message=SEATS_FULL, field: str | None = None) -> None:
    """Raise the seat_limit ValidationError unless one more employee fits (lock the
    company with `company_lock_seats` first when the caller then takes the seat)."""
    if not company_seat_available(company):
        raise company_seat_limit_error(company, message=message, field=field)
