"""config/gunicorn.py's worker hook: the booted heap is frozen out of the collector."""

from __future__ import annotations

import gc
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

CONFIG = Path(__file__).resolve().parents[2] / "config" / "gunicorn.py"


@pytest.fixture
def hook():
    gc.unfreeze()
    yield runpy.run_path(str(CONFIG))["post_worker_init"]
    gc.unfreeze()


def test_a_booted_worker_freezes_its_heap(hook, monkeypatch, caplog):
    monkeypatch.delenv("GC_FREEZE", raising=False)
    worker = SimpleNamespace(log=logging.getLogger("gunicorn-test"))
    with caplog.at_level(logging.INFO, logger="gunicorn-test"):
        hook(worker)
    assert gc.get_freeze_count() > 10_000  # Django and the project, at least
    assert "froze" in caplog.text


def test_gc_freeze_0_leaves_the_collector_alone(hook, monkeypatch):
    monkeypatch.setenv("GC_FREEZE", "0")
    hook(SimpleNamespace(log=logging.getLogger("gunicorn-test")))
    assert gc.get_freeze_count() == 0


def test_a_booted_worker_has_celery_ready_for_its_first_task():
    """The task registry is built at boot (with the backend and the message machinery:
    they had cost a second of CPU inside a live game's first question). In a process of
    its own: this one's Celery app is long finalized."""
    import os
    import subprocess
    import sys

    script = (
        "import django; django.setup()\n"
        "from config.celery import app, warm_up\n"
        "assert not app.finalized\n"
        "warm_up()\n"
        "assert app.finalized and 'live.close_question' in app.tasks\n"
        "print('warm')\n"
    )
    env = {
        **os.environ,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=CONFIG.parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip() == "warm", done.stderr[-2000:]


def test_a_failing_celery_warm_up_does_not_stop_the_boot(hook, monkeypatch, caplog):
    import config.celery

    monkeypatch.setenv("GC_FREEZE", "0")

    def broken() -> None:
        raise RuntimeError("no broker library")

    monkeypatch.setattr(config.celery, "warm_up", broken)
    with caplog.at_level(logging.ERROR, logger="gunicorn-test"):
        hook(SimpleNamespace(log=logging.getLogger("gunicorn-test")))
    assert "warming up Celery failed" in caplog.text
