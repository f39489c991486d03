"""Vote throughput measured with wrk, a compiled load generator, so the clients cost the server little CPU.

    .venv/bin/python -m benchmarks.load.wrk_votes --database sqlite --duration 60 --connections 50

Why beside the Python harness (`run.py`): its asyncio clients check every answer against the database, which
is what proves nothing is lost, but they are Python and share the machine's two cores with the server. wrk
(Debian's `wrk`, C with LuaJIT) spends a few microseconds per request, so what it measures is the server. It
drives the real server (`workingup serve`) with `--connections` keep-alive connections, each voting as one
participant who joined through the API beforehand, every vote with its own Idempotency-Key; the echo peer
(`echo.py`) is measured by the same wrk in the same run. At the end the database must hold exactly one vote for
every 200 wrk counted, and no answer may be a 5xx.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
from sqlalchemy import func, select

from benchmarks.load.server import JOIN_LIMIT, ROOT, Server, free_port, prepare
from benchmarks.load.verify import open_engine
from workingup.store import models

RESULTS = Path(__file__).resolve().parent / "results"

# Each connection is one participant: wrk gives every thread its own Lua state, and `init` runs once per thread,
# so the tokens are dealt out to threads and each request takes the next of its thread's tokens in turn.
# `response` counts statuses per thread; `done` reads them back through wrk's thread table.
LUA = r"""
local tokens = {%(tokens)s}
local statements = {%(statements)s}
local slug = "%(slug)s"
local counter = 0
local threads = {}

