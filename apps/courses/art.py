"""Generated cover art and lesson-kind icons, drawn on the server as SVG.

Covers are deterministic: the same seed (a course's or module's slug) always gives the
same picture, so a cover can be cached for a year and needs no stored image. Nothing
in them is styled by CSS (no ``style`` attribute, no ``<style>`` element): every colour
is a presentation attribute, which the Content Security Policy allows.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

# Bump when the drawing changes: it is part of the cover's URL, so caches never serve
# an old picture under a new look.
ART_VERSION = 1
WIDTH, HEIGHT = 320, 180


class _Dice:
    """A deterministic stream of numbers from a seed (SHA-256 in counter mode)."""

    def __init__(self, seed: str) -> None:
        self._seed = seed.encode()
        self._pool = b""
        self._counter = 0

    def byte(self) -> int:
        if not self._pool:
            self._pool = hashlib.sha256(self._seed + self._counter.to_bytes(4, "big")).digest()
            self._counter += 1
        value, self._pool = self._pool[0], self._pool[1:]
        return value

    def unit(self) -> float:
        return self.byte() / 255

    def between(self, low: float, high: float) -> float:
        return low + (high - low) * self.unit()


def _hex(hue: float, lightness: float, saturation: float) -> str:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


@dataclass(frozen=True)
class Palette:
    deep: str
    mid: str
    light: str
    accent: str


def palette(seed: str) -> Palette:
    """Four colours from one hue: dark enough that white text on ``deep`` stays legible."""
    dice = _Dice("palette:" + seed)
    hue = dice.unit()
    return Palette(
        deep=_hex(hue, 0.22, 0.55),
        mid=_hex(hue + 0.06, 0.36, 0.55),
        light=_hex(hue + 0.1, 0.7, 0.6),
        accent=_hex(hue + 0.45, 0.62, 0.75),
    )


def _network(dice: _Dice, colours: Palette) -> list[str]:
    """Nodes joined to their nearest neighbours: services talking to each other."""
    nodes = [
        (round(dice.between(24, WIDTH - 24)), round(dice.between(22, HEIGHT - 22)))
        for _ in range(5 + dice.byte() % 4)
    ]
    parts = []
    for index, (x, y) in enumerate(nodes):
        others = sorted(
            (math.dist((x, y), other), other) for j, other in enumerate(nodes) if j != index
        )
        for _, (ox, oy) in others[:2]:
            if (x, y) < (ox, oy):
                parts.append(
                    f'<line x1="{x}" y1="{y}" x2="{ox}" y2="{oy}" stroke="{colours.light}" '
                    'stroke-width="2" stroke-opacity="0.55"/>'
                )
    for index, (x, y) in enumerate(nodes):
        radius = 5 + dice.byte() % 7
        fill = colours.accent if index == 0 else colours.light
        parts.append(f'<circle cx="{x}" cy="{y}" r="{radius}" fill="{fill}"/>')
    return parts


def _stacks(dice: _Dice, colours: Palette) -> list[str]:
    """Columns of blocks: queues, racks, tables."""
    parts = []
    columns = 4 + dice.byte() % 4
    step = WIDTH / (columns + 1)
    for column in range(columns):
        x = round(step * (column + 0.6))
        height = 2 + dice.byte() % 5
        for row in range(height):
            y = HEIGHT - 22 - row * 20
            opacity = 0.35 + 0.6 * (row == height - 1)
            fill = colours.accent if (row == height - 1 and column % 3 == 0) else colours.light
            parts.append(
                f'<rect x="{x}" y="{y}" width="{round(step * 0.7)}" height="14" rx="3" '
                f'fill="{fill}" fill-opacity="{opacity:.2f}"/>'
            )
    return parts


def _waves(dice: _Dice, colours: Palette) -> list[str]:
    """Stacked sine waves: signals, load over time."""
    parts = []
    for band in range(4):
        amplitude = dice.between(8, 22)
        phase = dice.between(0, math.tau)
        base = 60 + band * 28
        points = " ".join(
            f"{x},{base + amplitude * math.sin(phase + x / 38):.1f}"
            for x in range(0, WIDTH + 1, 16)
        )
        colour = colours.accent if band == 1 else colours.light
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="3" '
            f'stroke-linecap="round" stroke-opacity="{0.9 - band * 0.15:.2f}"/>'
        )
    return parts


def _orbits(dice: _Dice, colours: Palette) -> list[str]:
    """Concentric rings with satellites: an event loop, a scheduler."""
    cx, cy = round(dice.between(90, 230)), round(dice.between(60, 120))
    parts = []
    for ring in range(1, 5):
        radius = ring * 26
        parts.append(
            f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="none" stroke="{colours.light}" '
            f'stroke-width="2" stroke-opacity="{0.75 - ring * 0.12:.2f}"/>'
        )
        angle = dice.between(0, math.tau)
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        fill = colours.accent if ring == 2 else colours.light
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{fill}"/>')
    parts.append(f'<circle cx="{cx}" cy="{cy}" r="9" fill="{colours.accent}"/>')
    return parts


MOTIFS = (_network, _stacks, _waves, _orbits)


def cover_svg(seed: str) -> str:
    """A 320×180 cover for ``seed``: a gradient, a faint dot grid and one motif."""
    colours = palette(seed)
    dice = _Dice("motif:" + seed)
    motif = MOTIFS[dice.byte() % len(MOTIFS)]
    angle = dice.byte() % 360
    shapes = "".join(motif(dice, colours))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" preserveAspectRatio="xMidYMid slice">'
        f"<title>{escape(seed)}</title>"
        f'<defs><linearGradient id="bg" gradientTransform="rotate({angle} 0.5 0.5)">'
        f'<stop offset="0" stop-color="{colours.mid}"/>'
        f'<stop offset="1" stop-color="{colours.deep}"/></linearGradient>'
        '<pattern id="dots" width="20" height="20" patternUnits="userSpaceOnUse">'
        '<circle cx="10" cy="10" r="1.2" fill="#ffffff" fill-opacity="0.18"/></pattern></defs>'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="url(#bg)"/>'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="url(#dots)"/>'
        f"{shapes}</svg>"
    )


# Lesson kinds: 24×24 outline icons drawn with the text colour (currentColor).
ICON_PATHS = {
    "reading": (
        '<path d="M3 5.5C5.5 4 8.5 4 12 6c3.5-2 6.5-2 9-.5V19c-2.5-1.5-5.5-1.5-9 .5'
        '-3.5-2-6.5-2-9-.5z"/><path d="M12 6v13.5"/>'
    ),
    "quiz": (
        '<circle cx="12" cy="12" r="9"/><path d="M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.7.3-1 .9-1 1.6'
        'v.6"/><path d="M12 17h.01"/>'
    ),
    "exercise": '<path d="M8 7l-5 5 5 5"/><path d="M16 7l5 5-5 5"/><path d="M13.5 5l-3 14"/>',
    "live": (
        '<circle cx="12" cy="12" r="2.5"/><path d="M7.8 7.8a6 6 0 0 0 0 8.4"/>'
        '<path d="M16.2 7.8a6 6 0 0 1 0 8.4"/><path d="M5 5a10 10 0 0 0 0 14"/>'
        '<path d="M19 5a10 10 0 0 1 0 14"/>'
    ),
    "clock": '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
    "check": '<path d="M5 12.5l4.5 4.5L19 7.5"/>',
}
KIND_LABELS = {
    "reading": "Reading",
    "quiz": "Quiz",
    "exercise": "Code exercise",
    "live": "Live session",
    "clock": "Time",
    "check": "Done",
}


def icon_svg(kind: str, *, label: str = "", size: int = 20) -> str:
    """An inline icon. Without ``label`` it is decorative (hidden from assistive
    technology); with one it is an image named by its ``<title>``."""
    paths = ICON_PATHS[kind]
    common = (
        f'class="icon icon-{kind}" viewBox="0 0 24 24" width="{size}" height="{size}" '
        'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" '
        'stroke-linejoin="round" focusable="false"'
    )
    if label:
        return f'<svg {common} role="img"><title>{escape(label)}</title>{paths}</svg>'
    return f'<svg {common} aria-hidden="true">{paths}</svg>'
