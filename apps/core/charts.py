"""Geometry for the small server-drawn SVG charts (no JavaScript, no library)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    x: int
    y: int
    height: int
    value: int
    label: str  # under the column (may be empty)
    title: str  # the column's own text alternative


@dataclass(frozen=True)
class ColumnChart:
    columns: list[Column]
    width: int
    height: int
    baseline: int
    column_width: int

    @property
    def half(self) -> int:
        return self.column_width // 2


def column_chart(
    rows: list[tuple[str, str, int]], *, plot_height: int = 90, column_width: int = 22, gap: int = 8
) -> ColumnChart:
    """Vertical columns for ``(label, title, value)`` rows, scaled to the largest value;
    a zero is drawn as a 2-unit stub so the week still shows."""
    peak = max((value for _, _, value in rows), default=0)
    columns = []
    for index, (label, title, value) in enumerate(rows):
        height = max(2, round(plot_height * value / peak)) if peak and value else 2
        columns.append(
            Column(
                x=index * (column_width + gap),
                y=plot_height - height,
                height=height,
                value=value,
                label=label,
                title=title,
            )
        )
    return ColumnChart(
        columns=columns,
        width=max(column_width, len(rows) * (column_width + gap) - gap),
        height=plot_height + 20,
        baseline=plot_height,
        column_width=column_width,
    )
