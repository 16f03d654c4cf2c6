"""Importing exercise folders: validated before writing, idempotent, named errors, and
the shipped exercises all import (and, with the sandbox, pass their own check)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.courses.errors import ContentError
from apps.exercises import grading, importer, services
from apps.exercises.models import Exercise
from tests.exercises.conftest import HIDDEN, SOLUTION, STARTER, VISIBLE, FakeSandbox
from tests.factories import CourseFactory, LessonFactory, ModuleFactory

pytestmark = pytest.mark.django_db


def write_folder(root: Path, name: str = "01-add", **overrides: str) -> Path:
    folder = root / "demo-course" / name
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "exercise.yaml": (
            f"slug: {name.split('-', 1)[1]}\ntitle: Add\nsummary: Add numbers.\n"
            "lesson: basics/first-steps\norder: 1\ndifficulty: easy\nstatus: published\n"
            "time_limit_seconds: 2\n"
        ),
        "prompt.md": "Write **add**.",
        "starter.py": STARTER,
        "solution.py": SOLUTION,
        "test_visible.py": VISIBLE,
        "test_hidden.py": HIDDEN,
    }
    files.update(overrides)
    if "expected.json" not in files:
        files["expected.json"] = expected_for(
            files["solution.py"], files["test_visible.py"], files["test_hidden.py"]
        )
    for filename, text in files.items():
        if text is not None:
            (folder / filename).write_text(text, encoding="utf-8")
    return folder


def expected_for(solution: str, visible: str, hidden: str) -> str:
    """What ``manage.py exercise_expectations --write`` records, the reference run in this
    process (the sandbox's own tests record it for real)."""
    saved = grading.phase_runner
    grading.phase_runner = FakeSandbox()
    try:
        report = grading.record_expectations(solution=solution, visible=visible, hidden=hidden)
    except SyntaxError:
        return "{}"
    finally:
        grading.phase_runner = saved
    return grading.dumps_expectations(report.expected) if report.expected else "{}"


@pytest.fixture
def lesson():
    course = CourseFactory(slug="demo-course")
    module = ModuleFactory(course=course, slug="basics")
    return LessonFactory(module=module, slug="first-steps")


def test_import_is_idempotent(tmp_path, lesson):
    write_folder(tmp_path)
    sources = importer.read_exercises(tmp_path)
    assert importer.write_exercises(sources) == (1, 0, 0)
    exercise = Exercise.objects.get(slug="add")
    assert exercise.lesson == lesson and exercise.time_limit_seconds == 2
    assert exercise.prompt_html == "<p>Write <strong>add</strong>.</p>\n"
    assert (exercise.visible_test_count, exercise.hidden_test_count) == (2, 3)
    assert exercise.solution_code == SOLUTION and exercise.test_hidden == HIDDEN
    assert importer.write_exercises(importer.read_exercises(tmp_path)) == (0, 1, 0)
    (tmp_path / "demo-course" / "01-add" / "prompt.md").write_text("Changed.")
    assert importer.write_exercises(importer.read_exercises(tmp_path)) == (1, 0, 0)
    assert Exercise.objects.get(slug="add").prompt_html == "<p>Changed.</p>\n"


def test_a_removed_folder_unpublishes_its_exercise(tmp_path, lesson):
    folder = write_folder(tmp_path)
    importer.write_exercises(importer.read_exercises(tmp_path))
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    assert importer.write_exercises(importer.read_exercises(tmp_path)) == (0, 0, 1)
    assert Exercise.objects.get(slug="add").status == "draft"


@pytest.mark.parametrize(
    ("overrides", "where", "problem"),
    [
        ({"exercise.yaml": "title: x\n"}, "exercise.yaml", "missing required key 'slug'"),
        ({"exercise.yaml": "slug: a\ntitle: A\nlesson: nope\n"}, "exercise.yaml", "'lesson'"),
        (
            {"exercise.yaml": "slug: a\ntitle: A\nlesson: a/b\ntime_limit_seconds: 30\n"},
            "exercise.yaml",
            "from 1 to 5",
        ),
        (
            {"exercise.yaml": "slug: a\ntitle: A\nlesson: a/b\ndifficulty: extreme\n"},
            "exercise.yaml",
            "'difficulty'",
        ),
        ({"test_visible.py": "def test_x(:\n"}, "01-add", "test_visible.py: The visible tests"),
        ({"test_visible.py": "x = 1\n"}, "01-add", "no test function"),
        ({"exercise.yaml": "slug: [\n"}, "exercise.yaml", "invalid YAML"),
    ],
)
def test_bad_folders_are_named(tmp_path, overrides, where, problem):
    write_folder(tmp_path, **overrides)
    with pytest.raises(ContentError) as caught:
        importer.read_exercises(tmp_path)
    assert where in caught.value.path and problem in caught.value.problem


def test_the_expected_values_must_be_recorded_and_current(tmp_path, lesson):
    folder = write_folder(tmp_path)
    exercise_file = folder / "expected.json"
    exercise_file.unlink()
    with pytest.raises(ContentError, match=r"expected\.json: is missing; record it with"):
        importer.read_exercises(tmp_path)
    write_folder(tmp_path)
    (folder / "solution.py").write_text(SOLUTION + "\n# edited\n")
    with pytest.raises(ContentError, match=r"out of date with solution\.py and the tests"):
        importer.read_exercises(tmp_path)
    exercise_file.write_text('{"format": 1, "digest": 5}')
    with pytest.raises(ContentError, match="cannot be read"):
        importer.read_exercises(tmp_path)
    write_folder(tmp_path)
    importer.write_exercises(importer.read_exercises(tmp_path))
    exercise = Exercise.objects.get(slug="add")
    assert services.exercise_expectations(exercise)["test_visible.py"] == {
        "test_adds_small_numbers": [["add(1, 2)", 3]],
        "test_adds_negatives": [["add(-1, -2)", -3]],
    }


def test_missing_files_and_duplicate_slugs_are_named(tmp_path):
    folder = write_folder(tmp_path)
    (folder / "starter.py").unlink()
    with pytest.raises(ContentError, match=r"starter\.py: is missing"):
        importer.read_exercises(tmp_path)
    write_folder(tmp_path)
    write_folder(tmp_path, "02-add")
    (tmp_path / "demo-course" / "02-add" / "exercise.yaml").write_text(
        "slug: add\ntitle: A\nlesson: basics/first-steps\n"
    )
    with pytest.raises(ContentError, match="slug 'add' is also used by"):
        importer.read_exercises(tmp_path)


def test_an_unknown_lesson_stops_the_whole_import(tmp_path):
    write_folder(tmp_path)
    with pytest.raises(CommandError, match="no lesson basics/first-steps"):
        call_command("import_content", exercises_root=tmp_path, verbosity=0)
    assert not Exercise.objects.exists()
    from apps.courses.models import Lesson

    assert not Lesson.objects.exists()  # one transaction: the lessons were rolled back too


def test_the_shipped_exercises_import():
    call_command("import_content", verbosity=0)
    shipped = list(Exercise.objects.select_related("lesson"))
    assert len(shipped) >= 8
    for exercise in shipped:
        assert exercise.visible_test_count >= 1 and exercise.prompt_html, exercise.slug
        assert 1 <= exercise.time_limit_seconds <= 5


@pytest.mark.django_db(transaction=True)
def test_the_shipped_exercises_pass_their_own_check():
    """Reference passes every test; the starter fails at least one (real sandbox)."""
    from tests.exercises.test_services import _real_sandbox_or_skip

    _real_sandbox_or_skip()
    call_command("import_content", verbosity=0)
    problems = {}
    for exercise in Exercise.objects.filter(status="published"):
        report = services.exercise_check(exercise)
        if not report.ok:
            problems[exercise.slug] = report.summary
    assert not problems, problems
