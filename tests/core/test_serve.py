"""`make serve`'s stack for real: gunicorn + uvicorn workers, production settings."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
METRICS_TOKEN = secrets.token_urlsafe(24)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _kill_with_workers(proc: subprocess.Popen) -> None:
    """SIGKILL to the master alone would leave its workers running, orphaned."""
    with contextlib.suppress(OSError):
        for pid in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split():
            with contextlib.suppress(OSError):
                os.kill(int(pid), signal.SIGKILL)
    proc.kill()


@pytest.fixture
def gunicorn_server(tmp_path):
    from django.db import connection

    db = connection.settings_dict
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    port = free_port()
    (tmp_path / "prometheus").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD']}@{host}/{db['NAME']}",
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        METRICS_TOKEN=METRICS_TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "config/gunicorn.py",
                "config.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                _kill_with_workers(proc)
                pytest.fail("gunicorn did not start:\n" + log_path.read_text())
            time.sleep(0.2)
    yield base, log_path, proc
    proc.terminate()
    proc.wait(timeout=30)


def test_gunicorn_serves_http_and_websockets_on_one_port_with_json_logs(gunicorn_server):
    base, log_path, _ = gunicorn_server
    with urllib.request.urlopen(base + "/readyz", timeout=10) as response:
        body = json.load(response)
    assert body["status"] == "ready", body
    assert body["mode"] == "services"
    assert body["checks"]["channel_layer"]["backend"] == "RedisChannelLayer"

    request = urllib.request.Request(base + "/", headers={"X-Request-ID": "serve-test-0001"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers.get("Server") is None  # no "server: uvicorn" banner
        page = response.read().decode()
    assert "/static/css/app." in page  # hashed name from the manifest storage

    import websockets

    async def ping() -> dict:
        url = base.replace("http", "ws") + "/ws/system/"
        async with websockets.connect(url, origin=base) as ws:
            json.loads(await ws.recv())
            await ws.send(json.dumps({"type": "ping", "nonce": "gunicorn"}))
            return json.loads(await ws.recv())

    assert async_to_sync(ping)() == {
        "type": "pong",
        "nonce": "gunicorn",
        "layer_ms": pytest.approx(0, abs=1000),
    }

    time.sleep(0.5)
    assert "froze" in log_path.read_text()  # config/gunicorn.py: post_worker_init
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("request_id") == "serve-test-0001"]
    assert mine and mine[-1]["path"] == "/" and mine[-1]["status"] == 200


def test_killed_workers_are_forked_again_from_the_loaded_application(gunicorn_server):
    """Workers fork from the application the master loaded (``preload_app``): the master
    holds the loaded, frozen application (its ``when_ready`` hook says so), and when both
    workers die at once gunicorn forks new ones that serve. How fast that is belongs to
    bench/live_chaos.py (0.4 s median, 1.2 s at most, against 3-8 s of importing without
    preloading), not to a timed test on a shared machine."""
    base, log_path, proc = gunicorn_server
    assert "objects in the master" in log_path.read_text()
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    assert len(children) == 2
    for pid in children:
        os.kill(int(pid), signal.SIGKILL)
    started = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        assert time.monotonic() - started < 30, "no worker came back"
        time.sleep(0.02)
    after = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    assert set(after).isdisjoint(children)
    assert log_path.read_text().count("objects in the master") == 1  # not loaded again


def _scrape(base: str) -> str:
    request = urllib.request.Request(
        base + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        return response.read().decode()


def _healthz_count(text: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        if family.name == "academy_http_responses":
            return sum(
                sample.value
                for sample in family.samples
                if sample.name.endswith("_total") and sample.labels["route"] == "core:healthz"
            )
    return 0.0


def test_metrics_add_up_every_worker_and_outlive_a_dead_one(gunicorn_server, tmp_path):
    """Multiprocess mode: each worker writes its own files; a scrape, whichever worker
    answers it, adds them all up — and keeps a killed worker's counts."""
    from concurrent.futures import ThreadPoolExecutor

    from prometheus_client.multiprocess import MultiProcessCollector

    base, _, proc = gunicorn_server
    folder = tmp_path / "prometheus"
    workers = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    assert len(workers) == 2

    def per_worker() -> dict[str, float]:
        counts = {}
        for pid in workers:
            files = [str(p) for p in folder.glob(f"counter_{pid}.db")]
            metrics = MultiProcessCollector.merge(files, accumulate=False) if files else []
            counts[pid] = sum(
                s.value
                for m in metrics
                for s in m.samples
                if s.name == "academy_http_responses_total" and s.labels["route"] == "core:healthz"
            )
        return counts

    def get(_: int) -> int:
        with urllib.request.urlopen(base + "/healthz", timeout=10) as response:
            return response.status

    before = per_worker()  # the fixture's own probes
    sent = sum(before.values())
    deadline = time.monotonic() + 30
    with ThreadPoolExecutor(8) as pool:
        # Until both workers have served some of this test's requests.
        while not all(per_worker()[pid] > before[pid] for pid in workers):
            assert time.monotonic() < deadline, per_worker()
            assert set(pool.map(get, range(16))) == {200}
            sent += 16
    assert sum(per_worker().values()) == sent
    for _ in range(4):  # whichever worker answers the scrape
        assert _healthz_count(_scrape(base)) == sent

    os.kill(int(workers[0]), signal.SIGKILL)
    deadline = time.monotonic() + 30
    while len(Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()) < 2:
        assert time.monotonic() < deadline, "no worker came back"
        time.sleep(0.1)
    while True:
        try:
            assert _healthz_count(_scrape(base)) == sent  # the dead worker's counts stay
            break
        except OSError:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    try:
        urllib.request.urlopen(base + "/metrics", timeout=10)
        raise AssertionError("/metrics answered without the token")
    except urllib.error.HTTPError as error:
        assert error.code == 401
