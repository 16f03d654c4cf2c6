"""Writes to courses: rendering, publishing, progress. Every surface calls these."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import Value
from django.utils import timezone

from apps.core import content_version
from apps.core.errors import Conflict, NotFound
from apps.core.markdown import plain_text, render_markdown
from apps.courses.models import Course, Lesson, LessonProgress, Module, Status
from apps.courses.selectors import lesson_is_visible


def lesson_render(lesson: Lesson) -> None:
    """Render and sanitise ``lesson.body_md`` into the stored fields (not saved)."""
    rendered = render_markdown(lesson.body_md)
    lesson.body_html = rendered.html
    lesson.toc = rendered.toc
    lesson.word_count = rendered.word_count
    lesson.reading_minutes = rendered.reading_minutes
    lesson.run_blocks = [block.as_dict() for block in rendered.runnable]


def course_render(course: Course) -> None:
    course.description_html = render_markdown(course.description_md).html


def lessons_index(lesson_ids: Iterable[int]) -> None:
    """Refresh the full-text search vectors (PostgreSQL only; SQLite searches live)."""
    if connection.vendor != "postgresql":
        return
    for lesson in Lesson.objects.filter(pk__in=list(lesson_ids)).only(
        "pk", "title", "summary", "body_md"
    ):
        Lesson.objects.filter(pk=lesson.pk).update(
            search_vector=SearchVector(Value(lesson.title), weight="A", config="english")
            + SearchVector(Value(lesson.summary), weight="B", config="english")
            + SearchVector(Value(plain_text(lesson.body_md)), weight="C", config="english")
        )


def _stamp(obj: Lesson | Course, *, by=None, now=None) -> None:
    """First publication time and last editor, shared by every content save."""
    if obj.status == Status.PUBLISHED and obj.published_at is None:
        obj.published_at = now or timezone.now()
    if by is not None:
        obj.updated_by = by


@transaction.atomic
def lesson_save(*, lesson: Lesson, by=None, sync_checks: bool = True) -> Lesson:
    """Save an edited lesson: render, sanitise, index, stamp, invalidate caches; with
    ``sync_checks``, make its checks those of its ```` ```check ```` blocks (a bad block
    raises ``ContentError`` and nothing is saved)."""
    from apps.checks.importer import parse_checks  # checks read courses, not back
    from apps.checks.services import lesson_checks_sync

    sources = parse_checks(lesson.body_md, "body") if sync_checks else []
    lesson_render(lesson)
    _stamp(lesson, by=by)
    lesson.full_clean(exclude=["search_vector"])
    lesson.save()
    if sync_checks:
        lesson_checks_sync(lesson=lesson, sources=sources)
    lessons_index([lesson.pk])
    content_version.bump()
    return lesson


@transaction.atomic
def lessons_set_status(*, lessons: Iterable[Lesson], status: str, by=None) -> int:
    """Publish or unpublish lessons; returns how many changed."""
    if status not in Status.values:
        raise ValueError(f"unknown status {status!r}")
    changed = 0
    now = timezone.now()
    for lesson in lessons:
        if lesson.status == status:
            continue
        lesson.status = status
        fields = ["status", "updated_at"]
        if status == Status.PUBLISHED and lesson.published_at is None:
            lesson.published_at = now
            fields.append("published_at")
        if by is not None:
            lesson.updated_by = by
            fields.append("updated_by")
        lesson.save(update_fields=fields)
        changed += 1
    if changed:
        content_version.bump()
    return changed


@transaction.atomic
def lesson_progress_set(*, user, lesson: Lesson, completed: bool) -> LessonProgress | None:
    """Mark a published lesson complete (idempotent) or not complete."""
    if not lesson_is_visible(lesson):
        raise NotFound("No such lesson.")
    if completed:
        from apps.checks.selectors import open_check_count  # checks read courses, not back

        left = open_check_count(lesson_id=lesson.pk, user=user)
        if left:
            raise Conflict(
                f"Answer this lesson's checks correctly first: {left} still to answer.",
                extra={"checks_left": left},
            )
        progress, _ = LessonProgress.objects.get_or_create(
            user=user, lesson=lesson, defaults={"completed_at": timezone.now()}
        )
        return progress
    LessonProgress.objects.filter(user=user, lesson=lesson).delete()
    return None


@transaction.atomic
def course_save(*, course: Course, by=None) -> Course:
    course_render(course)
    _stamp(course, by=by)
    course.save()
    content_version.bump()
    return course


@transaction.atomic
def module_save(*, module: Module) -> Module:
    module.save()
    content_version.bump()
    return module


@transaction.atomic
def modules_set_status(*, modules: Iterable[Module], status: str) -> int:
    changed = 0
    for module in modules:
        if module.status != status:
            module.status = status
            module.save(update_fields=["status", "updated_at"])
            changed += 1
    if changed:
        content_version.bump()
    return changed


@transaction.atomic
def content_changed(*, lesson_ids: Iterable[int] = ()) -> None:
    """After edits made outside the services above (admin inline rows): reindex, invalidate."""
    lessons_index(lesson_ids)
    content_version.bump()