function setup(thread)
  thread:set("first", #threads)
  table.insert(threads, thread)
end

function init(args)
  mine = {}
  local step = %(threads)d
  for i = first + 1, #tokens, step do table.insert(mine, tokens[i]) end
  statuses = {}
  math.randomseed(%(seed)d + first)
end

function request()
  counter = counter + 1
  local token = mine[(counter %% #mine) + 1]
  local statement = statements[math.random(#statements)]
  local value = math.random(3) - 2
  local body = '{"statement_id":' .. statement .. ',"value":' .. value .. '}'
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Bearer " .. token
  headers["Idempotency-Key"] = "wrk-" .. first .. "-" .. counter
  return wrk.format("POST", "/api/v1/dialogues/" .. slug .. "/votes", headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local out = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do out[tostring(code)] = (out[tostring(code)] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(out) do table.insert(parts, '"' .. code .. '":' .. n) end
  io.write("STATUSES {" .. table.concat(parts, ",") .. "}\n")
  io.write(string.format("LATENCY {\"p50\":%%d,\"p90\":%%d,\"p99\":%%d,\"max\":%%d}\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def _wrk(args: argparse.Namespace, url: str, script: Path | None, duration: float) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{int(duration)}s",
        "--timeout",
        "10s",
    ]
    if script is not None:
        command += ["-s", str(script)]
    started = time.monotonic()
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    elapsed = time.monotonic() - started
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    result: dict[str, Any] = {"requests": requests, "seconds": round(elapsed, 2), "wrk": out}
    if (m := re.search(r"STATUSES (\{.*\})", out)) is not None:
        result["statuses"] = json.loads(m.group(1))
    if (m := re.search(r"LATENCY (\{.*\})", out)) is not None:
        result["latency_us"] = json.loads(m.group(1))
    if (m := re.search(r"Requests/sec:\s+([\d.]+)", out)) is not None:
        result["per_second"] = float(m.group(1))
    return result


def _join(base_url: str, slug: str, n: int) -> list[str]:
    tokens = []
    with httpx.Client(base_url=base_url, timeout=60) as http:
        for i in range(n):
            r = http.post(
                f"/api/v1/dialogues/{slug}/participants",
                json={"consent": True, "sector": None, "leaning": ["left", "right"][i % 2]},
            )
            r.raise_for_status()
            tokens.append(r.json()["token"])
    return tokens


def run(args: argparse.Namespace) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    prepared = prepare(args.database, keep=args.keep)
    workdir = Path(tempfile.mkdtemp(prefix="workingup-wrk-"))
    port = free_port()
    env = {
        "WORKINGUP_VOTE_LIMIT": args.vote_limit,
        "WORKINGUP_JOIN_LIMIT": JOIN_LIMIT,
        **dict(e.split("=", 1) for e in args.env),
    }
    server = Server(prepared.url, port, workdir / "server.log", env=env)
    result: dict[str, Any] = {
        "database": args.database,
        "connections": args.connections,
        "threads": args.threads,
        "duration_s": args.duration,
        "env": env,
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
    }
    try:
        server.start()
        tokens = _join(server.base_url, prepared.slug, args.connections)
        script = workdir / "votes.lua"
        script.write_text(
            LUA
            % {
                "tokens": ",".join(f'"{t}"' for t in tokens),
                "statements": ",".join(map(str, prepared.statement_ids)),
                "slug": prepared.slug,
                "threads": args.threads,
                "seed": args.seed,
            }
        )
        cpu_before = server.cpu()
        spy = None
        if args.py_spy is not None:
            assert server.process is not None
            spy = subprocess.Popen(
                [
                    "py-spy",
                    "record",
                    "--pid",
                    str(server.process.pid),
                    "--format",
                    "raw",
                    "--threads",
                    "--rate",
                    "100",
                    "--duration",
                    str(int(args.duration)),
                    "-o",
                    str(args.py_spy),
                ]
                + (["--idle"] if args.idle else []),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        votes = _wrk(args, server.base_url, script, args.duration)
        if spy is not None:
            spy.wait()
        result["server_cpu_ms_per_request"] = round(
            (server.cpu() - cpu_before) * 1000 / max(votes["requests"], 1), 3
        )
        time.sleep(1.0)
        engine = open_engine(prepared.url)
        with engine.connect() as connection:
            stored = connection.execute(
                select(func.count()).select_from(models.Vote).where(models.Vote.request_key.like("wrk-%"))
            ).scalar_one()
        engine.dispose()
        result["votes"] = {k: v for k, v in votes.items() if k != "wrk"}
        result["votes_stored"] = int(stored)
        result["wrk_output"] = votes["wrk"]
    finally:
        server.stop()
        prepared.cleanup()
    if args.peer:
        peer = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "benchmarks.load.echo:app",
                "--port",
                str(peer_port := free_port()),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
        try:
            for _ in range(200):
                try:
                    httpx.get(f"http://127.0.0.1:{peer_port}/", timeout=1.0)
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            result["peer"] = {
                k: v
                for k, v in _wrk(args, f"http://127.0.0.1:{peer_port}/", None, min(args.duration, 20)).items()
                if k != "wrk"
            }
        finally:
            peer.terminate()
            peer.wait()
    shutil.rmtree(workdir, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.load.wrk_votes", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--duration", type=float, default=30.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--vote-limit", default="1000000/100000")
    p.add_argument("--env", action="append", default=[], help="NAME=value for the server")
    p.add_argument("--peer", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--keep", action="store_true")
    p.add_argument(
        "--py-spy", type=Path, default=None, help="record the server with py-spy (raw) into this file"
    )
    p.add_argument("--idle", action="store_true", help="with --py-spy: also sample waiting threads")
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    result = run(args)
    votes = result["votes"]
    ok = votes.get("statuses", {}).get("200", 0)
    print(json.dumps({k: v for k, v in result.items() if k != "wrk_output"}, indent=2))
    print(
        f"votes: {ok} answered 200, {result['votes_stored']} stored; "
        f"{votes.get('per_second')} req/s; server CPU {result['server_cpu_ms_per_request']} ms/request"
    )
    result["commit"] = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    target = args.json or RESULTS / f"wrk-{args.database}-c{args.connections}-{int(args.duration)}s.json"
    target.write_text(json.dumps(result, indent=2) + "\n")
    # wrk stops with up to one request per connection in flight: stored but never counted as answered.
    in_flight = result["votes_stored"] - ok
    good = 0 <= in_flight <= args.connections and not any(k.startswith("5") for k in votes["statuses"])
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
