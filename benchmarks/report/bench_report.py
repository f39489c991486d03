"""How long the final report takes for a 2,000-participant dialogue, split into analysis, gathering and rendering.

    .venv/bin/python benchmarks/report/bench_report.py [--public 2000] [--repeat 3] [--database URL]

Data: the Working Up dialogue with the simulated demo table (30 stakeholders, 6 advisors, 12 community voices)
plus `--public` simulated members of the public (seed 0); nine recommendations (three per focus area) drafted
from converged statements, an endorsement round in which every stakeholder answers (one block, one reservation),
two commitments. Peer, in the same run: the same HTML printed to PDF by headless Chromium (Debian's `chromium`),
which is what a facilitator would otherwise do with the HTML report. Best of `--repeat` wall-clock runs.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from threadpoolctl import threadpool_limits

from workingup.dialogues import load_definition
from workingup.domain import AdoptionRule, Horizon, RecommendationType, Stance
from workingup.report.build import build_report
from workingup.report.markdown import render_markdown
from workingup.report.render import render_html, render_pdf
from workingup.runtime.database import Database
from workingup.services import endorsements, recommendations, tracking
from workingup.services.analysis import analyze_dialogue
from workingup.services.demo import populate_demo
from workingup.services.dialogues import get_dialogue, install_definition
from workingup.store import models


def best(repeat: int, action: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return min(times), result


def prepare(url: str, public: int) -> None:
    db = Database.open(url, migrate=True)
    try:
        with db.transaction() as session:
            dialogue = install_definition(session, load_definition())
            populate_demo(session, dialogue, public=public, seed=0)
        with db.transaction() as session:
            dialogue = get_dialogue(session, None)
            analysis = analyze_dialogue(session, dialogue)
            found = recommendations.candidates(session, dialogue, analysis, verdicts=("convergence",))
            for area in dialogue.focus_areas:
                for c in [c for c in found if c.focus_area == area.key][:3]:
                    recommendations.draft(
                        session,
                        dialogue,
                        statement_ids=[c.statement_id],
                        kind=RecommendationType.POLICY,
                        horizon=Horizon.NEAR_TERM,
                        actors=["Congress", "employers"],
                        analysis=analysis,
                    )
            endorsements.open_round(session, dialogue, AdoptionRule.UNANIMITY)
            table = [
                p.id
                for p in session.query(models.Participant).filter_by(
                    dialogue_id=dialogue.id, role="stakeholder"
                )
            ]
            for rec in recommendations.all_of(session, dialogue):
                for i, pid in enumerate(table):
                    stance, text = Stance.ENDORSE, ""
                    if rec.number == 1 and i == 0:
                        stance, text = Stance.RESERVATIONS, "Funding first"
                    if rec.number == 2 and i == 1:
                        stance, text = Stance.BLOCK, "Not as worded"
                    endorsements.record(session, dialogue, pid, rec.number, stance, text)
            tracking.commit(session, dialogue, 1, actor="Acme", description="Apprenticeships")
            tracking.commit(session, dialogue, 3, actor="State", description="Pilot")
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--public", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--database", help="Database URL (default: a fresh SQLite file in a temporary folder)."
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder, threadpool_limits(1):
        work = Path(folder)
        url = args.database or f"sqlite:///{work / 'bench.db'}"
        prepare(url, args.public)
        db = Database.open(url)
        try:
            with db.sessions() as session:
                dialogue = get_dialogue(session, None)
                t_analysis, analysis = best(args.repeat, lambda: analyze_dialogue(session, dialogue))
                t_gather, data = best(
                    args.repeat,
                    lambda: build_report(session, dialogue, analysis=analysis),
                )
                participants = session.query(models.Participant).filter_by(dialogue_id=dialogue.id).count()
        finally:
            db.close()
        t_html, page = best(args.repeat, lambda: render_html(data))
        t_md, _ = best(args.repeat, lambda: render_markdown(data))
        t_pdf, pdf = best(args.repeat, lambda: render_pdf(data))
        html_file = work / "report.html"
        html_file.write_text(str(page), encoding="utf-8")

        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        t_peer = None
        if chromium:

            def print_with_chromium() -> int:
                out = work / "chromium.pdf"
                subprocess.run(
                    [
                        chromium,
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--no-pdf-header-footer",
                        f"--print-to-pdf={out}",
                        html_file.as_uri(),
                    ],
                    check=True,
                    capture_output=True,
                )
                return out.stat().st_size

            t_peer, _ = best(args.repeat, print_with_chromium)

    print(f"Report for {participants:,} participants ({platform.node()}, best of {args.repeat}):")
    print("| step | seconds |\n|---|---:|")
    print(f"| analysis (groups, three lenses) | {t_analysis:.2f} |")
    print(f"| gathering the report (store, disclosure rules, opinion map) | {t_gather:.2f} |")
    print(f"| rendering HTML | {t_html:.3f} |")
    print(f"| rendering Markdown | {t_md:.3f} |")
    print(f"| rendering PDF, WeasyPrint ({len(pdf):,} bytes) | {t_pdf:.2f} |")
    if t_peer is not None:
        print(f"| peer: same HTML to PDF, headless Chromium | {t_peer:.2f} |")
        print(f"\nWeasyPrint / Chromium: {t_pdf / t_peer:.2f}×")
    total = t_analysis + t_gather + t_pdf
    print(
        f"Whole PDF report: {total:.2f} s (analysis {t_analysis / total:.0%}, rendering {t_pdf / total:.0%})"
    )


if __name__ == "__main__":
    main()
