"""The exercise sandbox against hostile code: each attack is contained, the result says
why, and the host is unaffected (files, services, processes). Runs are graded as the
platform grades them (``apps.exercises.grading``); forged grades have their own file,
test_forgery.py."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import pytest

from apps.exercises import grading, sandbox
from apps.exercises.sandbox import Limits

pytestmark = pytest.mark.sandbox

VISIBLE = (
    "from solution import add\n\n"
    "def test_adds(check):\n    check('add(1, 2)', add(1, 2))\n\n"
    "def test_adds_negatives(check):\n    check('add(-1, -2)', add(-1, -2))\n"
)
GOOD = "def add(a, b):\n    return a + b\n"
EXPECTED = {
    "format": grading.FORMAT,
    "digest": "",
    "test_visible.py": {
        "test_adds": [["add(1, 2)", 3]],
        "test_adds_negatives": [["add(-1, -2)", -3]],
    },
}


def run_tests(solution: str, visible: str = VISIBLE, expected=None, on_test=None,
              limits: Limits | None = None, hidden: str = "") -> grading.GradeResult:  # fmt: skip
    return grading.grade(
        solution=solution,
        visible=visible,
        hidden=hidden,
        expected=expected or EXPECTED,
        submit=bool(hidden),
        on_test=on_test,
        limits=limits,
    )


def attack(code: str, **limits) -> grading.GradeResult:
    """Run ``code`` at import time of the learner's module, followed by a good solution."""
    return run_tests(code + "\n" + GOOD, limits=Limits(**limits) if limits else None)


def live_processes(uid_range=range(sandbox.UID_BASE, sandbox.UID_BASE + sandbox.UID_SLOTS)):
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
        state = next(line for line in status.splitlines() if line.startswith("State:")).split()[1]
        if uid in uid_range and state != "Z":
            alive.append(int(entry.name))
    return alive


def test_the_expected_values_are_recorded_from_the_reference_in_the_sandbox():
    report = grading.record_expectations(solution=GOOD, visible=VISIBLE, hidden="")
    assert report.ok, report.problems
    assert report.expected["test_visible.py"] == EXPECTED["test_visible.py"]


def test_a_good_solution_passes_and_results_stream_one_by_one():
    seen = []
    result = run_tests(GOOD, on_test=seen.append)
    assert result.status == "passed" and result.sandboxed
    assert [t.name for t in seen] == ["test_adds", "test_adds_negatives"]
    assert [t.outcome for t in result.tests] == ["passed", "passed"]


def test_a_wrong_value_says_what_was_expected():
    result = run_tests("def add(a, b):\n    return a - b\n")
    assert result.status == "failed"
    assert result.tests[0].message == "add(1, 2): expected 3, got -1"


def test_an_exception_in_a_test_names_the_learners_line():
    result = run_tests("def add(a, b):\n    return a + b + None\n")
    assert [t.outcome for t in result.tests] == ["error", "error"]
    assert result.tests[0].message.startswith("TypeError: ")
    assert result.tests[0].message.endswith("(solution.py, line 2)")


def test_fork_bomb_is_contained():
    started = time.monotonic()
    result = attack("import os\nwhile True:\n    os.fork()\n")
    assert result.status in {"error", "timeout"}
    assert "processes" in result.reason or "limit" in result.reason
    assert time.monotonic() - started < 15
    assert run_tests(GOOD).status == "passed"  # the next run starts


def test_no_zombie_is_left_to_count_against_the_next_run():
    """A dead process of a run's uid that nobody reaps still counts against that uid's
    process limit: the launcher reaps every orphan of the run before it says it ended."""
    for _ in range(3):
        attack("import os\nwhile True:\n    os.fork()\n")
    zombies = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            uid = int(next(x for x in status.splitlines() if x.startswith("Uid:")).split()[1])
            if sandbox.UID_BASE <= uid < sandbox.UID_BASE + sandbox.UID_SLOTS and "\tZ" in status:
                zombies.append(int(entry.name))
    assert zombies == []


def test_memory_bomb_is_contained():
    result = attack("hog = bytearray(2 * 1024 ** 3)\n")
    assert result.status == "error" and "MemoryError" in result.reason and "256 MB" in result.reason


def test_infinite_loop_in_a_test_times_out_and_later_tests_still_run():
    visible = (
        "from solution import add\n\ndef test_spins(check):\n    while True:\n        pass\n\n"
        "def test_after(check):\n    check('add(1, 2)', add(1, 2))\n"
    )
    expected = {"test_visible.py": {"test_spins": [["x", 1]], "test_after": [["add(1, 2)", 3]]}}
    result = run_tests(GOOD, visible=visible, expected=expected)
    assert [t.outcome for t in result.tests] == ["timeout", "passed"]
    assert "longer than" in result.reason


def test_infinite_loop_at_import_is_stopped():
    result = attack("while True:\n    pass\n")
    assert result.status == "timeout" and result.reason


