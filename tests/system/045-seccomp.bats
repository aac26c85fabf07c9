#!/usr/bin/env bats
# seccomp: linux.seccomp as the container process meets it (actions, errno
# values, argument rules, architectures, errors), the default profile that
# `spec` writes, and the filter being the last thing the runtime loads.
#
# `testinit syscall NAME ARGS...` calls NAME raw and prints "NAME: ok" or
# "NAME: ERRNONAME"; numbers are passed as numbers, anything else as a
# string.

load helpers

# seccomp JSON: set linux.seccomp.
seccomp() {
	cfg '.linux.seccomp = $s' --argjson s "$1"
}

# A profile that allows everything but RULES (a JSON array of rules).
allow_but() {
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": $1}"
}

# The architectures of this machine, as the runtime-spec names them.
native_arches() {
	case $(uname -m) in
	x86_64) echo '["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]' ;;
	aarch64) echo '["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]' ;;
	*) echo '[]' ;;
	esac
}

# Shell tools in the container: the host's static busybox.
add_busybox() {
	[ -x /bin/busybox ] || skip "needs a static /bin/busybox (package busybox-static)"
	cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
}

# sh SCRIPT: run SCRIPT with busybox sh in the container.
sh_args() {
	cfg '.process.args = ["busybox", "sh", "-c", $s]' --arg s "$1"
}

add_cap() { # add_cap NAME: into every set
	cfg '.process.capabilities |= with_entries(.value += [$c])' --arg c "$1"
}

@test "a denied syscall fails with the rule's errnoRet; the others work" {
	allow_but '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]'
	cfg '.root.readonly = false'
	args testinit syscall mkdir /tmp/x 0755
	run rt run "$ID"
	assert_failure 1
	assert_output "mkdir: EACCES"
	args testinit syscall getpid
	run rt run "$ID"
	assert_success
	assert_output "getpid: ok"
}

@test "defaultErrnoRet is what a syscall outside the allowlist gets; a rule's errno stays EPERM" {
	# The default profile, with another errno for what it does not list and
	# mkdir moved from the allowlist to a rule of its own without errnoRet.
	cfg '.linux.seccomp.defaultErrnoRet = 95 |
		.linux.seccomp.syscalls[0].names -= ["mkdir", "mkdirat"] |
		.linux.seccomp.syscalls += [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]'
	args testinit syscall keyctl 0
	run rt run "$ID"
	assert_failure 1
	assert_output "keyctl: EOPNOTSUPP"
	args testinit syscall mkdir /tmp/x 0755
	run rt run "$ID"
	assert_failure 1
	assert_output "mkdir: EPERM"
	cfg 'del(.linux.seccomp.defaultErrnoRet)'
	args testinit syscall keyctl 0
	run rt run "$ID"
	assert_failure 1
	assert_output "keyctl: EPERM"
}

@test "SCMP_ACT_KILL_PROCESS and SCMP_ACT_KILL end the process with SIGSYS (exit 159)" {
	allow_but '[{"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS"}]'
	args testinit syscall getppid
	run rt run "$ID"
	assert_equal "$status" 159
	refute_output --partial "getppid"
	allow_but '[{"names": ["getppid"], "action": "SCMP_ACT_KILL"}]'
	run rt run "$ID"
	assert_equal "$status" 159
	args testinit syscall getpid
	run rt run "$ID"
	assert_success
	assert_output "getpid: ok"
}

@test "an argument rule matches only its value: personality" {
	# ADDR_NO_RANDOMIZE (0x0040000) is denied, the query (0xffffffff) is not.
	allow_but '[{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
		"args": [{"index": 0, "value": 262144, "op": "SCMP_CMP_EQ"}]}]'
	args testinit syscall personality 0x0040000
	run rt run "$ID"
	assert_failure 1
	assert_output "personality: EINVAL"
	args testinit syscall personality 0xffffffff
	run rt run "$ID"
	assert_success
	assert_output "personality: ok"
}

@test "argument rules: socket denied for AF_INET only; two conditions are ANDed" {
	allow_but '[{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97,
		"args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]'
	args testinit syscall socket 2 1 0 # AF_INET, SOCK_STREAM
	run rt run "$ID"
	assert_failure 1
	assert_output "socket: EAFNOSUPPORT"
	args testinit syscall socket 1 1 0 # AF_UNIX
	run rt run "$ID"
	assert_success
	assert_output "socket: ok"
	# AF_INET and SOCK_DGRAM: a stream socket still works.
	allow_but '[{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "args": [
		{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"},
		{"index": 1, "value": 2, "op": "SCMP_CMP_EQ"}]}]'
	args testinit syscall socket 2 2 0
	run rt run "$ID"
	assert_failure 1
	assert_output "socket: EACCES"
	args testinit syscall socket 2 1 0
	run rt run "$ID"
	assert_success
	assert_output "socket: ok"
}

