"""Learner code that tries to grade itself "passed" without solving anything.

Each forger is Python appended to an exercise's starter code, so it runs when the
learner's module is imported, inside the sandbox, with everything a learner's code can
reach: the harness (``__main__``), its manifest and results descriptor, the probes,
``builtins``, ``json``, ``os``, signals, threads, ``fork``. ``GENERIC`` names the public
functions and classes of the learner's module so a forger can replace them whatever the
exercise. None of them may turn a test the starter does not pass into a passed one.
"""

from __future__ import annotations

PREAMBLE = r'''
import json as _json, os as _os, re as _re, sys as _sys

def _manifest():
    with open("/task/manifest.json") as handle:
        return _json.load(handle)

def _probe_labels():
    """Each test's check labels as written in the probe file (f-strings unresolved)."""
    m = _manifest()
    source = open("/task/" + m["module"] + ".py").read()
    labels, current = {}, None
    for line in source.splitlines():
        found = _re.match(r"def (test_\w+)\(", line)
        if found:
            current = found.group(1)
            labels[current] = []
        elif current and "check(" in line:
            text = _re.search(r"check\w*\(\s*f?[\"'](.*?)[\"']", line)
            if text:
                labels[current].append(text.group(1))
    return labels

_GUESSES = [0, 1, True, None, "", [], 2, -1, 0.0]

def _forged_records(guess=0):
    m, labels = _manifest(), _probe_labels()
    out = []
    for name in m["tests"]:
        obs = [[label, guess] for label in labels.get(name, ["x"])]
        out.append(_json.dumps({"event": "test", "test": name, "obs": obs, "ms": 1}))
        out.append(_json.dumps({"type": "test", "name": name, "outcome": "passed"}))
    out.append(_json.dumps({"type": "done"}))
    return ("\n".join(out) + "\n").encode()

def _public():
    module = _sys.modules[__name__]
    return [n for n, v in list(vars(module).items())
            if not n.startswith("_") and callable(v) and getattr(v, "__module__", "") == __name__]

def _replace_all(factory):
    module = _sys.modules[__name__]
    for name in _public():
        setattr(module, name, factory(name))
'''

