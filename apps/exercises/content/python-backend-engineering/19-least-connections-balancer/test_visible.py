from solution import Balancer, NoServerAvailable


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_least_connections():
    lb = Balancer(["a", "b", "c"], clock=FakeClock())
    first = lb.acquire()
    got = [first, lb.acquire(), lb.acquire()]
    assert got == ["a", "b", "c"], f"idle servers in list order first: expected ['a', 'b', 'c'], got {got!r}"
    lb.release("b", ok=True)
    lb.release("c", ok=True)
    got = lb.acquire()
    assert got == "b", f"a is busy, b and c idle, b picked longer ago: expected 'b', got {got!r}"


def test_quick_requests_rotate():
    lb = Balancer(["a", "b", "c"], clock=FakeClock())
    got = []
    for _ in range(6):
        server = lb.acquire()
        got.append(server)
        lb.release(server, ok=True)
    assert got == ["a", "b", "c", "a", "b", "c"], f"expected round-robin order, got {got!r}"


def test_failing_server_is_ejected_and_comes_back():
    clock = FakeClock()
    lb = Balancer(["a", "b"], max_fails=2, fail_timeout=10, clock=clock)
    for _ in range(2):
        lb.release("a", ok=False)
    assert lb.available() == ["b"], f"a failed twice and should be ejected, available: {lb.available()!r}"
    assert [lb.acquire() for _ in range(3)] == ["b", "b", "b"], "only b may receive traffic"
    clock.now = 10.0
    assert lb.available() == ["a", "b"], f"a should be back at t=10, available: {lb.available()!r}"


def test_all_ejected():
    lb = Balancer(["a"], max_fails=1, clock=FakeClock())
    lb.release("a", ok=False)
    try:
        lb.acquire()
    except NoServerAvailable:
        return
    raise AssertionError("with every server ejected, acquire() must raise NoServerAvailable")
