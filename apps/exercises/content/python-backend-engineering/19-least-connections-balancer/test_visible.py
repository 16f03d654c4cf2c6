"""Visible tests: each one calls your code and checks what it returns.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label, outside the sandbox. The expected values are listed
on the exercise page and shown in a failing test's message.
"""

from solution import Balancer, NoServerAvailable


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_least_connections(check):
    lb = Balancer(["a", "b", "c"], clock=FakeClock())
    check("three acquire() calls, nothing released", [lb.acquire(), lb.acquire(), lb.acquire()])
    lb.release("b", ok=True)
    lb.release("c", ok=True)
    check("acquire() after releasing b and c (a still busy)", lb.acquire())


def test_quick_requests_rotate(check):
    lb = Balancer(["a", "b", "c"], clock=FakeClock())
    got = []
    for _ in range(6):
        server = lb.acquire()
        got.append(server)
        lb.release(server, ok=True)
    check("six acquire() calls, each released at once", got)


def test_failing_server_is_ejected_and_comes_back(check):
    clock = FakeClock()
    lb = Balancer(["a", "b"], max_fails=2, fail_timeout=10, clock=clock)
    for _ in range(2):
        lb.release("a", ok=False)
    check("available() after two failures of a (max_fails=2)", lb.available())
    check("three acquire() calls while a is ejected", [lb.acquire() for _ in range(3)])
    clock.now = 10.0
    check("available() at t=10 (fail_timeout=10)", lb.available())


def test_all_ejected(check):
    clock = FakeClock()
    lb = Balancer(["a"], max_fails=1, clock=clock)
    lb.release("a", ok=False)
    check.raises("acquire() with every server ejected", NoServerAvailable, lb.acquire)
    clock.now = 30.0
    check("acquire() at t=30 (default fail_timeout 30)", lb.acquire())
