"""REST: the technology matrix (categories, criteria, options, cells)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.matrix import selectors


class CategoryListApi(APIView):
    class Output(serializers.Serializer):
        slug = serializers.CharField()
        title = serializers.CharField()
        option_count = serializers.IntegerField()
        criterion_count = serializers.IntegerField()

    def get(self, request: Request) -> Response:
        return Response({"results": self.Output(selectors.category_list(), many=True).data})


class CategoryDetailApi(APIView):
    class Criterion(serializers.Serializer):
        slug = serializers.CharField()
        title = serializers.CharField()
        kind = serializers.CharField()
        description = serializers.CharField()

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
