"""The glossary: every figure and label a page shows, in plain words, on one public page (/glossary).

Why a page and not tooltips: hover does not exist on a phone, and a facilitator reading a table needs the
meaning where they are. Each table on the dashboard names its entry (`DataTable.help`) and shows it in a
`<details>` beside the table (opens with a tap or the keyboard), linking here for the rest. The words are
in the string catalogue (`glossary.*`); the order here is the page's.
"""

from __future__ import annotations

TERMS: tuple[tuple[str, str, str], ...] = (
    ("participants", "glossary.participants.term", "glossary.participants"),
    ("votes", "glossary.votes.term", "glossary.votes"),
    ("pass", "glossary.pass.term", "glossary.pass"),
    ("fewer-than-5", "glossary.fewer_than_5.term", "glossary.fewer_than_5"),
    ("opinion-groups", "glossary.opinion_groups.term", "glossary.opinion_groups"),
    ("opinion-map", "glossary.opinion_map.term", "glossary.opinion_map"),
    ("representative", "glossary.representative.term", "glossary.representative"),
    ("majority", "glossary.majority.term", "glossary.majority"),
    ("gic", "glossary.gic.term", "glossary.gic"),
    ("spread", "glossary.spread.term", "glossary.spread"),
    ("verdict", "glossary.verdict.term", "glossary.verdict"),
    ("convergence", "glossary.convergence.term", "glossary.convergence"),
    ("partial", "glossary.partial.term", "glossary.partial"),
    ("no-consensus", "glossary.no_consensus.term", "glossary.no_consensus"),
    ("divided", "glossary.divided.term", "glossary.divided"),
    ("unsupported", "glossary.unsupported.term", "glossary.unsupported"),
    ("needs-more-votes", "glossary.needs_more_votes.term", "glossary.needs_more_votes"),
    ("bridging", "glossary.bridging.term", "glossary.bridging"),
    ("blocs", "glossary.blocs.term", "glossary.blocs"),
    ("coordinated", "glossary.coordinated.term", "glossary.coordinated"),
    ("public-results", "glossary.public_results.term", "glossary.public_results"),
    ("stances", "glossary.stances.term", "glossary.stances"),
    ("adoption", "glossary.adoption.term", "glossary.adoption"),
)
"""(anchor on the page, the catalogue key of the term's name, the catalogue key of its meaning)."""

ANCHORS = {key: anchor for anchor, _, key in TERMS}
NAMES = {key: name for _, name, key in TERMS}
