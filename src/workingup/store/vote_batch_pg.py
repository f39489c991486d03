"""A batch of web votes on PostgreSQL in two statements: one reads what the checks need, one writes and counts.

Why not the portable path (store.vote_batch through SQLAlchemy): on PostgreSQL every statement is a round trip to
another process, and the portable batch took eight of them plus BEGIN and COMMIT, with SQLAlchemy compiling the
many-row upsert anew each time. Measured (benchmarks/load/README.md), a batch of 25 votes took 17 ms of wall time
and 10 ms of the server's CPU, which held PostgreSQL to about 420 votes/s under load against SQLite's 1,600.
Here the batch's values travel as arrays (`unnest`), so each statement's text never changes and psycopg prepares it
once per connection:

- FACTS reads, for every request, its dialogue, its token's participant (or whether it is a facilitator's
  session), its statement and any vote already stored under its request key. The decisions stay in Python
  (services.participation.vote_refusal, store.vote_batch.plan_votes), shared with the portable path.
- WRITE appends the fresh votes, moves `current_vote` to the newest of each pair, and counts every voter's
  progress, in one statement that is its own transaction (the connection is in autocommit): PostgreSQL commits it
  durably (`synchronous_commit=on`) before it answers, and if any row is refused nothing of it is kept.

The two statements are not one transaction. What can change between them: a participant or statement deleted
(the foreign keys refuse the write, and the vote writer retries each vote alone, when FACTS no longer finds it);
a statement moderated (a vote already on its way is written, as it would be had it arrived a moment earlier); a
request key used by another writer (the unique index refuses the second, and the retry finds the first).

Vote ids are drawn from the sequence and handed out in batch order, so a later vote in the batch always has the
higher id, which is what "the latest counts" means.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from workingup.domain import Moderation
from workingup.store.vote_batch import Facts, NewVote, StoredVote

# Every lookup is a LATERAL subquery with LIMIT 1, so each is an index seek per request: as plain joins the
# planner hashed whole tables (a scan of every vote ever cast, per batch, to find a few request keys).
FACTS = """
SELECT i.ord, d.id, d.voting_closed_at, p.id, p.dialogue_id, p.consented,
       p.id IS NULL AND EXISTS (SELECT FROM facilitator_session f WHERE f.token_hash = i.digest),
       s.dialogue_id, s.moderation, e.id, e.statement_id, e.value
FROM unnest(%(slugs)s::text[], %(digests)s::text[], %(statements)s::bigint[], %(keys)s::text[])
     WITH ORDINALITY AS i(slug, digest, statement_id, request_key, ord)
