"""Errors a user can act on; the CLI prints them as one line and the web as a message, never as a traceback."""


class ServiceError(Exception):
    """Something the user asked for cannot be done, with the reason in words they can act on."""


class NotFound(ServiceError):
    pass


class Conflict(ServiceError):
    pass
