"""Shared fixtures: modes, a real ASGI server, a real Celery worker, a real browser.

Markers:
* ``services``: needs PostgreSQL and Redis (and maybe a Celery worker). Skipped in
  embedded mode; with ``REQUIRE_SERVICES=1`` a missing service fails the test.
* ``browser``: needs Debian's Chromium. Skipped without it; with
  ``REQUIRE_BROWSER=1`` a missing browser fails the test.
* ``sandbox``: runs code in the bubblewrap sandbox. Skipped where it cannot run; with
  ``REQUIRE_SANDBOX=1`` an unavailable sandbox fails the test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: "browser" in item.keywords)  # browser tests last
    browser_ok = Path(CHROMIUM).exists()
    for item in items:
        if "services" in item.keywords and not settings.SERVICES_MODE:
            reason = "services mode only (set DATABASE_URL and REDIS_URL)"
            if _flag("REQUIRE_SERVICES"):
                item.add_marker(pytest.mark.must_fail(reason=f"REQUIRE_SERVICES=1: {reason}"))
            else:
                item.add_marker(pytest.mark.skip(reason=reason))
        if "sandbox" in item.keywords:
            from apps.exercises.sandbox import sandbox_available

            ok, why = sandbox_available()
            if not ok:
                if _flag("REQUIRE_SANDBOX"):
                    item.add_marker(pytest.mark.must_fail(reason=f"REQUIRE_SANDBOX=1: {why}"))
                else:
                    item.add_marker(pytest.mark.skip(reason=why))
        if "browser" in item.keywords and not browser_ok:
            reason = f"{CHROMIUM} is not installed (make browsers)"
            if _flag("REQUIRE_BROWSER"):
                item.add_marker(pytest.mark.must_fail(reason=f"REQUIRE_BROWSER=1: {reason}"))
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _required_but_missing(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("must_fail")
    if marker is not None:
        pytest.fail(marker.kwargs["reason"], pytrace=False)


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    """Each test starts with an empty cache (rate-limit counters live there)."""
    from django.core.cache import cache

    _clear(cache)
    yield
    _clear(cache)


def _clear(cache) -> None:  # type: ignore[no-untyped-def]
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")  # only the suite's keys: ba-test:cache:* (REDIS_KEY_PREFIX)
    else:
        cache.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThreadedAsgiServer:
    """uvicorn serving ``config.asgi`` in a thread of the test process."""

    def __init__(self) -> None:
        import uvicorn

        self.port = free_port()
        config = uvicorn.Config(
            "config.asgi:application",
            host="127.0.0.1",
            port=self.port,
            lifespan="off",
            log_level="warning",
            ws_max_size=65536,
            server_header=False,  # as config/workers.py
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test ASGI server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker) -> Iterator[ThreadedAsgiServer]:  # type: ignore[no-untyped-def]
    """A real HTTP + websocket server on a free port, sharing the test database."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    server = ThreadedAsgiServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_url(asgi_server: ThreadedAsgiServer, transactional_db: None) -> str:
    """The live server's base URL, with the test database open to its threads."""
    return asgi_server.url


# Module scope: Playwright's sync API keeps an event loop running in the main thread
# while it is open, which would break async_to_sync in the non-browser tests after it.
@pytest.fixture(scope="module")
def _playwright() -> Iterator[object]:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(_playwright):  # type: ignore[no-untyped-def]
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


AXE_JS = (ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:  # type: ignore[no-untyped-def]
    """Run axe-core in ``page``; return the violations of the given impacts."""
    page.evaluate(AXE_JS)  # evaluated over the DevTools protocol: the page's CSP stays intact
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = [v for v in result["violations"] if v.get("impact") in impacts]
    # Keep the rule, the impact and the offending markup so a failure says what to fix.
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:160] for n in v["nodes"][:5]]}
        for v in found
    ]


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:  # type: ignore[no-untyped-def]
    """A real Celery worker process on the test broker and the test database."""
    if not settings.SERVICES_MODE:
        if _flag("REQUIRE_SERVICES"):
            pytest.fail("REQUIRE_SERVICES=1 but not in services mode", pytrace=False)
        pytest.skip("a real worker needs services mode")
    from django.db import connection

    env = dict(os.environ)
    env["DJANGO_ENV"] = "test"
    db = connection.settings_dict
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    env["DATABASE_URL"] = f"postgres://{db['USER']}:{db['PASSWORD']}@{host}/{db['NAME']}"
    log = open(ROOT / "var" / "test-celery-worker.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "-Q",
            "default",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from config.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"celery worker exited with {proc.returncode}; see var/test-celery-worker.log"
            )
        if app.control.ping(timeout=1.0):
            break
    else:
        proc.terminate()
        raise RuntimeError("celery worker did not answer pings within 60 s")
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
