"""Matrix writes: validating and saving cells (the admin grid and the importer call these)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core import content_version
from apps.matrix.models import Category, Cell, Criterion, CriterionKind, Option

GRID_FIELDS = ("value", "note", "source")


def cell_value_clean(*, category: Category, criterion: Criterion, raw: Any) -> dict[str, Any]:
    """Turn an author's value into cell fields; raise ``ValidationError`` with a clear message.

    ``"n/a"`` (any case) marks the cell not applicable.
    """
    text = "" if raw is None else str(raw).strip()
    if text.lower() in {"n/a", "na", "not applicable"}:
        return {"na": True, "rating": None, "flag": None, "text": ""}
    if criterion.kind == CriterionKind.RATING:
        try:
            rating = int(text)
        except ValueError as exc:
            raise ValidationError(
                f"{criterion.title}: enter a whole number from {category.scale_min} to "
                f"{category.scale_max}, or n/a."
            ) from exc
        if not category.scale_min <= rating <= category.scale_max:
            raise ValidationError(
                f"{criterion.title}: {rating} is outside the scale "
                f"{category.scale_min}–{category.scale_max}."
            )
        return {"na": False, "rating": rating, "flag": None}
    if criterion.kind == CriterionKind.BOOLEAN:
        lowered = text.lower()
        if lowered in {"yes", "true", "1"}:
            return {"na": False, "flag": True, "rating": None, "text": ""}
        if lowered in {"no", "false", "0"}:
            return {"na": False, "flag": False, "rating": None, "text": ""}
        raise ValidationError(f"{criterion.title}: enter yes, no or n/a.")
    if not text:
        raise ValidationError(f"{criterion.title}: enter a value, or n/a.")
    if len(text) > 300:
        raise ValidationError(f"{criterion.title}: at most 300 characters.")
    return {"na": False, "text": text, "rating": None, "flag": None}


@dataclass(frozen=True)
class CellEdit:
    option: Option
    criterion: Criterion
    field: str  # "value", "note" or "source"
    raw: Any


@transaction.atomic
def cells_update(*, category: Category, edits: list[CellEdit]) -> int:
    """Apply grid edits all-or-nothing; returns how many cells changed."""
    errors: list[str] = []
    prepared: list[tuple[CellEdit, dict[str, Any]]] = []
    for edit in edits:
        if edit.option.category_id != category.pk or edit.criterion.category_id != category.pk:
            raise ValidationError("Edits must belong to this category.")
        if edit.field not in GRID_FIELDS:
            raise ValidationError(f"Unknown field {edit.field!r}.")
        try:
            if edit.field == "value":
                fields = cell_value_clean(category=category, criterion=edit.criterion, raw=edit.raw)
            else:
                fields = {edit.field: str(edit.raw or "").strip()}
        except ValidationError as exc:
            errors.extend(f"{edit.option.name} / {message}" for message in exc.messages)
            continue
        prepared.append((edit, fields))
    if errors:
        raise ValidationError(errors)
    changed = 0
    existing = {
        (c.option_id, c.criterion_id): c
        for c in Cell.objects.select_for_update().filter(option__category=category)
    }
    for edit, fields in prepared:
        cell = existing.get((edit.option.pk, edit.criterion.pk)) or Cell(
            option=edit.option, criterion=edit.criterion
        )
        if cell.pk and all(getattr(cell, k) == v for k, v in fields.items()):
            continue
        for key, value in fields.items():
            setattr(cell, key, value)
        cell.save()
        changed += 1
    if changed:
        content_version.bump()
    return changed
