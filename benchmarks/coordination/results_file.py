"""Where the coordination benchmarks keep their figures: one JSON per run, named with the commit it ran at."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any


def write_result(stem: str, payload: Any) -> Path:
    """Write `payload` to results/{stem}-{commit}.json beside this file, and return the path."""
    folder = Path(__file__).parent / "results"
    folder.mkdir(exist_ok=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    path = folder / f"{stem}-{commit}.json"
    path.write_text(json.dumps(payload, indent=1))
    return path
