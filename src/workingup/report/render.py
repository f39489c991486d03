"""The final report as HTML (one self-contained file), PDF (WeasyPrint) or Markdown.

Escaping is the renderer's job, never the caller's: the HTML template autoescapes everything but the opinion map
(markup built and escaped by opinion_map.py), and Markdown escapes every character a Markdown reader would
treat as markup or HTML. So a statement reading `<script>…` or `'; DROP TABLE …` is shown as those characters,
in every format. The PDF is made from the same HTML with network access refused: nothing is fetched.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from workingup.analysis.figures import BRIDGING_WORDS, VERDICT_WORDS, support
from workingup.bidi import finalize
from workingup.domain import Stance
from workingup.errors import UserError
from workingup.report.model import ReportData
from workingup.services.disclosure import MIN_GROUP
from workingup.services.recommendations import SupportSnapshot

Format = Literal["html", "pdf", "md"]
FORMATS: tuple[Format, ...] = ("html", "pdf", "md")
TEMPLATES = Path(__file__).resolve().parent / "templates"


def render(data: ReportData, fmt: str) -> bytes:
    """The report in one of FORMATS, as bytes ready to write (text formats in UTF-8)."""
    if fmt == "html":
        return render_html(data).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(data)
    if fmt == "md":
        from workingup.report.markdown import render_markdown

        return render_markdown(data).encode("utf-8")
    raise UserError(f"a report format is one of {', '.join(FORMATS)}, not {fmt!r}")


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def support_pct(value: float | None) -> str:
    """Predicted support on its 0–100% scale: the linear model can overshoot it, so the figure is clipped and
    marked "≥ 100%" / "≤ 0%" (analysis/figures.py), as in `workingup analyze` and on the dashboard."""
    return support(value, percent=True)


def verdict_word(code: str) -> str:
    """A verdict code as printed everywhere ("rejected" is "unsupported": analysis/figures.py)."""
    return VERDICT_WORDS.get(code, code.replace("_", " "))


def bridging_word(code: str) -> str:
    """A bridging status as printed everywhere."""
    return BRIDGING_WORDS.get(code, code.replace("_", " "))


def support_line(support: SupportSnapshot) -> str:
    """One phrase for a statement's support: the weakest group's agreement and the bridging status."""
    shown = [g for g in support.groups if g.size >= MIN_GROUP]
    parts = []
    if shown:
        weakest = min(shown, key=lambda g: g.lower)
        parts.append(f"lowest group agreement {pct(weakest.mean)} (group {weakest.name})")
    parts.append(f"bridging: {bridging_word(support.bridging_status)}")
    return "; ".join(parts)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=False,
        keep_trailing_newline=True,
        finalize=finalize,  # no bidi override reorders a statement or a name (bidi.py)
    )
    env.globals.update(
        pct=pct,
        support_pct=support_pct,
        verdict_word=verdict_word,
        bridging_word=bridging_word,
        support_line=support_line,
        min_group=MIN_GROUP,
        stances=list(Stance),
    )
    return env


def render_html(data: ReportData) -> str:
    env = _environment()
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return env.get_template("report.html").render(
        data=data, css=Markup(css), page_banner=_css_string(data.banner) if data.banner else None
    )


def render_pdf(data: ReportData) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_html(data), url_fetcher=_refuse_fetch, base_url=None).write_pdf()
    return pdf


def _css_string(text: str) -> Markup:
    """A CSS string literal for the page banner (our own text; quotes, backslashes and markup made inert)."""
    cleaned = (
        " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"').replace("<", "‹").replace(">", "›")
    )
    return Markup(f'"{cleaned}"')


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The report is self-contained: any fetch (an image, a stylesheet, a font) is a bug or an injection."""
    raise UserError(f"the report may not fetch {url[:80]!r}")
