class NoteNotWritable(Exception):
    """The consultation is not (or no longer) in a state where a note may be written
    or created (API: 409). The message is for the practitioner and holds no content."""

    def __init__(self, message, *, current_status: str = ""):
        super().__init__(message)
        self.message = message
        self.current_status = current_status
