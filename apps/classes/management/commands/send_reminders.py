"""The classes' periodic job, for embedded mode (no Celery beat): run it from cron.

    */15 * * * *  cd /srv/academy && .venv/bin/python manage.py send_reminders
    manage.py send_reminders --dry-run     # what it would grade and send; nothing changes

The same job as the ``classes.send_reminders`` task (``apps.classes.tasks.due_work_run``):
quiz attempts of assigned quizzes past their deadline graded, then due-date reminders
e-mailed once per learner, assignment and due time — so running it again, or alongside
beat, sends nothing twice. It prints each reminder sent. A dry run does the same work in
a transaction it rolls back, with mail going nowhere.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.test.utils import override_settings

from apps.classes import tasks


class Command(BaseCommand):
    help = (
        "Grade assigned quiz attempts past their deadline and e-mail due-date reminders "
        "(what Celery beat runs every 15 minutes in services mode)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="show what would be graded and sent; write and send nothing",
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        if dry_run:
            dummy = "django.core.mail.backends.dummy.EmailBackend"
            with override_settings(EMAIL_BACKEND=dummy), transaction.atomic():
                done = tasks.due_work_run()
                transaction.set_rollback(True)
        else:
            done = tasks.due_work_run()
        verb = "would remind" if dry_run else "reminded"
        for sent in done.reminded:
            due = sent.due_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
            self.stdout.write(
                f"{verb} {sent.username} <{sent.email}>: {sent.assignment} "
                f"({sent.classroom}), due {due}"
            )
        if dry_run:
            summary = (
                f"Dry run: {done.expired} quiz attempt(s) past their deadline would be graded "
                f"and {len(done.reminded)} reminder(s) sent; nothing was written or sent."
            )
        else:
            summary = (
                f"{done.expired} quiz attempt(s) past their deadline graded, "
                f"{len(done.reminded)} reminder(s) sent."
            )
        self.stdout.write(self.style.SUCCESS(summary))
