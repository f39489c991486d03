"""The one exception type for input a person can fix, shared by every layer above `analysis/`.

`UserError` is a `ValueError`, so code that already guards a parse with `except ValueError` keeps working, but the
command line's `friendly_errors` catches only this type (and `ServiceError`): a `ValueError` raised by a bug stays
a traceback instead of being dressed as a one-line message the user cannot act on (docs/architecture.md §6).
"""


class UserError(ValueError):
    """Input a person can fix (a bad option, a malformed file, a setting out of range), said in their words."""


def csv_problem(error: Exception) -> str:
    """What a `csv.Error` says, with the hint that fits it: every reader of CSV files words it the same way.

    Why not one hint for all: an over-long field was reported with "is the file truncated?", the one thing it
    cannot be (the field ran on past the limit, so the file went on too): a quotation mark left open turns the
    rest of the file into one field, or a cell really is that long (issue 19)."""
    message = str(error)
    problem = f"malformed CSV ({message})"
    if message.startswith("field larger than field limit"):
        limit = message.rsplit("(", 1)[-1].rstrip(")")
        size = f"{int(limit):,}" if limit.isdigit() else limit
        return (
            f"{problem}: a field runs past {size} characters; is a quotation mark left open, so that the rest "
            "of the file reads as one field?"
        )
    if message == "unexpected end of data":
        return f"{problem}: the file ends inside a quoted field; is the file truncated, or a quotation mark left open?"
    if "expected after" in message:
        return f'{problem}: a quotation mark inside a quoted field is written twice ("")'
    return problem
