"""Matrix authoring: a category is edited as a grid, an option per row and a field per
criterion (values, or notes, or sources), saved all-or-nothing through the service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.core.admin_labels import LabelledAdminMixin, LabelledTabularInline
from apps.matrix import services
from apps.matrix.models import Category, Cell, Criterion, CriterionKind, Option

FIELD_LABELS = {"value": "Values", "note": "Notes", "source": "Sources"}


def _value_text(cell: Cell | None, criterion: Criterion) -> str:
    if cell is None:
        return ""
    if cell.na:
        return "n/a"
    if criterion.kind == CriterionKind.RATING:
        return "" if cell.rating is None else str(cell.rating)
    if criterion.kind == CriterionKind.BOOLEAN:
        return "" if cell.flag is None else ("yes" if cell.flag else "no")
    return cell.text


class CriterionInline(LabelledTabularInline):
    model = Criterion
    fields = ("order", "title", "slug", "kind", "weight_hint")
    extra = 0


class OptionInline(LabelledTabularInline):
    model = Option
    fields = ("order", "name", "slug", "summary", "url")
    extra = 0


@admin.register(Category)
class CategoryAdmin(LabelledAdminMixin, admin.ModelAdmin):
    list_display = ("title", "order", "status", "scale_min", "scale_max", "grid_link", "updated_at")
    list_filter = ("status",)
    search_fields = ("title",)
    inlines = (CriterionInline, OptionInline)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/grid/",
                self.admin_site.admin_view(self.grid_view),
                name="matrix_category_grid",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Edit")
    def grid_link(self, obj: Category) -> str:
        return format_html(
            '<a href="{}">Edit as a grid</a>', reverse("admin:matrix_category_grid", args=[obj.pk])
        )

    def grid_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        category = get_object_or_404(Category, pk=pk)
        if not self.has_view_permission(request, category):
            raise PermissionDenied
        field = request.GET.get("field", "value")
        if field not in services.GRID_FIELDS:
            field = "value"
        criteria = list(category.criteria.order_by("order", "id"))
        options = list(category.options.order_by("order", "id").prefetch_related("cells"))
        cells = {(c.option_id, c.criterion_id): c for o in options for c in o.cells.all()}

        def current(option: Option, criterion: Criterion) -> str:
            cell = cells.get((option.pk, criterion.pk))
            if field == "value":
                return _value_text(cell, criterion)
            return getattr(cell, field, "") if cell else ""

        errors: list[str] = []
        submitted: dict[str, str] = {}
        status = 200
        if request.method == "POST":
            if not self.has_change_permission(request, category):
                raise PermissionDenied
            edits = []
            for option in options:
                for criterion in criteria:
                    name = f"cell-{option.pk}-{criterion.pk}"
                    if name not in request.POST:
                        continue
                    raw = request.POST[name]
                    submitted[name] = raw
                    if raw.strip() != current(option, criterion).strip():
                        edits.append(services.CellEdit(option, criterion, field, raw))
            try:
                changed = services.cells_update(category=category, edits=edits)
            except ValidationError as exc:
                errors = exc.messages
                status = 400
            else:
                messages.success(request, f"{changed} cell(s) saved.")
                return redirect(f"{reverse('admin:matrix_category_grid', args=[pk])}?field={field}")
        rows = [
            {
                "option": option,
                "cells": [
                    {
                        "name": f"cell-{option.pk}-{criterion.pk}",
                        "value": submitted.get(
                            f"cell-{option.pk}-{criterion.pk}", current(option, criterion)
                        ),
                        "label": f"{option.name}: {criterion.title}",
                    }
                    for criterion in criteria
                ],
            }
            for option in options
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"{category.title}: {FIELD_LABELS[field].lower()}",
            "category": category,
            "criteria": criteria,
            "rows": rows,
            "field": field,
            "fields": FIELD_LABELS,
            "errors": errors,
            "opts": self.model._meta,
            "can_change": self.has_change_permission(request, category),
        }
        return TemplateResponse(request, "admin/matrix/grid.html", context, status=status)
