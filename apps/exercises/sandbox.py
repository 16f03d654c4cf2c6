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

import contextlib
import ctypes
import errno
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
from typing import IO, Any

from django.conf import settings

from apps.exercises import seccomp

logger = logging.getLogger(__name__)

PYTHON = "/usr/bin/python3"  # the system interpreter: everything it needs is under /usr
HARNESS = Path(__file__).with_name("harness.py")
MAX_CODE_BYTES = 64 * 1024
MAX_RECORD_BYTES = 256 * 1024  # one test's observations
MAX_RESULTS_BYTES = 2 * 1024 * 1024  # everything a phase may report
MAX_RECORD_DEPTH = 80  # the harness nests at most 32 levels of values, plus its framing
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
    fd = _seccomp_fd()
    try:
        result = subprocess.run(
            [
                *_bwrap_args(None, tmp_dir, Limits(), fd),
                *(PYTHON, "-I", "-S", "-c", "open('/tmp/probe', 'w').write('ok'); print('ok')"),
            ],
            capture_output=True,
            timeout=Limits().wall_seconds,
            env={"PATH": "/usr/bin:/bin"},
            pass_fds=(fd,),
            preexec_fn=_preexec(Limits(), None, tmp_dir),
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"bubblewrap could not start: {exc}"
    finally:
        os.close(fd)
        shutil.rmtree(tmp_dir, ignore_errors=True)
    if result.returncode != 0 or result.stdout.strip() != b"ok":
        detail = result.stderr.decode("utf-8", "replace").strip()[:300]
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


def processes_of(uid: int) -> list[int]:
    """PIDs on the host whose real uid is ``uid`` and which have not exited (zombies
    left out). Read from /proc/<pid>/stat and status, which stay right whatever the
    process did to its own attributes."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as handle:
                status = handle.read(1024)
        except (FileNotFoundError, ProcessLookupError):
            continue
        state = status.split(b"\nState:\t", 1)[-1][:1]
        uid_line = status.split(b"\nUid:\t", 1)[-1].split(b"\t", 1)[0]
        if uid_line == str(uid).encode() and state not in (b"Z", b"X"):
            found.append(int(name))
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


# --------------------------------------------------------------------------- /tmp

CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x4000, 0x40000
PR_SET_DUMPABLE = 4
_libc: Any = None


def _libc_handle() -> Any:
    global _libc  # noqa: PLW0603
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _mount_private_tmp(target: Path, limits: Limits, owner: int | None) -> None:
    """In the child, before bubblewrap: enter a mount namespace of its own and mount a
    tmpfs bounded in bytes and in inodes on ``target``, for bubblewrap to bind at /tmp.
    As root (``owner``: the run's uid, dropped to afterwards) that needs nothing more;
    otherwise the child first enters a user namespace where its uid maps to itself. No
    process outside this tree ever sees the mount."""
    libc = _libc_handle()

    def check(result: int, what: str) -> None:
        if result != 0:
            code = ctypes.get_errno()
            raise OSError(code, f"{what}: {os.strerror(code)}")

    if owner is None:
        uid, gid = os.getuid(), os.getgid()
        # A process that changed its uid is not "dumpable", and its /proc/self files then
        # belong to root: the id maps below could not be written.
        check(libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "prctl")
        check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare")
        for path, text in (
            ("/proc/self/setgroups", "deny"),
            ("/proc/self/uid_map", f"{uid} {uid} 1"),
            ("/proc/self/gid_map", f"{gid} {gid} 1"),
        ):
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, text.encode())
            finally:
                os.close(fd)
    else:
        uid = gid = owner
        check(libc.unshare(CLONE_NEWNS), "unshare")
    check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    options = f"size={limits.tmp_bytes},nr_inodes={limits.tmp_files},mode=0700,uid={uid},gid={gid}"
    check(
        libc.mount(b"tmpfs", bytes(target), b"tmpfs", MS_NOSUID | MS_NODEV, options.encode()),
        "mount /tmp",
    )


# --------------------------------------------------------------------------- running


def _preexec(limits: Limits, uid: int | None, tmp_dir: Path | None) -> Callable[[], None]:
    def apply() -> None:
        cpu = limits.cpu_seconds
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if uid is not None:  # root: mount as root, then drop to the run's own uid
            if tmp_dir is not None:
                _mount_private_tmp(tmp_dir, limits, uid)
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        else:
            mine = len(processes_of(os.getuid()))
            resource.setrlimit(resource.RLIMIT_NPROC, (mine + limits.processes,) * 2)
            if tmp_dir is not None:
                _mount_private_tmp(tmp_dir, limits, None)

    return apply


def _bwrap_args(task_dir: str | None, tmp_dir: Path, limits: Limits, seccomp_fd: int) -> list[str]:
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
                "results_fd": write_results,
                "per_test_seconds": limits.per_test_seconds,
                "module": module_file[:-3],
                "tests": tests,
            }
            _write(task_dir, "solution.py", solution.encode("utf-8", "surrogatepass"))
            _write(task_dir, "harness.py", _harness_bytes())
            _write(task_dir, module_file, source)
            _write(task_dir, "manifest.json", json.dumps(manifest))
            if slot.uid is not None:
                for path in (task_dir, *task_dir.iterdir(), tmp_dir):
                    os.chown(path, slot.uid, slot.uid, follow_symlinks=False)
                os.chmod(task_dir, 0o500)
            process = _spawn(
                task_dir, tmp_dir, write_results, limits, uid=slot.uid, sandboxed=sandboxed
            )
            result = _Collector(process, read_results, limits, on_record, keep_output).run()
        finally:
            with contextlib.suppress(OSError):
                os.close(write_results)
            shutil.rmtree(task_dir, ignore_errors=True)
            shutil.rmtree(tmp_dir, ignore_errors=True)
    result.duration_ms = round((time.monotonic() - started) * 1000)
    result.sandboxed = sandboxed
    return result


_harness_cache: bytes | None = None


def _harness_bytes() -> bytes:
    global _harness_cache  # noqa: PLW0603
    if _harness_cache is None:
        _harness_cache = HARNESS.read_bytes()
    return _harness_cache


def _spawn(
    task_dir: Path,
    tmp_dir: Path,
    write_results: int,
    limits: Limits,
    *,
    uid: int | None,
    sandboxed: bool,
) -> subprocess.Popen:
    seccomp_fd = _seccomp_fd() if sandboxed else None
    if sandboxed:
        assert seccomp_fd is not None
        argv = [*_bwrap_args(str(task_dir), tmp_dir, limits, seccomp_fd),
                PYTHON, "-I", "-S", "-B", "/task/harness.py"]  # fmt: skip
        cwd = None
    else:  # development only, and said so loudly
        argv = [PYTHON, "-I", "-S", "-B", str(task_dir / "harness.py")]
        cwd = str(task_dir)
    try:
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={"PATH": "/usr/bin:/bin"},
            cwd=cwd,
            pass_fds=tuple(fd for fd in (write_results, seccomp_fd) if fd is not None),
            preexec_fn=_preexec(limits, uid, tmp_dir if sandboxed else None),  # noqa: PLW1509
            start_new_session=True,
        )
    finally:
        os.close(write_results)
        if seccomp_fd is not None:
            os.close(seccomp_fd)


class _Collector:
    """Reads the process's output and its result records until it ends, enforcing the
    wall clock, the output cap and the results' size, and handing on each record as it
    lands."""

    def __init__(self, process: subprocess.Popen, read_results: int, limits: Limits,
                 on_record: Callable[[dict[str, Any]], bool] | None,
                 keep_output: bool) -> None:  # fmt: skip
        self.process, self.read_results, self.limits = process, read_results, limits
        self.on_record, self.keep_output = on_record, keep_output
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
            returncode = self.process.wait()
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


def json_depth_ok(text: bytes, limit: int) -> bool:
    """Whether the JSON text nests arrays and objects at most ``limit`` deep (counted
    outside strings), so ``json.loads`` cannot recurse out of the stack."""
    depth, in_string, escaped = 0, False, False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return False
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return True


def parse_record(line: bytes) -> dict[str, Any] | None:
    """One line the process wrote, as a JSON object, or None when it is not one (too
    long, too deep, not UTF-8, not JSON, a number too large to read)."""
    if len(line) > MAX_RECORD_BYTES or not json_depth_ok(line, MAX_RECORD_DEPTH):
        return None
    try:
        record = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return record if isinstance(record, dict) else None


def _kill(process: subprocess.Popen) -> None:
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
