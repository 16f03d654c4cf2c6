"""Run a learner's Python against an exercise's tests in a bubblewrap sandbox.

Each run gets:

* new user, PID, network, IPC, UTS and cgroup namespaces (``--unshare-all``), its own
  session (``--new-session``, so it cannot push input into our terminal) and death with
  its parent (``--die-with-parent``); no capabilities; a seccomp filter
  (``apps.exercises.seccomp``) against ptrace, the keyring, mounts, new namespaces …;
* a root with only ``/usr`` (read-only), a fresh ``/proc`` and ``/dev``, a read-only
  ``/task`` holding the code, the tests and the harness, and a small writable ``/tmp``;
  no ``/etc``, no project file, setting, database, socket or environment variable —
  bubblewrap itself starts with an empty environment, so its own PID 1 inside the
  sandbox has nothing to leak through ``/proc/1/environ``;
* rlimits: CPU seconds, address space, processes, file size, open files, no core dumps;
  a wall-clock timeout; output capped; and, when we run as root, its own unprivileged
  uid from a pool (``RLIMIT_NPROC`` counts per uid, so a fork bomb in one sandbox cannot
  starve the next, and root would not be limited at all).

Nothing the learner controls reaches the command line: file names, limits and paths are
ours. The task directory is created fresh (0700, owned by the run's uid), written with
``O_EXCL | O_NOFOLLOW`` and removed afterwards; no process outlives the run because the
PID namespace dies with bubblewrap.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import platform
import re
import resource
import selectors
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings

from apps.exercises import seccomp

logger = logging.getLogger(__name__)

PYTHON = "/usr/bin/python3"  # the system interpreter: everything it needs is under /usr
HARNESS = Path(__file__).with_name("harness.py")
MAX_CODE_BYTES = 64 * 1024
UID_BASE, UID_SLOTS = 62000, 64
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 5
    memory_bytes: int = 256 * 1024 * 1024
    processes: int = 32
    file_bytes: int = 1024 * 1024
    open_files: int = 64
    tmp_bytes: int = 16 * 1024 * 1024
    wall_seconds: float = 10.0
    output_bytes: int = 64 * 1024
    per_test_seconds: float = 2.0


@dataclass
class TestOutcome:
    name: str
    outcome: str  # passed | failed | error | timeout
    duration_ms: int
    message: str
    file: str = ""


@dataclass
class SandboxResult:
    status: str  # passed | failed | error | timeout | refused
    tests: list[TestOutcome] = field(default_factory=list)
    output: str = ""
    duration_ms: int = 0
    reason: str = ""
    sandboxed: bool = True


# --------------------------------------------------------------------------- availability

_available: tuple[bool, str] | None = None
_available_lock = threading.Lock()


def sandbox_available(*, refresh: bool = False) -> tuple[bool, str]:
    """Whether bubblewrap can run here (cached per process), and if not, why."""
    global _available  # noqa: PLW0603
    with _available_lock:
        if _available is None or refresh:
            _available = _probe()
        return _available


def _probe() -> tuple[bool, str]:
    if platform.system() != "Linux":
        return False, "The sandbox needs Linux (bubblewrap and namespaces)."
    if platform.machine() != "x86_64":
        return False, "The sandbox's seccomp filter is built for x86_64 only."
    if shutil.which("bwrap") is None:
        return False, "bubblewrap is not installed (Debian package: bubblewrap)."
    if not os.access(PYTHON, os.X_OK):
        return False, f"{PYTHON} is missing: the sandbox runs the system Python."
    try:
        result = _run_bwrap(["/usr/bin/python3", "-I", "-c", "print('ok')"], Limits(), None)
    except OSError as exc:
        return False, f"bubblewrap could not start: {exc}"
    if result.returncode != 0 or result.stdout.strip() != b"ok":
        detail = result.stderr.decode("utf-8", "replace").strip()[:200]
        return False, f"bubblewrap cannot create namespaces here ({detail or result.returncode})."
    return True, "bubblewrap sandbox"


# --------------------------------------------------------------------------- uid slots


class _Slot:
    """An unprivileged uid for one run, held with a file lock (across processes)."""

    def __init__(self) -> None:
        self.uid: int | None = None
        self._handle: IO[str] | None = None

    def __enter__(self) -> _Slot:
        if os.geteuid() != 0:
            return self  # not root: runs use our own uid (RLIMIT_NPROC then counts ours)
        locks = _base_dir() / "slots"
        locks.mkdir(mode=0o700, exist_ok=True)
        for _ in range(200):
            for n in range(UID_SLOTS):
                handle = open(locks / f"{n}.lock", "a")
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    handle.close()
                    continue
                self.uid, self._handle = UID_BASE + n, handle
                return self
            time.sleep(0.05)
        raise RuntimeError("No free sandbox slot.")

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            if self.uid is not None:
                _kill_uid(self.uid)  # belt and braces: nothing of this uid survives
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()


def _kill_uid(uid: int) -> None:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid == uid:
                os.kill(int(entry.name), signal.SIGKILL)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue


def processes_of(uid: int) -> list[int]:
    """PIDs on the host owned by ``uid`` (tests use this to prove nothing is left)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
            except FileNotFoundError:
                continue
    return found


