"""The one configuration object, read from the environment (DESIGN.md §2).

Every setting is a row of SETTINGS — name, default, help — so the README table and `workingup --help` can be
checked against it by a test, and nobody has to grep for `os.environ`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "WORKINGUP_DATABASE_URL",
        "sqlite:///workingup.db",
        "SQLAlchemy URL of the database: a SQLite file (embedded default) or "
        "postgresql+psycopg://user@host:5432/name (production).",
    ),
    Setting("WORKINGUP_HOST", "127.0.0.1", "Address `workingup serve` listens on."),
    Setting("WORKINGUP_PORT", "8000", "Port `workingup serve` listens on."),
)


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    host: str
    port: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values = {s.name: env.get(s.name, s.default) for s in SETTINGS}
        try:
            port = int(values["WORKINGUP_PORT"])
        except ValueError:
            raise ValueError(
                f"WORKINGUP_PORT must be a port number, not {values['WORKINGUP_PORT']!r}"
            ) from None
        if not 0 < port < 65536:
            raise ValueError(f"WORKINGUP_PORT must be between 1 and 65535, not {port}")
        url = values["WORKINGUP_DATABASE_URL"].strip()
        if not url.startswith(("sqlite", "postgresql")):
            raise ValueError(f"WORKINGUP_DATABASE_URL must be a sqlite:// or postgresql:// URL, not {url!r}")
        return cls(database_url=url, host=values["WORKINGUP_HOST"], port=port)
