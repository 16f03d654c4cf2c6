"""Run a learner's Python against one probe file in a bubblewrap sandbox.

This module runs code and collects what the code reported; it decides nothing about
grades. ``apps.exercises.grading`` compares the reported observations with expected
values outside the sandbox.

Each run (a *phase*: the visible probes, or the hidden ones) gets:

* new user, PID, network, IPC, UTS and cgroup namespaces (``--unshare-all``), its own
  session (``--new-session``, so it cannot push input into our terminal) and death with
  its parent (``--die-with-parent``); no capabilities; a seccomp filter
  (``apps.exercises.seccomp``) against ptrace, the keyring, mounts, new namespaces …;
* a root with only ``/usr`` (read-only), a fresh ``/proc`` and ``/dev``, a read-only
  ``/task`` holding the code, the probes, the harness and its manifest, and a writable
  ``/tmp`` bounded in bytes **and** in files (a tmpfs mounted with ``nr_inodes``, which
  bubblewrap's own ``--tmpfs`` cannot set: we mount it in a private user and mount
  namespace just before bubblewrap starts, and bubblewrap binds it); no ``/etc``, no
  project file, setting, database, socket or environment variable — bubblewrap itself
  starts with an empty environment, so its own PID 1 has nothing in ``/proc/1/environ``;
* rlimits: CPU seconds, address space, processes, file size, open files, no core dumps;
  a wall-clock timeout; output capped; and, when we run as root, its own unprivileged
  uid from a pool (``RLIMIT_NPROC`` counts per uid, so a fork bomb in one sandbox cannot
  starve the next, and root would not be limited at all).

Nothing the learner controls reaches the command line: file names, limits and paths are
ours. The task directory is created fresh (0500, owned by the run's uid), written with
``O_EXCL | O_NOFOLLOW`` and removed afterwards; no process outlives the run because the
PID namespace dies with bubblewrap.
"""

from __future__ import annotations

import array
import contextlib
import errno
import fcntl
import json
import logging
import os
import platform
import re
import select
import selectors
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from apps.core import jsonbody
from apps.exercises import seccomp
from apps.exercises.launcher import RESULTS_FD, SECCOMP_FD, processes_of

logger = logging.getLogger(__name__)

PYTHON = "/usr/bin/python3"  # the system interpreter: everything it needs is under /usr
HARNESS = Path(__file__).with_name("harness.py")
PROBES = Path(__file__).with_name("probes.py")  # helpers probes may import
LAUNCHER = Path(__file__).with_name("launcher.py")
MAX_CODE_BYTES = 64 * 1024
MAX_RECORD_BYTES = 256 * 1024  # one test's observations
MAX_RESULTS_BYTES = 2 * 1024 * 1024  # everything a phase may report
MAX_RECORD_DEPTH = 80  # the harness nests values 32 deep (64 in JSON), plus its framing
UID_BASE, UID_SLOTS = 62000, 64
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MODULE_FILE = re.compile(r"test_[a-z0-9_]{1,40}\.py")
_TEST_NAME = re.compile(r"test_[A-Za-z0-9_]{1,100}")


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 5
    memory_bytes: int = 256 * 1024 * 1024
    processes: int = 32
    file_bytes: int = 1024 * 1024
    open_files: int = 64
    tmp_bytes: int = 16 * 1024 * 1024
    tmp_files: int = 256  # files, directories and links in /tmp, its root included
    wall_seconds: float = 10.0
    output_bytes: int = 64 * 1024
    per_test_seconds: float = 2.0


@dataclass
class PhaseResult:
    """What one sandboxed process did: its records (as parsed, unjudged), its output,
    and why it stopped."""

    status: str  # "ran" | "refused"
    records: list[dict[str, Any]] = field(default_factory=list)
    output: str = ""
    truncated: bool = False
    killed_for: str = ""  # "" | "wall" | "output" | "results" | "protocol"
    returncode: int | None = None
    reason: str = ""  # why it was refused
    duration_ms: int = 0
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
        base = _base_dir()
    except RuntimeError as exc:
        return False, str(exc)
    tmp_dir = Path(tempfile.mkdtemp(prefix="probe-", dir=base))
    read_results, write_results = os.pipe()
    output = b""
    try:
        process = _spawn(
            base, tmp_dir, write_results, Limits(), uid=None, sandboxed=True,
            command=[PYTHON, "-I", "-S", "-c",
                     "open('/tmp/probe', 'w').write('ok'); print('ok')"],
        )  # fmt: skip
        output = process.stdout.read(4096)
        returncode = process.wait(timeout=Limits().wall_seconds)
        process.stdout.close()
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"bubblewrap could not start: {exc}"
    finally:
        os.close(read_results)
        shutil.rmtree(tmp_dir, ignore_errors=True)
    if returncode != 0 or output.strip() != b"ok":
        detail = output.decode("utf-8", "replace").strip()[:300]
        return False, f"bubblewrap cannot create namespaces here ({detail or returncode})."
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


