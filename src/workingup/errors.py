"""The one exception type for input a person can fix, shared by every layer above `analysis/`.

`UserError` is a `ValueError`, so code that already guards a parse with `except ValueError` keeps working, but the
command line's `friendly_errors` catches only this type (and `ServiceError`): a `ValueError` raised by a bug stays
a traceback instead of being dressed as a one-line message the user cannot act on (docs/architecture.md §6).
"""


class UserError(ValueError):
    """Input a person can fix (a bad option, a malformed file, a setting out of range), said in their words."""
