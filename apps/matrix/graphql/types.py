"""GraphQL types for the technology matrix (REST: CategoryListApi, CategoryDetailApi)."""

from __future__ import annotations

from typing import Any

import graphene
from graphql import GraphQLResolveInfo

from apps.matrix.models import Category
from apps.matrix.selectors import CellView, Matrix, OptionRow


class MatrixCategorySummary(graphene.ObjectType):
    """A published category with its option and criterion counts."""

    slug = graphene.String(required=True)
    title = graphene.String(required=True)
    option_count = graphene.Int(required=True)
    criterion_count = graphene.Int(required=True)


class MatrixScaleLabel(graphene.ObjectType):
    """One rating and its label. (REST: the `labels` object, keyed by rating.)"""

    value = graphene.String(required=True, description="The rating, as the REST key.")
    label = graphene.String(required=True)


class MatrixScale(graphene.ObjectType):
    """The category's rating scale. `labels` is a list of {value, label} here, where
    REST has an object keyed by the rating."""

    min = graphene.Int(required=True)
    max = graphene.Int(required=True)
    labels = graphene.List(graphene.NonNull(MatrixScaleLabel), required=True)

    @staticmethod
    def resolve_min(category: Category, info: GraphQLResolveInfo) -> int:
        return category.scale_min

    @staticmethod
    def resolve_max(category: Category, info: GraphQLResolveInfo) -> int:
        return category.scale_max

    @staticmethod
    def resolve_labels(category: Category, info: GraphQLResolveInfo) -> list[MatrixScaleLabel]:
        return [
            MatrixScaleLabel(value=str(value), label=str(label))
            for value, label in (category.scale_labels or {}).items()
        ]


class MatrixCriterion(graphene.ObjectType):
    """A criterion options are compared on; `kind` is rating, boolean or text."""

    slug = graphene.String(required=True)
    title = graphene.String(required=True)
    kind = graphene.String(required=True)
    description = graphene.String(required=True)


class MatrixCell(graphene.ObjectType):
    """One option's value on one criterion. REST's `cells` is an object keyed by the
    criterion's slug; here it is a list in criterion order, each cell naming its
    `criterion` (slug), with the same fields as REST."""

    criterion = graphene.String(required=True, description="The criterion's slug.")
    display = graphene.String(required=True)
    rating = graphene.Int()
    value = graphene.Boolean(description="Yes/no criteria: the flag.")
    text = graphene.String(required=True)
    na = graphene.Boolean(required=True, description="Explicitly not applicable.")
    note = graphene.String(required=True)
    source = graphene.String(required=True)

    @staticmethod
    def resolve_criterion(cell: CellView, info: GraphQLResolveInfo) -> str:
        return cell.criterion.slug

    @staticmethod
    def resolve_rating(cell: CellView, info: GraphQLResolveInfo) -> int | None:
        return cell.cell.rating if cell.cell else None

    @staticmethod
    def resolve_value(cell: CellView, info: GraphQLResolveInfo) -> bool | None:
        return cell.cell.flag if cell.cell else None

    @staticmethod
    def resolve_text(cell: CellView, info: GraphQLResolveInfo) -> str:
        return cell.cell.text if cell.cell else ""


class MatrixLessonLink(graphene.ObjectType):
    """A published lesson that discusses the option."""

    title = graphene.String(required=True)
    url = graphene.String(required=True)


class MatrixOption(graphene.ObjectType):
    """An option (a row of the matrix) with its cells in criterion order."""

    slug = graphene.String(required=True)
    name = graphene.String(required=True)
    summary = graphene.String(required=True)
    url = graphene.String(required=True)
    lessons = graphene.List(graphene.NonNull(MatrixLessonLink), required=True)
    cells = graphene.List(graphene.NonNull(MatrixCell), required=True)

    @staticmethod
    def resolve_slug(row: OptionRow, info: GraphQLResolveInfo) -> str:
        return row.option.slug

    @staticmethod
    def resolve_name(row: OptionRow, info: GraphQLResolveInfo) -> str:
        return row.option.name

    @staticmethod
    def resolve_summary(row: OptionRow, info: GraphQLResolveInfo) -> str:
        return row.option.summary

    @staticmethod
    def resolve_url(row: OptionRow, info: GraphQLResolveInfo) -> str:
        return row.option.url

    @staticmethod
    def resolve_lessons(row: OptionRow, info: GraphQLResolveInfo) -> list[MatrixLessonLink]:
        return [MatrixLessonLink(title=title, url=url) for title, url in row.lesson_links]


class MatrixCategory(graphene.ObjectType):
    """A published category: its scale, criteria and options with every cell."""

    slug = graphene.String(required=True)
    title = graphene.String(required=True)
    scale = graphene.Field(MatrixScale, required=True)
    criteria = graphene.List(graphene.NonNull(MatrixCriterion), required=True)
    options = graphene.List(graphene.NonNull(MatrixOption), required=True)

    @staticmethod
    def resolve_slug(matrix: Matrix, info: GraphQLResolveInfo) -> str:
        return matrix.category.slug

    @staticmethod
    def resolve_title(matrix: Matrix, info: GraphQLResolveInfo) -> str:
        return matrix.category.title

    @staticmethod
    def resolve_scale(matrix: Matrix, info: GraphQLResolveInfo) -> Any:
        return matrix.category

    @staticmethod
    def resolve_options(matrix: Matrix, info: GraphQLResolveInfo) -> Any:
        return matrix.rows