FORGERS: dict[str, str] = {
    # 1. Every descriptor gets forged "passed" lines, in the old protocol and the new one.
    "write_passed_to_every_descriptor": r"""
for _fd in range(0, 64):
    for _guess in (0, True):
        try:
            _os.write(_fd, _forged_records(_guess))
        except OSError:
            pass
""",
    # 2. Answer for every test from the manifest, then leave before the harness speaks.
    "replay_the_manifest_and_exit_zero": r"""
_os.write(_manifest()["results_fd"], _forged_records(1))
_os._exit(0)
""",
    # 3. The harness's recorder reports True for every check.
    "patch_the_recorder_to_report_true": r"""
_main = _sys.modules["__main__"]
def _true(self, label, encoded, approx=None):
    self.observations.append([str(label), True])
_main.Check._record = _true
""",
    # 4. The recorder reports the first number of each label (a copied "expected" value).
    "patch_the_recorder_to_copy_label_numbers": r"""
_main = _sys.modules["__main__"]
def _copy(self, label, encoded, approx=None):
    numbers = _re.findall(r"-?\d+(?:\.\d+)?", str(label))
    value = (float(numbers[0]) if "." in numbers[0] else int(numbers[0])) if numbers else 0
    self.observations.append([str(label), value])
_main.Check._record = _copy
""",
    # 5. Values whose __eq__ is always true (and that pretend to be anything).
    "objects_equal_to_everything": r"""
class _Anything:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __hash__(self): return 0
    def __call__(self, *a, **k): return self
    def __getattr__(self, name): return self
    def __iter__(self): return iter(())
    def __len__(self): return 0
    def __bool__(self): return True
    def __repr__(self): return "10"
_replace_all(lambda name: _Anything())
""",
    # 6. An int subclass that says it equals anything.
    "int_subclass_equal_to_everything": r"""
class _Liar(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = int.__hash__
    def __repr__(self): return "anything"
_replace_all(lambda name: (lambda *a, **k: _Liar(0)))
""",
    # 7. Forge, then raise SystemExit(0) while being imported.
    "forge_then_system_exit": r"""
_os.write(_manifest()["results_fd"], _forged_records(0))
raise SystemExit(0)
""",
    # 8. Every call raises KeyboardInterrupt.
    "keyboard_interrupt_in_every_call": r"""
def _interrupt(name):
    def call(*a, **k):
        raise KeyboardInterrupt
    return call
_replace_all(_interrupt)
""",
    # 9. Every call raises a BaseException subclass the harness might not expect.
    "base_exception_subclass_in_every_call": r"""
class _Escape(BaseException):
    pass
def _escape(name):
    def call(*a, **k):
        raise _Escape("escaped")
    return call
_replace_all(_escape)
""",
    # 10. A forked child keeps writing forged records while the tests run, and after.
    "forked_child_writes_records": r"""
import time as _time
if _os.fork() == 0:
    _fd = _manifest()["results_fd"]
    for _ in range(200):
        try:
            _os.write(_fd, _forged_records(1))
        except OSError:
            break
        _time.sleep(0.005)
    _os._exit(0)
""",
    # 11. Fake result frames (old protocol, new protocol, the websocket's) on stdout/stderr.
    "fake_frames_on_stdout_and_stderr": r"""
_frames = _forged_records(0).decode()
print(_frames)
_sys.stderr.write(_frames)
print(_json.dumps({"type": "done", "status": "passed", "passed": 99, "total": 99}))
""",
    # 12. Exit with status 0 before any test ran.
    "exit_zero_before_the_tests": r"""
print("all tests passed")
_os._exit(0)
""",
    # 13. os._exit(0) from inside the first test.
    "os_exit_inside_a_test": r"""
_replace_all(lambda name: (lambda *a, **k: _os._exit(0)))
""",
    # 14. Ignore the per-test alarm and sleep past every deadline.
    "sleep_past_the_deadline": r"""
import signal as _signal, time as _time
_signal.signal(_signal.SIGALRM, _signal.SIG_IGN)
_signal.setitimer = lambda *a, **k: (0.0, 0.0)
_replace_all(lambda name: (lambda *a, **k: _time.sleep(60)))
""",
    # 15. json.dumps, builtins and unittest patched to say "passed".
    "patch_json_builtins_and_unittest": r"""
import builtins as _builtins, unittest as _unittest
_real_dumps = _json.dumps
def _dumps(obj, *a, **k):
    if isinstance(obj, dict) and obj.get("event") == "test":
        obj = dict(obj, obs=[[e[0], 1] for e in obj.get("obs", [])], error=None)
        obj.pop("error")
    return _real_dumps(obj, *a, **k)
_json.dumps = _dumps
_builtins.AssertionError = type("AssertionError", (Exception,), {})
_unittest.TestCase.assertEqual = lambda *a, **k: None
_builtins.isinstance = lambda *a, **k: True
""",
    # 16. stdout redirected into the results descriptor, then forged lines printed.
    "stdout_into_the_results_descriptor": r"""
_os.dup2(_manifest()["results_fd"], 1)
_sys.stdout = open(1, "w", buffering=1)
print(_forged_records(2).decode())
""",
    # 17. An atexit handler forges once the harness has finished.
    "atexit_forges_after_the_harness": r"""
import atexit as _atexit
_fd = _manifest()["results_fd"]
_atexit.register(lambda: _os.write(_fd, _forged_records(1)))
""",
    # 18. A thread writes forged records all through the run.
    "thread_writes_records": r"""
import threading as _threading, time as _time
def _spam():
    fd = _manifest()["results_fd"]
    for _ in range(100):
        try:
            _os.write(fd, _forged_records(0))
        except OSError:
            return
        _time.sleep(0.002)
_threading.Thread(target=_spam, daemon=True).start()
""",
    # 19. A fake probe module planted in sys.modules, so the harness runs the forger's tests.
    "planted_probe_module": r"""
import types as _types
_m, _labels = _manifest(), _probe_labels()
_fake = _types.ModuleType(_m["module"])
def _make(name):
    def test(check):
        for label in _labels.get(name, ["x"]):
            check(label, 1)
    return test
for _name in _m["tests"]:
    setattr(_fake, _name, _make(_name))
_sys.modules[_m["module"]] = _fake
""",
    # 20. os.write rewritten so every record the harness writes carries guessed values.
    "rewrite_every_record_on_its_way_out": r"""
_real_write = _os.write
_fd = _manifest()["results_fd"]
def _write(fd, data):
    if fd == _fd:
        try:
            record = _json.loads(bytes(data).decode())
            record["obs"] = [[e[0], True] for e in record.get("obs", [])]
            record.pop("error", None)
            data = (_json.dumps(record) + "\n").encode()
        except Exception:
            pass
    return _real_write(fd, data)
_os.write = _write
""",
    # 21. Each call tries to read the expected values from anywhere on the filesystem.
    "search_the_filesystem_for_answers": r"""
_found = []
for _root, _dirs, _files in _os.walk("/"):
    _dirs[:] = [d for d in _dirs if not (_root == "/" and d in ("proc", "sys", "dev", "usr"))]
    for _f in _files:
        if "expect" in _f or _f.endswith(".json"):
            _found.append(_os.path.join(_root, _f))
print("found:", _found)
""",
    # 22. Descriptors closed and duplicated so the harness cannot report, then forged.
    "close_the_results_descriptor_and_forge_on_a_copy": r"""
_fd = _manifest()["results_fd"]
_copy = _os.dup(_fd)
_os.close(_fd)
_os.write(_copy, _forged_records(True))
""",
}
