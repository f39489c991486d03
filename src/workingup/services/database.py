"""Where `Database` used to live: it is runtime machinery now (`workingup.runtime.database`).

Kept as a re-export because modules outside this change (the analysis commands) and many tests import it from
here; new code imports `workingup.runtime.database`.
"""

from workingup.runtime.database import Database

__all__ = ["Database"]
