"""Starts sandboxed runs from a small process of its own, so a worker with a large heap
never forks itself for a run.

Forking a process costs in proportion to its memory (page tables, then copy-on-write
faults while the child lives); ``subprocess`` must fork, not vfork, to run the setup a
sandbox needs in the child (rlimits, the run's uid, a mount namespace with a bounded
``/tmp``). A warm Celery worker of 300 MB paid ~40 ms per run for that fork alone. So
each process that runs code starts this launcher once (``python -I -S launcher.py FD``,
standard library only, a few MB) and sends it one request per run over a Unix socket:
the command, the limits and the descriptors of the run's pipes (``SCM_RIGHTS``).

For each request the launcher forks a *monitor*, which forks the run's process (the
child: a new session, the pipes on descriptors 0-4, rlimits, the uid, the mount, then
``exec`` of bubblewrap), writes ``pid N`` on the run's status pipe, waits for it and
writes ``exit N``. The launcher dies with the process that started it, each monitor with
the launcher (``PR_SET_PDEATHSIG``), and bubblewrap with its monitor
(``--die-with-parent``): a worker killed mid-run leaves no sandbox behind.

``sandbox.py`` imports the helpers below (``processes_of``, ``prepare_child``) for its
own use, so the rules live in one place.
"""

from __future__ import annotations

import array
import ctypes
import json
import os
import resource
import signal
import socket
import sys
from typing import Any

CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x4000, 0x40000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 1, 4, 36
# Descriptors of the run's process: stdin, stdout, stderr (= stdout), the results pipe,
# the seccomp program.
RESULTS_FD, SECCOMP_FD = 3, 4
MAX_FDS = 4  # stdout, results, status, seccomp (or a placeholder)

_libc: Any = None


def _libc_handle() -> Any:
    global _libc  # noqa: PLW0603
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def processes_of(uid: int) -> list[int]:
    """PIDs on the host whose real uid is ``uid`` and which have not exited (zombies
    left out), read from /proc/<pid>/status: right whatever a process did to itself."""
    found = []
    wanted = str(uid).encode()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as handle:
                status = handle.read(1024)
        except (FileNotFoundError, ProcessLookupError):
            continue
        state = status.split(b"\nState:\t", 1)[-1][:1]
        real_uid = status.split(b"\nUid:\t", 1)[-1].split(b"\t", 1)[0]
        if real_uid == wanted and state not in (b"Z", b"X"):
            found.append(int(name))
    return found


def mount_private_tmp(target: str, limits: dict[str, int], owner: int | None) -> None:
    """Enter a mount namespace of its own and mount a tmpfs bounded in bytes and in
    inodes on ``target`` (bubblewrap binds it at /tmp; its own ``--tmpfs`` cannot bound
    inodes). As root (``owner``: the run's uid, dropped to afterwards) that needs nothing
    more; otherwise the process first enters a user namespace where its uid maps to
    itself. No process outside this one's tree ever sees the mount."""
    libc = _libc_handle()
    if owner is None:
        uid, gid = os.getuid(), os.getgid()
        # A process that changed its uid is not "dumpable", and its /proc/self files then
        # belong to root: the id maps below could not be written.
        _check(libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "prctl")
        _check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare")
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
        _check(libc.unshare(CLONE_NEWNS), "unshare")
    _check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    options = (
        f"size={limits['tmp_bytes']},nr_inodes={limits['tmp_files']},mode=0700,uid={uid},gid={gid}"
    )
    _check(
        libc.mount(b"tmpfs", target.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options.encode()),
        "mount /tmp",
    )


def prepare_child(limits: dict[str, int], uid: int | None, tmp_dir: str | None) -> None:
    """In the run's process, before ``exec``: rlimits, its own uid (as root) or a
    process budget on top of ours, and the bounded /tmp."""
    cpu = limits["cpu_seconds"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if uid is not None:  # root: mount as root, then drop to the run's own uid
        if tmp_dir is not None:
            mount_private_tmp(tmp_dir, limits, uid)
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"],) * 2)
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    else:
        mine = len(processes_of(os.getuid()))
        resource.setrlimit(resource.RLIMIT_NPROC, (mine + limits["processes"],) * 2)
        if tmp_dir is not None:
            mount_private_tmp(tmp_dir, limits, None)


# --------------------------------------------------------------------------- the server


def _child(request: dict[str, Any], stdout_fd: int, results_fd: int, seccomp_fd: int) -> None:
    """The run's process: never returns."""
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(stdout_fd, 1)
        os.dup2(stdout_fd, 2)
        os.dup2(results_fd, RESULTS_FD)
        os.dup2(seccomp_fd, SECCOMP_FD)
        os.closerange(SECCOMP_FD + 1, os.sysconf("SC_OPEN_MAX"))
        for fd in (RESULTS_FD, SECCOMP_FD):
            os.set_inheritable(fd, True)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        if request.get("cwd"):
            os.chdir(request["cwd"])
        prepare_child(request["limits"], request.get("uid"), request.get("tmp_dir"))
        os.execve(request["argv"][0], request["argv"], request["env"])  # noqa: S606
    except BaseException as exc:
        try:
            os.write(1, f"The sandbox could not start: {exc}\n".encode())
        finally:
            os._exit(127)


def _monitor(request: dict[str, Any], fds: list[int]) -> None:
    """Starts the run's process, says its pid, waits for it and says how it ended."""
    stdout_fd, results_fd, status_fd, seccomp_fd = fds
    libc = _libc_handle()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # Orphans of the run (bubblewrap's inner process when the outer one goes first) come
    # to us, not to the host's PID 1, which may never reap them: a zombie still counts
    # against the run uid's process limit, and enough of them would starve its next run.
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    pid = os.fork()
    if pid == 0:
        os.close(status_fd)
        _child(request, stdout_fd, results_fd, seccomp_fd)
    for fd in (stdout_fd, results_fd, seccomp_fd):
        os.close(fd)
    os.write(status_fd, f"pid {pid}\n".encode())
    _, status = os.waitpid(pid, 0)
    while True:  # reap every orphan before saying the run is over
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    os.write(status_fd, f"exit {os.waitstatus_to_exitcode(status)}\n".encode())


def _receive(sock: socket.socket) -> tuple[bytes, list[int]]:
    fds = array.array("i")
    message, ancillary, _, _ = sock.recvmsg(1 << 20, socket.CMSG_SPACE(MAX_FDS * fds.itemsize))
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    return message, list(fds)


def serve(sock: socket.socket, parent: int) -> None:
    libc = _libc_handle()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before we could ask to die with it
        return
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # monitors are reaped by the kernel
    while True:
        message, fds = _receive(sock)
        if not message:
            return  # the worker closed its end
        try:
            request = json.loads(message)
            if len(fds) != MAX_FDS:
                raise ValueError("a request carries four descriptors")
        except ValueError:
            for fd in fds:
                os.close(fd)
            continue
        if os.fork() == 0:
            sock.close()
            try:
                _monitor(request, fds)
            finally:
                os._exit(0)
        for fd in fds:
            os.close(fd)


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])), int(sys.argv[2]))
