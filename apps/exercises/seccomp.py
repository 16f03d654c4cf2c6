"""A seccomp filter for the exercise sandbox, as the raw BPF program bubblewrap loads
(``bwrap --seccomp FD``).

Without one, learner code could ptrace bubblewrap's own PID 1 inside the sandbox, use
the kernel keyring shared by every process of its uid, or reach kernel interfaces no
exercise needs. The filter allows everything else (Python needs a wide set) and makes
the listed system calls fail with EPERM. It is built for x86_64 only: any other
architecture (and the x32 ABI) is killed outright, and ``sandbox_available`` refuses to
run code on a host where the filter does not apply.
"""

from __future__ import annotations

import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000

# BPF instruction classes and fields (linux/filter.h, linux/bpf_common.h)
BPF_LD, BPF_ALU, BPF_JMP, BPF_RET = 0x00, 0x04, 0x05, 0x06
BPF_W, BPF_ABS, BPF_K = 0x00, 0x20, 0x00
BPF_JEQ, BPF_JGE, BPF_JSET, BPF_AND = 0x10, 0x30, 0x40, 0x50

SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000
EPERM, ENOSYS = 1, 38

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
OFFSET_NR, OFFSET_ARCH, OFFSET_ARG0_LOW = 0, 4, 16

# x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl)
BLOCKED = {
    "ptrace": 101,
    "syslog": 103,
    "personality": 135,
    "pivot_root": 155,
    "chroot": 161,
    "acct": 163,
    "settimeofday": 164,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "iopl": 172,
    "ioperm": 173,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "lookup_dcookie": 212,
    "clock_settime": 227,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "perf_event_open": 298,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "kcmp": 312,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
}
CLONE = 56
CLONE3 = 435
# CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
# CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME
CLONE_NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000
CLONE_NAMESPACE_FLAGS |= 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k)


def program() -> bytes:
    """The compiled filter (an array of ``struct sock_filter``)."""
    deny = _insn(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)
    out = [
        _insn(BPF_LD | BPF_W | BPF_ABS, OFFSET_ARCH),
        _insn(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, jt=1, jf=0),
        _insn(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        _insn(BPF_LD | BPF_W | BPF_ABS, OFFSET_NR),
        _insn(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, jt=0, jf=1),
        deny,
    ]
    for number in sorted(BLOCKED.values()):
        out += [_insn(BPF_JMP | BPF_JEQ | BPF_K, number, jt=0, jf=1), deny]
    # clone3 takes its flags in a struct the filter cannot read: report it missing so
    # the C library falls back to clone, whose flags it can check.
    out += [
        _insn(BPF_JMP | BPF_JEQ | BPF_K, CLONE3, jt=0, jf=1),
        _insn(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        _insn(BPF_JMP | BPF_JEQ | BPF_K, CLONE, jt=0, jf=3),
        _insn(BPF_LD | BPF_W | BPF_ABS, OFFSET_ARG0_LOW),
        _insn(BPF_JMP | BPF_JSET | BPF_K, CLONE_NAMESPACE_FLAGS, jt=0, jf=1),
        deny,
        _insn(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    ]
    return b"".join(out)