def _kill_uid(uid: int, timeout: float = 2.0) -> None:
    """Kill every process of ``uid`` and wait until none is left running, so the next
    run on this uid starts with its whole process budget."""
    deadline = time.monotonic() + timeout
    while True:
        pids = processes_of(uid)
        if not pids or time.monotonic() > deadline:
            if pids:
                logger.error("sandbox uid %s still has processes %s", uid, pids[:10])
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.002)


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
    if os.geteuid() == 0:  # each run's own uid must be able to reach its directory
        for parent in base.resolve().parents:
            if not os.stat(parent).st_mode & 0o001:
                raise RuntimeError(
                    f"{parent} cannot be searched by other users, so the sandbox's uids "
                    "cannot reach their run directories: set EXERCISES_SANDBOX_DIR elsewhere."
                )
    return base


def _write(directory: Path, name: str, content: str | bytes) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


# --------------------------------------------------------------------------- launching


class _Launcher:
    """This process's launcher (apps/exercises/launcher.py): started at the first run,
    again after a fork (Celery's pool) or if it died. Thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sock: socket.socket | None = None
        self.process: subprocess.Popen | None = None
        self.owner = 0

    def _start(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    "-S",
                    "-B",
                    str(LAUNCHER),
                    str(theirs.fileno()),
                    str(os.getpid()),
                ],
                stdin=subprocess.DEVNULL,
                env={"PATH": "/usr/bin:/bin"},
                pass_fds=(theirs.fileno(),),
            )
        finally:
            theirs.close()
        self.sock, self.owner = ours, os.getpid()

    def send(self, request: dict[str, Any], fds: list[int]) -> None:
        data = json.dumps(request).encode()
        rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
        with self.lock:
            for attempt in (1, 2):
                alive = self.process is not None and self.process.poll() is None
                if self.sock is None or self.owner != os.getpid() or not alive:
                    self._start()
                assert self.sock is not None
                try:
                    self.sock.sendmsg([data], rights)
                    return
                except OSError:
                    if attempt == 2:
                        raise
                    self.sock = None


_launcher = _Launcher()


class _Process:
    """A run's process, started by the launcher: its output, its pid (from the status
    pipe) and how it ended."""

    def __init__(self, stdout: int, status: int) -> None:
        self.stdout = os.fdopen(stdout, "rb", buffering=0)
        self._status, self._pending = status, b""
        self.returncode: int | None = None
        line = self._line(timeout=30)
        if not line or not line.startswith(b"pid "):
            self._close()
            self.stdout.close()
            raise OSError("the sandbox launcher did not start the run")
        self.pid = int(line[4:])

    def _line(self, timeout: float) -> bytes | None:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise subprocess.TimeoutExpired("sandbox", timeout)
            ready, _, _ = select.select([self._status], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._status, 256)
            if not chunk:
                return None
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return line

    def wait(self, timeout: float) -> int:
        if self.returncode is None:
            line = self._line(timeout)
            self.returncode = int(line[5:]) if line and line.startswith(b"exit ") else -9
            self._close()
        return self.returncode

    def _close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._status)


def _bwrap_args(
    task_dir: str | None, tmp_dir: Path, limits: Limits, libraries: str | None = None
) -> list[str]:
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
        "--bind", str(tmp_dir), "/tmp",  # noqa: S108 - the run's own bounded tmpfs
    ]  # fmt: skip
    if task_dir is not None:
        args += ["--ro-bind", task_dir, "/task"]
    if libraries is not None:  # a lesson example's: the installed packages, read-only
        args += ["--ro-bind", libraries, LIBRARIES_MOUNT]
    args += [
        "--remount-ro", "/",
        "--chdir", "/tmp",  # noqa: S108
        "--clearenv",
        "--setenv", "PATH", "/usr/bin:/bin",
        "--setenv", "HOME", "/tmp",  # noqa: S108
        "--setenv", "LANG", "C.UTF-8",
        "--seccomp", str(SECCOMP_FD),
        "--",
    ]  # fmt: skip
    return args


_seccomp_program: bytes | None = None


def _seccomp_fd() -> int:
    global _seccomp_program  # noqa: PLW0603
    if _seccomp_program is None:
        _seccomp_program = seccomp.program()
    fd = os.memfd_create("sandbox-seccomp", 0)
    os.write(fd, _seccomp_program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


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


def run_phase(
    *,
    solution: str,
    module_file: str,
    source: str,
    tests: list[str],
    on_record: Callable[[dict[str, Any]], bool] | None = None,
    limits: Limits | None = None,
    keep_output: bool = True,
) -> PhaseResult:
    """Run the probes ``tests`` (in that order) of ``source`` against ``solution``.

    ``on_record`` gets each record the process wrote as it arrives (parsed JSON
    objects, unjudged) and returns False to stop the process (a protocol violation).
    ``keep_output=False`` discards what the process printed (the hidden phase: nothing
    of it may reach the learner), though the output cap still applies."""
    limits = limits or Limits()
    started = time.monotonic()
    if len(solution.encode("utf-8", "surrogatepass")) > MAX_CODE_BYTES:
        return PhaseResult(status="refused", reason="Your code is larger than 64 KB.")
    if not _MODULE_FILE.fullmatch(module_file) or not all(
        _TEST_NAME.fullmatch(name) for name in tests
    ):
        raise ValueError("Probe files look like test_<name>.py and tests like test_<name>.")
    available, why = sandbox_available()
    sandboxed = available
    if not available:
        if not getattr(settings, "EXERCISES_ALLOW_UNSANDBOXED", False):
            return PhaseResult(
                status="refused", reason=f"Code cannot run on this server: {why}", sandboxed=False
            )
        _warn_unsandboxed(why)
    try:
        base = _base_dir()
    except RuntimeError as exc:
        logger.error("sandbox directory refused: %s", exc)
        return PhaseResult(status="refused", reason=f"Code cannot run on this server: {exc}")
    with _Slot() as slot:
        task_dir = Path(tempfile.mkdtemp(prefix="run-", dir=base))
        tmp_dir = Path(tempfile.mkdtemp(prefix="tmp-", dir=base))
        read_results, write_results = os.pipe()
        try:
            manifest = {
                "results_fd": RESULTS_FD,
                "per_test_seconds": limits.per_test_seconds,
                "module": module_file[:-3],
                "tests": tests,
            }
            _write(task_dir, "solution.py", solution.encode("utf-8", "surrogatepass"))
            _write(task_dir, "harness.py", _support_bytes(HARNESS))
            _write(task_dir, "probes.py", _support_bytes(PROBES))
            _write(task_dir, module_file, source)
            _write(task_dir, "manifest.json", json.dumps(manifest))
            if slot.uid is not None:
                for path in (task_dir, *task_dir.iterdir(), tmp_dir):
                    os.chown(path, slot.uid, slot.uid, follow_symlinks=False)
                os.chmod(task_dir, 0o500)
            spawned, write_results = write_results, -1
            process = _spawn(task_dir, tmp_dir, spawned, limits, uid=slot.uid, sandboxed=sandboxed)
            result = _Collector(process, read_results, limits, on_record, keep_output).run()
        except OSError as exc:
            logger.exception("the sandbox could not start a run")
            with contextlib.suppress(OSError):
                os.close(read_results)
            return PhaseResult(status="refused", reason=f"Code cannot run on this server: {exc}")
        finally:
            if write_results != -1:
                with contextlib.suppress(OSError):
                    os.close(write_results)
            shutil.rmtree(task_dir, ignore_errors=True)
            shutil.rmtree(tmp_dir, ignore_errors=True)
    result.duration_ms = round((time.monotonic() - started) * 1000)
    result.sandboxed = sandboxed
    return result


LIBRARIES_MOUNT = "/opt/site-packages"
# Runs /task/main.py as __main__ with the platform's installed packages importable after
# the standard library (so an example may import Django, Celery or graphene to show them;
# there is still no network, database, Redis, setting or project file).
_EXAMPLE_MAIN = (
    f"import runpy, sys; sys.path.append({LIBRARIES_MOUNT!r}); sys.argv = ['main.py']; "
    "runpy.run_path('/task/main.py', run_name='__main__')"
)


def example_libraries() -> str | None:
    """The platform's third-party packages (the site-packages that holds Django), which
    lesson examples may import read-only; never the project's own code or settings."""
    import django

    path = Path(django.__file__).resolve().parent.parent
    return str(path) if path.name in {"site-packages", "dist-packages"} else None


