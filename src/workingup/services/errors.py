"""Errors a user can act on; the CLI prints them as one line and the web as a message, never as a traceback."""


class ServiceError(Exception):
    """Something the user asked for cannot be done, with the reason in words they can act on."""


class NotFound(ServiceError):
    pass


class Conflict(ServiceError):
    pass


class Invalid(ServiceError):
    """A value a person gave is refused; `field` names what they gave it in (a form's field), so a page shows the
    message beside that field and keeps what was typed, and `option` is the command line's name for it, which
    only the command line adds (a web page never tells anyone to pass a flag)."""

    def __init__(self, message: str, field: str, option: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.option = option


class Forbidden(ServiceError):
    """The caller is known but may not do this (a participant of another dialogue, a non-facilitator)."""


class VotingClosed(Forbidden):
    """The dialogue's voting has closed: no votes, no new participants, no new statements (403 on the web, as
    every door already answers for a participant who may not act)."""


class Unauthenticated(ServiceError):
    """The caller did not say who they are, or their token or session is unknown or expired."""
