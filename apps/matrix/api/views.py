"""REST: the technology matrix (categories, criteria, options, cells).

The category view builds its answer as a dict; the ``*Schema`` serializers describe it for
the OpenAPI schema only (schemathesis checks real responses against them).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.schema import error_responses, path_slug
from apps.matrix import selectors
from apps.matrix.models import CriterionKind


@extend_schema_serializer(component_name="MatrixScale")
class ScaleSchema(serializers.Serializer):
    min = serializers.IntegerField(help_text="The lowest rating.")
    max = serializers.IntegerField(help_text="The highest rating.")
    labels = serializers.DictField(
        child=serializers.CharField(), help_text="A label per rating, keyed by the rating."
    )


@extend_schema_serializer(component_name="MatrixLessonLink")
class LessonLinkSchema(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField(help_text="The lesson's page.")


@extend_schema_serializer(component_name="MatrixCell")
class CellSchema(serializers.Serializer):
    display = serializers.CharField(help_text="The value as the page shows it.")
    rating = serializers.IntegerField(allow_null=True, help_text="For `rating` criteria.")
    value = serializers.BooleanField(allow_null=True, help_text="For `boolean` criteria.")
    text = serializers.CharField(help_text="The text, or a remark on the rating/value.")
    na = serializers.BooleanField(help_text="Explicitly not applicable.")
    note = serializers.CharField()
    source = serializers.CharField(help_text="A lesson or documentation URL.")  # type: ignore[assignment]


@extend_schema_serializer(component_name="MatrixOption")
class OptionSchema(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    summary = serializers.CharField()
    url = serializers.CharField(help_text="The option's home page (may be empty).")
    lessons = LessonLinkSchema(many=True, help_text="Published lessons that discuss it.")
    cells = serializers.DictField(child=CellSchema(), help_text="One per criterion, by slug.")


@extend_schema_serializer(component_name="MatrixCategorySummary")
class CategorySummary(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    option_count = serializers.IntegerField()
    criterion_count = serializers.IntegerField()


@extend_schema_serializer(component_name="MatrixCategoryList")
class CategoryListSchema(serializers.Serializer):
    results = CategorySummary(many=True)


@extend_schema_serializer(component_name="MatrixCriterion")
class CriterionOutput(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=CriterionKind.choices)
    description = serializers.CharField()


@extend_schema_serializer(component_name="MatrixCategory")
class CategorySchema(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    scale = ScaleSchema(help_text="The rating scale of `rating` criteria.")
    criteria = CriterionOutput(many=True)
    options = OptionSchema(many=True)


class CategoryListApi(APIView):
    Output = CategorySummary

    @extend_schema(
        operation_id="matrix_list",
        summary="List the matrix categories",
        description="Every published category (a short list: it is not paginated).",
        tags=["matrix"],
        responses={200: CategoryListSchema, **error_responses(401, 429)},
    )
    def get(self, request: Request) -> Response:
        return Response({"results": self.Output(selectors.category_list(), many=True).data})


class CategoryDetailApi(APIView):
    Criterion = CriterionOutput

    @extend_schema(
        operation_id="matrix_retrieve",
        summary="A matrix category: criteria, options and every cell",
        tags=["matrix"],
        parameters=[path_slug("slug", "The category.", "web-frameworks")],
        responses={200: CategorySchema, **error_responses(401, 404, 429)},
    )
    def get(self, request: Request, slug: str) -> Response:
        matrix = selectors.category_matrix(slug=slug)
        category = matrix.category
        return Response(
            {
                "slug": category.slug,
                "title": category.title,
                "scale": {
                    "min": category.scale_min,
                    "max": category.scale_max,
                    "labels": category.scale_labels,
                },
                "criteria": self.Criterion(matrix.criteria, many=True).data,
                "options": [
                    {
                        "slug": row.option.slug,
                        "name": row.option.name,
                        "summary": row.option.summary,
                        "url": row.option.url,
                        "lessons": [
                            {"title": title, "url": url} for title, url in row.lesson_links
                        ],
                        "cells": {
                            cell.criterion.slug: {
                                "display": cell.display,
                                "rating": cell.cell.rating if cell.cell else None,
                                "value": cell.cell.flag if cell.cell else None,
                                "text": cell.cell.text if cell.cell else "",
                                "na": cell.na,
                                "note": cell.note,
                                "source": cell.source,
                            }
                            for cell in row.cells
                        },
                    }
                    for row in matrix.rows
                ],
            }
        )