def run_program(
    *,
    code: str,
    limits: Limits | None = None,
    on_output: Callable[[bytes], None] | None = None,
) -> PhaseResult:
    """Run ``code`` as a whole program (``python3 main.py``, ``__name__ == "__main__"``) in
    the same sandbox, limits and uid slots as the probes: a lesson's runnable example,
    which may also import the platform's installed packages (``example_libraries``).
    ``on_output`` gets everything printed so far (stdout and stderr, raw and capped) as it
    arrives. Nothing is judged: the caller gets the output, the exit status and
    ``killed_for`` ("wall" for the wall clock)."""
    limits = limits or Limits()
    started = time.monotonic()
    if len(code.encode("utf-8", "surrogatepass")) > MAX_CODE_BYTES:
        return PhaseResult(status="refused", reason="The code is larger than 64 KB.")
    available, why = sandbox_available()
    sandboxed = available
    if not available:
        if not getattr(settings, "EXERCISES_ALLOW_UNSANDBOXED", False):
            return PhaseResult(
                status="refused", reason=f"Code cannot run on this server: {why}", sandboxed=False
            )
        _warn_unsandboxed(why)
    try:
        base = _base_dir()
    except RuntimeError as exc:
        logger.error("sandbox directory refused: %s", exc)
        return PhaseResult(status="refused", reason=f"Code cannot run on this server: {exc}")
    with _Slot() as slot:
        task_dir = Path(tempfile.mkdtemp(prefix="run-", dir=base))
        tmp_dir = Path(tempfile.mkdtemp(prefix="tmp-", dir=base))
        read_results, write_results = os.pipe()
        try:
            _write(task_dir, "main.py", code.encode("utf-8", "surrogatepass"))
            if slot.uid is not None:
                for path in (task_dir, *task_dir.iterdir(), tmp_dir):
                    os.chown(path, slot.uid, slot.uid, follow_symlinks=False)
                os.chmod(task_dir, 0o500)
            spawned, write_results = write_results, -1
            process = _spawn(task_dir, tmp_dir, spawned, limits, uid=slot.uid,
                             sandboxed=sandboxed, script="main.py",
                             command=[PYTHON, "-I", "-S", "-B", "-u", "-c", _EXAMPLE_MAIN],
                             libraries=example_libraries())  # fmt: skip
            result = _Collector(
                process, read_results, limits, lambda record: True, True, on_output=on_output
            ).run()
        except OSError as exc:
            logger.exception("the sandbox could not start a program")
            with contextlib.suppress(OSError):
                os.close(read_results)
            return PhaseResult(status="refused", reason=f"Code cannot run on this server: {exc}")
        finally:
            if write_results != -1:
                with contextlib.suppress(OSError):
                    os.close(write_results)
            shutil.rmtree(task_dir, ignore_errors=True)
            shutil.rmtree(tmp_dir, ignore_errors=True)
    result.duration_ms = round((time.monotonic() - started) * 1000)
    result.sandboxed = sandboxed
    return result


