"""Task helpers and the platform's own system tasks."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.db import transaction


def enqueue(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send ``task`` once the surrounding transaction commits (at once outside one).

    Services call this instead of ``task.delay`` so a worker never looks for rows
    that are not committed yet, and a rolled-back write sends nothing.
    """
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))


@shared_task(name="core.echo", ignore_result=False)
def echo(value: Any) -> Any:
    """Return ``value``: proves a worker receives, runs and reports a task."""
    return value
