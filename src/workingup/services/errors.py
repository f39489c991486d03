"""Errors a user can act on; the CLI prints them as one line and the web as a message, never as a traceback."""


class ServiceError(Exception):
    """Something the user asked for cannot be done, with the reason in words they can act on."""


class NotFound(ServiceError):
    pass


class Conflict(ServiceError):
    pass


class Forbidden(ServiceError):
    """The caller is known but may not do this (a participant of another dialogue, a non-facilitator)."""


class Unauthenticated(ServiceError):
    """The caller did not say who they are, or their token or session is unknown or expired."""
