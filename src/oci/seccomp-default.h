/* seccomp-default.h: Berth's default seccomp profile, the linux.seccomp
 * object `berth-runtime spec` writes.
 *
 * Semantics follow docker's default profile, the list itself is our own
 * (written from the kernel's syscall tables):
 *  - everything not listed fails with EPERM (SCMP_ACT_ERRNO, defaultErrnoRet 1);
 *  - the architectures of this build's machine: x86_64, x86 and x32 on
 *    x86, aarch64 and arm on arm;
 *  - about 370 ordinary syscalls (every spelling of them) are allowed;
 *  - privileged syscalls are allowed only when the capability the kernel
 *    checks for them is in the bounding set (mount, unshare, setns... with
 *    CAP_SYS_ADMIN, reboot with CAP_SYS_BOOT, ptrace with CAP_SYS_PTRACE,
 *    module loading with CAP_SYS_MODULE, clock setting with CAP_SYS_TIME...);
 *  - argument rules: personality only with the safe persona values; clone
 *    without CLONE_NEW* flags and clone3 failing with ENOSYS (so libc falls
 *    back to clone) unless CAP_SYS_ADMIN; socket for every family but
 *    AF_VSOCK;
 *  - never: the kernel keyring (not namespaced), obsolete and unused
 *    syscalls (uselib, ustat, sysfs, _sysctl, vm86, nfsservctl ...).
 *
 * Since a profile is tied to the capabilities it was made for, a config
 * whose capabilities change needs a new profile. */
#pragma once

#include <stdint.h>

/* The profile for a process whose capability bounding set is
 * caps_bounding (bit n = capability n): compact JSON text of the
 * linux.seccomp object.  Never fails (allocation aborts). */
char *oci_seccomp_default_json(uint64_t caps_bounding);