@test "argument rules: SCMP_CMP_MASKED_EQ (value is the mask, valueTwo the result)" {
	# clone with CLONE_NEWUTS (0x04000000) set is denied, a plain one is not.
	allow_but '[{"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
		"args": [{"index": 0, "value": 67108864, "valueTwo": 67108864,
			  "op": "SCMP_CMP_MASKED_EQ"}]}]'
	args testinit syscall clone 0x04000000
	run rt run "$ID"
	assert_failure 1
	assert_output "clone: EACCES"
	args testinit syscall clone 0
	run rt run "$ID"
	assert_success
	assert_output "clone: ok"
}

@test "the machine's architectures are accepted, with argument rules" {
	local arches
	arches=$(native_arches)
	[ "$arches" != "[]" ] || skip "no architecture list for $(uname -m)"
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": $arches,
		\"syscalls\": [{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\",
		\"args\": [{\"index\": 0, \"value\": 262144, \"op\": \"SCMP_CMP_EQ\"}]}]}"
	args testinit syscall personality 0x0040000
	run rt run "$ID"
	assert_failure 1
	assert_output "personality: EPERM"
}

@test "SCMP_ACT_LOG allows the call; SCMP_ACT_TRACE with no tracer fails it with ENOSYS" {
	cfg '.root.readonly = false'
	allow_but '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_LOG"}]'
	args testinit syscall mkdir /tmp/x 0755
	run rt run "$ID"
	assert_success
	assert_output "mkdir: ok"
	allow_but '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_TRACE"}]'
	args testinit syscall mkdir /tmp/y 0755
	run rt run "$ID"
	assert_failure 1
	assert_output "mkdir: ENOSYS"
}

@test "syscall names the runtime does not know are skipped, the rest of the rule applies" {
	allow_but '[{"names": ["berth_no_such_syscall", "mkdir", "mkdirat"],
		"action": "SCMP_ACT_ERRNO", "errnoRet": 13}]'
	args testinit syscall mkdir /tmp/x 0755
	run rt run "$ID"
	assert_failure 1
	assert_output "mkdir: EACCES"
}

@test "an unknown action, operator or architecture is an error naming linux.seccomp" {
	allow_but '[{"names": ["mkdir"], "action": "SCMP_ACT_FROB"}]'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'linux.seccomp: syscalls[0].action: unknown action "SCMP_ACT_FROB"'
	assert_no_trace "$ID"

	seccomp '{"defaultAction": "SCMP_ACT_FROB"}'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'linux.seccomp: defaultAction: unknown action "SCMP_ACT_FROB"'

	allow_but '[{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO",
		"args": [{"index": 0, "value": 1, "op": "SCMP_CMP_FROB"}]}]'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'linux.seccomp: syscalls[0].args[0].op: unknown operator "SCMP_CMP_FROB"'

	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_FROB"]}'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'linux.seccomp: architectures[0]: unknown architecture "SCMP_ARCH_FROB"'
	assert_no_trace "$ID"
}

@test "an unknown flag is an error naming linux.seccomp" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_FROB"]}'
	run rt run "$ID"
	assert_equal "$status" 1
	assert_output --partial 'linux.seccomp: flags: unsupported flag "SECCOMP_FILTER_FLAG_FROB"'
	assert_no_trace "$ID"
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"]}'
	args testinit syscall getpid
	run rt run "$ID"
	assert_success
	assert_output "getpid: ok"
}

@test "errnoRet or defaultErrnoRet on an action without an errno is an error" {
	allow_but '[{"names": ["mkdir"], "action": "SCMP_ACT_KILL_PROCESS", "errnoRet": 13}]'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'linux.seccomp: syscalls[0].errnoRet'
	assert_no_trace "$ID"
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 13}'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'linux.seccomp: defaultErrnoRet'
	assert_no_trace "$ID"
}

@test "the process runs in seccomp filter mode (Seccomp: 2), in mode 0 without linux.seccomp" {
	allow_but '[]'
	args testinit status Seccomp
	run rt run "$ID"
	assert_success
	assert_output 2
	args testinit status Seccomp_filters
	run rt run "$ID"
	assert_success
	assert_output 1
	cfg 'del(.linux.seccomp)'
	args testinit status Seccomp
	run rt run "$ID"
	assert_success
	assert_output 0
}

@test "the filter is loaded last: a profile killing close, write, getcwd ... still starts the program" {
	# The runtime would die of SIGSYS (159) on any of these after loading.
	allow_but '[{"names": ["getcwd", "close", "close_range", "write", "writev", "fcntl",
		"dup2", "dup3", "sendmsg", "prctl", "capset", "fchdir", "chdir", "keyctl",
		"setresuid", "setresgid", "setgroups"], "action": "SCMP_ACT_KILL_PROCESS"}]'
	args testinit true
	run rt run "$ID"
	assert_success
	# With the working directory elsewhere (the runtime checks it with getcwd
	# before loading) and getcwd only denied: the program sees the denial.
	allow_but '[{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO"}]'
	cfg '.process.cwd = "/tmp"'
	args testinit cwd
	run rt run "$ID"
	assert_failure 1
	assert_output "getcwd: EPERM"
}

