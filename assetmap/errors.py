"""Domain exceptions. Views turn these into HTTP statuses by type, never by message."""


class InvalidParameter(ValueError):
    """A request parameter or input value is malformed (HTTP 400)."""


class NotFound(LookupError):
    """The requested record does not exist (HTTP 404)."""


class Conflict(RuntimeError):
    """The change conflicts with the stored state (HTTP 409); `current` is the stored record, if any."""

    def __init__(self, message: str, current: dict | None = None):
        super().__init__(message)
        self.current = current


class Busy(RuntimeError):
    """The database stayed locked by another writer past the busy timeout (HTTP 503, try again)."""
