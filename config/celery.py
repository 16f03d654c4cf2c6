"""The Celery application, configured for reliability.

* ``task_acks_late`` + ``task_reject_on_worker_lost``: a task whose worker dies
  mid-run goes back to the queue (acks_late alone does not redeliver it), so every
  task must be idempotent.
* Tasks are sent with ``transaction.on_commit`` (see ``apps.core.tasks.enqueue``) so
  a worker never reads rows that are not committed yet.
* Soft and hard time limits bound every task; the Redis visibility timeout
  (``CELERY_BROKER_TRANSPORT_OPTIONS`` in config/settings.py, with the key prefix) is
  longer than the hard limit so a running task is not delivered twice.
* Embedded mode runs tasks inline (``task_always_eager``).
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("backend_academy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_acks_on_failure_or_timeout=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=60,
    task_time_limit=90,
    task_eager_propagates=True,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_expires=3600,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    task_default_queue="default",
)
app.autodiscover_tasks()


def _metrics() -> None:
    """Task durations and failures (apps/core/metrics.py), and in a worker with
    ``CELERY_METRICS_PORT`` its own /metrics, fed by its pool processes through the
    multiprocess directory (``make worker`` makes one). apps.core.metrics is imported
    by the handlers, not here: this module loads before the settings, and
    prometheus-client must load after them (they check PROMETHEUS_MULTIPROC_DIR)."""
    from celery import signals

    @signals.task_prerun.connect(weak=False)
    def prerun(**kwargs: Any) -> None:
        from apps.core import metrics

        metrics.celery_task_started(**kwargs)

    @signals.task_postrun.connect(weak=False)
    def postrun(**kwargs: Any) -> None:
        from apps.core import metrics

        metrics.celery_task_finished(**kwargs)

    @signals.task_failure.connect(weak=False)
    def failure(**kwargs: Any) -> None:
        from apps.core import metrics

        metrics.celery_task_failed(**kwargs)

    @signals.worker_init.connect(weak=False)
    def serve(**_: Any) -> None:
        from django.conf import settings

        from apps.core import metrics

        if settings.CELERY_METRICS_PORT:
            metrics.serve_worker_metrics(settings.CELERY_METRICS_PORT)

    @signals.worker_process_shutdown.connect(weak=False)
    def forget(pid: int | None = None, **_: Any) -> None:
        from apps.core import metrics

        if metrics.multiprocess_dir():
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(pid or os.getpid())


_metrics()


def warm_up() -> None:
    """Do at a web process's boot what Celery otherwise does at its first task: find
    every task module, build the task registry, the result backend and the message
    machinery (no connection is opened). Left to the first ``apply_async``, that took
    about a second of CPU with the GIL held, in the middle of a live game's first
    question (bench/live_bench.py with py-spy)."""
    if app.conf.task_always_eager:
        return
    from django.apps import apps

    # Each app's tasks module, as autodiscovery does (without its import signal, whose
    # Django fixup would set up Django's logging again in a running process).
    app.loader.autodiscover_tasks([config.name for config in apps.get_app_configs()])
    app.tasks  # noqa: B018 -- finalizes the app: every task registered
    app.backend  # noqa: B018
    app.amqp  # noqa: B018
    app.amqp.send_task_message  # noqa: B018
