"""The one configuration object, read from the environment (docs/architecture.md §2).

Every setting is a row of SETTINGS — name, default, help — so the README table and `workingup --help` can be
checked against it by a test, and nobody has to grep for `os.environ`.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from workingup.errors import UserError


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
    Setting(
        "WORKINGUP_SESSION_HOURS",
        "12",
        "A facilitator's sign-in ends this many hours after it began, however active.",
    ),
    Setting(
        "WORKINGUP_SESSION_IDLE_MINUTES",
        "120",
        "A facilitator's sign-in ends after this many minutes without a request.",
    ),
    Setting(
        "WORKINGUP_VOTE_LIMIT",
        "60/40",
        "Votes per minute per participant token, then the burst allowed above that pace (PER_MINUTE/BURST); "
        "more gets 429. The default is a fast human; a kiosk or a load test may need more.",
    ),
    Setting(
        "WORKINGUP_JOIN_LIMIT",
        "30/60",
        "Joins through a dialogue's open link per minute per client address, then the burst allowed above that "
        "(PER_MINUTE/BURST); more gets 429. The default lets a room of sixty on one Wi-Fi join at once.",
    ),
    Setting(
        "WORKINGUP_TRUSTED_PROXIES",
        "127.0.0.1",
        "Addresses of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (comma-separated, "
        "or * for any): the client address the join limit counts and the https that marks cookies Secure.",
    ),
    Setting(
        "WORKINGUP_ACCESS_LOG",
        "off",
        "on: `workingup serve` logs one line per request. Off by default: the proxy in front of a server usually "
        "keeps the access log, and at a thousand votes a second the lines cost a tenth of the server's CPU.",
    ),
    Setting(
        "WORKINGUP_ROUTING",
        "verdict",
        "Which statement a participant sees next: verdict (where a vote from their side of the divide would settle "
        "a convergence verdict most) or polis (Pol.is's priority). benchmarks/bridging/README.md compares them.",
    ),
    Setting(
        "WORKINGUP_EMBED_ORIGINS",
        "",
        "Sites allowed to show the participation widget (/d/{slug}/widget) in a frame: origins such as "
        "https://www.example.org, separated by spaces. Empty: only this site itself. No other page may be framed.",
    ),
)

ROUTINGS = ("verdict", "polis")


@dataclass(frozen=True, slots=True)
class Settings:
    """The settings, parsed. No field has a default here: each default is written once, in SETTINGS, and
    `Settings.defaults()` reads them from there."""

    database_url: str
    host: str
    port: int
    session_hours: float
    session_idle_minutes: float
    vote_limit: tuple[float, int]
    """(votes per minute, burst) per participant token."""
    join_limit: tuple[float, int]
    """(joins per minute, burst) per client address."""
    trusted_proxies: str
    access_log: bool
    routing: str
    """One of ROUTINGS."""
    embed_origins: tuple[str, ...]
    """Origins whose pages may frame the participation widget (its CSP frame-ancestors)."""

    @classmethod
    def defaults(cls) -> Settings:
        """Every setting at its default, whatever the environment says."""
        return cls.from_env({})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values = {s.name: env.get(s.name, s.default) for s in SETTINGS}
        try:
            port = int(values["WORKINGUP_PORT"])
        except ValueError:
            raise UserError(
                f"WORKINGUP_PORT must be a port number, not {values['WORKINGUP_PORT']!r}"
            ) from None
        if not 0 < port < 65536:
            raise UserError(f"WORKINGUP_PORT must be between 1 and 65535, not {port}")
        url = values["WORKINGUP_DATABASE_URL"].strip()
        if not url.startswith(("sqlite", "postgresql")):
            raise UserError(f"WORKINGUP_DATABASE_URL must be a sqlite:// or postgresql:// URL, not {url!r}")
        return cls(
            database_url=url,
            host=values["WORKINGUP_HOST"],
            port=port,
            session_hours=_positive(values, "WORKINGUP_SESSION_HOURS"),
            session_idle_minutes=_positive(values, "WORKINGUP_SESSION_IDLE_MINUTES"),
            vote_limit=_rate("WORKINGUP_VOTE_LIMIT", values["WORKINGUP_VOTE_LIMIT"]),
            join_limit=_rate("WORKINGUP_JOIN_LIMIT", values["WORKINGUP_JOIN_LIMIT"]),
            trusted_proxies=_addresses("WORKINGUP_TRUSTED_PROXIES", values["WORKINGUP_TRUSTED_PROXIES"]),
            access_log=_switch("WORKINGUP_ACCESS_LOG", values["WORKINGUP_ACCESS_LOG"]),
            routing=_choice("WORKINGUP_ROUTING", values["WORKINGUP_ROUTING"], ROUTINGS),
            embed_origins=_origins("WORKINGUP_EMBED_ORIGINS", values["WORKINGUP_EMBED_ORIGINS"]),
        )


ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def _origins(name: str, value: str) -> tuple[str, ...]:
    """Space- or comma-separated origins (scheme, host, optional port; no path): each goes into a CSP header, so
    anything else (a quote, a semicolon, a path) is refused at start-up rather than written into a policy."""
    origins = tuple(o.rstrip("/") for o in value.replace(",", " ").split())
    for origin in origins:
        if not ORIGIN.fullmatch(origin):
            raise UserError(f"{name} holds origins like https://www.example.org, not {origin!r}")
    return origins


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    chosen = value.strip().lower()
    if chosen not in choices:
        raise UserError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return chosen


def _positive(values: Mapping[str, str], name: str) -> float:
    try:
        number = float(values[name])
    except ValueError:
        raise UserError(f"{name} must be a number, not {values[name]!r}") from None
    if not 0 < number < 1e6:
        raise UserError(f"{name} must be above 0, not {values[name]!r}")
    return number


def _rate(name: str, value: str) -> tuple[float, int]:
    """ "PER_MINUTE/BURST" → (per minute, burst), both positive."""
    try:
        per_minute_text, burst_text = value.split("/")
        per_minute, burst = float(per_minute_text), int(burst_text)
    except ValueError:
        raise UserError(f"{name} must be PER_MINUTE/BURST, like 60/40, not {value!r}") from None
    if not (per_minute > 0 and burst >= 1):
        raise UserError(f"{name} needs a positive rate and a burst of at least 1, not {value!r}")
    return per_minute, burst


def _addresses(name: str, value: str) -> str:
    """A comma-separated list of IP addresses or networks, or *: checked here so a typo fails at start-up,
    not as a proxy silently distrusted."""
    text = value.strip()
    if text == "*":
        return text
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise UserError(f"{name} must list IP addresses or networks (or *), not {value!r}")
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise UserError(f"{name}: {item!r} is not an IP address or network") from None
    return ",".join(items)


def _switch(name: str, value: str) -> bool:
    text = value.strip().lower()
    if text in ("on", "true", "1", "yes"):
        return True
    if text in ("off", "false", "0", "no"):
        return False
    raise UserError(f"{name} must be on or off, not {value!r}")
