"""Matrix pages: categories, a category (sort, filter, compare), "which fits me?", CSV."""

from __future__ import annotations

import csv
import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from apps.core.cache import cache_for_anonymous
from apps.core.errors import NotFound
from apps.core.spreadsheet import safe_cell
from apps.matrix import selectors
from apps.matrix.models import CriterionKind

_SLUGS = re.compile(r"^[a-z0-9-]{1,80}$")
WEIGHTS = [(0, "Not important"), (1, "Nice to have"), (2, "Important"), (3, "Essential")]


def _matrix_or_404(slug: str) -> selectors.Matrix:
    try:
        return selectors.category_matrix(slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@require_safe
@cache_for_anonymous
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "matrix/index.html", {"categories": selectors.category_list()})


@require_safe
@cache_for_anonymous
def category(request: HttpRequest, slug: str) -> HttpResponse:
    matrix = _matrix_or_404(slug)
    sort = request.GET.get("sort", "")
    descending = request.GET.get("dir", "desc") != "asc"
    query = request.GET.get("q", "")[:100]
    rows = selectors.filter_rows(
        selectors.sort_rows(matrix, criterion_slug=sort, descending=descending), query
    )
    requested = [part for value in request.GET.getlist("compare") for part in value.split(",")]
    compare_slugs = [s for s in requested if _SLUGS.match(s)][:4]
    chosen, table = (
        selectors.compare(matrix, compare_slugs) if len(compare_slugs) >= 2 else ([], [])
    )
    return render(
        request,
        "matrix/category.html",
        {
            "matrix": matrix,
            "category": matrix.category,
            "rows": rows,
            "sort": sort,
            "descending": descending,
            "query": query,
            "compare_slugs": [row.option.slug for row in chosen] or compare_slugs,
            "chosen": chosen,
            "table": table,
        },
    )


@require_safe
@cache_for_anonymous
def fit(request: HttpRequest, slug: str) -> HttpResponse:
    matrix = _matrix_or_404(slug)
    questions = [
        c for c in matrix.criteria if c.kind in {CriterionKind.RATING, CriterionKind.BOOLEAN}
    ]
    weights: dict[str, int] = {}
    for criterion in questions:
        raw = request.GET.get(f"w-{criterion.slug}", "")
        if raw.isdigit() and 0 <= int(raw) <= 3:
            weights[criterion.slug] = int(raw)
    results = selectors.fit(matrix, weights) if any(weights.values()) else []
    return render(
        request,
        "matrix/fit.html",
        {
            "matrix": matrix,
            "category": matrix.category,
            "questions": [(c, weights.get(c.slug, 0)) for c in questions],
            "weights": WEIGHTS,
            "results": results,
        },
    )


@require_safe
def export_csv(request: HttpRequest, slug: str) -> HttpResponse:
    matrix = _matrix_or_404(slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{matrix.category.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["category", "option", "criterion", "kind", "value", "rating", "note", "source"]
    )
    for row in matrix.rows:
        for cell in row.cells:
            writer.writerow(
                [
                    safe_cell(matrix.category.title),
                    safe_cell(row.option.name),
                    safe_cell(cell.criterion.title),
                    cell.criterion.kind,
                    safe_cell(cell.display),
                    cell.cell.rating if cell.cell and cell.cell.rating is not None else "",
                    safe_cell(cell.note),
                    safe_cell(cell.source),
                ]
            )
    return response
