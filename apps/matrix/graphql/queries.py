"""Matrix queries: each resolver calls the selector its REST view calls."""

from __future__ import annotations

from typing import Any

import graphene
from graphql import GraphQLResolveInfo

from apps.matrix import selectors
from apps.matrix.graphql.types import MatrixCategory, MatrixCategorySummary


class MatrixQueries(graphene.ObjectType):
    matrix_categories = graphene.List(
        graphene.NonNull(MatrixCategorySummary),
        required=True,
        description="Published matrix categories.",
    )
    matrix_category = graphene.Field(
        MatrixCategory,
        slug=graphene.String(required=True),
        description="A published category with its criteria, options and cells.",
    )

    @staticmethod
    def resolve_matrix_categories(root: Any, info: GraphQLResolveInfo) -> Any:
        return selectors.category_list()

    @staticmethod
    def resolve_matrix_category(root: Any, info: GraphQLResolveInfo, slug: str) -> Any:
        return selectors.category_matrix(slug=slug)
