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


def test_workers_fork_from_the_application_loaded_in_the_master(monkeypatch):
    monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
    assert runpy.run_path(str(CONFIG))["preload_app"] is True
    monkeypatch.setenv("GUNICORN_PRELOAD", "0")
    assert runpy.run_path(str(CONFIG))["preload_app"] is False


_MASTER = r"""
import asyncio, json, logging, os, runpy, sys, threading
from types import SimpleNamespace

import config.asgi  # noqa: F401  -- what gunicorn's master imports with preload_app
hooks = runpy.run_path(sys.argv[1])
server = SimpleNamespace(cfg=SimpleNamespace(preload_app=True), log=logging.getLogger("m"))
hooks["when_ready"](server)  # the master's freeze, before the first fork
from django.db import connections
fds = os.listdir("/proc/self/fd")
links = [os.readlink(f"/proc/self/fd/{fd}") for fd in fds if os.path.exists(f"/proc/self/fd/{fd}")]
policy_loop = asyncio.get_event_loop_policy()._local._loop
print(json.dumps({
    "threads": [t.name for t in threading.enumerate()],
    "sockets": [link for link in links if link.startswith("socket:")],
    "database": [alias for alias in connections if connections[alias].connection is not None],
    "loop": policy_loop is not None,
    "frozen": __import__("gc").get_freeze_count(),
}))
"""


def test_the_master_holds_no_connection_thread_or_loop_to_share_with_its_forks():
    """What ``preload_app`` relies on: importing the application (and freezing its heap)
    in the master opens no database or Redis connection, starts no thread and creates no
    event loop, each of which every forked worker would inherit and share. The services'
    addresses point at a closed port, so a connection attempt would show as an error
    (or a socket) here."""
    import json
    import os
    import secrets
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL="postgres://nobody@127.0.0.1:9/nothing",
        REDIS_URL="redis://127.0.0.1:9/0",
    )
    done = subprocess.run(
        [sys.executable, "-c", _MASTER, str(CONFIG)],
        cwd=CONFIG.parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["threads"] == ["MainThread"]
    assert found["sockets"] == []
    assert found["database"] == []
    assert found["loop"] is False
    assert found["frozen"] > 10_000  # the hook did run
