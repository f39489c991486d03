"""The duplicate warning a participant meets when submitting a statement: its precision and recall.

What is measured is `workingup.services.duplicates.find_duplicate`, the function the submission form calls, on
statements arriving one at a time: each is checked against those submitted before it, as in a dialogue. A
warning is right when the earlier statement it names is labelled a duplicate of the new one, wrong when it names
anything else (the labelled hard negatives, and every unlabelled pair: the statements are distinct claims unless
labelled otherwise); a statement with a labelled duplicate before it should be warned about.

Data: `data/paraphrase_pairs.csv` (English: 60 paraphrases, 60 same-topic statements that claim something else,
12 negations, which count neither way since a flag is for a moderator to read) and
`data/duplicate_warning_pairs.csv` (other scripts, mixed scripts, URLs: Arabic, Hebrew, Russian, Chinese,
Japanese, Hindi, Greek, Spanish and French paraphrases and same-language statements that say something else, an
English statement beside an unrelated one in another script sharing one English word, statements with links
beside statements whose words the link spells, and two translations). The order of arrival is a fixed shuffle;
`--orders N` averages over N shuffles.

    .venv/bin/python benchmarks/themes/duplicate_warning.py [--orders 5]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from workingup.services import duplicates  # noqa: E402
from workingup.services.duplicates import find_duplicate  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    relation: str
    """duplicate, different, or negation (a flag is neither right nor wrong)."""
    kind: str


def english_pairs() -> list[Pair]:
    with open(DATA / "paraphrase_pairs.csv", newline="", encoding="utf-8") as handle:
        return [
            Pair(
                row["a"],
                row["b"],
                {"paraphrase": "duplicate", "negation": "negation"}.get(row["relation"], "different"),
                "english",
            )
            for row in csv.DictReader(handle)
        ]


def script_and_link_pairs() -> list[Pair]:
    with open(DATA / "duplicate_warning_pairs.csv", newline="", encoding="utf-8") as handle:
        return [Pair(r["a"], r["b"], r["relation"], r["kind"]) for r in csv.DictReader(handle)]


SETS = {"english": english_pairs, "scripts and links": script_and_link_pairs}
"""Each set is one dialogue: its statements are submitted among themselves only."""


@dataclass(frozen=True)
class Outcome:
    warnings: int
    right: int
    should: int
    caught: int
    wrong: tuple[tuple[str, str], ...]
    """(new statement, the statement its warning wrongly named)."""
    missed: tuple[tuple[str, str], ...]
    by_kind: dict[str, tuple[int, int, int, int]]
    """kind → (warnings, right, should, caught)."""

    @property
    def precision(self) -> float:
        return self.right / self.warnings if self.warnings else 1.0

    @property
    def recall(self) -> float:
        return self.caught / self.should if self.should else 1.0


def measure(pairs: list[Pair], seed: int = 0) -> Outcome:
    """Submit every statement of `pairs` in a seeded order, each checked against the earlier ones."""
    duplicates: dict[str, set[str]] = defaultdict(set)
    negations: dict[str, set[str]] = defaultdict(set)
    kind: dict[str, str] = {}
    for p in pairs:
        target = duplicates if p.relation == "duplicate" else negations if p.relation == "negation" else None
        if target is not None:
            target[p.a].add(p.b)
            target[p.b].add(p.a)
        for text in (p.a, p.b):
            if kind.get(text, "english") == "english":
                kind[text] = p.kind
    texts = sorted(kind)
    random.Random(seed).shuffle(texts)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    wrong: list[tuple[str, str]] = []
    missed: list[tuple[str, str]] = []
    for i, text in enumerate(texts):
        earlier = texts[:i]
        named = find_duplicate(text, list(enumerate(earlier)))
        hit = earlier[named] if named is not None else None
        expected = duplicates[text].intersection(earlier)
        tally = counts[kind[text]]
        if hit is not None and hit not in negations[text]:
            tally[0] += 1
            if hit in duplicates[text]:
                tally[1] += 1
            else:
                wrong.append((text, hit))
        if expected:
            tally[2] += 1
            if hit in expected:
                tally[3] += 1
            else:
                missed.append((text, sorted(expected)[0]))
    warnings, right, should, caught = (sum(c[j] for c in counts.values()) for j in range(4))
    return Outcome(
        warnings,
        right,
        should,
        caught,
        wrong=tuple(wrong),
        missed=tuple(missed),
        by_kind={k: (c[0], c[1], c[2], c[3]) for k, c in sorted(counts.items())},
    )


def combined(outcomes: list[Outcome]) -> tuple[int, int, int, int]:
    return (
        sum(o.warnings for o in outcomes),
        sum(o.right for o in outcomes),
        sum(o.should for o in outcomes),
        sum(o.caught for o in outcomes),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=1, help="average over this many orders of arrival")
    parser.add_argument("--thresholds", type=float, nargs="*", help="also sweep these warning thresholds")
    args = parser.parse_args()
    sets = {name: load() for name, load in SETS.items()}
    outcomes = {name: [measure(pairs, seed) for seed in range(args.orders)] for name, pairs in sets.items()}
    print(f"{args.orders} order(s) of arrival, threshold {duplicates.WARNING_THRESHOLD}")
    print("| statements | warnings | right | precision | should warn | caught | recall |")
    print("|---|---|---|---|---|---|---|")
    for name, runs in outcomes.items():
        for kind in sorted({k for o in runs for k in o.by_kind}):
            w, r, s, c = (sum(o.by_kind.get(kind, (0, 0, 0, 0))[j] for o in runs) for j in range(4))
            print(
                f"| {name}: {kind} | {w} | {r} | {r / w if w else 1:.2f} | {s} | {c} | {c / s if s else 1:.2f} |"
            )
        w, r, s, c = combined(runs)
        print(
            f"| **{name}** | {w} | {r} | **{r / w if w else 1:.2f}** | {s} | {c} | **{c / s if s else 1:.2f}** |"
        )
    if args.thresholds:
        print("\n| threshold | " + " | ".join(f"{n} precision | {n} recall" for n in sets) + " |")
        print("|---|" + "---|---|" * len(sets))
        for threshold in args.thresholds:
            duplicates.WARNING_THRESHOLD = threshold
            duplicates._indexes.clear()
            cells = []
            for pairs in sets.values():
                w, r, s, c = combined([measure(pairs, seed) for seed in range(args.orders)])
                cells += [f"{r / w if w else 1:.2f}", f"{c / s if s else 1:.2f}"]
            print(f"| {threshold:.2f} | " + " | ".join(cells) + " |")
    for name, runs in outcomes.items():
        print(f"\n{name}, wrong warnings (first order):")
        for new, named in runs[0].wrong:
            print(f"  {new!r} → {named!r}")
        print(f"{name}, missed (first order):")
        for new, expected in runs[0].missed:
            print(f"  {new!r} (duplicate of {expected!r})")


if __name__ == "__main__":
    main()
