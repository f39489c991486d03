"""Render result JSON files as the Markdown table of README.md: `python -m benchmarks.load.table results/*.json`."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def row(result: dict) -> str:
    vote = result["latency"].get("vote", {})
    others = ", ".join(
        f"{e} {p['p50_ms']:.0f}/{p['p99_ms']:.0f}"
        for e, p in result["latency"].items()
        if e != "vote" and p.get("n")
    )
    check = result["check"]
    peer = result["peer_echo"]["requests_per_s"] if result["peer_echo"] else "–"
    return (
        f"| {result['database']} | {result['clients']}×{result['votes_per_client']} | {len(result['kills'])} "
        f"| {result['votes_acknowledged']:,} in {result['elapsed_s']:.0f} s | {result['votes_per_s']:,} | {peer} "
        f"| {result['ratio_to_peer']} | {vote.get('p50_ms')} / {vote.get('p99_ms')} | {others} "
        f"| {check['lost']}/{check['duplicated']}/{check['extra']}/{result['lost_at_kills']} "
        f"| {result['responses_5xx']} | {result['honest_429']} / {result['abusive_429']} of {result['abusive_sent']} "
        f"| {result['server_cpu_ms_per_request']} | {result['analysis_runs_during_load']} "
        f"| {result['date']}, {result['commit']} |"
    )


HEADER = (
    "| database | clients × votes | kills | votes acknowledged | votes/s | peer req/s | ours/peer "
    "| vote p50/p99 ms | other endpoints p50/p99 ms | lost/dup/extra/lost at kills | 5xx "
    "| 429 honest / abusive | server CPU ms/request | analysis runs | date, commit |\n"
    "|---|---|---:|---|---:|---:|---:|---|---|---|---:|---|---:|---:|---|"
)

if __name__ == "__main__":
    print(HEADER)
    for name in sys.argv[1:]:
        print(row(json.loads(Path(name).read_text())))