def test_cpu_limit_stops_a_busy_process():
    result = attack("import os\nif os.fork() == 0:\n    while True: pass\n", cpu_seconds=1,
                    wall_seconds=4)  # fmt: skip
    assert result.status in {"passed", "timeout"}  # the child is killed with the namespace
    assert not live_processes()


def test_endless_output_is_capped_and_stopped():
    result = attack("while True:\n    print('spam' * 100)\n")
    assert result.status == "error" and "Output limit" in result.reason
    assert len(result.output.encode()) <= 64 * 1024


def test_terminal_escapes_and_nul_bytes_are_stripped_from_output():
    result = attack("print('\\x1b[2J\\x1b]0;owned\\x07red\\x00line')\n")
    assert result.output == "redline\n"


@pytest.mark.parametrize(
    "path", ["/etc/passwd", "/etc/shadow", str(Path(__file__).resolve()),
             str(Path(sandbox.__file__).resolve().parents[2] / "config" / "settings.py"),
             "/root/.bash_history", "/var/run/postgresql/.s.PGSQL.5432"],
)  # fmt: skip
def test_host_files_are_invisible(path):
    result = attack(f"print(open({path!r}).read())\n")
    assert result.status == "error" and "No such file or directory" in result.reason


def test_bubblewraps_pid_1_has_no_secrets_in_its_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "top-secret-value")
    monkeypatch.setenv("DATABASE_URL", "postgres://secret@127.0.0.1/db")
    result = attack(
        "import os\nfor pid in os.listdir('/proc'):\n"
        "    if pid.isdigit():\n"
        "        try:\n            print(pid, open(f'/proc/{pid}/environ').read())\n"
        "        except OSError as e:\n            print(pid, e)\n"
        "import os\nprint(dict(os.environ))\n"
    )
    assert "top-secret-value" not in result.output and "postgres://" not in result.output
    assert "SECRET_KEY" not in result.output and "PATH" in result.output


@pytest.mark.parametrize("port", [5432, 6379, 5672, 8000])
def test_host_services_are_unreachable(port):
    result = attack(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1)\n")
    assert result.status == "error"
    assert "refused" in result.reason.lower() or "unreachable" in result.reason.lower()


def test_no_network_at_all():
    result = attack("import socket\nsocket.getaddrinfo('pypi.org', 443)\n")
    assert result.status == "error" and "gaierror" in result.reason


@pytest.mark.parametrize(
    "path", ["/usr/evil", "/task/solution.py", "/evil", "/proc/sys/kernel/hostname"]
)
def test_writing_outside_the_work_directory_fails(path):
    result = attack(f"open({path!r}, 'w').write('x')\n")
    assert result.status == "error"
    assert any(word in result.reason for word in ("Read-only", "Permission denied", "No such"))


def test_writing_in_the_work_directory_works_but_is_size_limited():
    ok = attack("open('/tmp/scratch.txt', 'w').write('hello')\n")
    assert ok.status == "passed"
    big = attack("open('/tmp/big.bin', 'wb').write(b'x' * (8 * 1024 * 1024))\n")
    assert big.status == "error"
    assert "File too large" in big.reason or "No space" in big.reason


def test_the_number_of_files_in_tmp_is_bounded_and_the_limit_named():
    result = attack(
        "import os\nfor i in range(20000):\n"
        "    os.mkdir(f'/tmp/d{i}') if i % 2 else open(f'/tmp/f{i}', 'w').close()\n"
    )
    assert result.status == "error", result.reason
    assert "No space left on device" in result.reason
    assert "/tmp holds at most 255 files and directories and 16 MB" in result.reason
    counted = attack(
        "import os\nn = 0\ntry:\n    while True:\n        open(f'/tmp/f{n}', 'w').close()\n"
        "        n += 1\nexcept OSError:\n    pass\nprint('made', n)\n"
    )
    assert counted.status == "passed" and counted.output == "made 255\n"
    assert attack("open('/tmp/again', 'w').write('x')\n").status == "passed"  # a fresh /tmp


def test_a_background_process_does_not_survive_the_run():
    result = attack("import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(300)\n")
    assert result.status == "passed"  # the parent went on to pass the tests
    time.sleep(0.2)
    assert not live_processes()


@pytest.mark.parametrize(
    "code, errno_name",
    [
        ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
         "assert libc.ptrace(16, 1, 0, 0) == -1 and ctypes.get_errno() == 1, 'ptrace'\n", "ptrace"),
        ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
         "assert libc.syscall(250, 0, 0) == -1 and ctypes.get_errno() == 1, 'keyctl'\n", "keyctl"),
        ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
         "assert libc.unshare(0x10000000) == -1 and ctypes.get_errno() == 1, 'unshare'\n",
         "unshare"),
        ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
         "assert libc.syscall(165, 0, 0, 0, 0, 0) == -1 and ctypes.get_errno() == 1, 'mount'\n",
         "mount"),
    ],
)  # fmt: skip
def test_dangerous_system_calls_are_refused(code, errno_name):
    result = attack(code)  # each assertion fails the import if the call got through
    assert result.status == "passed", (errno_name, result.reason)