# --------------------------------------------------------------------------- files


def _base_dir() -> Path:
    base = Path(getattr(settings, "EXERCISES_SANDBOX_DIR", "") or tempfile.gettempdir()) / (
        f"backend-academy-sandbox-{os.geteuid()}"
    )
    try:
        info = os.lstat(base)
    except FileNotFoundError:
        os.mkdir(base, 0o711)
        info = os.lstat(base)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise RuntimeError(f"{base} is not a real directory; refusing to use it.")
    if info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise RuntimeError(f"{base} is not ours alone; refusing to use it.")
    return base


def _write(directory: Path, name: str, content: str | bytes) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


# --------------------------------------------------------------------------- running


def _preexec(limits: Limits, uid: int | None) -> Callable[[], None]:
    def apply() -> None:
        cpu = limits.cpu_seconds
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if uid is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        else:
            mine = len(processes_of(os.getuid()))
            resource.setrlimit(resource.RLIMIT_NPROC, (mine + limits.processes,) * 2)

    return apply


def _bwrap_args(task_dir: str | None, limits: Limits, seccomp_fd: int) -> list[str]:
    # "/tmp" below is the sandbox's own private tmpfs, not the host's.
    args = [
        shutil.which("bwrap") or "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--cap-drop", "ALL",
        "--hostname", "sandbox",
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/lib", "/lib",
        "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin",
        "--symlink", "usr/sbin", "/sbin",
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp",  # noqa: S108
    ]  # fmt: skip
    if task_dir is not None:
        args += ["--ro-bind", task_dir, "/task"]
    args += [
        "--remount-ro", "/",
        "--chdir", "/tmp",  # noqa: S108
        "--clearenv",
        "--setenv", "PATH", "/usr/bin:/bin",
        "--setenv", "HOME", "/tmp",  # noqa: S108
        "--setenv", "LANG", "C.UTF-8",
        "--seccomp", str(seccomp_fd),
        "--",
    ]  # fmt: skip
    return args


def _seccomp_fd() -> int:
    fd = os.memfd_create("sandbox-seccomp", 0)
    os.write(fd, seccomp.program())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _run_bwrap(
    command: list[str], limits: Limits, task_dir: str | None
) -> subprocess.CompletedProcess:
    fd = _seccomp_fd()
    try:
        return subprocess.run(
            _bwrap_args(task_dir, limits, fd) + command,
            capture_output=True,
            timeout=limits.wall_seconds,
            env={"PATH": "/usr/bin:/bin"},
            pass_fds=(fd,),
            preexec_fn=_preexec(limits, None),
            check=False,
        )
    finally:
        os.close(fd)


_warned = False


def _warn_unsandboxed(why: str) -> None:
    global _warned  # noqa: PLW0603
    if not _warned:
        _warned = True
        logger.warning(
            "EXERCISES_ALLOW_UNSANDBOXED is on and the sandbox is unavailable (%s): learner "
            "code runs WITHOUT isolation. Never do this on a shared or public server.",
            why,
        )


def clean_output(raw: bytes, limit: int) -> tuple[str, bool]:
    """Learner output made safe to store and show: decoded, NULs, terminal escapes and
    control characters removed, capped at ``limit`` bytes."""
    truncated = len(raw) > limit
    text = raw[:limit].decode("utf-8", "replace")
    text = _CONTROL.sub("", _ANSI.sub("", text))
    return text, truncated


