"""The grader on its own: values compared as plain data, records judged in order, every
test that did not report counted as not passed, hidden tests anonymous. Records are fed
by a scripted stand-in for the sandbox, so each rule is tested exactly."""

from __future__ import annotations

import pytest

from apps.exercises import grading, harness
from apps.exercises.sandbox import PhaseResult

VISIBLE = "def test_a(check):\n    pass\n\ndef test_b(check):\n    pass\n"
HIDDEN = "def test_h(check):\n    pass\n"
EXPECTED = {
    "format": 1,
    "digest": "",
    "test_visible.py": {
        "test_a": [["f(1)", 2]],
        "test_b": [["g()", [1, 2]], ["h()", 0.1, {"approx": 1e-6}]],
    },
    "test_hidden.py": {"test_h": [["secret(7)", 49]]},
}


def scripted(*phases):
    """A phase runner that feeds the grader the given records, phase by phase."""
    calls = []

    def run(**kwargs):
        records, returncode, killed = phases[len(calls)]
        calls.append(kwargs)
        for record in records:
            if kwargs["on_record"](record) is False:
                killed = "protocol"
                break
        return PhaseResult(status="ran", returncode=returncode, killed_for=killed,
                           output="printed\n" if kwargs["keep_output"] else "")  # fmt: skip

    run.calls = calls
    return run


def grade(monkeypatch, *phases, submit=False):
    runner = scripted(*phases)
    monkeypatch.setattr(grading, "phase_runner", runner)
    result = grading.grade(solution="x = 1", visible=VISIBLE, hidden=HIDDEN, expected=EXPECTED,
                           submit=submit)  # fmt: skip
    return result, runner.calls


def rec(name, *obs, **extra):
    return {"event": "test", "test": name, "obs": [list(o) for o in obs], **extra}


GOOD_A = rec("test_a", ("f(1)", 2))
GOOD_B = rec("test_b", ("g()", [1, 2]), ("h()", 0.1000000001))


def test_all_checks_matching_in_order_is_a_pass(monkeypatch):
    result, calls = grade(
        monkeypatch,
        ([GOOD_A, GOOD_B], 0, ""),
        ([rec("test_h", ("secret(7)", 49))], 0, ""),
        submit=True,
    )
    assert result.status == "passed" and [t.outcome for t in result.tests] == ["passed"] * 3
    assert [c["keep_output"] for c in calls] == [True, False]
    assert result.tests[2].name == "hidden test 1" and result.tests[2].hidden


@pytest.mark.parametrize(
    ("expected", "got", "equal"),
    [
        (1, 1.0, True), (1, True, False), (True, 1, False), (None, 0, False), ("1", 1, False),
        ([1, 2], [2, 1], False), ({"$tuple": [1]}, [1], False),
        ({"$tuple": [1]}, {"$tuple": [1]}, True),
        ({"$dict": [["a", 1], ["b", 2]]}, {"$dict": [["b", 2], ["a", 1]]}, True),
        ({"$dict": [["a", 1]]}, {"$dict": [["a", 1], ["a", 1]]}, False),
        ({"$set": [1, 2]}, {"$set": [2, 1]}, True),
        ({"$set": [1, 2]}, {"$frozenset": [1, 2]}, False),
        ({"$object": "X"}, {"$object": "X"}, False),
        ({"$raises": "ValueError"}, {"$raises": "ValueError"}, True),
        ({"$raises": "ValueError"}, {"$returned": None}, False),
        ({"$dict": "junk"}, {"$dict": "junk"}, False),
        ({"$int": "1" * 100}, {"$int": "1" * 100}, True), ({"$int": "1" * 100}, 1, False),
        (0.1, 0.1 + 1e-12, False), ([[]], [[[]]], False),
    ],
)  # fmt: skip
def test_values_compare_as_plain_data(expected, got, equal):
    assert grading.same(expected, got) is equal


def test_approx_is_the_authors_not_the_learners(monkeypatch):
    forged = rec("test_b", ("g()", [1, 2]), ("h()", 0.2, {"approx": 10.0}))
    result, _ = grade(monkeypatch, ([GOOD_A, forged], 0, ""))
    assert (
        result.tests[1].outcome == "failed"
        and result.tests[1].message == "h(): expected 0.1, got 0.2"
    )


def test_the_encoder_and_the_grader_agree():
    values = [(1, "x", None), {1: [2.5, {"k"}]}, float("nan"), b"\x00\xff", frozenset({3}), 2**400]
    for value in values:
        encoded = harness.encode(value)
        assert grading.same(encoded, harness.encode(value))
    assert grading.show(harness.encode((1, "x", None))) == "(1, 'x', None)"
    assert grading.show(harness.encode({1: [2.5]})) == "{1: [2.5]}"
    assert harness.encode(type("Liar", (int,), {"__eq__": lambda *a: True})(5)) == 5