def test_a_symlink_planted_at_the_sandbox_directory_is_refused(tmp_path, settings):
    target = tmp_path / "elsewhere"
    target.mkdir()
    settings.EXERCISES_SANDBOX_DIR = str(tmp_path)
    os.symlink(target, tmp_path / f"backend-academy-sandbox-{os.geteuid()}")
    result = run_tests(GOOD)
    assert result.status == "refused" and "not a real directory" in result.reason
    assert not any(target.iterdir())


def test_each_run_has_its_own_directory_and_leaves_nothing_behind(settings):
    tmp_path = Path(tempfile.mkdtemp(dir="/tmp"))
    os.chmod(tmp_path, 0o711)
    settings.EXERCISES_SANDBOX_DIR = str(tmp_path)
    listing = run_tests("import os\nprint(os.getcwd(), sorted(os.listdir('/task')))\n" + GOOD)
    assert listing.output == (
        "/tmp ['harness.py', 'manifest.json', 'probes.py', 'solution.py', 'test_visible.py']\n"
    )
    base = tmp_path / f"backend-academy-sandbox-{os.geteuid()}"
    assert [p.name for p in base.iterdir() if p.name != "slots"] == []
    shutil.rmtree(tmp_path)


def test_a_sandbox_directory_the_runs_cannot_reach_is_refused(tmp_path, settings):
    if os.geteuid() != 0:
        pytest.skip("only root gives each run its own uid")
    os.chmod(tmp_path.parent, 0o700)
    settings.EXERCISES_SANDBOX_DIR = str(tmp_path)
    result = run_tests(GOOD)
    assert result.status == "refused" and "cannot be searched by other users" in result.reason


def test_learner_output_cannot_forge_results():
    forged = '{"type": "test", "name": "test_adds", "outcome": "passed"}\n{"type": "done"}\n'
    result = run_tests(f"print({forged!r})\ndef add(a, b):\n    return 0\n")
    assert result.status == "failed" and [t.outcome for t in result.tests] == ["failed", "failed"]


def test_the_hidden_probes_are_not_in_the_sandbox_of_the_visible_ones_and_their_output_is_dropped():
    hidden = "from solution import add\n\ndef test_secret(check):\n    check('SECRET', add(2, 2))\n"
    expected = {**EXPECTED, "test_hidden.py": {"test_secret": [["SECRET", 4]]}}
    spy = (
        "import os, sys\nprint('files:', sorted(os.listdir('/task')))\n"
        "for name in os.listdir('/task'):\n"
        "    if name.startswith('test_'):\n"
        "        sys.stderr.write(open('/task/' + name).read())\n" + GOOD
    )
    result = run_tests(spy, hidden=hidden, expected=expected)
    assert result.status == "passed"
    listing = "['harness.py', 'manifest.json', 'probes.py', 'solution.py', 'test_visible.py']"
    assert f"files: {listing}" in result.output
    assert "SECRET" not in result.output and "test_hidden" not in result.output
    assert [t.name for t in result.tests][-1] == "hidden test 1"
    loud = run_tests("raise ValueError(open('/task/test_hidden.py').read())\n" + GOOD,
                     hidden=hidden, expected=expected)  # fmt: skip
    assert "SECRET" not in loud.reason and "SECRET" not in str(loud.tests)


def test_a_huge_observation_is_refused_as_too_large_not_as_tampering():
    visible = ("from solution import add\n\ndef test_big(check):\n"
               "    check('big', 'x' * add(300000, 0))\n")  # fmt: skip
    expected = {"test_visible.py": {"test_big": [["big", "x"]]}}
    result = run_tests(GOOD, visible=visible, expected=expected)
    assert result.tests[0].outcome == "error" and "too large" in result.tests[0].message


def test_without_bubblewrap_code_is_refused_unless_explicitly_allowed(monkeypatch, settings):
    monkeypatch.setattr(sandbox, "_available", (False, "bubblewrap is not installed"))
    settings.EXERCISES_ALLOW_UNSANDBOXED = False
    refused = run_tests(GOOD)
    assert refused.status == "refused" and "bubblewrap is not installed" in refused.reason
    settings.EXERCISES_ALLOW_UNSANDBOXED = True
    allowed = run_tests(GOOD)
    assert allowed.status == "passed" and allowed.sandboxed is False
    monkeypatch.setattr(sandbox, "_available", None)


def test_probe_file_and_test_names_are_ours_only():
    with pytest.raises(ValueError):
        sandbox.run_phase(solution=GOOD, module_file="../../etc/evil.py", source="", tests=[])
    with pytest.raises(ValueError):
        sandbox.run_phase(solution=GOOD, module_file="test_visible.py", source="",
                          tests=["test_x; rm -rf /"])  # fmt: skip


def test_oversized_code_is_refused():
    result = run_tests("x = 1\n" * 20000)
    assert result.status == "refused" and "64 KB" in result.reason


def test_host_still_answers_after_the_attacks():
    with socket.create_connection(("127.0.0.1", 6379), timeout=2) as conn:
        conn.sendall(b"PING\r\n")
        assert conn.recv(16).startswith(b"+PONG")