def run_tests(
    *,
    solution: str,
    test_files: dict[str, str],
    on_test: Callable[[TestOutcome], None] | None = None,
    time_limit_s: int = 5,
    limits: Limits | None = None,
) -> SandboxResult:
    """Run ``test_files`` against ``solution`` and report each test as it finishes."""
    limits = limits or Limits(cpu_seconds=max(1, min(int(time_limit_s), 5)))
    started = time.monotonic()
    if len(solution.encode("utf-8")) > MAX_CODE_BYTES:
        return SandboxResult(status="refused", reason="Your code is larger than 64 KB.")
    available, why = sandbox_available()
    sandboxed = available
    if not available:
        if not getattr(settings, "EXERCISES_ALLOW_UNSANDBOXED", False):
            return SandboxResult(
                status="refused",
                reason=f"Code cannot run on this server: {why}",
                sandboxed=False,
            )
        _warn_unsandboxed(why)
    names = [name for name in test_files if re.fullmatch(r"test_[a-z0-9_]{1,40}\.py", name)]
    if len(names) != len(test_files):
        raise ValueError("Test file names must look like test_<name>.py.")
    try:
        base = _base_dir()
    except RuntimeError as exc:
        logger.error("sandbox directory refused: %s", exc)
        return SandboxResult(status="refused", reason=f"Code cannot run on this server: {exc}")
    with _Slot() as slot:
        task_dir = Path(tempfile.mkdtemp(prefix="run-", dir=base))
        try:
            _write(task_dir, "solution.py", solution)
            _write(task_dir, "harness.py", HARNESS.read_bytes())
            for name in names:
                _write(task_dir, name, test_files[name])
            if slot.uid is not None:
                for path in (task_dir, *task_dir.iterdir()):
                    os.chown(path, slot.uid, slot.uid, follow_symlinks=False)
                os.chmod(task_dir, 0o500)
            result = _execute(
                task_dir, names, limits=limits, uid=slot.uid, on_test=on_test, sandboxed=sandboxed
            )
        finally:
            shutil.rmtree(task_dir, ignore_errors=True)
    result.duration_ms = round((time.monotonic() - started) * 1000)
    result.sandboxed = sandboxed
    return result


def _execute(
    task_dir: Path,
    names: list[str],
    *,
    limits: Limits,
    uid: int | None,
    on_test: Callable[[TestOutcome], None] | None,
    sandboxed: bool,
) -> SandboxResult:
    read_results, write_results = os.pipe()
    command = [PYTHON, "-I", "-B", "/task/harness.py", str(write_results),
               str(limits.per_test_seconds), *names]  # fmt: skip
    seccomp_fd = _seccomp_fd() if sandboxed else None
    if sandboxed:
        assert seccomp_fd is not None
        argv = _bwrap_args(str(task_dir), limits, seccomp_fd) + command
        cwd = None
    else:  # development only, and said so loudly
        argv = [PYTHON, "-I", "-B", str(task_dir / "harness.py"), str(write_results),
                str(limits.per_test_seconds), *names]  # fmt: skip
        cwd = str(task_dir)
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={"PATH": "/usr/bin:/bin"},
            cwd=cwd,
            pass_fds=tuple(fd for fd in (write_results, seccomp_fd) if fd is not None),
            preexec_fn=_preexec(limits, uid),  # noqa: PLW1509 - rlimits and uid need it
            start_new_session=True,
        )
    finally:
        os.close(write_results)
        if seccomp_fd is not None:
            os.close(seccomp_fd)
    return _Collector(process, read_results, limits, on_test).run()


