from django.utils.translation import gettext_lazy as _


class BookingRefused(Exception):
    """A booking that breaks a rule; the message says which, for the user."""

    def __init__(self, message, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


class SlotTaken(BookingRefused):
    def __init__(self, message=None):
        super().__init__(
            message or _("Ce créneau n'est plus disponible. Choisissez-en un autre."),
            code="slot_taken",
        )


class IllegalTransition(Exception):
    """A lifecycle step not allowed from the current status (API: 409)."""

    def __init__(self, message, *, current_status: str):
        super().__init__(message)
        self.message = message
        self.current_status = current_status
