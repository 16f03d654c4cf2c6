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
