"""The social preview's picture (og:image): the dialogue's headline result as a 1200 × 630 PNG, drawn here.

Why a PNG drawn with Pillow rather than the page's SVG: the sites that unfurl a shared link (chat apps, social
networks) do not show SVG previews; Pillow is already installed with WeasyPrint (the report's PDF renderer) and
is declared in pyproject.toml since this module imports it. The font is DejaVu Sans, which ./run and ./test
install for the PDF reports; without it Pillow's own scalable default font is used.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from workingup.services.public_summary import Share

WIDTH, HEIGHT = 1200, 630
MARGIN = 64
INK = (29, 36, 51)
MUTED = (84, 93, 110)
ACCENT = (11, 92, 173)
TRACK = (229, 231, 235)
FONT_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)
BOLD_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(size: int, bold: bool = False) -> Font:
    for path in BOLD_FILES if bold else FONT_FILES:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int, lines: int) -> list[str]:
    """Greedy word wrap to `width` pixels, at most `lines` lines, the last one ended with … when cut."""
    out: list[str] = []
    current = ""
    words = text.split()
    for i, word in enumerate(words):
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not current:
            current = trial
            continue
        out.append(current)
        current = word
        if len(out) == lines:
            current = ""
            rest = " ".join(words[i:])
            if rest:
                last = out[-1]
                while last and draw.textlength(last + " …", font=font) > width:
                    last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
                out[-1] = last + " …"
            break
    if current:
        out.append(current)
    return out[:lines]


def headline_png(title: str, heading: str, statement: str | None, share: Share | None, caption: str) -> bytes:
    """The picture: the dialogue's title, then the headline statement with its bar and range (when there is one)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 14), fill=ACCENT)
    y = MARGIN
    for line in _wrap(draw, title, _font(40, bold=True), WIDTH - 2 * MARGIN, 2):
        draw.text((MARGIN, y), line, font=_font(40, bold=True), fill=INK)
        y += 52
    y += 24
    draw.text((MARGIN, y), heading, font=_font(30), fill=ACCENT)
    y += 50
    if statement:
        for line in _wrap(draw, f"“{statement}”", _font(34), WIDTH - 2 * MARGIN, 4):
            draw.text((MARGIN, y), line, font=_font(34), fill=INK)
            y += 46
    if share is not None:
        y = max(y + 20, HEIGHT - MARGIN - 110)
        bar = WIDTH - 2 * MARGIN
        draw.rectangle((MARGIN, y, MARGIN + bar, y + 36), fill=TRACK)
        draw.rectangle((MARGIN, y, MARGIN + round(bar * share.share), y + 36), fill=ACCENT)
        low, high = MARGIN + round(bar * share.low), MARGIN + round(bar * share.high)
        draw.line((low, y + 18, high, y + 18), fill=INK, width=4)
        draw.line((low, y + 6, low, y + 30), fill=INK, width=3)
        draw.line((high, y + 6, high, y + 30), fill=INK, width=3)
        y += 48
    draw.text((MARGIN, HEIGHT - MARGIN - 30), caption, font=_font(26), fill=MUTED)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
