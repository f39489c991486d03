"""The final report as Markdown: the same content as the HTML, for wikis, repositories and pandoc.

Every piece of text that did not come from this module goes through `md`, which makes it inert: HTML characters
become entities (Markdown passes raw HTML through, so `<script>` would otherwise run wherever it is shown) and
Markdown's own punctuation is backslash-escaped. The opinion map, which Markdown cannot hold, is described by
its groups; the HTML and PDF carry the picture.
"""

from __future__ import annotations

import re

from workingup.bidi import neutralised
from workingup.domain import Stance
from workingup.report.model import RecommendationItem, ReportData
from workingup.report.render import bridging_word, pct, support_line, support_pct, verdict_word
from workingup.services.disclosure import MIN_GROUP

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_LEADING = re.compile(r"^(#|\+|-|=|\d+(?=[.)]))")


def md(text: object) -> str:
    """Text as Markdown that shows exactly these characters (one line: newlines become spaces).

    Bidi embedding, override and isolate controls are removed. Inline markup (emphasis, code, links, tables,
    HTML) is escaped everywhere; what only means something at the
    start of a line (headings, list items) is escaped there, so ordinary punctuation stays readable.
    """
    plain = " ".join(neutralised(str(text)).split())  # no bidi override can reorder a word (bidi.py)
    plain = plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    plain = _SPECIAL.sub(r"\\\1", plain)
    return _LEADING.sub(lambda m: m.group(1) + "\\" if m.group(1)[0].isdigit() else "\\" + m.group(1), plain)


def render_markdown(data: ReportData) -> str:
    out: list[str] = []
    add = out.append
    if data.banner:
        add(f"> **{md(data.banner)}**\n")
    add(f"# {md(data.title)}\n")
    add(f"Final report · generated {data.generated_at:%Y-%m-%d %H:%M} UTC\n")
    if data.data_basis:
        add(md(data.data_basis) + "\n")
    if data.description:
        add(md(data.description) + "\n")

    add("## 1\\. The process\n")
    add("### Phases\n")
    add("| Phase | From | To |\n|---|---|---|")
    for p in data.phases:
        add(f"| {md(p.label)} | {p.started.isoformat()} | {p.ended.isoformat() if p.ended else 'ongoing'} |")
    add("")
    if data.ground_rules:
        add("### Ground rules\n")
        out.extend(f"- {md(rule)}" for rule in data.ground_rules)
        add("")
    roster = data.roster
    add("### The table\n")
    add(
        f"Stakeholders at the table: **{md(roster.stakeholders)}**. Advisors: {md(roster.advisors)}. "
        f"Community voices: {md(roster.community_voices)}. Members of the public who took part: {md(roster.public)}.\n"
    )
    for title, rows in (("Sector", roster.by_sector), ("Declared leaning", roster.by_leaning)):
        add(f"| {title} | Stakeholders |\n|---|---:|")
        out.extend(f"| {md(r.label)} | {md(r.count)} |" for r in rows)
        add(f"\n_Groups under {MIN_GROUP} pooled._\n")
    if roster.stakeholder_names:
        add(f"Stakeholders who agreed to be named: {md(', '.join(roster.stakeholder_names))}.\n")
    if roster.advisor_names:
        add(f"Advisors who agreed to be named: {md(', '.join(roster.advisor_names))}.\n")
    add("Nobody is named here without their recorded consent.\n")
    add("### Listening sessions\n")
    if data.listening is None:
        add("No listening sessions were recorded.\n")
    else:
        for s in data.listening.sessions:
            flag = " **\\[illustrative\\]**" if s.illustrative else ""
            add(f"- {s.held_on.isoformat()}: {md(s.description)} ({s.contributions} contributions){flag}")
        add("")
        if data.listening.withheld:
            add(
                f"{data.listening.withheld} further session(s) without recorded consent are neither described nor quoted.\n"
            )
        if data.listening.themes:
            add("What people said, by theme (verbatim, anonymous), and what the dialogue drew from it:\n")
            for number, t in enumerate(data.listening.themes, start=1):
                add(f"- **Theme {number}** ({t.size} contributions; its most telling words: {md(t.label)})")
                out.extend(f"  > “{md(q)}”" for q in t.quotes)
                if t.statements:
                    add(f"  Statements drawn from these words: {md('; '.join(t.statements))}.")
                if t.recommendations:
                    add(f"  Recommendations resting on them: {md('; '.join(t.recommendations))}.")
            add("")

    add("## 2\\. Shared principles\n")
    if data.principles:
        for item in data.principles:
            add(f"- _{md(item.text)}_ (statement {item.statement_id}; {md(support_line(item.support))})")
        add("")
    else:
        add("No principle statement reached convergence.\n")

    add("## 3\\. The opinion map\n")
    add(md(data.map_caption) + " The picture is in the HTML and PDF editions.\n")
    add("Opinion groups: " + ", ".join(f"Group {md(g.name)} ({md(g.size)})" for g in data.map_groups) + ".\n")

    add("## 4\\. The action agenda\n")
    add(md(data.round_text) + "\n")
    add(f"{data.adopted_count} recommendation(s) adopted.\n")
    for section in data.focus_sections:
        add(f"### {md(section.title)}\n")
        if section.description:
            add(f"_{md(section.description)}_\n")
        if not section.adopted:
            add("No recommendation adopted in this focus area.\n")
        for rec in section.adopted:
            out.extend(_recommendation(rec))

    add("## 5\\. Recommendations not adopted\n")
    if not data.not_adopted:
        add("Every recommendation put to the table was adopted.\n")
    for rec in data.not_adopted:
        out.extend(_recommendation(rec))

    add("## Appendix: method\n")
    out.extend(md(p) + "\n" for p in data.method.paragraphs)
    add("### Counts\n")
    add("| | |\n|---|---:|")
    out.extend(f"| {md(label)} | {md(value)} |" for label, value in data.method.counts)
    add("\n### What was left out or counted differently, and why\n")
    out.extend(f"- {md(item)}" for item in data.method.exclusions)
    add("\n### Parameters\n")
    add("| Parameter | Value | Meaning |\n|---|---|---|")
    out.extend(f"| {md(n)} | {md(v)} | {md(m)} |" for n, v, m in data.method.settings)
    add("")
    if data.banner:
        add(f"> **{md(data.banner)}**\n")
    return "\n".join(out) + "\n"


