from huntzen.exceptions import StateConflict


class NoteNotWritable(StateConflict):
    """The consultation is not (or no longer) in a state where a note may be written
    or created (API: 409). The message is for the practitioner and holds no content."""

    code = "note_not_writable"
