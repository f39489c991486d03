"""The public pages' small pictures, drawn here as SVG markup: no script, no CDN, nothing fetched by the browser.

Each picture scales with its box (a viewBox, no fixed width), so one drawing serves 1280 px and 390 px; its
font size is chosen so that at 390 px it is still about 11 px. Every picture is an `img` for assistive
technology, named by its own <title> and described by a <desc> that says in words everything the bars say, and
each bar's printed figure is the figure it draws: a label is never truer or rounder than the number beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from workingup.colours import GROUP_COLOURS, group_colour
from workingup.services.public_summary import Finding, Share
from workingup.web.strings import catalogue

_ = catalogue()

WIDTH = 360
ROW = 20
LABEL = 112
NUMBERS = 96
BAR = WIDTH - LABEL - NUMBERS - 8
FONT = 12
SIDE_COLOURS = {"left": "#3b6fb6", "center": "#6b6b6b", "right": "#b8412d", "all": "#1f2937"}
TRACK = "#e5e7eb"
RANGE = "#111827"


def share_label(share: Share, group_colours: dict[str, int] | None = None) -> str:
    """What a bar is about, as its row label says it: "Everyone", "Group A", "Left-leaning"."""
    if share.kind == "all":
        return _("public.everyone")
    if share.kind == "group":
        return _("public.group", name=share.key)
    return _("side." + share.key)


def share_colour(share: Share, group_colours: dict[str, int]) -> str:
    if share.kind == "group":
        return group_colour(group_colours.get(share.key, 0))
    return SIDE_COLOURS.get(share.key, SIDE_COLOURS["all"])


def share_words(share: Share, label: str) -> str:
    """One bar in words, for the description: the same numbers the picture prints."""
    return _(
        "public.bar_words",
        who=label,
        percent=share.percent,
        agree=share.agree,
        voters=share.voters,
        low=share.low_percent,
        high=share.high_percent,
    )


def finding_svg(finding: Finding, element_id: str, group_colours: dict[str, int]) -> str:
    """A statement's bars: agreement among everyone, each opinion group and each declared side, with ranges."""
    bars = finding.bars
    height = ROW * len(bars) + 6
    title = _("public.chart_title", id=finding.statement_id)
    words = "; ".join(share_words(s, share_label(s, group_colours)) for s in bars)
    if finding.hidden:
        words += ". " + _("public.chart_hidden", n=finding.hidden)
    parts = [
        f'<svg class="bars" id="{escape(element_id)}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{escape(element_id)}-t {escape(element_id)}-d" font-size="{FONT}" '
        f'font-family="system-ui, sans-serif" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(element_id)}-t">{escape(title)}</title>',
        f'<desc id="{escape(element_id)}-d">{escape(words)}.</desc>',
    ]
    for row, share in enumerate(bars):
        y = 3 + row * ROW
        mid = y + ROW / 2
        label = share_label(share, group_colours)
        fill = share_colour(share, group_colours)
        x0 = LABEL
        width = BAR * share.share
        low, high = x0 + BAR * share.low, x0 + BAR * share.high
        weight = ' font-weight="600"' if share.kind == "all" else ""
        parts += [
            f'<text x="0" y="{mid + 4:.1f}" fill="#111827"{weight}>{escape(label)}</text>',
            f'<rect x="{x0}" y="{y + 4}" width="{BAR}" height="{ROW - 8}" fill="{TRACK}"/>',
            f'<rect x="{x0}" y="{y + 4}" width="{width:.1f}" height="{ROW - 8}" fill="{fill}"/>',
            f'<line x1="{low:.1f}" x2="{high:.1f}" y1="{mid:.1f}" y2="{mid:.1f}" stroke="{RANGE}" '
            f'stroke-width="2"/>',
            f'<line x1="{low:.1f}" x2="{low:.1f}" y1="{mid - 4:.1f}" y2="{mid + 4:.1f}" stroke="{RANGE}" '
            f'stroke-width="1.5"/>',
            f'<line x1="{high:.1f}" x2="{high:.1f}" y1="{mid - 4:.1f}" y2="{mid + 4:.1f}" stroke="{RANGE}" '
            f'stroke-width="1.5"/>',
            f'<text x="{WIDTH}" y="{mid + 4:.1f}" text-anchor="end" fill="#111827">'
            f"{escape(_('public.bar_figure', percent=share.percent, low=share.low_percent, high=share.high_percent))}"
            "</text>",
        ]
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class CountRow:
    """One bar of a count picture: a label, the people it counts (None: fewer than MIN_GROUP), an optional target."""

    label: str
    count: int | None
    planned: int = 0
    colour: str = SIDE_COLOURS["all"]


def count_svg(rows: Sequence[CountRow], element_id: str, title: str, hidden_text: str) -> str:
    """Horizontal bars of people counted (the table's balance): a planned number, when given, is an outline."""
    scale = max([1, *(r.count or 0 for r in rows), *(r.planned for r in rows)])
    row = 2 * ROW - 4
    height = row * len(rows) + 4
    words = []
    for r in rows:
        if r.count is None:
            words.append(f"{r.label}: {hidden_text}")
        elif r.planned:
            words.append(_("public.count_planned_words", label=r.label, n=r.count, planned=r.planned))
        else:
            words.append(f"{r.label}: {r.count}")
    parts = [
        f'<svg class="bars" id="{escape(element_id)}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{escape(element_id)}-t {escape(element_id)}-d" font-size="{FONT}" '
        f'font-family="system-ui, sans-serif" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(element_id)}-t">{escape(title)}</title>',
        f'<desc id="{escape(element_id)}-d">{escape("; ".join(words))}.</desc>',
    ]
    # Each row: the label and its figure on one line, the bar under them, so a long sector name is never cut
    # at 390 px (about 50 characters fit the line).
    for i, r in enumerate(rows):
        y = 2 + i * row
        figure = (
            hidden_text if r.count is None else (f"{r.count} / {r.planned}" if r.planned else str(r.count))
        )
        parts += [
            f'<text x="0" y="{y + FONT}" fill="#111827">{escape(_clip(r.label, 46))}</text>',
            f'<text x="{WIDTH}" y="{y + FONT}" text-anchor="end" fill="#111827">{escape(figure)}</text>',
            f'<rect x="0" y="{y + FONT + 4}" width="{WIDTH}" height="{ROW - 8}" fill="{TRACK}"/>',
        ]
        if r.planned:
            parts.append(
                f'<rect x="0" y="{y + FONT + 4}" width="{WIDTH * r.planned / scale:.1f}" height="{ROW - 8}" '
                f'fill="none" stroke="#4b5563" stroke-dasharray="3 2"/>'
            )
        if r.count is not None:
            parts.append(
                f'<rect x="0" y="{y + FONT + 4}" width="{WIDTH * r.count / scale:.1f}" height="{ROW - 8}" '
                f'fill="{r.colour}"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _clip(text: str, n: int) -> str:
    """A row label cut to fit its column (the full label is in the description)."""
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


__all__ = ["GROUP_COLOURS", "SIDE_COLOURS", "CountRow", "count_svg", "finding_svg", "share_label"]
