"""The Pol.is open-data export format: read it, write it, and nothing else (no database, no analysis)."""

from workingup.polis.model import PolisComment, PolisConversation, PolisFormatError, PolisParticipant
from workingup.polis.read import read_polis
from workingup.polis.write import write_polis

__all__ = [
    "PolisComment",
    "PolisConversation",
    "PolisFormatError",
    "PolisParticipant",
    "read_polis",
    "write_polis",
]
