"""Geometry for the small server-drawn SVG charts (no JavaScript, no library)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    total: int
    y: int
    width: int

    @property
    def text(self) -> str:
        return f"{self.value}/{self.total}"


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    height: int
    label_width: int = 300
    track_width: int = 320
    row_height: int = 30

    @property
    def value_x(self) -> int:
        return self.label_width + self.track_width + 10


def bar_chart(
    rows: list[tuple[str, int, int]], *, row_height: int = 30, track_width: int = 320
) -> BarChart:
    """Horizontal bars of ``value/total`` per row, in SVG user units."""
    bars = [
        Bar(
            label=label if len(label) <= 34 else label[:33] + "…",
            value=value,
            total=total,
            y=index * row_height,
            width=round(track_width * value / total) if total else 0,
        )
        for index, (label, value, total) in enumerate(rows)
    ]
    return BarChart(
        bars=bars,
        height=max(row_height, len(bars) * row_height),
        track_width=track_width,
        row_height=row_height,
    )
