"""Grading code runs: the verdict is decided here, in the worker, never in the sandbox.

An exercise's tests are *probes*: each ``test_*`` function takes a ``check`` recorder,
calls the learner's code and hands what it observed to ``check(label, value)``. Inside
the sandbox the harness only writes those observations down, as plain JSON data (see
``apps/exercises/harness.py``). Here they are compared with the **expected
observations**, recorded by running the author's reference solution through the same
probes (``record_expectations``), and stored with the exercise. The learner's process
never sees an expected value of a hidden test, and nothing it writes is taken as a
verdict: it can only report values, and a test passes when every value it reports for
that test equals the reference's. A process that lies about its values is in the same
place as a solution that computes them — it must know them.

A *Submit* runs in two sandboxed processes: the visible probes (their output and
failure messages come back to the learner), then the hidden probes, whose output is
discarded and whose results come back as outcomes only, so no hidden input, expected
value or printout can reach the learner through the run.
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apps.core import jsonbody
from apps.exercises import sandbox
from apps.exercises.sandbox import Limits, PhaseResult

FORMAT = 1
# The observation protocol of harness.py: change it when the encoding of values changes,
# and every stored expectation becomes stale (to be recorded again).
PROTOCOL = "observations-1"
VISIBLE_FILE = "test_visible.py"
HIDDEN_FILE = "test_hidden.py"
MESSAGE_LIMIT = 2000
SHOW_LIMIT = 400
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAGS = {
    "$int", "$tuple", "$dict", "$set", "$frozenset", "$bytes", "$float", "$enum", "$exception",
    "$number", "$value", "$object", "$raises", "$raised", "$returned",
}  # fmt: skip
_YES_NO_TAGS = {"$raises", "$raised", "$exception"}


class ExpectationsError(ValueError):
    """Stored expectations that cannot be read."""


# --------------------------------------------------------------------------- results


def test_names(source: str) -> list[str]:
    """The tests of a probe file (parsed, never run): the module's own top-level
    ``test_*`` functions, in order. Raises ``SyntaxError``."""
    tree = ast.parse(source)
    names = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    ]
    return list(dict.fromkeys(names))  # a redefinition replaces the earlier function


@dataclass
class TestOutcome:
    name: str
    outcome: str  # passed | failed | error | timeout
    duration_ms: int
    message: str
    file: str = ""
    hidden: bool = False


@dataclass
class GradeResult:
    status: str  # passed | failed | error | timeout | refused
    tests: list[TestOutcome] = field(default_factory=list)
    output: str = ""
    duration_ms: int = 0
    reason: str = ""
    sandboxed: bool = True


def phase_runner(**kwargs: Any) -> PhaseResult:
    """What runs one process of probes (the sandbox; tests may stand in for it)."""
    return sandbox.run_phase(**kwargs)


# --------------------------------------------------------------------------- values


def same(expected: Any, got: Any, tol: float | None = None) -> bool:
    """Whether a reported value equals an expected one. Both are plain JSON data (what
    ``json.loads`` gives): no object of the learner's can take part in the comparison.
    Booleans equal only booleans; numbers compare numerically (``tol``: relative)."""
    if expected is None:
        return got is None
    if isinstance(expected, bool):
        return isinstance(got, bool) and got is expected
    if isinstance(expected, int | float):
        if isinstance(got, bool) or not isinstance(got, int | float):
            return False
        if tol is not None and (isinstance(expected, float) or isinstance(got, float)):
            return math.isclose(expected, got, rel_tol=tol, abs_tol=tol * 1e-3)
        return bool(expected == got)
    if isinstance(expected, str):
        return isinstance(got, str) and expected == got
    if isinstance(expected, list):
        return (
            isinstance(got, list)
            and len(got) == len(expected)
            and all(same(e, g, tol) for e, g in zip(expected, got, strict=True))
        )
    if not isinstance(expected, dict) or len(expected) != 1:
        return False
    if not isinstance(got, dict) or len(got) != 1 or next(iter(got)) != next(iter(expected)):
        return False
    tag, e_value = next(iter(expected.items()))
    g_value = got[tag]
    if tag in ("$tuple", "$returned"):
        return same(e_value, g_value, tol)
    if tag == "$dict":
        return _same_pairs(e_value, g_value, tol)
    if tag in ("$set", "$frozenset"):
        return _same_multiset(e_value, g_value)
    if tag == "$object":
        return False  # nothing is known of an object but its type's name
    if tag in _TAGS:
        return isinstance(g_value, str) and isinstance(e_value, str) and e_value == g_value
    return False


def _same_pairs(expected: Any, got: Any, tol: float | None) -> bool:
    if not isinstance(expected, list) or not isinstance(got, list) or len(expected) != len(got):
        return False
    remaining = list(got)
    for pair in expected:
        if not _is_pair(pair):
            return False
        for i, other in enumerate(remaining):
            if _is_pair(other) and same(pair[0], other[0]):
                if not same(pair[1], other[1], tol):
                    return False
                del remaining[i]
                break
        else:
            return False
    return not remaining


def _is_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _same_multiset(expected: Any, got: Any) -> bool:
    if not isinstance(expected, list) or not isinstance(got, list):
        return False
    return sorted(map(_canonical, expected)) == sorted(map(_canonical, got))


def show(value: Any, limit: int = SHOW_LIMIT) -> str:
    """A value as Python would print it, shortened."""
    try:
        text = _show(value)
    except (TypeError, ValueError, KeyError, IndexError, RecursionError):
        text = "(an unreadable value)"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show(value: Any) -> str:
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if not isinstance(value, dict) or len(value) != 1:
        return repr(value)
    tag, payload = next(iter(value.items()))
    if tag == "$tuple":
        items = [_show(v) for v in payload]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if tag == "$dict":
        return "{" + ", ".join(f"{_show(k)}: {_show(v)}" for k, v in payload) + "}"
    if tag == "$set":
        return "{" + ", ".join(_show(v) for v in payload) + "}" if payload else "set()"
    if tag == "$frozenset":
        return "frozenset({" + ", ".join(_show(v) for v in payload) + "})"
    if tag == "$bytes":
        return repr(bytes.fromhex(payload))
    if tag == "$float":
        return f"float({payload!r})"
    if tag == "$exception":
        return f"an exception {payload}"
    if tag == "$object":
        return f"a {payload} object"
    if tag == "$raises":
        return f"raises {payload}"
    if tag == "$raised":
        return f"raised {payload}"
    if tag == "$returned":
        return f"returned {_show(payload)} without raising"
    if tag in ("$enum", "$number", "$value", "$int"):
        return str(payload)
    return repr(value)


def _yes_no(value: Any) -> bool:
    """An observation a process could guess without computing anything."""
    if value is None or isinstance(value, bool):
        return True
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _YES_NO_TAGS


_LITERAL = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|'[^']*'|\"[^\"]*\"")
_ANY = "any"


def _copy_rules(label: str, value: Any) -> set[Any]:
    """The fixed rules that would read ``value`` off its check's ``label`` — "the k-th
    literal from the start (or the end)" — or ``_ANY`` when a guess or a copy needs no
    rule (a yes/no, or a structure spelled out in the label)."""
    if _yes_no(value):
        return {_ANY}
    literals = _LITERAL.findall(label)
    rules: set[Any] = set()
    if isinstance(value, int | float | str):
        for k, literal in enumerate(literals):
            if isinstance(value, str):
                hit = literal[:1] in "'\"" and literal[1:-1] == value
            else:
                try:
                    hit = literal[:1] not in "'\"" and float(literal) == value
                except (ValueError, OverflowError):
                    hit = False
            if hit:
                rules |= {("start", k), ("end", len(literals) - k)}
        return rules
    text = show(value, limit=10**6)
    return {_ANY} if len(text) > 2 and text in label else set()


def _copyable(checks: list[Any]) -> bool:
    """Whether one fixed rule reads every value of a test off its labels."""
    common: set[Any] | None = None
    for entry in checks:
        rules = _copy_rules(entry[0], entry[1])
        if _ANY in rules:
            continue
        common = rules if common is None else common & rules
        if not common:
            return False
    return True


def _has_object(value: Any) -> bool:
    if isinstance(value, list):
        return any(_has_object(v) for v in value)
    if isinstance(value, dict):
        return "$object" in value or any(_has_object(v) for v in value.values())
    return False


def _valid_observations(obs: Any) -> bool:
    return isinstance(obs, list) and all(
        isinstance(entry, list)
        and len(entry) in (2, 3)
        and isinstance(entry[0], str)
        and (len(entry) == 2 or isinstance(entry[2], dict))
        for entry in obs
    )


def _tolerance(entry: list[Any]) -> float | None:
    if len(entry) == 3:
        approx = entry[2].get("approx")
        if isinstance(approx, int | float) and not isinstance(approx, bool) and approx >= 0:
            return float(approx)
    return None


def clean(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Text from a run made safe to store and show (no control characters, no lone
    surrogates PostgreSQL would refuse)."""
    text = _CONTROL.sub("", str(text or ""))
    return text.encode("utf-8", "replace").decode("utf-8")[:limit]


