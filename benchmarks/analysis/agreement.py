"""Agreement with Pol.is's own opinion groups: adjusted Rand index, ours beside red-dwarf 0.4.0's, one run.

    .venv/bin/python -m benchmarks.analysis.agreement [--data FOLDER] [--seeds 5]

For every conversation under FOLDER (default: the shared Pol.is data) that has votes: ours = `analyze` with its
defaults (Pol.is settings, seed 0), red-dwarf = `run_pipeline` (PCA + k-means, random_state=0), both from the same
final votes with the same moderated-out statements. The ARI is computed over the participants that Pol.is grouped
and the method clustered. Pol.is's `group-id` comes from the conversation's whole update history (warm-started
k-means, k smoothed over updates), so neither one-shot method is expected to reproduce it exactly. The spread of
our ARI over seeds 0…seeds-1 is shown too, so that a difference within it is not read as a verdict.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score
from tests.conftest import POLIS

from workingup.analysis import VoteMatrix, analyze
from workingup.polis import read_polis

warnings.filterwarnings("ignore")
from reddwarf.implementations.polis import run_pipeline  # noqa: E402  (after silencing its import warnings)


def _ari(ids: np.ndarray, labels: np.ndarray, polis: dict[int, int]) -> tuple[float, int]:
    reference = np.array([polis.get(int(i), -1) for i in ids])
    both = reference >= 0
    return float(adjusted_rand_score(reference[both], labels[both])), int(both.sum())


def compare(folder: Path, seeds: int) -> dict[str, object]:
    conversation = read_polis(folder)
    polis = {p.participant_id: p.group_id for p in conversation.participants if p.group_id is not None}
    matrix = VoteMatrix.from_polis(conversation)

    ours = analyze(matrix)
    clustered = ours.clustered
    our_ari, n_ours = _ari(matrix.participant_ids[clustered], ours.labels[clustered], polis)
    spread = [
        _ari(matrix.participant_ids[clustered], r.labels[clustered], polis)[0]
        for r in (analyze(matrix, random_state=seed) for seed in range(1, seeds))
    ]

    p, s, v = conversation.final_votes()
    votes = [
        {"participant_id": a, "statement_id": b, "vote": c}
        for a, b, c in zip(p.tolist(), s.tolist(), v.tolist(), strict=True)
    ]
    theirs = run_pipeline(
        votes=votes,
        mod_out_statement_ids=[c.comment_id for c in conversation.comments if c.moderated == -1 or c.is_meta],
        meta_statement_ids=[c.comment_id for c in conversation.comments if c.is_meta],
        random_state=0,
    )
    frame = theirs.participants_df[theirs.participants_df["to_cluster"]]
    their_ari, n_theirs = _ari(frame.index.to_numpy(), frame["cluster_id"].astype(int).to_numpy(), polis)

    return {
        "name": folder.name,
        "polis_sizes": sorted(np.bincount(list(polis.values())).tolist(), reverse=True),
        "ours": our_ari,
        "ours_range": (min([our_ari, *spread]), max([our_ari, *spread])),
        "ours_sizes": [g.size for g in ours.groups],
        "n_ours": n_ours,
        "theirs": their_ari,
        "theirs_sizes": sorted(np.bincount(frame["cluster_id"].astype(int)).tolist(), reverse=True),
        "n_theirs": n_theirs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=POLIS, help="folder of Pol.is exports")
    parser.add_argument("--seeds", type=int, default=5, help="seeds for the spread of our ARI")
    args = parser.parse_args()
    folders = sorted(f for f in args.data.iterdir() if (f / "participants-votes.csv").exists())

    last = args.seeds - 1
    print(
        f"| conversation | Pol.is groups | ours: groups | ours: ARI (seeds 0–{last}) | red-dwarf: groups | red-dwarf: ARI |"
    )
    print("|---|---|---|---:|---|---:|")
    wins = 0
    for folder in folders:
        row = compare(folder, args.seeds)
        low, high = row["ours_range"]  # type: ignore[misc]
        wins += row["ours"] >= row["theirs"]  # type: ignore[operator]
        print(
            f"| {row['name']} | {row['polis_sizes']} | {row['ours_sizes']} "
            f"| **{row['ours']:.3f}** ({low:.3f}–{high:.3f}) | {row['theirs_sizes']} | {row['theirs']:.3f} |"
        )
    print(f"\nOurs at least as high on {wins} of {len(folders)} conversations.")


if __name__ == "__main__":
    main()