@pytest.mark.parametrize(
    ("records", "outcomes"),
    [
        ([GOOD_B, GOOD_A], ["error", "error"]),  # out of order: stopped, nothing counts
        ([GOOD_A, GOOD_A, GOOD_B], ["passed", "error"]),  # a repeat stops the run
        ([GOOD_A, {"event": "test", "test": "test_zzz", "obs": []}], ["passed", "error"]),
        ([GOOD_A, {"event": "done"}], ["passed", "error"]),
        ([rec("test_a", ("f(1)", 2), ("extra", 1)), GOOD_B], ["failed", "passed"]),
        ([rec("test_a", ("f(2)", 2)), GOOD_B], ["failed", "passed"]),
        ([rec("test_a"), GOOD_B], ["failed", "passed"]),
        ([{"event": "test", "test": "test_a", "obs": "passed"}, GOOD_B], ["error", "passed"]),
        ([rec("test_a", ("f(1)", 3), error="ZeroDivisionError"), GOOD_B], ["failed", "passed"]),
        ([rec("test_a", ("f(1)", 2), error="ZeroDivisionError"), GOOD_B], ["error", "passed"]),
        ([GOOD_A], ["passed", "error"]),  # the process ended before test_b reported
    ],
)
def test_anything_but_the_expected_records_in_order_passes_nothing_more(
    monkeypatch, records, outcomes
):
    result, _ = grade(monkeypatch, (records, 0, ""))
    assert [t.outcome for t in result.tests] == outcomes
    assert result.status != "passed"


def test_a_mismatch_before_a_crash_is_what_the_learner_sees(monkeypatch):
    crashed = rec("test_a", ("f(1)", 3), error="ZeroDivisionError: division by zero")
    result, _ = grade(monkeypatch, ([crashed, GOOD_B], 0, ""))
    assert result.tests[0].message == "f(1): expected 2, got 3"


def test_a_process_that_ends_early_is_named_and_its_tests_not_run(monkeypatch):
    result, _ = grade(monkeypatch, ([GOOD_A], 0, ""))
    assert result.status == "error" and "ended the test run early" in result.reason
    assert result.tests[1].message.startswith("Not run: ")


def test_hidden_failures_say_nothing_and_a_crash_in_the_hidden_run_leaks_no_text(monkeypatch):
    leak = {"event": "import", "error": "Your code did not load: RuntimeError: def test_h(check):"}
    result, _ = grade(monkeypatch, ([GOOD_A, GOOD_B], 0, ""), ([leak], 0, ""), submit=True)
    hidden = result.tests[2]
    assert (hidden.outcome, hidden.message, hidden.duration_ms) == ("error", "", 0)
    assert (
        "def test_h" not in result.reason
        and "did not load when the hidden tests ran" in result.reason
    )
    assert result.output == "printed\n"  # the visible run's output only


def test_code_that_does_not_load_is_not_run_again_for_the_hidden_tests(monkeypatch):
    failed = {"event": "import", "error": "Your code did not load: SyntaxError"}
    result, calls = grade(monkeypatch, ([failed], 1, ""), submit=True)
    assert len(calls) == 1 and result.status == "error"
    assert [t.outcome for t in result.tests] == ["error"] * 3


def test_a_test_without_expected_values_cannot_pass(monkeypatch):
    monkeypatch.setitem(EXPECTED["test_visible.py"], "test_a", [])
    result, _ = grade(monkeypatch, ([rec("test_a"), GOOD_B], 0, ""))
    assert result.tests[0].outcome == "error"


@pytest.mark.parametrize(
    ("checks", "copyable"),
    [
        ([["first([42])", 42]], True),
        ([["percentile([42.5], 1)", 42.5], ["percentile([42.5], 50)", 42.5]], True),
        ([["p([30, 10], 25)", 10], ["p([30, 10], 75)", 30]], False),
        ([["f(one sample)", 42.5]], False),
        ([["ok?", True], ["raises", {"$raises": "ValueError"}]], True),
        ([["name('bob')", "bob"]], True),
        ([["ok?", True], ["n", 7]], False),
    ],
)
def test_a_test_whose_values_one_rule_reads_off_its_labels_is_refused(checks, copyable):
    assert grading._copyable(checks) is copyable


def test_expectations_round_trip_as_reviewable_text():
    text = grading.dumps_expectations(EXPECTED)
    assert '      ["f(1)", 2]' in text.splitlines()
    assert grading.loads_expectations(text) == EXPECTED
    with pytest.raises(grading.ExpectationsError):
        grading.loads_expectations("[" * 5000 + "]" * 5000)