def _recommendation(rec: RecommendationItem) -> list[str]:
    c = rec.counts
    lines = [
        f"#### R{rec.number}\\. {md(rec.title)}\n",
        f"_{md(rec.kind)} · {md(rec.horizon)} · {md(rec.focus_area)} · version {rec.version}, "
        f"drafted {rec.drafted_at:%Y-%m-%d}_\n",
        md(rec.text) + "\n",
        f"**Asks to act:** {md(', '.join(rec.actors))}\n",
        f"**{md(rec.outcome_label)}** — {md(rec.explanation)}\\. {c['endorse']} endorse, {c['reservations']} endorse "
        f"with reservations, {c['stand_aside']} stand aside, {_blocks(c['block'])}, {c['no_answer']} did not answer "
        f"(table of {rec.table_size})\\."
        + (f" {rec.stale} stance(s) on an earlier wording not counted\\." if rec.stale else "")
        + "\n",
    ]
    if rec.blocks:
        lines.append("**Blocks** (always reported):\n")
        lines.extend(f"> Block{' by ' + md(v.name) if v.name else ''}: {md(v.text)}\n" for v in rec.blocks)
    if rec.reservations:
        lines.append("**Reservations recorded:**\n")
        lines.extend(
            f"> Reservation{' (' + md(v.name) + ')' if v.name else ''}: {md(v.text)}\n"
            for v in rec.reservations
        )
    for b in rec.breakdowns:
        lines.append(f"| {md(b.title)} | Size | " + " | ".join(s.label for s in Stance) + " |")
        lines.append("|---|---:|" + "---:|" * len(Stance))
        for label, size, counts in b.rows:
            cells = [str(counts.get(s.value, 0)) if counts is not None else "–" for s in Stance]
            lines.append(f"| {md(label)} | {md(size)} | " + " | ".join(cells) + " |")
        lines.append(f"\n_Groups under {MIN_GROUP} pooled._\n")
    lines.append("**What it rests on** (support as recorded when this version was drafted):\n")
    for item in rec.basis:
        s = item.support
        groups = "; ".join(
            f"Group {md(g.name)} ({g.size}): {pct(g.mean)} agree \\[{pct(g.lower)}–{pct(g.upper)}\\]"
            if shown
            else f"Group {md(g.name)}: fewer than {MIN_GROUP} people, not shown"
            for g, shown in item.groups()
        )
        blocs = "; ".join(
            f"{md(b.name)}\\-leaning ({b.size}): {pct(b.mean)} agree \\[{pct(b.lower)}–{pct(b.upper)}\\]"
            if shown
            else f"{md(b.name)}\\-leaning: fewer than {MIN_GROUP} people, not shown"
            for b, shown in item.blocs()
        )
        bridging = md(bridging_word(s.bridging_status))
        if s.support_low is not None and s.support_high is not None:
            low, high = support_pct(s.support_low), support_pct(s.support_high)
            bridging += f": predicted support {low} and {high} on either side"
        lines.append(f"- Statement {item.statement_id}: _“{md(item.text)}”_")
        lines.append(f"  - Verdict: **{md(verdict_word(s.verdict))}** — {md(s.reason)}")
        lines.append(f"  - Votes: {s.votes} ({s.agree} agree, {s.disagree} disagree, {s.passes} pass)")
        lines.append(f"  - Opinion groups: {groups}")
        lines.append(f"  - Bridging: {bridging}")
        if blocs:
            lines.append(f"  - Declared blocs: {blocs}")
    lines.append("")
    if rec.evidence:
        lines.append("**Evidence:**\n")
        lines.extend(f"- {md(text)}{' ' + md(url) if url else ''}" for text, url in rec.evidence)
        lines.append("")
    if rec.commitments:
        lines.append("**Commitments:**\n")
        for cm in rec.commitments:
            due = f" (by {cm.due_on.isoformat()})" if cm.due_on else ""
            progress = f", {cm.progress}%" if cm.progress is not None else ""
            lines.append(f"- {md(cm.actor)}: {md(cm.description)}{due} — **{md(cm.status)}**{progress}")
            lines.extend(
                f"  - {dated.isoformat()}: {md(note)}{' ' + md(url) if url else ''}"
                for dated, url, note in cm.evidence
            )
        lines.append("")
    return lines


def _blocks(n: int) -> str:
    """ "no block", "1 block", "2 blocks": a count of zero is not a warning."""
    return "no block" if n == 0 else f"{n} block" if n == 1 else f"{n} blocks"
