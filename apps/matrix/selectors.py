"""Matrix reads: a whole category in a fixed number of queries, comparison, ranking."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Count, Prefetch

from apps.core.errors import NotFound
from apps.courses.selectors import published_lessons
from apps.matrix.models import Category, Cell, Criterion, CriterionKind, Option


def category_list() -> list[Category]:
    return list(
        Category.objects.filter(status="published").annotate(
            option_count=Count("options", distinct=True),
            criterion_count=Count("criteria", distinct=True),
        )
    )


def category_titles(*, slugs: list[str]) -> dict[str, str]:
    """Published categories' titles by slug, for links to them (one query)."""
    if not slugs:
        return {}
    return dict(
        Category.objects.filter(slug__in=slugs, status="published").values_list("slug", "title")
    )


@dataclass
class CellView:
    cell: Cell | None
    criterion: Criterion
    display: str
    sort_key: Any
    score: float | None  # 0..1 for rating/boolean cells, None otherwise or n/a
    # The source as a link: a lesson's title and address, or a web address shortened to
    # its host and path; empty when there is none (or the lesson is not published).
    source_label: str = ""
    source_url: str = ""
    source_is_lesson: bool = False

    @property
    def note(self) -> str:
        return self.cell.note if self.cell else ""

    @property
    def source(self) -> str:
        return self.cell.source if self.cell else ""

    @property
    def na(self) -> bool:
        return bool(self.cell and self.cell.na)


@dataclass
class OptionRow:
    option: Option
    cells: list[CellView]
    lesson_links: list[tuple[str, str]] = field(default_factory=list)  # (title, url)


@dataclass
class Matrix:
    category: Category
    criteria: list[Criterion]
    rows: list[OptionRow]

    def row(self, slug: str) -> OptionRow | None:
        return next((r for r in self.rows if r.option.slug == slug), None)


def _cell_view(category: Category, criterion: Criterion, cell: Cell | None) -> CellView:
    if cell is None:
        return CellView(None, criterion, "—", (2, ""), None)
    if cell.na:
        return CellView(cell, criterion, "Not applicable", (1, ""), None)
    if criterion.kind == CriterionKind.RATING and cell.rating is not None:
        span = category.scale_max - category.scale_min
        label = category.scale_label(cell.rating)
        display = f"{cell.rating} · {label}" + (f" — {cell.text}" if cell.text else "")
        return CellView(
            cell, criterion, display, (0, cell.rating), (cell.rating - category.scale_min) / span
        )
    if criterion.kind == CriterionKind.BOOLEAN and cell.flag is not None:
        display = ("Yes" if cell.flag else "No") + (f" — {cell.text}" if cell.text else "")
        return CellView(cell, criterion, display, (0, cell.flag), 1.0 if cell.flag else 0.0)
    return CellView(cell, criterion, cell.text or "—", (0, cell.text.lower()), None)


LESSON_SOURCE = "lesson:"


def _link_source(view: CellView, lessons: dict[str, Any]) -> None:
    source = view.source
    if source.startswith(LESSON_SOURCE):
        lesson = lessons.get(source.removeprefix(LESSON_SOURCE))
        if lesson is not None:
            view.source_label = lesson.title
            view.source_url = lesson.get_absolute_url()
            view.source_is_lesson = True
    elif source.startswith(("https://", "http://")):
        parts = urlsplit(source)
        label = (parts.netloc.removeprefix("www.") + parts.path).rstrip("/")
        view.source_label = label if len(label) <= 60 else label[:59] + "…"
        view.source_url = source


def category_matrix(*, slug: str) -> Matrix:
    """The category with criteria, options and every cell, plus lesson links (5 queries)."""
    category = Category.objects.filter(slug=slug, status="published").first()
    if category is None:
        raise NotFound("No such category.")
    criteria = list(category.criteria.order_by("order", "id"))
    options = list(
        category.options.order_by("order", "id").prefetch_related(
            Prefetch("cells", queryset=Cell.objects.all())
        )
    )
    wanted = {slug for option in options for slug in option.lessons}
    wanted |= {
        cell.source.removeprefix(LESSON_SOURCE)
        for option in options
        for cell in option.cells.all()
        if cell.source.startswith(LESSON_SOURCE)
    }
    lessons = {
        lesson.slug: lesson
        for lesson in published_lessons().filter(slug__in=wanted).select_related("module__course")
    }
    rows = []
    for option in options:
        cells = {c.criterion_id: c for c in option.cells.all()}
        views = [_cell_view(category, criterion, cells.get(criterion.pk)) for criterion in criteria]
        for view in views:
            _link_source(view, lessons)
        rows.append(
            OptionRow(
                option=option,
                cells=views,
                lesson_links=[
                    (lessons[s].title, lessons[s].get_absolute_url())
                    for s in option.lessons
                    if s in lessons
                ],
            )
        )
    return Matrix(category=category, criteria=criteria, rows=rows)


def sort_rows(matrix: Matrix, *, criterion_slug: str, descending: bool) -> list[OptionRow]:
    index = next((i for i, c in enumerate(matrix.criteria) if c.slug == criterion_slug), None)
    if index is None:
        return matrix.rows
    # Values sort in the chosen direction; n/a and empty cells always come last.
    valued = [row for row in matrix.rows if row.cells[index].sort_key[0] == 0]
    rest = [row for row in matrix.rows if row.cells[index].sort_key[0] != 0]
    valued.sort(key=lambda row: row.cells[index].sort_key[1], reverse=descending)
    return valued + sorted(rest, key=lambda row: row.cells[index].sort_key)


def filter_rows(rows: list[OptionRow], query: str) -> list[OptionRow]:
    needle = query.strip().lower()
    if not needle:
        return rows
    return [
        row for row in rows
        if needle in row.option.name.lower() or needle in row.option.summary.lower()
        or any(needle in cell.display.lower() for cell in row.cells)
    ]  # fmt: skip


@dataclass
class CompareRow:
    criterion: Criterion
    cells: list[CellView]
    differs: bool


def compare(matrix: Matrix, slugs: list[str]) -> tuple[list[OptionRow], list[CompareRow]]:
    """2–4 options side by side; ``differs`` marks criteria where they do not all agree."""
    chosen = [row for slug in dict.fromkeys(slugs) if (row := matrix.row(slug))][:4]
    table = []
    for index, criterion in enumerate(matrix.criteria):
        cells = [row.cells[index] for row in chosen]
        table.append(CompareRow(criterion, cells, len({c.display for c in cells}) > 1))
    return chosen, table


@dataclass
class FitResult:
    row: OptionRow
    score: Decimal
    reasons: list[tuple[str, int, float | None]]  # criterion title, weight, the option's 0..1 score


def fit(matrix: Matrix, weights: dict[str, int]) -> list[FitResult]:
    """Rank options by the weighted share of the best possible score on the weighted criteria."""
    results = []
    total_weight = sum(w for w in weights.values() if w > 0)
    for row in matrix.rows:
        earned = 0.0
        reasons = []
        for index, criterion in enumerate(matrix.criteria):
            weight = weights.get(criterion.slug, 0)
            if weight <= 0:
                continue
            value = row.cells[index].score
            earned += weight * (value or 0.0)
            reasons.append((criterion.title, weight, value))
        score = (
            Decimal(100 * earned / total_weight).quantize(Decimal("1"))
            if total_weight
            else Decimal(0)
        )
        results.append(FitResult(row, score, reasons))
    return sorted(results, key=lambda r: (-r.score, r.row.option.order))
