"""Import the matrix categories from ``apps/matrix/content/NN-<slug>.yaml``.

Validated fully before writing; written inside the content import's transaction;
unchanged files are skipped (idempotent). Format: apps/courses/content/README.md.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError

from apps.core import yamltext
from apps.core.markdown import render_markdown
from apps.courses.errors import ContentError
from apps.matrix.models import Category, Cell, Criterion, CriterionKind, Option
from apps.matrix.services import cell_value_clean

MATRIX_ROOT = Path(__file__).resolve().parent / "content"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FILE = re.compile(r"^(\d{2})-([a-z0-9-]+)\.yaml$")


@dataclass
class CategorySource:
    path: Path
    order: int
    data: dict[str, Any]
    digest: str


def _where(path: Path) -> str:
    return f"matrix/content/{path.name}"


def _check(data: dict[str, Any], where: str) -> None:
    for key in ("slug", "title", "criteria", "options", "cells"):
        if key not in data:
            raise ContentError(where, f"missing required key '{key}'")
    scale = data.get("scale") or {"min": 1, "max": 5}
    if (
        not isinstance(scale.get("min"), int)
        or not isinstance(scale.get("max"), int)
        or scale["min"] >= scale["max"]
    ):
        raise ContentError(where, "'scale' needs integer 'min' < 'max'")
    criteria = {c.get("slug"): c for c in data["criteria"] if isinstance(c, dict)}
    options = {o.get("slug"): o for o in data["options"] if isinstance(o, dict)}
    for slug, criterion in criteria.items():
        if not isinstance(slug, str) or not _SLUG.match(slug):
            raise ContentError(where, f"criterion slug {slug!r} is not a slug")
        if criterion.get("kind") not in CriterionKind.values:
            raise ContentError(where, f"criterion {slug}: 'kind' must be rating, boolean or text")
    probe = Category(scale_min=scale["min"], scale_max=scale["max"])
    for oslug in options:
        if not isinstance(oslug, str) or not _SLUG.match(oslug):
            raise ContentError(where, f"option slug {oslug!r} is not a slug")
        row = (data["cells"] or {}).get(oslug)
        if not isinstance(row, dict):
            raise ContentError(where, f"option {oslug} has no cells")
        for cslug, criterion in criteria.items():
            cell = row.get(cslug)
            if not isinstance(cell, dict):
                raise ContentError(
                    where, f"cell {oslug} × {cslug} is missing (fill it or mark na: true)"
                )
            if not cell.get("na"):
                try:
                    cell_value_clean(
                        category=probe,
                        criterion=Criterion(title=str(cslug), kind=criterion["kind"]),
                        raw=_raw(criterion, cell),
                    )
                except ValidationError as exc:
                    raise ContentError(where, f"cell {oslug} × {' '.join(exc.messages)}") from exc


def _raw(criterion: dict[str, Any], cell: dict[str, Any]) -> Any:
    kind = criterion["kind"]
    if kind == CriterionKind.RATING:
        return cell.get("rating")
    if kind == CriterionKind.BOOLEAN:
        value = cell.get("value")
        return "yes" if value is True else "no" if value is False else value
    return cell.get("text")


def read_matrix(root: Path = MATRIX_ROOT) -> list[CategorySource]:
    out: list[CategorySource] = []
    if not root.is_dir():
        return out
    for path in sorted(root.glob("*.yaml")):
        match = _FILE.match(path.name)
        where = _where(path)
        if not match:
            raise ContentError(where, "category files are named NN-<slug>.yaml")
        raw = path.read_bytes()
        try:
            data = yamltext.safe_load(raw.decode("utf-8"))
        except (UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ContentError(where, f"invalid YAML: {getattr(exc, 'problem', exc)}") from exc
        if not isinstance(data, dict):
            raise ContentError(where, "must be a YAML mapping")
        _check(data, where)
        if data["slug"] != match.group(2):
            raise ContentError(where, f"slug {data['slug']!r} does not match the file name")
        out.append(CategorySource(path, int(match.group(1)), data, hashlib.sha256(raw).hexdigest()))
    return out


def write_matrix(sources: list[CategorySource]) -> tuple[int, int]:
    written = unchanged = 0
    for source in sources:
        data = source.data
        category = Category.objects.filter(slug=data["slug"]).first()
        if category is not None and category.source_hash == source.digest:
            unchanged += 1
            continue
        scale = data.get("scale") or {"min": 1, "max": 5}
        category = category or Category(slug=data["slug"])
        category.title = data["title"]
        category.description_md = (data.get("description") or "").strip()
        category.description_html = render_markdown(category.description_md).html
        category.scale_min, category.scale_max = scale["min"], scale["max"]
        category.scale_labels = {str(k): str(v) for k, v in (scale.get("labels") or {}).items()}
        category.order = source.order
        category.status = "published"
        category.source_hash = source.digest
        category.save()
        criteria = {}
        for order, raw in enumerate(data["criteria"]):
            criterion, _ = Criterion.objects.update_or_create(
                category=category,
                slug=raw["slug"],
                defaults={
                    "title": raw.get("title", raw["slug"]),
                    "kind": raw["kind"],
                    "description": raw.get("description", ""),
                    "weight_hint": raw.get("weight_hint", "")[:300],
                    "order": order,
                },
            )
            criteria[criterion.slug] = (criterion, raw)
        for order, raw in enumerate(data["options"]):
            option, _ = Option.objects.update_or_create(
                category=category,
                slug=raw["slug"],
                defaults={
                    "name": raw.get("name", raw["slug"]),
                    "summary": raw.get("summary", ""),
                    "url": raw.get("url", ""),
                    "lessons": list(raw.get("lessons") or []),
                    "order": order,
                },
            )
            for cslug, (criterion, craw) in criteria.items():
                cell_data = data["cells"][option.slug][cslug]
                fields: dict[str, Any] = {
                    "note": str(cell_data.get("note") or "").strip(),
                    "source": str(cell_data.get("source") or "").strip(),
                    "text": str(cell_data.get("text") or "").strip()[:300],
                    "rating": None, "flag": None, "na": bool(cell_data.get("na")),
                }  # fmt: skip
                if not fields["na"]:
                    value = cell_value_clean(
                        category=category, criterion=criterion, raw=_raw(craw, cell_data)
                    )
                    if criterion.kind != CriterionKind.TEXT:
                        value.pop("text", None)  # keep the file's short text beside a rating
                    fields.update(value)
                Cell.objects.update_or_create(option=option, criterion=criterion, defaults=fields)
        written += 1
    return written, unchanged
