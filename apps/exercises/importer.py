"""Import code exercises from ``apps/exercises/content/<course>/<NN>-<slug>/``.

Each folder holds ``exercise.yaml`` (slug, title, summary, lesson ``<module>/<lesson>``,
order, difficulty easy|medium|hard, status draft|published, optional
time_limit_seconds ≤ 5), ``prompt.md``, ``starter.py``, ``solution.py`` (the reference,
for authors), ``test_visible.py`` and ``test_hidden.py`` (probes: ``test_*(check)``
functions, see apps/exercises/content/README.md) and ``expected.json``: what the
reference gives every check, recorded in the sandbox by ``manage.py
exercise_expectations --write`` and refused here when it no longer matches the
reference and the tests (so importing needs no sandbox, and a stale file is named).

Everything is read and validated before anything is written (``ContentError`` names
the file); writing happens in the caller's transaction, after the course import, since
an exercise belongs to a lesson. An unchanged folder (same digest) is skipped; an
exercise whose folder is gone is unpublished, never deleted, so learners' runs stay.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

from apps.courses.errors import ContentError
from apps.courses.importer import _load_yaml, _rel
from apps.courses.models import Lesson
from apps.exercises import grading
from apps.exercises.models import MAX_TIME_LIMIT_SECONDS, Difficulty, Exercise, Status
from apps.exercises.services import exercise_render

EXERCISES_ROOT = Path(__file__).resolve().parent / "content"
FILES = {
    "prompt_md": "prompt.md",
    "starter_code": "starter.py",
    "solution_code": "solution.py",
    "test_visible": "test_visible.py",
    "test_hidden": "test_hidden.py",
}
OPTIONAL_FILES = {"test_hidden.py"}
EXPECTED_FILE = "expected.json"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LESSON = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)/([a-z0-9]+(?:-[a-z0-9]+)*)$")


@dataclass
class ExerciseSource:
    path: Path
    where: str
    course_slug: str
    module_slug: str
    lesson_slug: str
    fields: dict[str, Any]
    digest: str


def _text(path: Path, root: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(_rel(path, root), "is not UTF-8 text") from exc


def _metadata(data: dict[str, Any], where: str) -> tuple[dict[str, Any], re.Match[str]]:
    fields: dict[str, Any] = {}
    for key in ("slug", "title"):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ContentError(where, f"missing required key '{key}'")
        fields[key] = value.strip()
    if not _SLUG.match(fields["slug"]) or len(fields["slug"]) > 100:
        raise ContentError(where, "'slug' must be lowercase words joined by hyphens")
    summary = data.get("summary", "")
    if not isinstance(summary, str) or len(summary) > 400:
        raise ContentError(where, "'summary' must be a text of at most 400 characters")
    fields["summary"] = summary.strip()
    lesson = _LESSON.match(str(data.get("lesson") or ""))
    if lesson is None:
        raise ContentError(where, "'lesson' must be <module-slug>/<lesson-slug>")
    order = data.get("order", 0)
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 10_000:
        raise ContentError(where, "'order' must be a whole number from 0 to 10000")
    fields["order"] = order
    difficulty = data.get("difficulty", Difficulty.EASY)
    if difficulty not in Difficulty.values:
        raise ContentError(where, f"'difficulty' must be one of {', '.join(Difficulty.values)}")
    fields["difficulty"] = difficulty
    status = data.get("status", Status.PUBLISHED)
    if status not in Status.values:
        raise ContentError(where, f"'status' must be one of {', '.join(Status.values)}")
    fields["status"] = status
    limit = data.get("time_limit_seconds", MAX_TIME_LIMIT_SECONDS)
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise ContentError(where, "'time_limit_seconds' must be a whole number")
    if not 1 <= limit <= MAX_TIME_LIMIT_SECONDS:
        raise ContentError(
            where, f"'time_limit_seconds' must be from 1 to {MAX_TIME_LIMIT_SECONDS}"
        )
    fields["time_limit_seconds"] = limit
    return fields, lesson


def _read_one(
    folder: Path, course_slug: str, root: Path, *, require_expected: bool = True
) -> ExerciseSource:
    meta_path = folder / "exercise.yaml"
    where = _rel(meta_path, root)
    if not meta_path.is_file():
        raise ContentError(_rel(folder, root), "missing exercise.yaml")
    raw_meta = _text(meta_path, root)
    fields, lesson = _metadata(_load_yaml(meta_path, root, raw_meta), where)
    digest = hashlib.sha256(raw_meta.encode("utf-8"))
    for field_name, filename in FILES.items():
        path = folder / filename
        if not path.is_file():
            if filename in OPTIONAL_FILES:
                fields[field_name] = ""
                continue
            raise ContentError(_rel(path, root), "is missing")
        fields[field_name] = _text(path, root)
        digest.update(b"\0" + filename.encode() + b"\0" + fields[field_name].encode("utf-8"))
    probe = Exercise(**fields)
    try:
        exercise_render(probe)
    except ValidationError as exc:
        problems = [
            f"{FILES.get(name, name)}: {' '.join(messages)}"
            for name, messages in exc.message_dict.items()
        ]
        raise ContentError(_rel(folder, root), "; ".join(problems)) from exc
    if require_expected:
        fields["expected_json"] = _expected(folder, root, fields)
    else:  # recording them: what is there, if anything, read as it is
        path = folder / EXPECTED_FILE
        fields["expected_json"] = _text(path, root) if path.is_file() else ""
    digest.update(b"\0" + EXPECTED_FILE.encode() + b"\0" + fields["expected_json"].encode("utf-8"))
    return ExerciseSource(
        path=folder,
        where=where,
        course_slug=course_slug,
        module_slug=lesson.group(1),
        lesson_slug=lesson.group(2),
        fields=fields,
        digest=digest.hexdigest(),
    )


def _expected(folder: Path, root: Path, fields: dict[str, Any]) -> str:
    path = folder / EXPECTED_FILE
    where = _rel(path, root)
    hint = "record it with: manage.py exercise_expectations --write"
    if not path.is_file():
        raise ContentError(where, f"is missing; {hint}")
    text = _text(path, root)
    try:
        expected = grading.loads_expectations(text)
    except grading.ExpectationsError as exc:
        raise ContentError(where, f"cannot be read ({exc}); {hint}") from exc
    current = grading.expectations_for(
        expected,
        solution=fields["solution_code"],
        visible=fields["test_visible"],
        hidden=fields["test_hidden"],
    )
    if current is None:
        raise ContentError(where, f"is out of date with solution.py and the tests; {hint}")
    return text


def read_exercises(
    root: Path = EXERCISES_ROOT, *, require_expected: bool = True
) -> list[ExerciseSource]:
    """Every exercise folder under ``root/<course-slug>/``, validated (nothing written).
    ``require_expected=False`` reads folders whose ``expected.json`` is missing or stale
    (for ``manage.py exercise_expectations``)."""
    if not root.is_dir():
        return []
    out: list[ExerciseSource] = []
    for course_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for folder in sorted(p for p in course_dir.iterdir() if p.is_dir()):
            if folder.name.startswith((".", "_")):
                continue
            out.append(_read_one(folder, course_dir.name, root, require_expected=require_expected))
    seen: dict[str, str] = {}
    for source in out:
        slug = source.fields["slug"]
        if slug in seen:
            raise ContentError(source.where, f"slug {slug!r} is also used by {seen[slug]}")
        seen[slug] = source.where
    return out


def write_exercises(sources: list[ExerciseSource]) -> tuple[int, int, int]:
    """Create or update exercises in the caller's transaction, after the lessons.

    Returns (written, unchanged, unpublished)."""
    written = unchanged = 0
    existing = {e.slug: e for e in Exercise.objects.all()}
    for source in sources:
        lesson = (
            Lesson.objects.filter(
                slug=source.lesson_slug,
                module__slug=source.module_slug,
                module__course__slug=source.course_slug,
            )
            .only("id")
            .first()
        )
        if lesson is None:
            raise ContentError(
                source.where,
                f"no lesson {source.module_slug}/{source.lesson_slug} in course "
                f"{source.course_slug!r}",
            )
        exercise = existing.get(source.fields["slug"])
        if (
            exercise is not None
            and exercise.source_hash == source.digest
            and exercise.lesson_id == lesson.pk
        ):
            unchanged += 1
            continue
        exercise = exercise or Exercise(slug=source.fields["slug"])
        for key, value in source.fields.items():
            setattr(exercise, key, value)
        exercise.lesson_id = lesson.pk
        exercise.source_hash = source.digest
        exercise_render(exercise)
        exercise.save()
        written += 1
    kept = {s.fields["slug"] for s in sources}
    gone = [
        e.pk
        for slug, e in existing.items()
        if slug not in kept and e.source_hash and e.status == Status.PUBLISHED
    ]
    unpublished = Exercise.objects.filter(pk__in=gone).update(status=Status.DRAFT)
    return written, unchanged, unpublished