def judge(expected: list[Any], record: dict[str, Any]) -> tuple[str, str]:
    """One test's outcome and message from what the process reported for it."""
    error = record.get("error")
    observations: Any = record.get("obs")
    if not _valid_observations(observations):
        if error is not None:
            observations = []
        else:
            return "error", "The test reported something that is not a list of checks."
    for i, entry in enumerate(expected):
        label, value, tol = entry[0], entry[1], _tolerance(entry)
        if i >= len(observations):
            if error is not None:  # it stopped here: the exception is the news
                outcome = "timeout" if record.get("timeout") is True else "error"
                return outcome, clean(str(error))
            return "failed", clean(f"{label}: expected {show(value)}, but it was never checked.")
        got_label, got = observations[i][0], observations[i][1]
        if got_label != label:
            return "failed", clean(
                f"Check {i + 1} should be {label!r}; the test checked {got_label!r}."
            )
        if not same(value, got, tol):
            return "failed", clean(f"{label}: expected {show(value)}, got {show(got)}")
    if error is not None:  # every check matched, then it raised
        outcome = "timeout" if record.get("timeout") is True else "error"
        return outcome, clean(str(error))
    if len(observations) > len(expected):
        extra = observations[len(expected)][0]
        return "failed", clean(f"The test made more checks than expected (from {extra!r} on).")
    return "passed", ""


