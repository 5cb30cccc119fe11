from django.utils.translation import gettext_lazy as _

from huntzen.exceptions import Refusal, StateConflict

# The HTTP status a refusal maps to (portal and API alike).
_REFUSAL_STATUS = {
    "slot_taken": 409,
    "employee_busy": 409,
    "company_inactive": 403,
    "allowance_exhausted": 403,
}


class BookingRefused(Refusal):
    """A booking that breaks a rule; the message says which, for the user."""

    def __init__(self, message, *, code: str):
        super().__init__(message, code=code)

    @property
    def http_status(self) -> int:
        """409 for a conflict with another booking, 403 for a rule of the company,
        400 for a request that names no bookable slot."""
        return _REFUSAL_STATUS.get(self.code, 400)


class SlotTaken(BookingRefused):
    def __init__(self, message=None):
        super().__init__(
            message or _("Ce créneau n'est plus disponible. Choisissez-en un autre."),
            code="slot_taken",
        )


class IllegalTransition(StateConflict):
    """A lifecycle step not allowed from the current status (API: 409)."""

    code = "illegal_transition"


class ClosingHasBookings(StateConflict):
    """Closing a period that holds scheduled consultations: the practitioner confirms
    cancelling them (with a message) or keeps the period open. `consultations` lists
    them."""

    code = "closing_has_bookings"

    def __init__(self, consultations):
        super().__init__(
            _(
                "Cette période contient des rendez-vous. Annulez-les en prévenant chaque "
                "salarié, ou gardez la période ouverte."
            )
        )
        self.consultations = consultations
