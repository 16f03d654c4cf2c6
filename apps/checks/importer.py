"""Read the ```` ```check ```` blocks of lessons and validate them as quiz questions.

Each block's body is YAML for one question in the module quiz format (``key``,
``type``, ``prompt``, ``choices`` with ``correct``/``feedback``, ``answer``,
``accepted``, ``tolerance``, ``explanation``), validated by the quiz importer's own
``parse_question`` (one validator for both). A bad block raises ``ContentError``
naming the file and line. Written in the import transaction by
``apps.checks.services.lesson_checks_sync``: checks are matched by ``key``, so answers
survive re-imports.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from apps.core.markdown import check_blocks
from apps.courses.errors import ContentError
from apps.courses.importer import CONTENT_ROOT, CourseSource, _rel
from apps.courses.models import Lesson
from apps.quizzes.importer import QuestionSource, parse_question

MAX_CHECKS_PER_LESSON = 50


def parse_checks(body_md: str, where: str, *, line_offset: int = 0) -> list[QuestionSource]:
    """The lesson's checks, validated, in order; ``ContentError`` on the first bad one."""
    out: list[QuestionSource] = []
    blocks = check_blocks(body_md)
    if len(blocks) > MAX_CHECKS_PER_LESSON:
        raise ContentError(where, f"has more than {MAX_CHECKS_PER_LESSON} check blocks")
    for block in blocks:
        here = f"{where}, line {block.line + line_offset} (check block)"
        try:
            data = yaml.safe_load(block.source)
        except yaml.YAMLError as exc:
            raise ContentError(here, f"invalid YAML: {getattr(exc, 'problem', exc)}") from exc
        if not isinstance(data, dict):
            raise ContentError(here, "must be a YAML mapping for one question")
        if "questions" in data:
            raise ContentError(here, "holds exactly one question, not a 'questions' list")
        out.append(parse_question(data, here))
    keys = [q.key for q in out]
    duplicate = next((k for k in keys if keys.count(k) > 1), None)
    if duplicate:
        raise ContentError(where, f"check key {duplicate!r} is used twice in the lesson")
    return out


def _line_offset(path: Path, body: str) -> int:
    """Lines before the lesson's body in its file (the front matter), for messages."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    index = text.find(body)
    return text[:index].count("\n") if index >= 0 else 0


LessonKey = tuple[str, str, str]  # course, module, lesson slugs


def read_checks(
    courses: list[CourseSource], root: Path = CONTENT_ROOT
) -> dict[LessonKey, list[QuestionSource]]:
    out: dict[LessonKey, list[QuestionSource]] = {}
    for course in courses:
        for module in course.modules:
            for lesson in module.lessons:
                where = _rel(lesson.path, root)
                checks = parse_checks(
                    lesson.body, where, line_offset=_line_offset(lesson.path, lesson.body)
                )
                key = (course.data["slug"], module.data["slug"], lesson.data["slug"])
                out[key] = checks
    return out


def write_checks(checks: dict[LessonKey, list[QuestionSource]]) -> int:
    """Sync every imported lesson's checks (inside the import transaction); returns how
    many checks were written (created, changed or removed)."""
    from apps.checks.services import lesson_checks_sync

    lessons = {
        (lesson.module.course.slug, lesson.module.slug, lesson.slug): lesson
        for lesson in Lesson.objects.select_related("module__course").filter(
            module__course__slug__in={key[0] for key in checks}
        )
    }
    written = 0
    for key, sources in checks.items():
        lesson = lessons.get(key)
        if lesson is not None:
            written += lesson_checks_sync(lesson=lesson, sources=sources)
    return written
