"""gunicorn settings for ``make serve`` and the container (read from the environment)."""

import os
import shutil
import tempfile
from pathlib import Path

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "config.workers.Worker"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
accesslog = None  # the app logs each request itself, with its request id
errorlog = "-"
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = 100
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Load the application once, in the master, and fork workers from it: a worker that dies
# is replaced in a fraction of a second instead of importing Django and the project
# again (3-8 s on a busy 2-core machine, during which its share of the live players had
# nowhere to reconnect: bench/live_chaos.py). Importing creates no connection, thread
# or event loop (tests/core/test_gunicorn_config.py checks), so nothing is shared across
# the fork. The price: a HUP no longer reloads the code; restart the master to deploy.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").lower() not in {"0", "false", "no", "off"}


def _metrics_dir() -> tuple[str, bool]:
    """Prometheus' multiprocess directory (apps/core/metrics.py), set before the
    application (and prometheus-client) loads: PROMETHEUS_MULTIPROC_DIR, emptied of a
    previous server's files, or a new temporary one removed at exit. One per server."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if not given:
        path = tempfile.mkdtemp(prefix="academy-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
        return path, True
    Path(given).mkdir(parents=True, exist_ok=True)
    for stale in Path(given).glob("*.db"):
        stale.unlink()
    return given, False


# Only when gunicorn reads this file (it loads it as "__config__"), not when a test does.
metrics_dir, _metrics_dir_is_ours = _metrics_dir() if __name__ == "__config__" else ("", False)


def child_exit(server, worker):
    """A worker is gone: its live gauges (connected players) stop counting; its
    counters and histograms stay in the sums, as Prometheus expects of counters."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _metrics_dir_is_ours and metrics_dir:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _gc_freeze_wanted() -> bool:
    return os.environ.get("GC_FREEZE", "1").lower() not in {"0", "false", "no", "off"}


def _freeze_heap() -> int:
    import gc

    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018  -- import every view and build the URL maps
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def when_ready(server):
    """With ``preload_app``: freeze the loaded application's heap in the master, before
    the first fork, so that every worker (respawned ones too) starts with it frozen and
    its own collection in ``post_worker_init`` is short (and leaves the pages it shares
    with the master alone)."""
    if not (server.cfg.preload_app and _gc_freeze_wanted()):
        return
    server.log.info("froze %d objects in the master", _freeze_heap())


def post_worker_init(worker):
    from config.celery import warm_up

    try:
        warm_up()  # before the freeze: what it loads lives as long as the process
    except Exception:  # the first task does it instead; never a reason not to boot
        worker.log.exception("warming up Celery failed")
    _freeze(worker)


def _freeze(worker):
    """Freeze what a booted worker holds (Django, the URLconf, the schemas) out of the
    garbage collector's reach (``gc.freeze``), unless ``GC_FREEZE=0``.

    Those objects live as long as the process, yet every full collection walked all of
    them: 100-170 ms with every thread of the worker stopped (the GIL is held), which set
    the API's p99 at a modest load (bench/api_bench.py, open-loop phase) and stalled live
    answers mid-game. Frozen, a full collection scans only what came after.
    """
    if not _gc_freeze_wanted():
        return
    worker.log.info("froze %d objects at boot", _freeze_heap())
