"""Receivers of the exercise runs' extension points: thin, id in, one service call."""

from __future__ import annotations

from typing import Any

from apps.labs import services


def on_run_started(sender: Any, *, run_id: int, **kwargs: Any) -> None:
    services.lab_queue_moved(run_id=run_id)


def on_run_finished(sender: Any, *, run_id: int, **kwargs: Any) -> None:
    services.lab_run_record(run_id=run_id)
