"""Services mode, end to end: a run queued after commit on the ``exercises`` queue, taken
by a real Celery worker process, executed in the real sandbox, its results broadcast
from the worker through channels-redis as they happen."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from apps.exercises import events, services
from apps.exercises.models import Run
from tests.conftest import ROOT
from tests.exercises.conftest import WRONG, make_exercise
from tests.exercises.test_services import _real_sandbox_or_skip
from tests.factories import UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def exercises_worker(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:  # type: ignore[no-untyped-def]
    """A Celery worker consuming only the ``exercises`` queue, on the test database."""
    if not settings.SERVICES_MODE:
        pytest.skip("services mode only (set DATABASE_URL and REDIS_URL)")
    from django.db import connection

    env = dict(os.environ, DJANGO_ENV="test")
    db = connection.settings_dict
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    env["DATABASE_URL"] = f"postgres://{db['USER']}:{db['PASSWORD']}@{host}/{db['NAME']}"
    log = open(ROOT / "var" / "test-exercises-worker.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
         "--loglevel", "INFO", "-Q", "exercises", "-n", "exercises-test@%h",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    from config.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[f"exercises-test@{os.uname().nodename}"], timeout=1):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the exercises worker did not start (var/test-exercises-worker.log)")
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_a_run_goes_through_the_queue_the_worker_and_the_sandbox(exercises_worker, monkeypatch):
    _real_sandbox_or_skip()
    dispatch, held = services.run_dispatch, []
    monkeypatch.setattr(services, "run_dispatch", held.append)  # sent once we listen
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    exercise = make_exercise()
    user = UserFactory()

    async def scenario() -> list[dict]:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        run = await sync_to_async(services.run_create)(
            user=user, exercise_slug=exercise.slug, code=WRONG, mode="submit", key="worker-key-1"
        )
        await layer.group_add(events.group(run.pk), channel)
        assert held == [run.pk]  # handed on after commit; now really send it to the queue
        await sync_to_async(dispatch)(run.pk)
        frames: list[dict] = []
        loop = asyncio.get_running_loop()
        end = loop.time() + 60
        while not frames or frames[-1]["type"] != "done":
            message = await asyncio.wait_for(layer.receive(channel), max(end - loop.time(), 0.1))
            frames.append(json.loads(message["text"]))
        return frames

    frames = async_to_sync(scenario)()
    run = Run.objects.get()
    assert (run.status, run.passed, run.total, run.attempts) == ("failed", 4, 5, 1)
    assert [f["type"] for f in frames] == ["status"] + ["test"] * 5 + ["done"]
    assert [f["seq"] for f in frames] == list(range(1, 8))
    assert "SECRET-EXPECTATION" not in str(frames)


def test_forged_submits_through_the_worker_are_graded_failed(exercises_worker):
    """A forging solution goes the way a learner's does (queue, worker, sandbox, grader)
    and is recorded as not passed; its progress does not count."""
    _real_sandbox_or_skip()
    from django.core.management import call_command

    from apps.exercises import selectors
    from tests.exercises.forgers import FORGERS, PREAMBLE
    from tests.exercises.test_forgery import exercise

    call_command("import_content", verbosity=0)
    starter = exercise("01-latency-percentiles")["starter.py"]
    user = UserFactory()
    runs = []
    for n, name in enumerate(("replay_the_manifest_and_exit_zero", "planted_probe_module",
                              "patch_the_recorder_to_report_true")):  # fmt: skip
        run = services.run_create(user=user, exercise_slug="latency-percentiles",
                                  code=starter + PREAMBLE + FORGERS[name], mode="submit",
                                  key=f"forged-through-worker-{n}")  # fmt: skip
        deadline = time.monotonic() + 60
        while Run.objects.get(pk=run.pk).status in ("queued", "running"):
            assert time.monotonic() < deadline, f"{name}: the worker did not finish the run"
            time.sleep(0.1)
        runs.append(Run.objects.get(pk=run.pk))
    for run in runs:
        assert run.status != "passed" and run.passed < run.total == 12, (run.status, run.reason)
    assert sum(row["solved"] for row in selectors.exercise_progress_by_module(user=user)) == 0