# --------------------------------------------------------------------------- expectations


def digest(*, solution: str, visible: str, hidden: str) -> str:
    """What the expected observations depend on: the reference, the probes, the helpers
    they may import (probes.py) and the harness's protocol. Another value means the
    stored expectations are stale."""
    helpers = sandbox._support_bytes(sandbox.PROBES).decode("utf-8")
    payload = json.dumps([PROTOCOL, helpers, solution, visible, hidden], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def dumps_expectations(expected: dict[str, Any]) -> str:
    """Expectations as reviewable JSON text: one check per line."""
    files = _files(expected)
    lines = ["{", f'  "format": {json.dumps(expected["format"])},']
    lines.append(f'  "digest": {json.dumps(expected["digest"])}' + ("," if files else ""))
    for f_index, name in enumerate(files):
        tests = expected[name]
        lines.append(f"  {json.dumps(name)}: {{")
        for t_index, (test, checks) in enumerate(tests.items()):
            lines.append(f"    {json.dumps(test)}: [")
            for c_index, entry in enumerate(checks):
                comma = "," if c_index < len(checks) - 1 else ""
                lines.append("      " + json.dumps(entry, ensure_ascii=False) + comma)
            lines.append("    ]" + ("," if t_index < len(tests) - 1 else ""))
        lines.append("  }" + ("," if f_index < len(files) - 1 else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _files(expected: dict[str, Any]) -> list[str]:
    return [name for name in (VISIBLE_FILE, HIDDEN_FILE) if name in expected]


def loads_expectations(text: str) -> dict[str, Any]:
    """Stored expectations, checked for shape (``ExpectationsError`` says what is wrong)."""
    try:
        data = jsonbody.loads(text, what="The expectations", max_depth=100)
    except jsonbody.JsonError as exc:
        raise ExpectationsError(str(exc)) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ExpectationsError(f"not expectations of format {FORMAT}")
    if not isinstance(data.get("digest"), str):
        raise ExpectationsError("no digest")
    for name in _files(data):
        tests = data[name]
        if not isinstance(tests, dict) or not all(
            isinstance(k, str) and _valid_observations(v) for k, v in tests.items()
        ):
            raise ExpectationsError(f"{name}: every test must map to a list of checks")
    return data


@dataclass
class ExpectationReport:
    expected: dict[str, Any] | None
    problems: list[str] = field(default_factory=list)
    refused: str = ""

    @property
    def ok(self) -> bool:
        return self.expected is not None and not self.problems and not self.refused


class _Recording:
    def __init__(self, tests: list[str]) -> None:
        self.tests = tests
        self.seen: dict[str, dict[str, Any]] = {}
        self.problem = ""

    def __call__(self, record: dict[str, Any]) -> bool:
        event = record.get("event")
        if event in ("import", "load"):
            self.problem = str(record.get("error") or event)
            return True
        name = record.get("test")
        if event != "test" or name not in self.tests or name in self.seen:
            return False
        self.seen[name] = record
        return True


def record_expectations(
    *, solution: str, visible: str, hidden: str, time_limit_s: int = 5, runs: int = 2
) -> ExpectationReport:
    """Run the reference ``solution`` through the probes (``runs`` times, to catch a
    probe whose values change from run to run) and return what it observed."""
    expected: dict[str, Any] = {
        "format": FORMAT,
        "digest": digest(solution=solution, visible=visible, hidden=hidden),
    }
    report = ExpectationReport(expected=None)
    for file, source in ((VISIBLE_FILE, visible), (HIDDEN_FILE, hidden)):
        if not source.strip():
            continue
        names = test_names(source)
        recordings = []
        for _ in range(runs):
            recording = _Recording(names)
            result = phase_runner(
                solution=solution,
                module_file=file,
                source=source,
                tests=names,
                on_record=recording,
                limits=_limits(time_limit_s),
            )
            if result.status == "refused":
                report.refused = result.reason
                return report
            if recording.problem:
                report.problems.append(f"{file}: the reference did not load: {recording.problem}")
                return report
            missing = [n for n in names if n not in recording.seen]
            if missing:
                why = sandbox.why_it_died(result.returncode, _limits(time_limit_s), result.output)
                if result.killed_for:
                    why = f"stopped ({result.killed_for})"
                report.problems.append(
                    f"{file}: {', '.join(missing[:5])} reported nothing with the reference ({why})"
                )
                return report
            recordings.append(recording.seen)
        tests: dict[str, list[Any]] = {}
        for name in names:
            first = recordings[0][name]
            if first.get("error") is not None:
                report.problems.append(
                    f"{file} {name}: the reference fails it: {clean(str(first['error']), 300)}"
                )
                continue
            obs = first.get("obs")
            if not _valid_observations(obs) or not obs:
                report.problems.append(f"{file} {name}: it checks nothing (call check(…)).")
                continue
            for other in recordings[1:]:
                if _canonical(other[name].get("obs")) != _canonical(obs):
                    report.problems.append(
                        f"{file} {name}: its values change from run to run with the reference "
                        "(time, randomness or ordering): expected values must be fixed."
                    )
                    break
            if any(_has_object(entry[1]) for entry in obs):
                labels = [entry[0] for entry in obs if _has_object(entry[1])]
                report.problems.append(
                    f"{file} {name}: {labels[0]!r} checks an object, which cannot be "
                    "compared: check plain values (numbers, text, lists, dicts…)."
                )
            if all(_yes_no(entry[1]) for entry in obs):
                report.problems.append(
                    f"{file} {name}: every check is a yes/no or an exception, which code could "
                    "guess without solving anything: add a check of a computed value."
                )
            elif _copyable(obs):
                report.problems.append(
                    f'{file} {name}: one rule (such as "the first number in the label") '
                    "gives every value it checks, so code could copy them without solving "
                    "anything: name an input instead of spelling it out, or add a check "
                    "whose value the label does not give away."
                )
            tests[name] = obs
        expected[file] = tests
    report.expected = expected
    return report


def expectations_for(
    expected: dict[str, Any] | None, *, solution: str, visible: str, hidden: str
) -> dict[str, Any] | None:
    """The expectations if they are current for these sources, else None."""
    if not expected or expected.get("digest") != digest(
        solution=solution, visible=visible, hidden=hidden
    ):
        return None
    return expected


def visible_checks(expected: dict[str, Any] | None) -> list[dict[str, Any]]:
    """What the visible tests expect, as learners may see it: each visible test's checks
    with the expected value as Python would print it."""
    if not expected:
        return []
    return [
        {"test": test, "checks": [{"check": e[0], "expected": show(e[1])} for e in checks]}
        for test, checks in (expected.get(VISIBLE_FILE) or {}).items()
    ]


# --------------------------------------------------------------------------- grading


def _limits(time_limit_s: int) -> Limits:
    return Limits(cpu_seconds=max(1, min(int(time_limit_s), 5)))


class _PhaseJudge:
    """Judges one process's records as they arrive, in the order the tests must come."""

    def __init__(self, file: str, names: list[str], expected: dict[str, Any], *,
                 hidden: bool, first_hidden: int,
                 emit: Callable[[TestOutcome], None]) -> None:  # fmt: skip
        self.file, self.names, self.expected, self.hidden = file, names, expected, hidden
        self.first_hidden, self.emit = first_hidden, emit
        self.next = 0
        self.import_problem: dict[str, Any] | None = None
        self.load_problem = ""

    def name_of(self, index: int) -> str:
        return f"hidden test {self.first_hidden + index}" if self.hidden else self.names[index]

    def __call__(self, record: dict[str, Any]) -> bool:
        event = record.get("event")
        if self.next == 0 and self.import_problem is None and not self.load_problem:
            if event == "import":
                self.import_problem = record
                return True
            if event == "load":
                self.load_problem = str(record.get("error") or "")
                return True
        if event != "test" or self.next >= len(self.names):
            return False
        if record.get("test") != self.names[self.next]:
            return False
        name = self.names[self.next]
        try:
            outcome, message = judge(self.expected.get(name) or [], record)
        except (TypeError, ValueError, KeyError, IndexError, RecursionError):
            outcome, message = "error", "The test's report could not be read."
        if not self.expected.get(name):
            outcome, message = "error", "This test has no expected values: it cannot pass."
        ms = record.get("ms")
        duration = ms if isinstance(ms, int) and not isinstance(ms, bool) and 0 <= ms < 10**7 else 0
        self.emit(
            TestOutcome(
                name=self.name_of(self.next),
                outcome=outcome,
                duration_ms=0 if self.hidden else duration,
                message="" if self.hidden else message,
                file=self.file,
                hidden=self.hidden,
            )
        )
        self.next += 1
        return True


def _phase_verdict(
    judge_: _PhaseJudge, result: PhaseResult, limits: Limits, emit: Callable[[TestOutcome], None]
) -> tuple[str, str]:
    """The phase's status and reason, emitting an outcome for every test that did not
    report (the process died, was stopped, or never got there)."""
    hidden = judge_.hidden
    status, reason = "", ""
    if judge_.import_problem is not None:
        timed_out = judge_.import_problem.get("timeout") is True
        status = "timeout" if timed_out else "error"
        if hidden:
            reason = "Your code did not load when the hidden tests ran."
        else:
            reason = sandbox.hint(clean(str(judge_.import_problem.get("error") or "")), limits)
    elif judge_.load_problem:
        status = "error"
        reason = (
            "The hidden tests could not start with your code."
            if hidden
            else f"The tests could not start: {sandbox.hint(clean(judge_.load_problem), limits)}"
        )
    elif result.killed_for == "wall":
        status, reason = "timeout", f"Stopped after {limits.wall_seconds:g} s (wall clock)."
    elif result.killed_for == "output":
        status = "error"
        reason = f"Output limit reached ({limits.output_bytes // 1024} KB): stopped."
    elif result.killed_for == "results":
        status, reason = "error", "The test results grew too large: stopped."
    elif result.killed_for == "protocol":
        status = "error"
        reason = (
            "Something other than the tests wrote to the test results: the run was stopped "
            "and its remaining tests count as not passed."
        )
    elif judge_.next < len(judge_.names):
        status = "error"
        reason = sandbox.why_it_died(result.returncode, limits, result.output)
        if reason.startswith("CPU"):
            status = "timeout"
    if hidden and reason:
        reason = f"Hidden tests: {reason}"
    outcome = "timeout" if status == "timeout" else "error"
    for index in range(judge_.next, len(judge_.names)):
        emit(
            TestOutcome(
                name=judge_.name_of(index),
                outcome=outcome,
                duration_ms=0,
                message="" if hidden else "Not run: " + (reason or "the run stopped."),
                file=judge_.file,
                hidden=hidden,
            )
        )
    judge_.next = len(judge_.names)
    return status, reason


def grade(
    *,
    solution: str,
    visible: str,
    hidden: str,
    expected: dict[str, Any],
    submit: bool,
    on_test: Callable[[TestOutcome], None] | None = None,
    time_limit_s: int = 5,
    limits: Limits | None = None,
) -> GradeResult:
    """Run the learner's ``solution`` through the visible probes (and, for a submit, the
    hidden ones) and judge every test against ``expected``. ``on_test`` gets each
    outcome as it is decided. ``limits`` replaces the defaults (tests of the sandbox)."""
    limits = limits or _limits(time_limit_s)
    outcomes: list[TestOutcome] = []

    def emit(outcome: TestOutcome) -> None:
        outcomes.append(outcome)
        if on_test is not None:
            on_test(outcome)

    phases = [(VISIBLE_FILE, visible, False)]
    if submit and hidden.strip():
        phases.append((HIDDEN_FILE, hidden, True))
    statuses: list[str] = []
    reasons: list[str] = []
    output = ""
    truncated = False
    duration = 0
    sandboxed = True
    not_loaded = False
    for file, source, is_hidden in phases:
        names = test_names(source)
        judge_ = _PhaseJudge(
            file, names, expected.get(file) or {}, hidden=is_hidden, first_hidden=1, emit=emit
        )
        if is_hidden and not_loaded:  # the same code would not load again: not run
            for index in range(len(names)):
                emit(TestOutcome(judge_.name_of(index), "error", 0, "", file, hidden=True))
            continue
        result = phase_runner(
            solution=solution,
            module_file=file,
            source=source,
            tests=names,
            on_record=judge_,
            limits=limits,
            keep_output=not is_hidden,
        )
        duration += result.duration_ms
        sandboxed = sandboxed and result.sandboxed
        if result.status == "refused":
            return GradeResult(
                status="refused", reason=result.reason, duration_ms=duration, sandboxed=sandboxed
            )
        if not is_hidden:
            output, truncated = result.output, result.truncated
        status, reason = _phase_verdict(judge_, result, limits, emit)
        statuses.append(status)
        if reason:
            reasons.append(reason)
        not_loaded = judge_.import_problem is not None
    status = next((s for s in statuses if s), "")
    if not status:
        passed = sum(1 for t in outcomes if t.outcome == "passed")
        status = "passed" if outcomes and passed == len(outcomes) else "failed"
        if status == "failed":
            failed = len(outcomes) - passed
            reasons.append(
                f"{failed} of {len(outcomes)} test{'s' if len(outcomes) != 1 else ''} did not pass."
            )
        if any(t.outcome == "timeout" for t in outcomes):
            reasons.append(f"A test ran longer than {limits.per_test_seconds:g} s.")
    if truncated:
        reasons.append(f"Output truncated at {limits.output_bytes // 1024} KB.")
    return GradeResult(
        status=status,
        tests=outcomes,
        output=output,
        duration_ms=duration,
        reason=" ".join(reasons),
        sandboxed=sandboxed,
    )
