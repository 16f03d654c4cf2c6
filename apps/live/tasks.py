"""Celery tasks of live sessions: thin, id in, one service call."""

from __future__ import annotations

from celery import shared_task

from apps.live import services


@shared_task(name="live.close_question", ignore_result=True, acks_late=True)
def close_question(session_id: int, round_: int) -> bool:
    """Close a question at its deadline (idempotent: a stale round does nothing)."""
    return services.question_close_if_due(session_id=session_id, round=round_)