_support_cache: dict[Path, bytes] = {}


def _support_bytes(path: Path) -> bytes:
    """The harness or the probes' helpers (read once per process)."""
    if path not in _support_cache:
        _support_cache[path] = path.read_bytes()
    return _support_cache[path]


def _spawn(
    task_dir: Path,
    tmp_dir: Path,
    write_results: int,
    limits: Limits,
    *,
    uid: int | None,
    sandboxed: bool,
    command: list[str] | None = None,
    script: str = "harness.py",
    libraries: str | None = None,
) -> _Process:
    """Start the run's process through the launcher: bubblewrap around ``command`` (the
    harness by default), or the harness alone when unsandboxed (development only)."""
    if sandboxed:
        argv = [*_bwrap_args(str(task_dir), tmp_dir, limits, libraries),
                *(command or [PYTHON, "-I", "-S", "-B", f"/task/{script}"])]  # fmt: skip
        cwd = None
    else:  # development only, and said so loudly
        argv = [PYTHON, "-I", "-S", "-B", str(task_dir / script)]
        cwd = str(task_dir)
    seccomp_fd = _seccomp_fd() if sandboxed else os.open(os.devnull, os.O_RDONLY)
    read_output, write_output = os.pipe()
    read_status, write_status = os.pipe()
    request = {
        "argv": argv,
        "env": {"PATH": "/usr/bin:/bin"},
        "cwd": cwd,
        "uid": uid,
        "tmp_dir": str(tmp_dir) if sandboxed else None,
        "limits": {
            "cpu_seconds": limits.cpu_seconds,
            "memory_bytes": limits.memory_bytes,
            "file_bytes": limits.file_bytes,
            "open_files": limits.open_files,
            "processes": limits.processes,
            "tmp_bytes": limits.tmp_bytes,
            "tmp_files": limits.tmp_files,
        },
    }
    try:
        _launcher.send(request, [write_output, write_results, write_status, seccomp_fd])
    except OSError:
        for fd in (read_output, read_status):
            os.close(fd)
        raise
    finally:
        for fd in (write_output, write_results, write_status, seccomp_fd):
            os.close(fd)
    return _Process(read_output, read_status)


