"""Celery tasks of code exercises: thin, id in, one service call.

``exercises.run`` goes to its own queue, ``exercises`` (``CELERY_TASK_ROUTES`` in the
settings; ``make worker`` consumes ``default,exercises``), so a burst of code runs never
delays the platform's other tasks.
The app's defaults apply and matter here: ``acks_late`` + ``reject_on_worker_lost`` put
the run back on the queue if the worker dies mid-run, and ``run_execute`` is idempotent
(a finished run is not run again; a run that stopped a worker twice is given up). The
time limits sit well above the sandbox's own wall-clock limit (a few seconds), so the
sandbox, not Celery, ends slow code; the Redis visibility timeout (an hour) is far above
them, so a run is never delivered twice while it runs.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import worker_process_init

from apps.exercises import services


@shared_task(
    name="exercises.run",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=75,
)
def run_task(run_id: int) -> None:
    services.run_execute(run_id=run_id)


@worker_process_init.connect
def _prepare_the_sandbox(**kwargs: Any) -> None:
    """Each pool process checks the sandbox and starts its launcher as it starts, so
    the first run it takes does not pay for either."""
    from apps.exercises import sandbox

    sandbox.sandbox_available()


@shared_task(
    name="exercises.block_run",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=75,
)
def block_run_task(run_id: int) -> None:
    services.block_run_execute(run_id=run_id)
