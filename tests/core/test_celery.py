from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from apps.core import tasks
from config.celery import app


def test_reliability_defaults():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_time_limit and conf.task_soft_time_limit
    assert conf.task_soft_time_limit < conf.task_time_limit
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility > conf.task_time_limit  # a running task is never delivered twice


@pytest.mark.django_db
def test_enqueue_waits_for_commit(monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(tasks.echo, "apply_async", lambda args, kwargs: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tasks.enqueue(tasks.echo, "hello")
        assert sent == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    assert sent == [("hello",)]


@pytest.mark.django_db(transaction=True)
def test_enqueue_sends_nothing_when_the_transaction_rolls_back(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.echo, "apply_async", lambda args, kwargs: sent.append(args))

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        tasks.enqueue(tasks.echo, "never")
        raise Boom
    assert sent == []
    with transaction.atomic():
        tasks.enqueue(tasks.echo, "after commit")
    assert sent == [("after commit",)]


def test_embedded_mode_runs_tasks_inline(settings):
    if settings.SERVICES_MODE:
        pytest.skip("embedded mode only")
    assert app.conf.task_always_eager
    assert tasks.echo.delay({"a": 1}).get(timeout=1) == {"a": 1}


@pytest.mark.services
def test_a_real_worker_runs_the_task(celery_worker_process):
    assert not app.conf.task_always_eager
    token = uuid.uuid4().hex
    result = tasks.echo.delay(token)
    assert result.get(timeout=30) == token
    assert result.successful()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_queued_on_commit(celery_worker_process):
    token = uuid.uuid4().hex
    captured = {}
    original = tasks.echo.apply_async

    def capture(args, kwargs):
        captured["result"] = original(args=args, kwargs=kwargs)

    tasks.echo.apply_async = capture  # type: ignore[method-assign]
    try:
        with transaction.atomic():
            tasks.enqueue(tasks.echo, token)
            assert "result" not in captured
    finally:
        tasks.echo.apply_async = original  # type: ignore[method-assign]
    assert captured["result"].get(timeout=30) == token