class _Collector:
    """Reads the learner's output and the harness's result lines until the run ends,
    enforcing the wall clock and the output cap, and reporting each test as it lands."""

    def __init__(self, process: subprocess.Popen, read_results: int, limits: Limits,
                 on_test: Callable[[TestOutcome], None] | None) -> None:  # fmt: skip
        self.process, self.read_results, self.limits, self.on_test = (
            process,
            read_results,
            limits,
            on_test,
        )
        self.output = bytearray()
        self.pending = b""
        self.tests: list[TestOutcome] = []
        self.import_problem: dict | None = None
        self.done = False
        self.killed_for = ""

    def run(self) -> SandboxResult:
        assert self.process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ, "output")
        selector.register(self.read_results, selectors.EVENT_READ, "results")
        deadline = time.monotonic() + self.limits.wall_seconds
        streams = 2
        while streams and not self.killed_for:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.killed_for = "wall"
                break
            for key, _ in selector.select(timeout=min(remaining, 0.5)):
                chunk = self._read(key.fd)
                if not chunk:
                    selector.unregister(key.fileobj)
                    streams -= 1
                elif key.data == "output":
                    self._on_output(chunk)
                else:
                    self._on_results(chunk)
                if self.killed_for:
                    break
        if self.killed_for:
            _kill(self.process)
        try:
            returncode = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _kill(self.process)
            returncode = self.process.wait()
        selector.close()
        os.close(self.read_results)
        self.process.stdout.close()
        return self._result(returncode)

    @staticmethod
    def _read(fd: int) -> bytes:
        try:
            return os.read(fd, 65536)
        except OSError:
            return b""

    def _on_output(self, chunk: bytes) -> None:
        self.output += chunk
        if len(self.output) > self.limits.output_bytes:
            self.killed_for = "output"

    def _on_results(self, chunk: bytes) -> None:
        self.pending += chunk
        if len(self.pending) > 1024 * 1024:
            self.killed_for = "results"
            return
        *lines, self.pending = self.pending.split(b"\n")
        for line in lines:
            event = _parse(line)
            if event is None:
                continue
            if event["type"] == "test":
                outcome = TestOutcome(
                    name=str(event.get("name", "?"))[:100],
                    outcome=event["outcome"] if event.get("outcome") in OUTCOMES else "error",
                    duration_ms=_int(event.get("duration_ms")),
                    message=str(event.get("message") or "")[:2000],
                    file=str(event.get("file") or "")[:60],
                )
                self.tests.append(outcome)
                if self.on_test is not None:
                    self.on_test(outcome)
            elif event["type"] == "import":
                self.import_problem = event
            elif event["type"] == "done":
                self.done = True

    def _result(self, returncode: int) -> SandboxResult:
        limits = self.limits
        text, truncated = clean_output(bytes(self.output), limits.output_bytes)
        tests = self.tests
        status = "passed" if tests and all(t.outcome == "passed" for t in tests) else "failed"
        reason = ""
        if self.import_problem is not None:
            status = "timeout" if self.import_problem.get("outcome") == "timeout" else "error"
            reason = _hint(str(self.import_problem.get("message", ""))[:2000], limits)
        elif self.killed_for == "wall":
            status, reason = "timeout", f"Stopped after {limits.wall_seconds:g} s (wall clock)."
        elif self.killed_for == "output":
            status = "error"
            reason = f"Output limit reached ({limits.output_bytes // 1024} KB): stopped."
        elif self.killed_for == "results":
            status, reason = "error", "The test harness was flooded: stopped."
        elif not self.done:
            status, reason = _why_it_died(returncode, limits, text)
        elif any(t.outcome == "timeout" for t in tests):
            reason = f"A test ran longer than {limits.per_test_seconds:g} s."
        if truncated and not reason:
            reason = f"Output truncated at {limits.output_bytes // 1024} KB."
        return SandboxResult(status=status, tests=tests, output=text, reason=reason)


OUTCOMES = {"passed", "failed", "error", "timeout"}


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _hint(message: str, limits: Limits) -> str:
    """Name the limit behind a low-level error the learner's code hit."""
    if "BlockingIOError" in message and "Errno 11" in message:
        return message + f" — the sandbox allows {limits.processes} processes."
    if "MemoryError" in message:
        return message + f" — the sandbox allows {limits.memory_bytes // (1024 * 1024)} MB."
    return message


def _parse(line: bytes) -> dict | None:
    try:
        event = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return event if isinstance(event, dict) and isinstance(event.get("type"), str) else None


def _kill(process: subprocess.Popen) -> None:
    # bubblewrap's process group; its PID namespace (every learner process) dies with it
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _why_it_died(returncode: int, limits: Limits, output: str) -> tuple[str, str]:
    if returncode in (-signal.SIGXCPU, 128 + signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGKILL):
        return "timeout", f"CPU time limit reached ({limits.cpu_seconds} s)."
    if "MemoryError" in output or returncode in (-signal.SIGSEGV, 128 + signal.SIGSEGV):
        return "error", f"Memory limit reached ({limits.memory_bytes // (1024 * 1024)} MB)."
    if returncode == 0:
        return "error", "Your code ended the test run early (it exited before the tests finished)."
    return "error", f"The test run stopped unexpectedly (exit status {returncode})."
