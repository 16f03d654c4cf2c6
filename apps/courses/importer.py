"""Import the course from the repository's content files (see content/README.md).

Two phases: every file is read and validated first (a bad file raises
``ContentError`` naming the file and the problem, before anything is written),
then everything is written in one transaction. Idempotent: a file whose bytes
have not changed is not written again. Lessons are never deleted (progress hangs
on them): one removed from the files is unpublished.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from apps.core import content_version, yamltext
from apps.core.markdown import RUNNABLE_LANGUAGES, runnable_blocks
from apps.courses.errors import ContentError
from apps.courses.models import Course, Lesson, Module, Status
from apps.courses.services import course_render, lesson_render, lessons_index

CONTENT_ROOT = Path(__file__).resolve().parent / "content"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ORDERED = re.compile(r"^(\d{2})-([a-z0-9-]+)$")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)


@dataclass
class LessonSource:
    path: Path
    order: int
    data: dict[str, Any]
    body: str
    digest: str


@dataclass
class ModuleSource:
    path: Path
    order: int
    data: dict[str, Any]
    digest: str
    lessons: list[LessonSource] = field(default_factory=list)


@dataclass
class CourseSource:
    path: Path
    data: dict[str, Any]
    digest: str
    modules: list[ModuleSource] = field(default_factory=list)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unpublished: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.unpublished)


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _load_yaml(path: Path, root: Path, text: str | None = None) -> dict[str, Any]:
    try:
        data = yamltext.safe_load(text if text is not None else path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ContentError(_rel(path, root), "is not UTF-8 text") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ContentError(
            _rel(path, root), f"invalid YAML{where}: {getattr(exc, 'problem', exc)}"
        ) from exc
    if not isinstance(data, dict):
        raise ContentError(_rel(path, root), "must be a YAML mapping of keys to values")
    return data


def _require(
    data: dict[str, Any], key: str, kind: type, where: str, *, allow_empty: bool = False
) -> Any:
    value = data.get(key)
    if value is None:
        raise ContentError(where, f"missing required key '{key}'")
    if not isinstance(value, kind):
        raise ContentError(where, f"'{key}' must be a {kind.__name__}, got {type(value).__name__}")
    if not allow_empty and not value:
        raise ContentError(where, f"'{key}' must not be empty")
    return value


def _slug(data: dict[str, Any], where: str) -> str:
    slug = _require(data, "slug", str, where)
    if not _SLUG.match(slug) or len(slug) > 80:
        raise ContentError(where, f"'slug' {slug!r} must be lowercase words joined by hyphens")
    return slug


def _string_list(data: dict[str, Any], key: str, where: str, *, required: bool) -> list[str]:
    value = data.get(key)
    if value is None:
        if required:
            raise ContentError(where, f"missing required key '{key}'")
        return []
    if not isinstance(value, list) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise ContentError(where, f"'{key}' must be a list of non-empty strings")
    return [item.strip() for item in value]


def _platform_links(data: dict[str, Any], where: str) -> list[dict[str, str]]:
    value = data.get("platform") or []
    if not isinstance(value, list):
        raise ContentError(where, "'platform' must be a list of {label, url}")
    links = []
    for item in value:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("label"), str)
            or not isinstance(item.get("url"), str)
        ):
            raise ContentError(where, "each 'platform' entry needs a 'label' and a 'url'")
        url = item["url"].strip()
        if not url.startswith("/") or url.startswith("//"):
            raise ContentError(where, f"platform url {url!r} must be a site path starting with '/'")
        links.append({"label": item["label"].strip(), "url": url})
    return links


def _digest(*parts: bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part)
        hasher.update(b"\0")
    return hasher.hexdigest()


def read_course(course_dir: Path, root: Path) -> CourseSource:
    course_file = course_dir / "course.yaml"
    if not course_file.is_file():
        raise ContentError(_rel(course_dir, root), "has no course.yaml")
    course_data = _load_yaml(course_file, root)
    where = _rel(course_file, root)
    _slug(course_data, where)
    _require(course_data, "title", str, where)
    course = CourseSource(course_file, course_data, _digest(course_file.read_bytes()))
    module_slugs: set[str] = set()
    for module_dir in sorted(p for p in course_dir.iterdir() if p.is_dir()):
        match = _ORDERED.match(module_dir.name)
        if not match:
            raise ContentError(_rel(module_dir, root), "module folders are named NN-<slug>")
        module_file = module_dir / "module.yaml"
        if not module_file.is_file():
            raise ContentError(_rel(module_dir, root), "has no module.yaml")
        mwhere = _rel(module_file, root)
        module_data = _load_yaml(module_file, root)
        mslug = _slug(module_data, mwhere)
        _require(module_data, "title", str, mwhere)
        if mslug in module_slugs:
            raise ContentError(mwhere, f"module slug {mslug!r} is used twice in the course")
        module_slugs.add(mslug)
        module = ModuleSource(
            module_file,
            int(match.group(1)),
            module_data,
            _digest(module_file.read_bytes(), match.group(1).encode()),
        )
        lesson_slugs: set[str] = set()
        for lesson_file in sorted(module_dir.glob("*.md")):
            lesson = read_lesson(lesson_file, root)
            if lesson.data["slug"] in lesson_slugs:
                raise ContentError(
                    _rel(lesson_file, root),
                    f"lesson slug {lesson.data['slug']!r} is used twice in the module",
                )
            lesson_slugs.add(lesson.data["slug"])
            module.lessons.append(lesson)
        course.modules.append(module)
    return course


def read_lesson(path: Path, root: Path) -> LessonSource:
    where = _rel(path, root)
    match = _ORDERED.match(path.stem)
    if not match:
        raise ContentError(where, "lesson files are named NN-<slug>.md")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(where, "is not UTF-8 text") from exc
    front = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not front:
        raise ContentError(where, "must start with YAML front matter between '---' lines")
    data = _load_yaml(path, root, front.group(1))
    body = front.group(2).strip()
    slug = _slug(data, where)
    if slug != match.group(2):
        raise ContentError(where, f"front matter slug {slug!r} does not match the file name")
    _require(data, "title", str, where)
    if not isinstance(data.get("summary", ""), str):
        raise ContentError(where, "'summary' must be a string")
    data["objectives"] = _string_list(data, "objectives", where, required=True)
    data["takeaways"] = _string_list(data, "takeaways", where, required=True)
    data["related_matrix"] = _string_list(data, "related_matrix", where, required=False)
    for slug_value in data["related_matrix"]:
        if not _SLUG.match(slug_value):
            raise ContentError(where, f"related_matrix entry {slug_value!r} is not a slug")
    data["platform"] = _platform_links(data, where)
    status = data.get("status", Status.PUBLISHED)
    if status not in Status.values:
        raise ContentError(
            where, f"'status' must be one of {', '.join(Status.values)}, got {status!r}"
        )
    data["status"] = status
    if not body:
        raise ContentError(where, "has no body after the front matter")
    _check_runnable(body, where)
    return LessonSource(
        path, int(match.group(1)), data, body, _digest(raw, match.group(1).encode())
    )


def _check_runnable(body: str, where: str) -> None:
    """A runnable example (```python run) must at least compile; running it is
    ``import_content --check``'s job."""
    for block in runnable_blocks(body):
        name = f"runnable block {block.index} ({block.first_line!r})"
        if block.language not in RUNNABLE_LANGUAGES:
            raise ContentError(where, f"{name}: only python blocks can be runnable")
        try:
            compile(block.code, f"{where}#block-{block.index}", "exec")
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            raise ContentError(
                where, f"{name} is not valid Python{f' (line {line})' if line else ''}: {exc}"
            ) from exc


def read_all(root: Path = CONTENT_ROOT) -> list[CourseSource]:
    if not root.is_dir():
        raise ContentError(str(root), "content folder not found")
    courses = [read_course(d, root) for d in sorted(root.iterdir()) if d.is_dir()]
    slugs = [c.data["slug"] for c in courses]
    if len(slugs) != len(set(slugs)):
        raise ContentError(str(root), "two courses share a slug")
    return courses


def count_files(courses: list[CourseSource]) -> int:
    return sum(1 + sum(1 + len(m.lessons) for m in c.modules) for c in courses)


Progress = Callable[[str], None]


@dataclass
class _Writer:
    root: Path
    tick: Progress
    report: ImportReport = field(default_factory=ImportReport)
    touched_lessons: list[int] = field(default_factory=list)
    now: Any = field(default_factory=timezone.now)

    def course(self, source: CourseSource) -> Course:
        data = source.data
        course, created = Course.objects.select_for_update().get_or_create(
            slug=data["slug"], defaults={"title": data["title"]}
        )
        fields = {
            "title": data["title"],
            "summary": data.get("summary", "") or "",
            "description_md": data.get("description", "") or "",
            "status": data.get("status", Status.PUBLISHED),
        }
        if created or any(getattr(course, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(course, key, value)
            course_render(course)
            if course.status == Status.PUBLISHED and course.published_at is None:
                course.published_at = self.now
            course.save()
            self._count(created)
        else:
            self.report.unchanged += 1
        self.tick(_rel(source.path, self.root))
        return course

    def module(self, course: Course, existing: dict[str, Module], source: ModuleSource) -> Module:
        module = existing.get(source.data["slug"]) or Module(
            course=course, slug=source.data["slug"]
        )
        fields = {
            "title": source.data["title"],
            "summary": (source.data.get("summary") or "").strip(),
            "order": source.order,
            "status": source.data.get("status", Status.PUBLISHED),
        }
        if module.pk is None or any(getattr(module, k) != v for k, v in fields.items()):
            self._count(module.pk is None)
            for key, value in fields.items():
                setattr(module, key, value)
            module.save()
        else:
            self.report.unchanged += 1
        self.tick(_rel(source.path, self.root))
        return module

    def lesson(self, module: Module, existing: Lesson | None, source: LessonSource) -> None:
        if existing is not None and existing.source_hash == source.digest:
            self.report.unchanged += 1
            self.tick(_rel(source.path, self.root))
            return
        lesson = existing or Lesson(module=module, slug=source.data["slug"])
        lesson.title = source.data["title"]
        lesson.summary = (source.data.get("summary") or "").strip()
        lesson.objectives = source.data["objectives"]
        lesson.takeaways = source.data["takeaways"]
        lesson.related_matrix = source.data["related_matrix"]
        lesson.platform_links = source.data["platform"]
        lesson.body_md = source.body
        lesson.order = source.order
        lesson.status = source.data["status"]
        lesson.source_path = _rel(source.path, self.root)
        lesson.source_hash = source.digest
        if lesson.status == Status.PUBLISHED and lesson.published_at is None:
            lesson.published_at = self.now
        lesson_render(lesson)
        lesson.save()
        self.touched_lessons.append(lesson.pk)
        self._count(existing is None)
        self.tick(_rel(source.path, self.root))

    def retire(self, lessons: list[Lesson]) -> None:
        """Unpublish imported lessons whose file is gone (progress keeps pointing at them)."""
        for lesson in lessons:
            if lesson.source_path and lesson.status != Status.DRAFT:
                lesson.status = Status.DRAFT
                lesson.source_hash = ""
                lesson.save(update_fields=["status", "source_hash", "updated_at"])
                self.report.unpublished += 1

    def _count(self, created: bool) -> None:
        if created:
            self.report.created += 1
        else:
            self.report.updated += 1


@transaction.atomic
def write_all(
    courses: list[CourseSource], *, root: Path = CONTENT_ROOT, progress: Progress | None = None
) -> ImportReport:
    writer = _Writer(root=root, tick=progress or (lambda label: None))
    for source in courses:
        course = writer.course(source)
        modules = {m.slug: m for m in course.modules.all()}
        for msource in source.modules:
            module = writer.module(course, modules, msource)
            lessons = {lesson.slug: lesson for lesson in module.lessons.all()}
            for lsource in msource.lessons:
                writer.lesson(module, lessons.pop(lsource.data["slug"], None), lsource)
            writer.retire(list(lessons.values()))
    lessons_index(writer.touched_lessons)
    if writer.report.changed:
        content_version.bump()
    return writer.report


def iter_progress_labels(courses: list[CourseSource]) -> Iterator[str]:
    for course in courses:
        yield str(course.path)
        for module in course.modules:
            yield str(module.path)
            for lesson in module.lessons:
                yield str(lesson.path)
