"""A big dialogue beside the demo: page latencies, a live import, drafting and the report, over HTTP (issue 18).

    .venv/bin/python -m benchmarks.scale.bench_scale --database sqlite --votes 2000000
    .venv/bin/python -m benchmarks.scale.bench_scale --database postgresql --votes 2000000

One run, on a fresh database (a SQLite file, or a new PostgreSQL database on 127.0.0.1:5432, as the load harness
makes them), with the real server (`workingup serve`, started as an operator starts it):

1. the demo: the Working Up dialogue, 2,000 simulated members of the public plus the simulated table (seed 0),
   analysed; the demo facilitator signed in and one participant joined (cookies, as a browser holds them);
2. every facilitator and participant page of the demo, `--requests` times each one after the other: p50/p95;
3. `workingup import-polis` of a synthetic Pol.is export with `--votes` votes (`benchmarks.analysis.read.generate`,
   seed 0: 20,000 participants x 1,000 statements, written once to `--data`) while `--clients` threads each vote
   through the API and open the vote page in turn as fast as answered: p99 of each and the 5xx count;
4. the same pages again with the big dialogue beside the demo: p95 and the ratio to step 2;
5. drafting a recommendation (the agenda form), a refused draft, and the report: the report page opened (which
   prepares its analysis), then HTML and PDF; and a cold report HTML after a new analysis run.

The results are printed and written to `results/<database>-<votes>.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import numpy as np

from benchmarks.load.server import JOIN_LIMIT, Server, free_port, prepare

HERE = Path(__file__).resolve().parent
SLUG = "working-up"
FACILITATOR_PAGES = (
    "/f",
    f"/f/{SLUG}",
    f"/f/{SLUG}/dashboard",
    f"/f/{SLUG}/moderation",
    f"/f/{SLUG}/roster",
    f"/f/{SLUG}/agenda",
    f"/f/{SLUG}/listening",
    f"/f/{SLUG}/tracker",
    f"/f/{SLUG}/report",
    f"/f/{SLUG}/alerts.json",
    f"/f/{SLUG}/export/top-statements.csv",
)
PARTICIPANT_PAGES = (
    f"/d/{SLUG}",
    f"/d/{SLUG}/vote",
    f"/d/{SLUG}/my-votes",
    f"/d/{SLUG}/agenda",
    f"/d/{SLUG}/profile",
    f"/d/{SLUG}/statements/new",
    f"/d/{SLUG}/tracker",
)
ENV = {"WORKINGUP_JOIN_LIMIT": JOIN_LIMIT, "WORKINGUP_VOTE_LIMIT": "100000/10000"}


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def populate(url: str) -> tuple[int, list[int]]:
    """The demo, analysed: returns the dialogue id and the ids of its converged statements."""
    from workingup.runtime.database import Database
    from workingup.services.analysis_runs import run_analysis
    from workingup.services.demo import open_demo, populate_demo
    from workingup.services.dialogues import get_dialogue
    from workingup.services.stored_analysis import StoredAnalysis

    db = Database.open(url)
    try:
        with db.transaction() as session:
            dialogue = get_dialogue(session, SLUG)
            populate_demo(session, dialogue, public=2000, seed=0)
            open_demo(session, dialogue)
            done = run_analysis(session, dialogue)
            assert done is not None
            verdicts = StoredAnalysis.of(done[0]).verdicts
            assert verdicts is not None
            converged = [
                sid
                for sid, v in zip(verdicts.statement_ids, verdicts.verdict, strict=True)
                if v == "convergence"
            ]
            return dialogue.id, converged
    finally:
        db.close()


def signed_in(base: str, dialogue_id: int) -> tuple[httpx.Client, httpx.Client, str]:
    """A facilitator's and a participant's client (cookies as a browser holds them), and the participant token."""
    from workingup.services.accounts import DEMO_EMAIL, DEMO_PASSWORD

    facilitator = httpx.Client(base_url=base, timeout=120, follow_redirects=True)
    form = re.search(r'name="csrf_token" value="([^"]+)"', facilitator.get("/login").text)
    assert form, "the sign-in page carries a CSRF field"
    answer = facilitator.post(
        "/login", data={"csrf_token": form.group(1), "email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    )
    assert "wu_session" in facilitator.cookies, answer.text[:300]
    participant = httpx.Client(base_url=base, timeout=120, follow_redirects=True)
    joined = participant.post(f"/api/v1/dialogues/{SLUG}/participants", json={"consent": True})
    joined.raise_for_status()
    participant_token = joined.json()["token"]
    participant.cookies.set(f"wu_p{dialogue_id}", participant_token)
    return facilitator, participant, participant_token


def page_latencies(facilitator: httpx.Client, participant: httpx.Client, requests: int) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for client, pages in ((facilitator, FACILITATOR_PAGES), (participant, PARTICIPANT_PAGES)):
        for path in pages:
            times = []
            for _ in range(requests):
                start = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:200]}")
            found[path] = {"p50_ms": 1000 * percentile(times, 50), "p95_ms": 1000 * percentile(times, 95)}
    return found


def load_during(
    base: str, dialogue_id: int, statement_ids: list[int], clients: int, stop: threading.Event
) -> dict[str, Any]:
    """`clients` threads, each a joined participant voting through the API and opening the vote page in turn."""
    records: list[tuple[str, float, int]] = []
    lock = threading.Lock()

    def one(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, timeout=120) as http:
            joined = http.post(f"/api/v1/dialogues/{SLUG}/participants", json={"consent": True})
            token = joined.json()["token"]
            http.cookies.set(f"wu_p{dialogue_id}", token)
            headers = {"Authorization": f"Bearer {token}"}
            while not stop.is_set():
                start = time.perf_counter()
                vote = http.post(
                    f"/api/v1/dialogues/{SLUG}/votes",
                    json={"statement_id": rng.choice(statement_ids), "value": rng.choice((-1, 0, 1))},
                    headers=headers,
                )
                middle = time.perf_counter()
                page = http.get(f"/d/{SLUG}/vote")
                end = time.perf_counter()
                with lock:
                    records.append(("vote", middle - start, vote.status_code))
                    records.append(("page", end - middle, page.status_code))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    return {"threads": threads, "records": records}


def summarise(records: list[tuple[str, float, int]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ("vote", "page"):
        times = [t for k, t, _ in records if k == kind]
        statuses = [s for k, _, s in records if k == kind]
        out[kind] = {
            "requests": len(times),
            "p50_ms": 1000 * percentile(times, 50),
            "p99_ms": 1000 * percentile(times, 99),
            "max_ms": 1000 * max(times, default=float("nan")),
            "5xx": sum(1 for s in statuses if s >= 500),
            "other_non_2xx": sum(1 for s in statuses if 300 <= s < 500),
        }
    return out


def csrf(client: httpx.Client) -> str:
    page = client.get(f"/f/{SLUG}/agenda")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "the agenda page carries a CSRF field"
    return match.group(1)


def agenda_and_report(facilitator: httpx.Client, converged: list[int], url: str) -> dict[str, float]:
    timings: dict[str, float] = {}
    token = csrf(facilitator)
    form = {
        "csrf_token": token,
        "statements": str(converged[0]),
        "kind": "policy",
        "horizon": "near_term",
        "actors": "City council",
        "title": "Benchmark draft",
    }
    start = time.perf_counter()
    drafted = facilitator.post(f"/f/{SLUG}/agenda/recommendations", data=form, follow_redirects=False)
    timings["draft_s"] = time.perf_counter() - start
    assert drafted.status_code == 303, drafted.text[:300]
    start = time.perf_counter()
    refused = facilitator.post(
        f"/f/{SLUG}/agenda/recommendations", data={**form, "kind": "nonsense"}, follow_redirects=False
    )
    timings["draft_refused_s"] = time.perf_counter() - start
    assert refused.status_code >= 400
    start = time.perf_counter()
    facilitator.get(f"/f/{SLUG}/report")
    timings["report_page_s"] = time.perf_counter() - start
    waited = time.perf_counter()
    while "refresh" in facilitator.get(f"/f/{SLUG}/report").headers:
        time.sleep(0.5)
    timings["report_prepared_after_s"] = time.perf_counter() - waited
    # The load's votes make the server analyse again (a new version); measure once the analysis has settled:
    # prepared, and still prepared after longer than the refresh's debounce.
    while True:
        time.sleep(8)
        if "refresh" not in facilitator.get(f"/f/{SLUG}/report").headers:
            break
        while "refresh" in facilitator.get(f"/f/{SLUG}/report").headers:
            time.sleep(0.5)
    for fmt in ("html", "pdf", "md"):
        start = time.perf_counter()
        response = facilitator.get(f"/f/{SLUG}/report.{fmt}")
        timings[f"report_{fmt}_s"] = time.perf_counter() - start
        assert response.status_code == 200
    # Cold: a new analysis run is a new version; the report file is asked for before its page prepared it.
    analysed = facilitator.post(f"/f/{SLUG}/analysis", data={"csrf_token": token}, follow_redirects=False)
    if analysed.status_code < 400:
        start = time.perf_counter()
        facilitator.get(f"/f/{SLUG}/report.html")
        timings["report_html_cold_s"] = time.perf_counter() - start
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--votes", type=int, default=2_000_000)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--statements", type=int, default=1_000)
    parser.add_argument("--data", type=Path, default=Path("/tmp/workingup-bench-scale"))
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    folder = args.data / f"polis-{args.votes}"
    if not (folder / "votes.csv").exists():
        from benchmarks.analysis.read import generate

        print(f"writing a synthetic Pol.is export with {args.votes:,} votes to {folder}…", flush=True)
        generate(folder, args.participants, args.statements, args.votes)

    prepared = prepare(args.database, keep=args.keep)
    server = Server(prepared.url, free_port(), prepared.workdir / "server.log", env=ENV)
    result: dict[str, Any] = {
        "database": args.database,
        "votes": args.votes,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
    }
    try:
        dialogue_id, converged = populate(prepared.url)
        server.start()
        facilitator, participant, _ = signed_in(server.base_url, dialogue_id)
        page_latencies(facilitator, participant, 2)  # warm-up: imports, first analysis read, caches
        print("pages, demo alone…", flush=True)
        alone = page_latencies(facilitator, participant, args.requests)

        print("import while voting…", flush=True)
        stop = threading.Event()
        load = load_during(server.base_url, dialogue_id, prepared.statement_ids, args.clients, stop)
        env = {**os.environ, "WORKINGUP_DATABASE_URL": prepared.url}
        started = time.perf_counter()
        imported = subprocess.run(
            [sys.executable, "-m", "workingup.cli", "import-polis", str(folder), "--slug", "big"],
            env=env,
            capture_output=True,
            text=True,
        )
        import_s = time.perf_counter() - started
        stop.set()
        for t in load["threads"]:
            t.join()
        if imported.returncode != 0:
            raise RuntimeError(imported.stdout[-2000:] + imported.stderr[-2000:])
        result["import"] = {"seconds": import_s, **summarise(load["records"])}

        page_latencies(facilitator, participant, 2)
        print("pages, beside the big dialogue…", flush=True)
        beside = page_latencies(facilitator, participant, args.requests)
        result["pages"] = {
            path: {
                "alone_p95_ms": alone[path]["p95_ms"],
                "beside_p95_ms": beside[path]["p95_ms"],
                "ratio": beside[path]["p95_ms"] / alone[path]["p95_ms"],
            }
            for path in alone
        }
        print("drafting and the report…", flush=True)
        result["agenda"] = agenda_and_report(facilitator, converged, prepared.url)
    finally:
        server.stop()
        prepared.cleanup()

    print(json.dumps(result, indent=2))
    out = HERE / "results" / f"{args.database}-{args.votes}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
