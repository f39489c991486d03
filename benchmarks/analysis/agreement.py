"""Agreement with Pol.is's own opinion groups: adjusted Rand index, ours beside red-dwarf 0.4.0's, one run.

    .venv/bin/python -m benchmarks.analysis.agreement [--data FOLDER] [--seeds 10]

For every conversation under FOLDER (default: the shared Pol.is data) that has votes: ours = `analyze` with its
defaults (seed 0), red-dwarf = `run_pipeline` (PCA + k-means, random_state=0), both from the same
final votes with the same moderated-out statements. The ARI is computed over the participants that Pol.is grouped
and the method clustered. Pol.is's `group-id` comes from the conversation's whole update history (warm-started
k-means, k smoothed over updates), so neither one-shot method is expected to reproduce it exactly. Ours is run with
seeds 0…seeds-1 too, and the table says whether every seed gave the same partition.
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
    same_for_all_seeds = all(
        np.array_equal(analyze(matrix, random_state=seed).labels, ours.labels) for seed in range(1, seeds)
    )

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
        "same_for_all_seeds": same_for_all_seeds,
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
    parser.add_argument("--seeds", type=int, default=10, help="seeds that must all give our seed-0 partition")
    args = parser.parse_args()
    folders = sorted(f for f in args.data.iterdir() if (f / "participants-votes.csv").exists())

    last = args.seeds - 1
    print(
        f"| conversation | Pol.is groups | ours: groups | ours: ARI | same for seeds 0–{last} "
        "| red-dwarf: groups | red-dwarf: ARI | ours − red-dwarf |"
    )
    print("|---|---|---|---:|:-:|---|---:|---:|")
    rows = [compare(folder, args.seeds) for folder in folders]
    for row in rows:
        diff = float(row["ours"]) - float(row["theirs"])  # type: ignore[arg-type]
        print(
            f"| {row['name']} | {row['polis_sizes']} | {row['ours_sizes']} | **{row['ours']:.3f}** "
            f"| {'yes' if row['same_for_all_seeds'] else 'NO'} | {row['theirs_sizes']} | {row['theirs']:.3f} "
            f"| {diff:+.3f} |"
        )
    ours = np.mean([float(r["ours"]) for r in rows])  # type: ignore[arg-type]
    theirs = np.mean([float(r["theirs"]) for r in rows])  # type: ignore[arg-type]
    worst = min(float(r["ours"]) - float(r["theirs"]) for r in rows)  # type: ignore[arg-type]
    print(
        f"\nMean ARI over {len(rows)} conversations: ours {ours:.3f}, red-dwarf {theirs:.3f} ({ours - theirs:+.3f})."
    )
    print(f"Largest shortfall against red-dwarf on one conversation: {worst:+.3f}.")
    print(
        f"Same partition for every seed: {sum(bool(r['same_for_all_seeds']) for r in rows)} of {len(rows)}."
    )


if __name__ == "__main__":
    main()