@test "the filter applies with noNewPrivileges false and to a non-root user" {
	allow_but '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]'
	cfg '.process.noNewPrivileges = false'
	args testinit syscall mkdir /tmp/x 0755
	run rt run "$ID"
	assert_failure 1
	assert_output "mkdir: EACCES"
	cfg '.process.user = {"uid": 1000, "gid": 1000}'
	run rt run "$ID"
	assert_failure 1
	assert_output "mkdir: EACCES"
}

@test "spec: the default profile is an EPERM allowlist of over 300 syscalls, rootless too" {
	run jq -r '.linux.seccomp | .defaultAction, .defaultErrnoRet,
		([.syscalls[].names[]] | length > 300)' "$BUNDLE/config.json"
	assert_output $'SCMP_ACT_ERRNO\n1\ntrue'
	rm "$BUNDLE/config.json"
	run rt spec --rootless -b "$BUNDLE"
	assert_success
	run jq -r '.linux.seccomp | .defaultAction, ([.syscalls[].names[]] | length > 300)' \
		"$BUNDLE/config.json"
	assert_output $'SCMP_ACT_ERRNO\ntrue'
	local arches
	arches=$(native_arches)
	if [ "$arches" != "[]" ]; then
		run jq -c '.linux.seccomp.architectures' "$BUNDLE/config.json"
		assert_output "$(jq -c . <<<"$arches")"
	fi
}

@test "default profile: busybox sh and its applets run" {
	add_busybox
	cfg '.root.readonly = false'
	sh_args 'set -e
		busybox mkdir -p /tmp/d
		echo hello >/tmp/d/f
		busybox cat /tmp/d/f
		busybox ls /tmp/d
		busybox wc -c </tmp/d/f
		echo b a | busybox tr " " "\n" | busybox sort | busybox tr "\n" " "
		echo
		(busybox sleep 0.1; echo sub) &
		wait
		busybox id -u
		busybox ps -o pid,comm >/dev/null && echo ps
		busybox rm -r /tmp/d
		busybox date +%Y >/dev/null
		echo done'
	run rt run "$ID"
	assert_success
	assert_output $'hello\nf\n6\na b \nsub\n0\nps\ndone'
}

@test "default profile: namespaces and mounts are denied even with CAP_SYS_ADMIN given afterwards" {
	# The profile was made for spec's capabilities (no CAP_SYS_ADMIN).
	add_cap CAP_SYS_ADMIN
	local c
	for c in "unshare 0x20000" "mount none /tmp tmpfs 0 0" "umount2 /proc 2" \
		"setns 0 0" "clone 0x04000000" "sethostname x 1"; do
		args testinit syscall $c
		run rt run "$ID"
		assert_failure 1
		assert_output "${c%% *}: EPERM"
	done
	# Without the profile CAP_SYS_ADMIN is enough: the filter is what denies.
	cfg 'del(.linux.seccomp)'
	args testinit syscall unshare 0x20000
	run rt run "$ID"
	assert_success
	assert_output "unshare: ok"
}

@test "default profile: clone3 is ENOSYS (libc falls back to clone), plain clone works" {
	args testinit syscall clone3 0
	run rt run "$ID"
	assert_failure 1
	assert_output "clone3: ENOSYS"
	args testinit syscall clone 0
	run rt run "$ID"
	assert_success
	assert_output "clone: ok"
}

@test "default profile: personality only with the safe values" {
	local v
	for v in 0x0040000 0x0400000 0x0000001; do # ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, PER_SVR4
		args testinit syscall personality $v
		run rt run "$ID"
		assert_failure 1
		assert_output "personality: EPERM"
	done
	for v in 0xffffffff 0; do
		args testinit syscall personality $v
		run rt run "$ID"
		assert_success
		assert_output "personality: ok"
	done
	# Not the profile's doing otherwise: without it the unsafe value works.
	cfg 'del(.linux.seccomp)'
	args testinit syscall personality 0x0040000
	run rt run "$ID"
	assert_success
	assert_output "personality: ok"
}

@test "default profile: privileged and keyring syscalls are denied, ordinary ones allowed" {
	local c
	for c in "keyctl 0" "ptrace 0" "acct 0" "kcmp 1 1 0 0 0" "swapoff /x" "socket 40 1 0"; do
		args testinit syscall $c
		run rt run "$ID"
		assert_failure 1
		assert_output "${c%% *}: EPERM"
	done
	# chroot is allowed: CAP_SYS_CHROOT is in spec's capabilities.
	for c in "getrandom 0 0 0" "chroot /" "socket 1 1 0" "socket 2 1 0" "uname 0"; do
		args testinit syscall $c
		run rt run "$ID"
		[ "$output" != "${c%% *}: EPERM" ] || fail "$c: EPERM"
	done
}
