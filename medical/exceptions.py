from django.utils.translation import gettext_lazy as _

from huntzen.exceptions import StateConflict


class NoteNotWritable(StateConflict):
    """The consultation is not (or no longer) in a state where a note may be written
    or created (API: 409). The message is for the practitioner and holds no content."""

    code = "note_not_writable"


class NoteExists(NoteNotWritable):
    """The consultation has its note already: amend it instead (API: 409)."""

    code = "note_exists"
    message = _("Cette consultation a déjà une note : modifiez-la.")


class NoteUnreadable(NoteNotWritable):
    """The note's stored text fails its integrity check: amending it would lose or
    forge its history, so it is refused (API: 409) until the operators look at it."""

    code = "note_unreadable"
    message = _(
        "Cette note est illisible (contrôle d'intégrité) : elle ne peut pas être modifiée. "
        "Contactez le support."
    )
