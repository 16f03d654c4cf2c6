"""``manage.py exercise_expectations``: records expected.json in the sandbox, checks the
folders (exit status 1 on any problem) and records again for exercises in the database."""

from __future__ import annotations

import shutil

import pytest
from django.core.management import CommandError, call_command

from apps.exercises import grading
from apps.exercises.models import Exercise
from tests.conftest import ROOT
from tests.exercises.conftest import make_exercise

pytestmark = [pytest.mark.sandbox, pytest.mark.django_db]

SHIPPED = ROOT / "apps" / "exercises" / "content" / "python-backend-engineering"


@pytest.fixture
def content(tmp_path):
    """A copy of one shipped exercise folder."""
    course = tmp_path / "python-backend-engineering"
    shutil.copytree(SHIPPED / "01-latency-percentiles", course / "01-latency-percentiles")
    return course / "01-latency-percentiles"


def test_the_shipped_folders_check_clean(capsys):
    call_command("exercise_expectations", slug=["latency-percentiles", "ttl-lru-cache"])
    out = capsys.readouterr().out
    assert "latency-percentiles: reference passes 12/12; starter fails" in out
    assert "Problems" not in out


def test_a_stale_file_fails_the_check_and_write_records_it_again(content, capsys):
    root = content.parent.parent
    tests = content / "test_hidden.py"
    more = '\n\ndef test_more(check):\n    check("p95 of eight fives and a nine", '
    more += "percentile([5] * 8 + [9], 95))\n"
    tests.write_text(tests.read_text() + more)
    with pytest.raises(CommandError, match="1 exercise"):
        call_command("exercise_expectations", root=root)
    assert "stored expected values are missing or out of date" in capsys.readouterr().out
    call_command("exercise_expectations", root=root, write=True)
    recorded = grading.loads_expectations((content / "expected.json").read_text())
    assert recorded["test_hidden.py"]["test_more"] == [["p95 of eight fives and a nine", 9]]
    call_command("exercise_expectations", root=root)  # clean again


def test_a_probe_that_cannot_grade_fairly_is_not_written(content, capsys):
    root = content.parent.parent
    before = (content / "expected.json").read_text()
    (content / "test_hidden.py").write_text(
        "import random\n\ndef test_luck(check):\n    check('draw', random.random())\n"
    )
    with pytest.raises(CommandError):
        call_command("exercise_expectations", root=root, write=True)
    assert "change from run to run" in capsys.readouterr().out
    assert (content / "expected.json").read_text() == before


def test_exercises_in_the_database_are_recorded_again(capsys):
    exercise = make_exercise()
    Exercise.objects.filter(pk=exercise.pk).update(expected_json="")
    call_command("exercise_expectations", db=True, slug=[exercise.slug])
    exercise.refresh_from_db()
    assert grading.loads_expectations(exercise.expected_json)["test_visible.py"][
        "test_adds_small_numbers"
    ] == [["add(1, 2)", 3]]
    assert f"{exercise.slug}: recorded" in capsys.readouterr().out
