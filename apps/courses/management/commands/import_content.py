"""``manage.py import_content``: import the course files, idempotently, with a progress bar."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.courses import importer
from apps.courses.errors import ContentError


class Command(BaseCommand):
    help = "Import (or update) the course content from the repository's content files."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--root", type=Path, default=importer.CONTENT_ROOT, help="content folder"
        )

    def handle(self, *args: Any, root: Path, verbosity: int, **options: Any) -> None:
        try:
            courses = importer.read_all(root)
        except ContentError as exc:
            raise CommandError(f"Nothing was imported. {exc.message}") from exc
        total = importer.count_files(courses)
        with tqdm(total=total, desc="Importing content", unit="file", disable=verbosity < 1,
                  file=sys.stderr, leave=True) as bar:  # fmt: skip
            report = importer.write_all(courses, root=root, progress=lambda label: _advance(bar))
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Content: {report.created} created, {report.updated} updated, "
                    f"{report.unchanged} unchanged, {report.unpublished} unpublished."
                )
            )


def _advance(bar: tqdm) -> None:
    bar.update(1)
