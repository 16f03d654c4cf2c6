"""Services mode, end to end: learners' lab runs go through the ``exercises`` queue to a
real Celery worker process and the real sandbox; the worker records them for the board
and its broadcasts reach the host's group through channels-redis, in queue order."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from apps.exercises import services as exercise_services
from apps.labs import events, selectors, services
from apps.labs.models import LabRun
from tests.exercises.conftest import SOLUTION, STARTER, make_exercise
from tests.exercises.test_services import _real_sandbox_or_skip
from tests.exercises.test_worker import exercises_worker
from tests.factories import UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

__all__ = ["exercises_worker"]


def test_lab_runs_through_the_worker_reach_the_board(exercises_worker, monkeypatch):
    _real_sandbox_or_skip()
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    dispatch, held = exercise_services.run_dispatch, []
    monkeypatch.setattr(exercise_services, "run_dispatch", held.append)  # sent once we listen
    exercise = make_exercise()
    host = UserFactory()
    lab = services.lab_create(host=host, exercise_slugs=[exercise.slug])
    users = [UserFactory(display_name=f"L{i}") for i in range(3)]
    for user in users:
        services.lab_join(lab_id=lab.pk, user=user)

    async def scenario() -> list[dict]:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(events.host_group(lab.pk), channel)
        runs = []
        for i, user in enumerate(users):
            runs.append(
                await sync_to_async(services.lab_run_create)(
                    lab_id=lab.pk,
                    user=user,
                    exercise_slug=exercise.slug,
                    code=SOLUTION if i == 0 else STARTER,
                    mode="submit",
                    key=f"lab-worker-{i}1",
                )
            )
        places = await sync_to_async(selectors.queue_positions)(lab_id=lab.pk)
        assert sorted(places[lab.pk].values()) == [1, 2, 3]
        for run in runs:
            await sync_to_async(dispatch)(run.pk)
        frames = []
        loop = asyncio.get_running_loop()
        end = loop.time() + 90
        while sum(1 for f in frames if f.get("failures") is not None) < 3:
            message = await asyncio.wait_for(layer.receive(channel), max(end - loop.time(), 1))
            frames.append(json.loads(message["text"]))
        return frames

    frames = async_to_sync(scenario)()
    assert held  # each run was held until the test listened
    done = [f for f in frames if f.get("failures") is not None]
    statuses = sorted(f["rows"][0]["last_status"] for f in done)
    assert statuses == ["failed", "failed", "passed"]
    assert all(LabRun.objects.filter(lab=lab).values_list("recorded", flat=True))
    lab.refresh_from_db()
    summary = selectors.lab_board(lab=lab, user=host)["items"][0]["summary"]
    assert (summary["ran"], summary["full_pass"]) == (3, 1)
