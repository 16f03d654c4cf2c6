"""``manage.py exercise_expectations``: record and check what each exercise's tests expect.

A test's expected values are what the reference solution gives its checks, recorded in
the sandbox (the reference runs twice: values that change between runs are refused).

    manage.py exercise_expectations            # check the content folders (exit 1 on a problem)
    manage.py exercise_expectations --write    # record them into each folder's expected.json
    manage.py exercise_expectations --db       # record them again for the exercises in the
                                               # database (after the harness changed, say)

Checking runs what the admin's *Check* runs: the recorded values must be clean and match
``expected.json``, the reference must pass every test and the starter fail one.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.courses.errors import ContentError
from apps.exercises import importer, services
from apps.exercises.models import Exercise
from apps.exercises.sandbox import sandbox_available


class Command(BaseCommand):
    help = "Record (--write) or check the expected values of the code exercises' tests."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--write", action="store_true", help="write expected.json files")
        parser.add_argument(
            "--db", action="store_true", help="record again for the exercises in the database"
        )
        parser.add_argument("--slug", action="append", default=[], help="only this exercise")
        parser.add_argument("--root", type=Path, default=importer.EXERCISES_ROOT)

    def handle(self, *args: Any, write: bool, db: bool, slug: list[str], root: Path,
               verbosity: int, **options: Any) -> None:  # fmt: skip
        ok, why = sandbox_available()
        if not ok:
            raise CommandError(f"The sandbox cannot run here, and it records the values: {why}")
        if db:
            failures = self._database(slug, verbosity)
        else:
            failures = self._folders(root, slug, write=write, verbosity=verbosity)
        if failures:
            raise CommandError(f"{failures} exercise(s) have problems (listed above).")

    def _bar(self, total: int, verbosity: int, desc: str) -> tqdm:
        return tqdm(total=total, desc=desc, unit="exercise", disable=verbosity < 1, file=sys.stderr)

    def _folders(self, root: Path, slugs: list[str], *, write: bool, verbosity: int) -> int:
        try:
            sources = importer.read_exercises(root, require_expected=False)
        except ContentError as exc:
            raise CommandError(exc.message) from exc
        if slugs:
            sources = [s for s in sources if s.fields["slug"] in slugs]
            if not sources:
                raise CommandError(f"No exercise folder has the slug {', '.join(slugs)}.")
        failures = 0
        with self._bar(len(sources), verbosity, "Recording" if write else "Checking") as bar:
            for source in sources:
                exercise = Exercise(**source.fields)
                problems: list[str] = []
                if write:
                    recorded = services.exercise_expectations_record(exercise)
                    problems = recorded.problems + ([recorded.refused] if recorded.refused else [])
                    if recorded.ok:
                        (source.path / importer.EXPECTED_FILE).write_text(
                            exercise.expected_json, encoding="utf-8"
                        )
                if not problems:
                    report = services.exercise_check(exercise)
                    problems = report.problems
                    line = f"{source.fields['slug']}: {report.summary}"
                else:
                    line = f"{source.fields['slug']}: {' '.join(problems)}"
                failures += bool(problems)
                bar.write(self.style.ERROR(line) if problems else line)
                bar.update(1)
        return failures

    def _database(self, slugs: list[str], verbosity: int) -> int:
        exercises = Exercise.objects.order_by("slug")
        if slugs:
            exercises = exercises.filter(slug__in=slugs)
        failures = 0
        with self._bar(exercises.count(), verbosity, "Recording") as bar:
            for exercise in exercises:
                recorded = services.exercise_expectations_record(exercise)
                if recorded.ok:
                    exercise.save(update_fields=["expected_json"])
                    services.exercise_content_changed()
                    bar.write(f"{exercise.slug}: recorded")
                else:
                    failures += 1
                    problems = recorded.problems + ([recorded.refused] if recorded.refused else [])
                    bar.write(self.style.ERROR(f"{exercise.slug}: {' '.join(problems)}"))
                bar.update(1)
        return failures
