"""``manage.py import_content``: import the course files, idempotently, with a progress bar.

Lessons (apps.courses.importer), quizzes (apps.quizzes.importer), the checks inside
lessons (apps.checks.importer), the matrix and code
exercises (apps.exercises.importer, after the lessons they belong to) are read and
validated first, then written in one transaction: a bad file changes nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from apps.checks import importer as check_importer
from apps.core import content_version
from apps.courses import importer
from apps.courses.errors import ContentError
from apps.exercises import importer as exercise_importer
from apps.matrix import importer as matrix_importer
from apps.quizzes import importer as quiz_importer


class Command(BaseCommand):
    help = "Import (or update) the course content from the repository's content files."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--root", type=Path, default=importer.CONTENT_ROOT, help="content folder"
        )
        parser.add_argument(
            "--matrix-root", type=Path, default=matrix_importer.MATRIX_ROOT, help="matrix folder"
        )
        parser.add_argument(
            "--exercises-root",
            type=Path,
            default=exercise_importer.EXERCISES_ROOT,
            help="code exercises folder",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="import nothing: run every runnable example in the sandbox and name each "
            "one that fails or times out",
        )

    def handle(
        self,
        *args: Any,
        root: Path,
        matrix_root: Path,
        exercises_root: Path,
        verbosity: int,
        check: bool = False,
        **options: Any,
    ) -> None:
        if check:
            self._check(root, verbosity)
            return
        try:
            courses = importer.read_all(root)
            quizzes = quiz_importer.read_quizzes(courses, root)
            checks = check_importer.read_checks(courses, root)
            categories = matrix_importer.read_matrix(matrix_root)
            exercises = exercise_importer.read_exercises(exercises_root)
        except ContentError as exc:
            raise CommandError(f"Nothing was imported. {exc.message}") from exc
        total = importer.count_files(courses) + len(quizzes) + len(categories) + len(exercises)
        with (
            tqdm(
                total=total,
                desc="Importing content",
                unit="file",
                disable=verbosity < 1,
                file=sys.stderr,
            ) as bar,
            transaction.atomic(),
        ):
            report = importer.write_all(courses, root=root, progress=lambda label: _advance(bar))
            written, unchanged = quiz_importer.write_quizzes(courses, quizzes)
            c_written = check_importer.write_checks(checks)
            bar.update(len(quizzes))
            m_written, m_unchanged = matrix_importer.write_matrix(categories)
            bar.update(len(categories))
            try:
                e_written, e_unchanged, e_unpublished = exercise_importer.write_exercises(exercises)
            except ContentError as exc:
                raise CommandError(f"Nothing was imported. {exc.message}") from exc
            bar.update(len(exercises))
            if written or c_written or m_written or e_written or e_unpublished:
                content_version.bump()
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Content: {report.created} created, {report.updated} updated, "
                    f"{report.unchanged} unchanged, {report.unpublished} unpublished; "
                    f"quizzes: {written} written, {unchanged} unchanged; "
                    f"lesson checks: {c_written} written; "
                    f"matrix: {m_written} written, {m_unchanged} unchanged; "
                    f"exercises: {e_written} written, {e_unchanged} unchanged, "
                    f"{e_unpublished} unpublished."
                )
            )

    def _check(self, root: Path, verbosity: int) -> None:
        from apps.exercises.runnable import check_examples

        started = time.monotonic()
        try:
            courses = importer.read_all(root)
        except ContentError as exc:
            raise CommandError(exc.message) from exc
        failures, total = check_examples(courses, root=root)
        elapsed = time.monotonic() - started
        for failure in failures:
            self.stderr.write(failure)
        if failures:
            raise CommandError(
                f"{len(failures)} of {total} runnable examples failed ({elapsed:.1f} s)."
            )
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(f"All {total} runnable examples ran cleanly ({elapsed:.1f} s).")
            )


def _advance(bar: tqdm) -> None:
    bar.update(1)
