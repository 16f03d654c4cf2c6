"""A Redis outage degrades, it does not fail: with the cache's Redis cut (a proxy in front
of it, closed mid-session), pages answer from the database and rate limits keep
counting in each process; when Redis answers again, counting goes back to it."""

from __future__ import annotations

import contextlib
import copy
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from apps.core import content_version, ratelimit
from tests.factories import UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db]


class CuttableProxy:
    """A TCP proxy on a free local port. ``cut()`` closes every open connection and
    refuses new ones (as a dead Redis would); ``restore()`` accepts again."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()  # refused while cut
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=2)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets |= {client, server}
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.close()

    def cut(self) -> None:
        self.open.clear()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()

    def restore(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()


@pytest.fixture
def proxy(settings):
    """The cache behind a cuttable proxy (the channel layer and broker stay direct)."""
    location = urlsplit(django_settings.CACHES["default"]["LOCATION"])
    proxy = CuttableProxy((location.hostname or "127.0.0.1", location.port or 6379))
    caches = copy.deepcopy(django_settings.CACHES)
    caches["default"]["LOCATION"] = urlunsplit(location._replace(netloc=f"127.0.0.1:{proxy.port}"))
    caches["default"]["OPTIONS"]["SOCKET_CONNECT_TIMEOUT"] = 0.5
    caches["default"]["OPTIONS"]["SOCKET_TIMEOUT"] = 0.5
    settings.CACHES = caches  # resets the cache connections
    yield proxy
    proxy.close()


def test_pages_answer_while_the_cache_is_cut(client, proxy):
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/").status_code == 200  # an anonymous page, cached in Redis
    proxy.cut()
    for path in ("/", "/accounts/login/", "/accounts/signup/", "/live/"):
        response = client.get(path)
        assert response.status_code in (200, 302), (path, response.status_code)
    response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    assert response.status_code == 400  # the form's error, counted in this process
    assert 'id="id_username"' in response.content.decode()
    response = client.post("/live/join", {"code": "ACDEFG", "nickname": "Ada"})
    assert response.status_code == 404
    assert "No live session has that code" in response.content.decode()
    assert isinstance(content_version.current(), int)  # what a socket's state is built from


def test_sign_in_limits_hold_in_the_process_while_the_cache_is_cut(client, proxy):
    UserFactory(username="ada")
    proxy.cut()
    limit = django_settings.LOGIN_FAILURE_LIMIT
    for _ in range(limit):
        response = client.post("/accounts/login/", {"username": "ada", "password": "wrong"})
        assert response.status_code == 400
        assert "Too many failed sign-in attempts" not in response.content.decode()
    response = client.post("/accounts/login/", {"username": "ada", "password": "wrong"})
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_counting_goes_back_to_redis_when_it_answers(proxy):
    limit = ratelimit.Limit("outage-test", limit=3, window=600)
    assert ratelimit.hit(limit, "x").count == 1  # in Redis
    proxy.cut()
    assert ratelimit.hit(limit, "x").count == 1  # this process's own count, from zero
    assert ratelimit.hit(limit, "x").count == 2
    assert ratelimit.peek(limit, "x").count == 2
    proxy.restore()
    assert ratelimit.hit(limit, "x").count == 2  # Redis again: its count goes on
    assert cache.get(ratelimit._key(limit, "x")) == 2
    ratelimit.reset(limit, "x")
    assert ratelimit.peek(limit, "x").count == 0


def test_local_counters_expire_and_stay_bounded(monkeypatch):
    counters = ratelimit._LocalCounters(max_keys=3)
    now = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: now[0])
    assert counters.incr("a", 1, 10, None) == (1, 0)
    assert counters.incr("a", 2, 10, "b") == (3, 0)
    now[0] += 11
    assert counters.get("a") == 0
    assert counters.incr("a", 1, 10, None) == (1, 0)  # a new window
    for key in "bcde":
        counters.incr(key, 1, 10, None)
    assert len(counters._counts) == 3
    assert counters.get("e") == 1
