"""The load harness, one command (README.md beside this file):

    .venv/bin/python -m benchmarks.load.run --database sqlite --clients 50 --votes 2000 --kills 3 --seed 1

Prepares a fresh database, starts the real server, drives it with simulated participants (and one abusive
one), SIGKILLs and restarts it `--kills` times at seeded random moments, and at the end checks the database
against what every client was told. Prints throughput and latency per endpoint; writes a JSON result.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from benchmarks.load import clients, wire
from benchmarks.load.ledger import Ack, Ledger
from benchmarks.load.server import JOIN_LIMIT, ROOT, Prepared, Server, free_port, prepare, process_cpu
from benchmarks.load.verify import acked_present, check, open_engine, pragmas, read_votes
from workingup.dialogues import load_definition
from workingup.store import models

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.load.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--clients", type=int, default=50, help="honest simulated participants")
    p.add_argument("--votes", type=int, default=2000, help="votes per honest participant")
    p.add_argument("--statements", type=int, default=2, help="statements each participant submits")
    p.add_argument("--kills", type=int, default=0, help="SIGKILLs of the server at random moments under load")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-seconds", type=float, default=900.0, help="no new request after this many seconds")
    p.add_argument(
        "--max-rate",
        type=float,
        default=40.0,
        help="votes per second per honest participant, at most (0: no pacing)",
    )
    p.add_argument(
        "--vote-limit",
        default="3600/120",
        help="the server's WORKINGUP_VOTE_LIMIT (per minute/burst per participant token) for this run",
    )
    p.add_argument(
        "--abuse-requests", type=int, default=1500, help="votes the abusive client tries (0: none)"
    )
    p.add_argument("--abuse-streams", type=int, default=200, help="its concurrent connections")
    p.add_argument(
        "--peer", action=argparse.BooleanOptionalAction, default=True, help="also measure the echo peer"
    )
    p.add_argument("--peer-requests", type=int, default=400, help="requests per client against the echo peer")
    p.add_argument("--json", type=Path, default=None, help="where to write the result (default: results/…)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or tables (for the test suite)")
    p.add_argument("--keep", action="store_true", help="keep the database and the server log (path printed)")
    return p.parse_args(argv)


def _uvloop() -> str:
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def percentiles(seconds: list[float]) -> dict[str, float]:
    if not seconds:
        return {"n": 0}
    ms = np.asarray(seconds) * 1000.0
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {
        "n": len(ms),
        "p50_ms": round(float(p50), 2),
        "p95_ms": round(float(p95), 2),
        "p99_ms": round(float(p99), 2),
        "max_ms": round(float(ms.max()), 2),
    }


def _analysis_runs(url: str, dialogue_id: int) -> int:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                select(func.max(models.AnalysisRun.id)).where(models.AnalysisRun.dialogue_id == dialogue_id)
            ).scalar()
    finally:
        engine.dispose()
    return int(found or 0)


async def _kill_monitor(
    server: Server,
    prepared: Prepared,
    ledger: Ledger,
    moments: list[float],
    kills: list[dict[str, Any]],
    done: asyncio.Event,
    *,
    at_votes: list[int] | None = None,
) -> None:
    """At each moment (seconds into the load, or — unpaced clients — when that many votes are acknowledged,
    whichever comes first): SIGKILL, check every vote acknowledged so far, restart."""
    started = time.monotonic()
    since = 0
    for n, moment in enumerate(moments):
        # Under load means under load: a moment that passed while the server was restarting waits for votes.
        while (
            time.monotonic() - started < moment and (at_votes is None or len(ledger.acked) < at_votes[n])
        ) or len(ledger.acked) < since + 20:
            if done.is_set():
                return
            await asyncio.sleep(0.01)
        before = list(ledger.acked.values())
        killed = time.monotonic()
        await asyncio.to_thread(server.kill)

        def verify(before: list[Ack] = before) -> tuple[int, int]:
            engine = open_engine(prepared.url)
            try:
                rows = read_votes(engine, prepared.dialogue_id)
            finally:
                engine.dispose()
            return len(rows), acked_present(rows, ledger, before)

        stored, lost = await asyncio.to_thread(verify)
        await asyncio.to_thread(server.start)
        since = len(ledger.acked)
        kills.append(
            {
                "at_s": round(killed - started, 1),
                "acknowledged_before": len(before),
                "rows_after_kill": stored,
                "lost": lost,
                "downtime_s": round(time.monotonic() - killed, 2),
            }
        )


async def drive(
    args: argparse.Namespace, server: Server, prepared: Prepared, progress: Progress | None
) -> dict[str, Any]:
    ledger = Ledger()
    sectors = [s.key for s in load_definition().sectors]
    started = time.monotonic()
    plan = clients.Plan(
        base_url=server.base_url,
        slug=prepared.slug,
        statement_ids=prepared.statement_ids,
        sectors=sectors,
        votes=args.votes,
        statements=args.statements,
        max_rate=args.max_rate,
        deadline=started + args.max_seconds,
    )
    rng = random.Random(args.seed)
    client_cpu = time.process_time()
    total = args.clients * args.votes
    # Seeded random moments within the part of the run that is surely under load: the paced clients need at
    # least votes / max_rate seconds, and no run lasts beyond --max-seconds. Unpaced clients (--max-rate 0)
    # may finish long before --max-seconds, so their kills also come once that fraction of the votes is in.
    fractions = sorted(rng.uniform(0.15, 0.85) for _ in range(args.kills))
    span = min(args.max_seconds, args.votes / args.max_rate) if args.max_rate > 0 else args.max_seconds
    moments = [f * span for f in fractions]
    at_votes = [int(f * total) for f in fractions] if args.max_rate <= 0 else None
    kills: list[dict[str, Any]] = []
    done = asyncio.Event()
    task = progress.add_task(f"{args.database}: votes", total=total) if progress else None
    monitor = asyncio.create_task(
        _kill_monitor(server, prepared, ledger, moments, kills, done, at_votes=at_votes)
    )

    async def report() -> None:
        while not done.is_set():
            if progress is not None and task is not None:
                honest = sum(1 for k in ledger.acked if k.startswith("c"))
                progress.update(
                    task,
                    completed=honest,
                    description=f"{args.database}: votes, {len(kills)}/{args.kills} kills",
                )
            await asyncio.sleep(0.25)

    reporter = asyncio.create_task(report())
    work = [clients.honest(i, ledger, plan, args.seed) for i in range(args.clients)]
    if args.abuse_requests:
        work.append(clients.abusive(ledger, plan, args.seed, args.abuse_requests, args.abuse_streams))
    outcomes = await asyncio.gather(*work, return_exceptions=True)
    elapsed = time.monotonic() - started
    done.set()
    await monitor
    await reporter
    failures = [repr(o) for o in outcomes if isinstance(o, BaseException)]
    return {
        "ledger": ledger,
        "elapsed": elapsed,
        "kills": kills,
        "failures": failures,
        "server_cpu_s": server.cpu_seconds + server.cpu(),
        "client_cpu_s": time.process_time() - client_cpu,
    }


async def drive_peer(args: argparse.Namespace, port: int) -> dict[str, Any]:
    """The same number of clients, unpaced, against the echo app: the HTTP ceiling of this machine."""
    latencies: list[float] = []
    body = {"statement_id": 1, "value": 1}
    connections = [wire.Connection(f"http://127.0.0.1:{port}") for _ in range(args.clients)]

    async def one(http: wire.Connection) -> None:
        for _ in range(args.peer_requests):
            t = time.perf_counter()
            response = await http.request(
                "POST",
                "/api/v1/dialogues/x/votes",
                json=body,
                headers={"Authorization": "Bearer x", "Idempotency-Key": "k"},
            )
            response.json()
            latencies.append(time.perf_counter() - t)

    started = time.monotonic()
    cpu = time.process_time()
    try:
        await asyncio.gather(*(one(http) for http in connections))
    finally:
        for http in connections:
            await http.close()
    elapsed = time.monotonic() - started
    cpu = time.process_time() - cpu
    return {
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "latency": percentiles(latencies),
        "requests": len(latencies),
        "client_cpu_ms_per_request": round(1000 * cpu / max(1, len(latencies)), 3),
    }


def run_peer(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    port = free_port()
    log = (workdir / "echo.log").open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "benchmarks.load.echo:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "info",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1.0)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        cpu = process_cpu(process.pid)
        peer = asyncio.run(drive_peer(args, port))
        # Who caps the peer: its one uvicorn process, or the clients (client_cpu_ms_per_request)?
        peer["server_cpu_ms_per_request"] = round(
            1000 * (process_cpu(process.pid) - cpu) / max(1, peer["requests"]), 3
        )
        return peer
    finally:
        process.terminate()
        process.wait()
        log.close()


def _server_errors(log: Path, keep: int = 3) -> list[str]:
    """The first few tracebacks the server logged: a 5xx is a bug, and this says which."""
    if not log.exists():
        return []
    found: list[str] = []
    lines = log.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback") and len(found) < keep:
            end = next(
                (j for j in range(i + 1, len(lines)) if lines[j] and not lines[j].startswith((" ", "\t"))), i
            )
            found.append("\n".join(lines[max(end - 6, i) : end + 1]))
    return found


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    loop = _uvloop()
    prepared = prepare(args.database, keep=args.keep)
    try:
        durable = pragmas(prepared.url)
        server = Server(
            prepared.url,
            free_port(),
            prepared.workdir / "server.log",
            env={"WORKINGUP_VOTE_LIMIT": args.vote_limit, "WORKINGUP_JOIN_LIMIT": JOIN_LIMIT},
        )
        server.start()
        try:
            runs_before = _analysis_runs(prepared.url, prepared.dialogue_id)
            if args.quiet:
                outcome = asyncio.run(drive(args, server, prepared, None))
            else:
                columns = (
                    TextColumn("{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                )
                with Progress(*columns, console=console) as progress:
                    outcome = asyncio.run(drive(args, server, prepared, progress))
        finally:
            server.stop()
        ledger: Ledger = outcome["ledger"]
        engine = open_engine(prepared.url)
        try:
            verdict = check(engine, prepared.dialogue_id, ledger)
            with engine.connect() as connection:
                statements_present = set(
                    connection.execute(
                        select(models.Statement.id).where(
                            models.Statement.id.in_(list(ledger.statements_acked))
                        )
                    ).scalars()
                )
        finally:
            engine.dispose()
        analysis_runs = _analysis_runs(prepared.url, prepared.dialogue_id) - runs_before
        peer = run_peer(args, prepared.workdir) if args.peer else None
        server_errors = _server_errors(prepared.workdir / "server.log")
    finally:
        prepared.cleanup()
    classes = ledger.status_classes()
    votes_acked = len(ledger.acked)
    votes_per_s = votes_acked / outcome["elapsed"]
    result: dict[str, Any] = {
        "database": args.database,
        "clients": args.clients,
        "votes_per_client": args.votes,
        "kills_requested": args.kills,
        "seed": args.seed,
        "max_rate_per_client": args.max_rate,
        "vote_limit": args.vote_limit,
        "durability": durable,
        "elapsed_s": round(outcome["elapsed"], 2),
        "votes_acknowledged": votes_acked,
        "votes_replayed": sum(1 for a in ledger.acked.values() if a.replayed),
        "votes_per_s": round(votes_per_s, 1),
        "server_cpu_s": round(outcome["server_cpu_s"], 1),
        "server_cpu_ms_per_request": round(
            1000 * outcome["server_cpu_s"] / max(1, sum(ledger.statuses.values())), 3
        ),
        "client_cpu_ms_per_request": round(
            1000 * outcome["client_cpu_s"] / max(1, sum(ledger.statuses.values())), 3
        ),
        "latency": {endpoint: percentiles(values) for endpoint, values in sorted(ledger.latencies.items())},
        "statuses": {f"{e} {s}": n for (e, s), n in sorted(ledger.statuses.items())},
        "status_classes": classes,
        "responses_5xx": classes.get("5xx", 0),
        "honest_429": ledger.honest_429,
        "abusive_sent": ledger.abusive_sent,
        "abusive_429": ledger.abusive_429,
        "transport_errors": dict(ledger.transport_errors),
        "retries": ledger.retries,
        "check": verdict.as_dict(),
        "statements_acknowledged": len(ledger.statements_acked),
        "statements_lost": len(set(ledger.statements_acked) - statements_present),
        "kills": outcome["kills"],
        "lost_at_kills": sum(k["lost"] for k in outcome["kills"]),
        "client_failures": outcome["failures"],
        "server_errors": server_errors,
        "workdir": str(prepared.workdir) if args.keep else None,
        "analysis_runs_during_load": analysis_runs,
        "peer_echo": peer,
        "ratio_to_peer": round(votes_per_s / peer["requests_per_s"], 3) if peer else None,
        "event_loop": loop,
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
    }
    result["ok"] = bool(
        verdict.ok
        and result["responses_5xx"] == 0
        and result["honest_429"] == 0
        and result["lost_at_kills"] == 0
        and result["statements_lost"] == 0
        and len(outcome["kills"]) == args.kills
        and not outcome["failures"]
        and (args.abuse_requests == 0 or ledger.abusive_429 > 0)
    )
    return result


def show(result: dict[str, Any], console: Console) -> None:
    table = Table(
        title=f"{result['database']}: {result['votes_acknowledged']:,} votes in {result['elapsed_s']} s = {result['votes_per_s']:,} votes/s"
    )
    for column in ("endpoint", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="right" if column != "endpoint" else "left")
    for endpoint, p in result["latency"].items():
        table.add_row(
            endpoint,
            f"{p['n']:,}",
            str(p.get("p50_ms")),
            str(p.get("p95_ms")),
            str(p.get("p99_ms")),
            str(p.get("max_ms")),
        )
    console.print(table)
    console.print(
        f"statuses: {result['status_classes']}; honest 429: {result['honest_429']}; abusive client: {result['abusive_429']} of {result['abusive_sent']} refused (429)"
    )
    console.print(f"check: {result['check']}; kills: {result['kills']}")
    if result["peer_echo"]:
        console.print(
            f"peer (echo app, same clients, unpaced): {result['peer_echo']['requests_per_s']:,} req/s; ours / peer = {result['ratio_to_peer']}"
        )
        console.print(
            f"CPU ms/request: server {result['server_cpu_ms_per_request']}, clients {result['client_cpu_ms_per_request']};"
            f" on the peer: echo server {result['peer_echo']['server_cpu_ms_per_request']}, clients {result['peer_echo']['client_cpu_ms_per_request']}"
        )
    console.print(
        f"analysis runs during the load: {result['analysis_runs_during_load']}; durability: {result['durability']}"
    )
    console.print("[bold green]OK[/]" if result["ok"] else "[bold red]FAILED[/]")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    result = run(args, console)
    path = args.json or RESULTS / f"{args.database}-{args.clients}x{args.votes}-kills{args.kills}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    if not args.quiet:
        show(result, console)
        console.print(f"result written to {path}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
