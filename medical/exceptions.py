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
