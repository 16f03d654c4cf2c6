from solution import Balancer, NoServerAvailable


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_validation():
    for args, kwargs in [([], {}), (["a", "a"], {}), (["a"], {"max_fails": 0}), (["a"], {"fail_timeout": 0})]:
        try:
            Balancer(args, **kwargs)
        except ValueError:
            continue
        raise AssertionError(f"Balancer({args!r}, **{kwargs!r}) should raise ValueError")
    try:
        Balancer(["a"]).release("zzz", ok=True)
    except ValueError:
        pass
    else:
        raise AssertionError("releasing an unknown server should raise ValueError")


def test_success_resets_consecutive_failures():
    lb = Balancer(["a", "b"], max_fails=3, clock=FakeClock())
    for ok in (False, False, True, False, False):
        lb.release("a", ok=ok)
    assert lb.available() == ["a", "b"], "failures are counted consecutively; a success resets them"
    lb.release("a", ok=False)
    assert lb.available() == ["b"], "a third consecutive failure ejects a"


def test_probation_failure_ejects_immediately():
    clock = FakeClock()
    lb = Balancer(["a", "b"], max_fails=3, fail_timeout=5, clock=clock)
    for _ in range(3):
        lb.release("a", ok=False)
    clock.now = 5.0
    assert "a" in lb.available()
    lb.release("a", ok=False)
    assert lb.available() == ["b"], "one failure on probation must eject the server again"
    clock.now = 9.999
    assert lb.available() == ["b"], "the new ejection lasts fail_timeout from the probation failure"
    clock.now = 10.0
    assert lb.available() == ["a", "b"]


def test_probation_success_restores_full_budget():
    clock = FakeClock()
    lb = Balancer(["a", "b"], max_fails=2, fail_timeout=5, clock=clock)
    lb.release("a", ok=False)
    lb.release("a", ok=False)
    clock.now = 5.0
    lb.release("a", ok=True)
    lb.release("a", ok=False)
    assert lb.available() == ["a", "b"], "after a probation success, one failure must not eject"


def test_ejection_window_measured_from_the_ejecting_failure():
    clock = FakeClock()
    lb = Balancer(["a", "b"], max_fails=2, fail_timeout=10, clock=clock)
    lb.release("a", ok=False)
    clock.now = 7.0
    lb.release("a", ok=False)
    clock.now = 16.9
    assert lb.available() == ["b"], "ejected at t=7 for 10 s: still out at 16.9"
    clock.now = 17.0
    assert lb.available() == ["a", "b"]


def test_busy_server_avoided_and_active_never_negative():
    lb = Balancer(["a", "b"], clock=FakeClock())
    lb.release("a", ok=True)  # spurious release: must not make a look "extra idle"
    lb.release("a", ok=True)
    first = lb.acquire()
    second = lb.acquire()
    assert (first, second) == ("a", "b"), f"expected ('a', 'b'), got {(first, second)!r}"
    third = lb.acquire()
    assert third == "a", f"both have 1 active, a was picked longer ago: expected 'a', got {third!r}"
    lb.release("b", ok=True)
    fourth = lb.acquire()
    assert fourth == "b", f"b has 0 active requests and a has 2: expected 'b', got {fourth!r}"


def test_ejected_servers_skipped_by_acquire_and_recover():
    clock = FakeClock()
    lb = Balancer(["a", "b", "c"], max_fails=1, fail_timeout=3, clock=clock)
    lb.release("b", ok=False)
    got = []
    for _ in range(4):
        s = lb.acquire()
        got.append(s)
        lb.release(s, ok=True)
    assert "b" not in got and got == ["a", "c", "a", "c"], f"unexpected rotation {got!r}"
    clock.now = 3.0
    s = lb.acquire()
    assert s == "b", f"b is back and was picked least recently (never), expected 'b', got {s!r}"


def test_recovery_after_everything_failed():
    clock = FakeClock()
    lb = Balancer(["a", "b"], max_fails=1, fail_timeout=2, clock=clock)
    lb.release("a", ok=False)
    lb.release("b", ok=False)
    try:
        lb.acquire()
    except NoServerAvailable:
        pass
    else:
        raise AssertionError("expected NoServerAvailable")
    clock.now = 2.0
    assert lb.acquire() == "a", "after the timeout the servers take traffic again"
