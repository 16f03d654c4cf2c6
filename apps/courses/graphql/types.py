"""GraphQL types for courses: the REST serializers' fields, same names, same sources."""

from __future__ import annotations

from typing import Any

import graphene
from graphql import GraphQLResolveInfo

from apps.courses.models import Lesson
from apps.courses.selectors import CourseOutline, ModuleOutline, SearchHit


class CourseSummary(graphene.ObjectType):
    """A published course in the catalog (REST: CourseListApi)."""

    slug = graphene.String(required=True)
    title = graphene.String(required=True)
    summary = graphene.String(required=True)
    module_count = graphene.Int(required=True)
    lesson_count = graphene.Int(required=True)
    url = graphene.String(required=True, source="get_absolute_url")


class LessonSummary(graphene.ObjectType):
    """A published lesson in an outline."""

    slug = graphene.String(required=True)
    title = graphene.String(required=True)
    summary = graphene.String(required=True)
    reading_minutes = graphene.Int(required=True)
    url = graphene.String(required=True, source="get_absolute_url")


class Completion(graphene.ObjectType):
    """Published lessons the viewer has completed, out of the published total."""

    completed = graphene.Int(required=True)
    total = graphene.Int(required=True)


class ModuleOutlineType(graphene.ObjectType):
    """A published module with its published lessons and the viewer's completions
    (0 for anonymous viewers)."""

    class Meta:
        name = "ModuleOutline"

    slug = graphene.String(required=True)
    title = graphene.String(required=True)
    summary = graphene.String(required=True)
    lessons = graphene.List(graphene.NonNull(LessonSummary), required=True)
    completed = graphene.Int(required=True)
    total = graphene.Int(required=True)

    @staticmethod
    def resolve_slug(entry: ModuleOutline, info: GraphQLResolveInfo) -> str:
        return entry.module.slug

    @staticmethod
    def resolve_title(entry: ModuleOutline, info: GraphQLResolveInfo) -> str:
        return entry.module.title

    @staticmethod
    def resolve_summary(entry: ModuleOutline, info: GraphQLResolveInfo) -> str:
        return entry.module.summary


class CourseOutlineType(graphene.ObjectType):
    """A published course's outline (REST: CourseOutlineApi). `progress` is null for
    anonymous viewers."""

    class Meta:
        name = "CourseOutline"

    slug = graphene.String(required=True)
    title = graphene.String(required=True)
    summary = graphene.String(required=True)
    description_html = graphene.String(required=True)
    modules = graphene.List(graphene.NonNull(ModuleOutlineType), required=True)
    progress = graphene.Field(Completion)

    @staticmethod
    def resolve_slug(outline: CourseOutline, info: GraphQLResolveInfo) -> str:
        return outline.course.slug

    @staticmethod
    def resolve_title(outline: CourseOutline, info: GraphQLResolveInfo) -> str:
        return outline.course.title

    @staticmethod
    def resolve_summary(outline: CourseOutline, info: GraphQLResolveInfo) -> str:
        return outline.course.summary

    @staticmethod
    def resolve_description_html(outline: CourseOutline, info: GraphQLResolveInfo) -> str:
        return outline.course.description_html

    @staticmethod
    def resolve_progress(outline: CourseOutline, info: GraphQLResolveInfo) -> Any:
        return outline if info.context.user.is_authenticated else None


class TocEntry(graphene.ObjectType):
    """A heading of the lesson body: its level, anchor id and text."""

    level = graphene.Int(required=True)
    id = graphene.String(required=True)
    title = graphene.String(required=True)


class LessonType(graphene.ObjectType):
    """A published lesson (REST: LessonDetailApi). `body_md`, the Markdown source, is
    null unless the viewer may edit lessons (`courses.change_lesson`)."""

    class Meta:
        name = "Lesson"

    slug = graphene.String(required=True)
    title = graphene.String(required=True)
    summary = graphene.String(required=True)
    objectives = graphene.List(graphene.NonNull(graphene.String), required=True)
    takeaways = graphene.List(graphene.NonNull(graphene.String), required=True)
    body_html = graphene.String(required=True)
    toc = graphene.List(graphene.NonNull(TocEntry), required=True)
    reading_minutes = graphene.Int(required=True)
    word_count = graphene.Int(required=True)
    related_matrix = graphene.List(graphene.NonNull(graphene.String), required=True)
    module = graphene.String(required=True, description="The module's slug.")
    course = graphene.String(required=True, description="The course's slug.")
    url = graphene.String(required=True, source="get_absolute_url")
    body_md = graphene.String(description="The Markdown source; authors only, else null.")

    @staticmethod
    def resolve_module(lesson: Lesson, info: GraphQLResolveInfo) -> str:
        return lesson.module.slug

    @staticmethod
    def resolve_course(lesson: Lesson, info: GraphQLResolveInfo) -> str:
        return lesson.module.course.slug

    @staticmethod
    def resolve_body_md(lesson: Lesson, info: GraphQLResolveInfo) -> str | None:
        # The REST API's rule (LessonDetailApi): the source is for those who edit it.
        return lesson.body_md if info.context.user.has_perm("courses.change_lesson") else None


class SearchResult(graphene.ObjectType):
    """A search hit: the LessonSummary fields plus a highlighted snippet (safe HTML)."""

    slug = graphene.String(required=True)
    title = graphene.String(required=True)
    summary = graphene.String(required=True)
    reading_minutes = graphene.Int(required=True)
    url = graphene.String(required=True)
    snippet_html = graphene.String(required=True)

    @staticmethod
    def resolve_slug(hit: SearchHit, info: GraphQLResolveInfo) -> str:
        return hit.lesson.slug

    @staticmethod
    def resolve_title(hit: SearchHit, info: GraphQLResolveInfo) -> str:
        return hit.lesson.title

    @staticmethod
    def resolve_summary(hit: SearchHit, info: GraphQLResolveInfo) -> str:
        return hit.lesson.summary

    @staticmethod
    def resolve_reading_minutes(hit: SearchHit, info: GraphQLResolveInfo) -> int:
        return hit.lesson.reading_minutes

    @staticmethod
    def resolve_url(hit: SearchHit, info: GraphQLResolveInfo) -> str:
        return hit.lesson.get_absolute_url()

    @staticmethod
    def resolve_snippet_html(hit: SearchHit, info: GraphQLResolveInfo) -> str:
        return hit.snippet


class SearchResults(graphene.ObjectType):
    """Search over published lessons (REST: LessonSearchApi)."""

    query = graphene.String(required=True, description="The query as searched (trimmed).")
    results = graphene.List(graphene.NonNull(SearchResult), required=True)


class LessonProgressSetPayload(graphene.ObjectType):
    """The lesson marked and the viewer's progress in its course (REST: LessonProgressApi)."""

    course = graphene.String(required=True)
    module = graphene.String(required=True)
    lesson = graphene.String(required=True)
    completed = graphene.Boolean(required=True)
    progress = graphene.Field(Completion, required=True)
