"""Bring a freshly migrated site up to date: content import and other setup steps.

Idempotent: ``make run`` and ``make serve`` call it every time.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

# Setup steps in order; each is a management command that is safe to run again.
SETUP_COMMANDS = ("import_content",)


class Command(BaseCommand):
    help = "Run the idempotent setup steps (content import, …) after migrations."

    def handle(self, *args: Any, **options: Any) -> None:
        available = get_commands()
        for name in SETUP_COMMANDS:
            if name in available:
                call_command(name, verbosity=options["verbosity"])
        self.stdout.write(self.style.SUCCESS("Site is set up."))
