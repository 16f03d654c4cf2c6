"""The content import: coverage of the whole guide, idempotence, edits, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.courses import importer
from apps.courses.models import Course, Lesson, LessonProgress, Module
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXPECTED_MODULES = {
    "why-python": [
        "python-engineering-mindset", "what-scalability-means", "python-at-scale-case-studies",
    ],
    "python-vs-other-languages": ["python-vs-java", "python-vs-nodejs", "where-go-and-rust-fit"],
    "web-frameworks": ["choosing-a-framework", "django-batteries-included", "flask-and-fastapi"],
    "data-and-orms": [
        "relational-vs-nosql", "choosing-a-database", "python-orms", "orm-performance",
    ],
    "concurrency": [
        "the-gil-explained", "asyncio-fundamentals", "threads-and-processes",
        "choosing-a-concurrency-model",
    ],
    "professional-environment": [
        "editors-and-tooling", "virtual-environments-and-dependencies", "project-structure",
        "ci-cd-and-pre-commit", "development-cheat-sheet",
    ],
    "scaling": [
        "beyond-the-gil", "horizontal-scaling-and-load-balancing", "scaling-the-database",
        "containers-kubernetes-serverless", "monitoring-and-logging",
    ],
    "api-design": ["rest-vs-graphql", "http-caching-and-compression", "rate-limiting"],
    "event-driven": [
        "message-brokers-kafka-rabbitmq", "background-tasks-with-celery",
        "retries-and-failure-handling", "real-time-with-websockets",
    ],
    "security": ["injection-and-xss", "csrf-and-sessions", "oauth2-and-jwt", "role-based-access"],
    "future": ["rust-and-go-pressure", "ai-in-the-backend", "edge-iot-and-decentralized"],
    "faq-and-learning-path": ["common-questions", "learning-path"],
}  # fmt: skip


def test_every_module_exists_with_its_lessons_in_order(imported_course):
    modules = list(imported_course.modules.order_by("order"))
    assert [m.slug for m in modules] == list(EXPECTED_MODULES)
    for module in modules:
        slugs = list(module.lessons.order_by("order").values_list("slug", flat=True))
        assert slugs == EXPECTED_MODULES[module.slug], module.slug
    assert Lesson.objects.count() >= 30


def test_every_lesson_has_substance(imported_course):
    for lesson in Lesson.objects.all():
        assert lesson.status == "published"
        assert 2 <= len(lesson.objectives) <= 6, lesson.slug
        assert 3 <= len(lesson.takeaways) <= 7, lesson.slug
        assert lesson.summary, lesson.slug
        assert 350 <= lesson.word_count <= 1100, (lesson.slug, lesson.word_count)
        assert lesson.body_html.startswith("<"), lesson.slug
        assert lesson.toc, lesson.slug
        assert "<script" not in lesson.body_html


def test_platform_lessons_link_to_the_live_features(imported_course):
    linked = {
        url
        for lesson in Lesson.objects.all()
        for url in (link["url"] for link in lesson.platform_links)
    }
    assert {"/healthz", "/readyz"} <= linked
    assert {"/api/v1/", "/graphql", "/live/", "/exercises/"} <= linked


def test_second_import_changes_nothing(imported_course, capsys):
    before = {row["pk"]: row["updated_at"] for row in Lesson.objects.values("pk", "updated_at")}
    call_command("import_content", verbosity=1)
    output = capsys.readouterr().out
    assert "0 created, 0 updated" in output
    after = {row["pk"]: row["updated_at"] for row in Lesson.objects.values("pk", "updated_at")}
    assert before == after


@pytest.fixture
def content_copy(tmp_path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(importer.CONTENT_ROOT, root)
    return root


def _lesson_file(root: Path, slug: str) -> Path:
    return next(root.rglob(f"*-{slug}.md"))


def test_an_edited_file_updates_its_lesson_and_keeps_progress(content_copy):
    call_command("import_content", root=content_copy, verbosity=0)
    lesson = Lesson.objects.get(slug="the-gil-explained")
    learner = UserFactory()
    LessonProgress.objects.create(user=learner, lesson=lesson, completed_at="2026-01-01T00:00Z")
    path = _lesson_file(content_copy, "the-gil-explained")
    path.write_text(path.read_text().replace("## What the GIL is", "## What the GIL really is"))
    call_command("import_content", root=content_copy, verbosity=0)
    lesson.refresh_from_db()
    assert '<h2 id="sec-what-the-gil-really-is">' in lesson.body_html
    assert LessonProgress.objects.filter(user=learner, lesson=lesson).exists()
    assert Lesson.objects.filter(slug="the-gil-explained").count() == 1


def test_a_removed_file_unpublishes_but_never_deletes(content_copy):
    call_command("import_content", root=content_copy, verbosity=0)
    lesson = Lesson.objects.get(slug="learning-path")
    learner = UserFactory()
    LessonProgress.objects.create(user=learner, lesson=lesson, completed_at="2026-01-01T00:00Z")
    _lesson_file(content_copy, "learning-path").unlink()
    call_command("import_content", root=content_copy, verbosity=0)
    lesson.refresh_from_db()
    assert lesson.status == "draft"
    assert LessonProgress.objects.filter(lesson=lesson).count() == 1


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda text: text.replace("slug: the-gil-explained", "slug: Not A Slug"), "'slug'"),
        (lambda text: text.replace("title:", "titel:", 1), "missing required key 'title'"),
        (lambda text: text.replace("---\n", "", 1), "front matter"),
        (lambda text: text.replace("objectives:", "objectives: 5\nx:", 1), "objectives"),
        (lambda text: text.replace("status: published", "status: live"), "'status'"),
        (lambda text: text.replace("slug: the-gil-explained", "slug: [unclosed"), "invalid YAML"),
    ],
)
def test_a_bad_file_is_named_and_nothing_is_imported(content_copy, mutate, problem):
    path = _lesson_file(content_copy, "the-gil-explained")
    path.write_text(mutate(path.read_text()))
    with pytest.raises(CommandError) as excinfo:
        call_command("import_content", root=content_copy, verbosity=0)
    message = str(excinfo.value)
    assert "Nothing was imported" in message
    assert "05-concurrency/01-the-gil-explained.md" in message
    assert problem in message
    assert Course.objects.count() == Module.objects.count() == Lesson.objects.count() == 0


def test_a_question_key_used_in_two_quizzes_is_refused(content_copy):
    source = content_copy / "python-backend-engineering/01-why-python/quiz.yaml"
    target = content_copy / "python-backend-engineering/02-python-vs-other-languages/quiz.yaml"
    key = next(
        line.split("key:", 1)[1].strip()
        for line in source.read_text().splitlines()
        if line.strip().startswith("- key:")
    )
    text = target.read_text()
    first = next(line for line in text.splitlines() if line.strip().startswith("- key:"))
    target.write_text(text.replace(first, f"  - key: {key}", 1))
    with pytest.raises(CommandError) as excinfo:
        call_command("import_content", root=content_copy, verbosity=0)
    message = str(excinfo.value)
    assert "02-python-vs-other-languages/quiz.yaml" in message
    assert f"question key {key!r} is already used in" in message
    assert "01-why-python/quiz.yaml" in message
    assert Course.objects.count() == 0


def test_an_import_that_fails_midway_rolls_back(content_copy, monkeypatch):
    from apps.courses import services

    calls = {"n": 0}
    original = services.lesson_render

    def flaky(lesson):
        calls["n"] += 1
        if calls["n"] == 20:
            raise RuntimeError("disk on fire")
        original(lesson)

    monkeypatch.setattr(importer, "lesson_render", flaky)
    with pytest.raises(RuntimeError):
        call_command("import_content", root=content_copy, verbosity=0)
    assert Lesson.objects.count() == 0


def test_setup_site_imports_the_content():
    call_command("setup_site", verbosity=0)
    assert Lesson.objects.filter(status="published").count() >= 30


READYZ_HOME = "/courses/python-backend-engineering/scaling/monitoring-and-logging/"


def test_the_readiness_probe_is_explained_once_and_linked_from_elsewhere(imported_course):
    explaining, linking_without_home = [], []
    for lesson in Lesson.objects.filter(status="published"):
        body = lesson.body_md
        if "](/readyz)" not in body:
            continue
        if "answers 503" in body or "503 when" in body or "503 if" in body:
            explaining.append(lesson.slug)
        elif READYZ_HOME not in body and lesson.slug != "learning-path":
            linking_without_home.append(lesson.slug)
    assert explaining == ["monitoring-and-logging"]
    assert linking_without_home == []
    home = Lesson.objects.get(slug="monitoring-and-logging")
    assert "sec-how-backend-academy-does-it" in {entry["id"] for entry in home.toc}


OUTDATED_CLAIMS = [
    # (text that must not come back, what is true instead)
    ("MySQL 8.4 is the current long-term", "9.7 is the current LTS line"),
    ("One product since 2025.1", "one PyCharm since 2025.3"),
    ("Celery 5.6 is the current stable", "5.7 is the current stable series"),
    ("keep no state between invocations", "warm environments keep module state"),
    ("2 queries in total, however many", "selectinload batches by 500 keys"),
    ("persistent connections leak under ASGI", "Django says: disable them, use a pool"),
    ("whose persistent connections leak", "Django says: disable them, use a pool"),
    ("consider `worker_prefetch_multiplier = 1`", "CELERY_WORKER_PREFETCH_MULTIPLIER"),
    ("On a standard build the two timings come out about equal", "equal or worse"),
]


def test_corrected_claims_stay_corrected(imported_course):
    from apps.matrix.models import Cell
    from apps.quizzes.models import Question

    texts = [lesson.body_md for lesson in Lesson.objects.all()]
    texts += [f"{c.text} {c.note}" for c in Cell.objects.all()]
    texts += [f"{q.prompt_md} {q.explanation_md}" for q in Question.objects.filter(retired=False)]
    assert Cell.objects.exists() and len(texts) > 100
    for claim, _truth in OUTDATED_CLAIMS:
        assert not [t for t in texts if claim.lower() in t.lower()], claim


def test_lesson_python_examples_parse():
    import ast
    import re

    blocks = 0
    for path in sorted(importer.CONTENT_ROOT.rglob("*.md")):
        for block in re.findall(r"```python(?: run)?\n(.*?)```", path.read_text(), re.S):
            ast.parse(block, filename=str(path))
            blocks += 1
    assert blocks >= 50
