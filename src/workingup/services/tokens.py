"""Bearer tokens: random, shown once, stored only as a SHA-256 digest.

A token carries 256 bits from the OS's CSPRNG, so a plain (unsalted, fast) digest is enough to make a stolen
database useless for impersonation: nobody can brute-force a 2^256 preimage. Passwords are another matter
(see `accounts`).
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
