"""Import speed of a Pol.is export into SQLite and PostgreSQL, against pandas' `to_sql` in the same run.

    .venv/bin/python benchmarks/import_polis.py [--conversation american-assembly.bowling-green] [--repeat 3]

Ours reads and validates every file, then writes the dialogue, participants, statements, the vote history and
the current-vote table in one transaction. The peer, pandas, reads participants-votes.csv, melts it to one row
per vote and writes that single table with `DataFrame.to_sql(method="multi")` — less work than ours (no
validation, no other tables), so the ratio is conservative. Best of `--repeat` runs for each.
"""

from __future__ import annotations

import argparse
import time
import uuid
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from workingup.runtime.database import Database
from workingup.services.polis_io import import_polis

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "polis"


def ours(url: str, folder: Path) -> float:
    db = Database.open(url, migrate=True)
    start = time.perf_counter()
    with db.transaction() as session:
        import_polis(session, folder, slug=f"bench-{uuid.uuid4().hex[:8]}")
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed


def pandas_to_sql(url: str, folder: Path) -> float:
    engine = create_engine(url)
    start = time.perf_counter()
    wide = pd.read_csv(folder / "participants-votes.csv")
    comment_columns = [c for c in wide.columns if c.isdigit()]
    long = wide.melt(
        id_vars=["participant"], value_vars=comment_columns, var_name="comment", value_name="vote"
    )
    long = long.dropna(subset=["vote"]).astype({"comment": int, "vote": int})
    long.to_sql("pandas_votes", engine, if_exists="replace", index=False, method="multi", chunksize=5000)
    elapsed = time.perf_counter() - start
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE pandas_votes"))
    engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversation", default="american-assembly.bowling-green")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="server to use; a throwaway database is created on it",
    )
    parser.add_argument("--sqlite", default="/tmp/workingup-bench-import.db")
    args = parser.parse_args()
    folder = SHARED / args.conversation
    for suffix in ("", "-wal", "-shm"):
        Path(args.sqlite + suffix).unlink(missing_ok=True)
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    scratch = f"workingup_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{scratch}"'))
    targets = {
        "SQLite": f"sqlite:///{args.sqlite}",
        "PostgreSQL": make_url(args.postgres).set(database=scratch).render_as_string(hide_password=False),
    }
    print(f"{args.conversation}: best of {args.repeat}")
    print(f"{'database':<12}{'ours (s)':>10}{'pandas (s)':>12}{'pandas/ours':>13}")
    try:
        for name, url in targets.items():
            mine = min(ours(url, folder) for _ in range(args.repeat))
            peer = min(pandas_to_sql(url, folder) for _ in range(args.repeat))
            print(f"{name:<12}{mine:>10.2f}{peer:>12.2f}{peer / mine:>12.1f}×")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