LEFT JOIN LATERAL (SELECT id, voting_closed_at FROM dialogue WHERE slug = i.slug LIMIT 1) AS d ON true
LEFT JOIN LATERAL (
    SELECT id, dialogue_id, consented_at IS NOT NULL AS consented FROM participant
    WHERE token_hash = i.digest LIMIT 1
) AS p ON true
LEFT JOIN LATERAL (SELECT dialogue_id, moderation FROM statement WHERE id = i.statement_id LIMIT 1) AS s ON true
LEFT JOIN LATERAL (
    SELECT id, statement_id, value FROM vote
    WHERE participant_id = p.id AND request_key = i.request_key LIMIT 1
) AS e ON true
ORDER BY i.ord
"""

WRITE = """
WITH fresh AS (
    SELECT * FROM unnest(%(dialogues)s::int[], %(participants)s::int[], %(statements)s::int[],
                         %(values)s::smallint[], %(keys)s::text[])
         WITH ORDINALITY AS t(dialogue_id, participant_id, statement_id, value, request_key, ord)
),
drawn AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('vote', 'id')) AS id FROM fresh
),
numbered AS MATERIALIZED (
    SELECT fresh.*, ranked.id
    FROM fresh JOIN (SELECT id, row_number() OVER (ORDER BY id) AS ord FROM drawn) AS ranked USING (ord)
),
appended AS (
    INSERT INTO vote (id, dialogue_id, participant_id, statement_id, value, simulated, created_at, request_key)
    SELECT id, dialogue_id, participant_id, statement_id, value, false, %(at)s, request_key FROM numbered
),
newest AS (
    SELECT DISTINCT ON (participant_id, statement_id) *
    FROM numbered ORDER BY participant_id, statement_id, id DESC
),
moved AS (
    INSERT INTO current_vote AS c (participant_id, statement_id, dialogue_id, value, vote_id, updated_at)
    SELECT participant_id, statement_id, dialogue_id, value, id, %(at)s FROM newest
    ON CONFLICT (participant_id, statement_id) DO UPDATE
        SET value = excluded.value, vote_id = excluded.vote_id, updated_at = excluded.updated_at
        WHERE c.vote_id < excluded.vote_id
),
voters AS (
    SELECT * FROM unnest(%(voters)s::int[], %(voter_dialogues)s::int[]) AS v(participant_id, dialogue_id)
),
existing AS (
    -- Every sub-statement sees the tables as they were before this statement: the batch's new pairs are
    -- counted apart (added), which also spares a de-duplication of every voter's votes.
    SELECT c.participant_id, count(*) AS n
    FROM voters v
    JOIN current_vote c ON c.participant_id = v.participant_id
    JOIN statement s ON s.id = c.statement_id AND s.moderation = 'accepted'
    GROUP BY c.participant_id
),
added AS (
    SELECT newest.participant_id, count(*) AS n
    FROM newest
    LEFT JOIN LATERAL (
        SELECT true AS had FROM current_vote c
        WHERE c.participant_id = newest.participant_id AND c.statement_id = newest.statement_id LIMIT 1
    ) AS before ON true
    WHERE before.had IS NULL
    GROUP BY newest.participant_id
),
totals AS (
    SELECT dialogue_id, count(*) AS n FROM statement
    WHERE moderation = 'accepted' AND dialogue_id IN (SELECT dialogue_id FROM voters)
    GROUP BY dialogue_id
)
SELECT false, ord, id, 0::bigint FROM numbered
UNION ALL
SELECT true, v.participant_id, coalesce(existing.n, 0) + coalesce(added.n, 0), coalesce(totals.n, 0)
FROM voters v
LEFT JOIN existing USING (participant_id)
LEFT JOIN added USING (participant_id)
LEFT JOIN totals USING (dialogue_id)
"""


async def read_facts(
    connection: AsyncConnection[tuple[Any, ...]],
    slugs: Sequence[str],
    digests: Sequence[str],
    statement_ids: Sequence[int],
    keys: Sequence[str | None],
) -> Facts:
    cursor = await connection.execute(
        FACTS,
        {
            "slugs": list(slugs),
            "digests": list(digests),
            "statements": list(statement_ids),
            "keys": list(keys),
        },
        prepare=True,
    )
    facts = Facts()
    for row in await cursor.fetchall():
        (
            ord_,
            dialogue,
            closed_at,
            participant,
            p_dialogue,
            consented,
            facilitator,
            s_dialogue,
            moderation,
            e_id,
            e_sid,
            e_v,
        ) = row
        i = int(ord_) - 1
        if dialogue is not None:
            facts.dialogues[slugs[i]] = int(dialogue)
            if closed_at is not None:
                facts.closed[int(dialogue)] = closed_at
        if participant is not None:
            facts.participants[digests[i]] = (int(participant), int(p_dialogue), bool(consented))
        elif facilitator:
            facts.facilitators.add(digests[i])
        if s_dialogue is not None:
            facts.statements[statement_ids[i]] = (int(s_dialogue), Moderation(moderation))
        key = keys[i]
        if e_id is not None and key is not None and participant is not None:
            facts.earlier[(int(participant), key)] = StoredVote(
                int(e_id), int(e_sid), int(e_v), replayed=True
            )
    return facts


async def write_votes(
    connection: AsyncConnection[tuple[Any, ...]],
    fresh: Sequence[NewVote],
    voters: dict[int, int],
    at: datetime,
) -> tuple[list[int], dict[int, tuple[int, int]]]:
    """Append `fresh` in order and count the progress of `voters` (participant id -> dialogue id), durably.

    Returns the new vote ids in the order of `fresh`, and each voter's (statements voted, statements open)."""
    cursor = await connection.execute(
        WRITE,
        {
            "dialogues": [v.dialogue_id for v in fresh],
            "participants": [v.participant_id for v in fresh],
            "statements": [v.statement_id for v in fresh],
            "values": [v.value for v in fresh],
            "keys": [v.request_key for v in fresh],
            "voters": list(voters),
            "voter_dialogues": list(voters.values()),
            "at": at,
        },
        prepare=True,
    )
    ids: dict[int, int] = {}
    progress: dict[int, tuple[int, int]] = {}
    for is_progress, a, b, c in await cursor.fetchall():
        if is_progress:
            progress[int(a)] = (int(b), int(c))
        else:
            ids[int(a)] = int(b)
    return [ids[i + 1] for i in range(len(fresh))], progress
