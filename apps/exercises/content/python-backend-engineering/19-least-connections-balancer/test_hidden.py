from solution import Balancer, NoServerAvailable


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_validation(check):
    for args, kwargs in [([], {}), (["a", "a"], {}), (["a"], {"max_fails": 0}), (["a"], {"fail_timeout": 0})]:
        check.raises(f"Balancer({args!r}, **{kwargs!r})", ValueError, Balancer, args, **kwargs)
    check.raises("release('zzz', ok=True) on Balancer(['a'])", ValueError, Balancer(["a"]).release, "zzz", ok=True)
    clock = FakeClock()
    lb = Balancer(["a", "b"], max_fails=1, fail_timeout=0.5, clock=clock)
    lb.release("a", ok=False)
    check("Balancer(['a', 'b'], max_fails=1, fail_timeout=0.5): available() after one failure of a", lb.available())
    clock.now = 0.5
    check("available() at t=0.5", lb.available())


def test_success_resets_consecutive_failures(check):
    lb = Balancer(["a", "b"], max_fails=3, clock=FakeClock())
    for ok in (False, False, True, False, False):
        lb.release("a", ok=ok)
    check("available() after a failed, failed, succeeded, failed, failed", lb.available())
    lb.release("a", ok=False)
    check("available() after a third consecutive failure", lb.available())


def test_probation_failure_ejects_immediately(check):
    clock = FakeClock()
    lb = Balancer(["a", "b"], max_fails=3, fail_timeout=5, clock=clock)
    for _ in range(3):
        lb.release("a", ok=False)
    clock.now = 5.0
    check("a in available() at t=5 (ejected at 0, fail_timeout=5)", "a" in lb.available())
    lb.release("a", ok=False)
    check("available() after one failure on probation at t=5", lb.available())
    clock.now = 9.999
    check("available() at t=9.999", lb.available())
    clock.now = 10.0
    check("available() at t=10", lb.available())


def test_probation_success_restores_full_budget(check):
    clock = FakeClock()
    lb = Balancer(["a", "b"], max_fails=2, fail_timeout=5, clock=clock)
    lb.release("a", ok=False)
    lb.release("a", ok=False)
    clock.now = 5.0
    lb.release("a", ok=True)
    lb.release("a", ok=False)
    check("available() after a probation success then one failure (max_fails=2)", lb.available())


def test_ejection_window_measured_from_the_ejecting_failure(check):
    clock = FakeClock()
    lb = Balancer(["a", "b"], max_fails=2, fail_timeout=10, clock=clock)
    lb.release("a", ok=False)
    clock.now = 7.0
    lb.release("a", ok=False)
    clock.now = 16.9
    check("available() at t=16.9 (ejected at t=7, fail_timeout=10)", lb.available())
    clock.now = 17.0
    check("available() at t=17", lb.available())


def test_busy_server_avoided_and_active_never_negative(check):
    lb = Balancer(["a", "b"], clock=FakeClock())
    lb.release("a", ok=True)  # spurious release: must not make a look "extra idle"
    lb.release("a", ok=True)
    check("two acquire() calls after two spurious releases of a", (lb.acquire(), lb.acquire()))
    check("third acquire() (a and b both busy)", lb.acquire())
    lb.release("b", ok=True)
    check("acquire() after releasing b (a has 2 active)", lb.acquire())


def test_ejected_servers_skipped_by_acquire_and_recover(check):
    clock = FakeClock()
    lb = Balancer(["a", "b", "c"], max_fails=1, fail_timeout=3, clock=clock)
    lb.release("b", ok=False)
    got = []
    for _ in range(4):
        s = lb.acquire()
        got.append(s)
        lb.release(s, ok=True)
    check("four quick requests while b is ejected", got)
    clock.now = 3.0
    check("acquire() at t=3 when b is back", lb.acquire())


def test_recovery_after_everything_failed(check):
    clock = FakeClock()
    lb = Balancer(["a", "b"], max_fails=1, fail_timeout=2, clock=clock)
    lb.release("a", ok=False)
    lb.release("b", ok=False)
    check.raises("acquire() with a and b ejected", NoServerAvailable, lb.acquire)
    clock.now = 2.0
    check("acquire() at t=2 (fail_timeout=2)", lb.acquire())
