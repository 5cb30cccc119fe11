"""Refusals of business rules, shared by every app so the portal and the API answer them
the same way (the API's exception handler in huntzen/api.py is their one translator)."""


class Refusal(Exception):
    """A request that a business rule refuses. `http_status` is what it maps to, on the
    portal and the API alike; `message` is for the user and never holds medical content."""

    http_status = 400
    code = "refused"
    message = ""

    def __init__(self, message=None, *, code: str | None = None):
        self.message = message if message is not None else self.message
        if code is not None:
            self.code = code
        super().__init__(self.message)

    def body(self) -> dict:
        """The API's error body (huntzen/api.py `error_body`): code and message."""
        return {"code": self.code, "message": str(self.message)}


class StateConflict(Refusal):
    """The object's current state forbids the request: an illegal lifecycle step, a note
    that may no longer be written, a slot taken meanwhile (409). The API body names the
    current status when there is one."""

    http_status = 409
    code = "conflict"

    def __init__(self, message=None, *, current_status: str = "", code: str | None = None):
        super().__init__(message, code=code)
        self.current_status = current_status

    def body(self) -> dict:
        body = super().body()
        if self.current_status:
            body["currentStatus"] = self.current_status
        return body


class RateLimited(Refusal):
    """Too many requests of one kind from one person for now (429). `retry_after` is in
    seconds: the API sends it as `Retry-After`, portals say it in the message."""

    http_status = 429
    code = "throttled"

    def __init__(self, message=None, *, retry_after: int, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = max(1, int(retry_after))