class _Collector:
    """Reads the process's output and its result records until it ends, enforcing the
    wall clock, the output cap and the results' size, and handing on each record as it
    lands."""

    def __init__(self, process: _Process, read_results: int, limits: Limits,
                 on_record: Callable[[dict[str, Any]], bool] | None,
                 keep_output: bool, *,
                 on_output: Callable[[bytes], None] | None = None) -> None:  # fmt: skip
        self.process, self.read_results, self.limits = process, read_results, limits
        self.on_record, self.keep_output, self.on_output = on_record, keep_output, on_output
        self.output = bytearray()
        self.output_seen = 0
        self.pending = b""
        self.results_seen = 0
        self.records: list[dict[str, Any]] = []
        self.killed_for = ""

    def run(self) -> PhaseResult:
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
            for key, _ in selector.select(timeout=remaining):
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
        if self.killed_for or streams:
            _kill(self.process)
        try:
            returncode = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _kill(self.process)
            returncode = self.process.wait(timeout=30)
        selector.close()
        os.close(self.read_results)
        self.process.stdout.close()
        text, truncated = clean_output(bytes(self.output), self.limits.output_bytes)
        return PhaseResult(
            status="ran",
            records=self.records,
            output=text if self.keep_output else "",
            truncated=truncated and self.keep_output,
            killed_for=self.killed_for,
            returncode=returncode,
        )

    @staticmethod
    def _read(fd: int) -> bytes:
        try:
            return os.read(fd, 65536)
        except OSError:
            return b""

    def _on_output(self, chunk: bytes) -> None:
        self.output_seen += len(chunk)
        if self.keep_output and len(self.output) <= self.limits.output_bytes:
            self.output += chunk
            if self.on_output is not None:
                self.on_output(bytes(self.output))
        if self.output_seen > self.limits.output_bytes:
            self.killed_for = "output"

    def _on_results(self, chunk: bytes) -> None:
        self.results_seen += len(chunk)
        if self.results_seen > MAX_RESULTS_BYTES:
            self.killed_for = "results"
            return
        self.pending += chunk
        *lines, self.pending = self.pending.split(b"\n")
        if len(self.pending) > MAX_RECORD_BYTES:
            self.killed_for = "results"
            return
        for line in lines:
            record = parse_record(line)
            if record is None:
                self.killed_for = "protocol"
                return
            self.records.append(record)
            if self.on_record is not None and self.on_record(record) is False:
                self.killed_for = "protocol"
                return


def parse_record(line: bytes) -> dict[str, Any] | None:
    """One line the process wrote, as a JSON object, or None when it is not one (too
    long, too deep, not UTF-8, not JSON, a number too large to read)."""
    if len(line) > MAX_RECORD_BYTES:
        return None
    try:
        record = jsonbody.loads(line, what="A record", max_depth=MAX_RECORD_DEPTH)
    except jsonbody.JsonError:
        return None
    return record if isinstance(record, dict) else None


def _kill(process: _Process) -> None:
    # bubblewrap's process group; its PID namespace (every learner process) dies with it
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def why_it_died(returncode: int | None, limits: Limits, output: str) -> str:
    """Name the limit behind a process's end, from its exit status."""
    if returncode in (-signal.SIGXCPU, 128 + signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGKILL):
        return f"CPU time limit reached ({limits.cpu_seconds} s)."
    if "MemoryError" in output or returncode in (-signal.SIGSEGV, 128 + signal.SIGSEGV):
        return f"Memory limit reached ({limits.memory_bytes // (1024 * 1024)} MB)."
    if returncode == 0:
        return "Your code ended the test run early (it exited before the tests finished)."
    return f"The test run stopped unexpectedly (exit status {returncode})."


def hint(message: str, limits: Limits) -> str:
    """Name the limit behind a low-level error the learner's code hit."""
    if "BlockingIOError" in message and "Errno 11" in message:
        return message + f" — the sandbox allows {limits.processes} processes."
    if "MemoryError" in message:
        return message + f" — the sandbox allows {limits.memory_bytes // (1024 * 1024)} MB."
    if f"Errno {errno.ENOSPC}" in message or "No space left" in message:
        return message + (
            f" — /tmp holds at most {limits.tmp_files - 1} files and directories and "
            f"{limits.tmp_bytes // (1024 * 1024)} MB."
        )
    if "Too many open files" in message:
        return message + f" — the sandbox allows {limits.open_files} open files."
    return message
