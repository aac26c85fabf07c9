#!/usr/bin/env bats
# process: user, umask, capabilities, rlimits, noNewPrivileges, oomScoreAdj,
# sysctl, args and env, as the container process sees them.

load helpers

# Capability masks as /proc/self/status prints them.  The default set of
# `spec` (CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
# NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP):
DEFAULT_CAPS=00000000a80425fb
CAP_KILL_BIT=0000000000000020
CAP_NET_BIND_SERVICE_BIT=0000000000000400

@test "process.user: uid, gid and additionalGids" {
	cfg '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [10, 20, 30]}'
	args testinit ids
	run rt run "$ID"
	assert_success
	assert_output "uid=1000 gid=1001 euid=1000 egid=1001 groups=10,20,30"
}

@test "process.user: root by default with no supplementary groups" {
	args testinit ids
	run rt run "$ID"
	assert_success
	assert_output "uid=0 gid=0 euid=0 egid=0 groups="
}

@test "process.user.umask is applied; 0022 when not set" {
	args testinit umask
	run rt run "$ID"
	assert_success
	assert_output 0022
	cfg '.process.user.umask = 63' # 0077
	run rt run "$ID"
	assert_success
	assert_output 0077
	cfg '.process.user.umask = 0'
	run rt run "$ID"
	assert_success
	assert_output 0000
}

@test "capabilities: the default set is bounding, permitted and effective; inheritable and ambient stay empty" {
	args testinit caps
	run rt run "$ID"
	assert_success
	assert_line "CapBnd: $DEFAULT_CAPS"
	assert_line "CapPrm: $DEFAULT_CAPS"
	assert_line "CapEff: $DEFAULT_CAPS"
	assert_line "CapInh: 0000000000000000"
	assert_line "CapAmb: 0000000000000000"
}

@test "capabilities: a reduced set is exactly what the process holds" {
	cfg '.process.capabilities = {
		"bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"permitted": ["CAP_KILL"],
		"effective": ["CAP_KILL"]}'
	args testinit caps
	run rt run "$ID"
	assert_success
	assert_line "CapBnd: 0000000000000420"
	assert_line "CapPrm: $CAP_KILL_BIT"
	assert_line "CapEff: $CAP_KILL_BIT"
	assert_line "CapInh: 0000000000000000"
	assert_line "CapAmb: 0000000000000000"
}

@test "capabilities: no capabilities at all" {
	cfg '.process.capabilities = {}'
	args testinit caps
	run rt run "$ID"
	assert_success
	assert_line "CapBnd: 0000000000000000"
	assert_line "CapPrm: 0000000000000000"
	assert_line "CapEff: 0000000000000000"
}

@test "capabilities: a non-root user keeps only what the ambient set carries" {
	cfg '.process.user = {"uid": 1000, "gid": 1000}'
	args testinit caps
	run rt run "$ID"
	assert_success
	assert_line "CapBnd: $DEFAULT_CAPS"
	assert_line "CapPrm: 0000000000000000"
	assert_line "CapEff: 0000000000000000"
	assert_line "CapAmb: 0000000000000000"

	cfg '.process.capabilities.inheritable = ["CAP_NET_BIND_SERVICE"]
	   | .process.capabilities.ambient = ["CAP_NET_BIND_SERVICE"]'
	run rt run "$ID"
	assert_success
	assert_line "CapBnd: $DEFAULT_CAPS"
	assert_line "CapInh: $CAP_NET_BIND_SERVICE_BIT"
	assert_line "CapAmb: $CAP_NET_BIND_SERVICE_BIT"
	assert_line "CapPrm: $CAP_NET_BIND_SERVICE_BIT"
	assert_line "CapEff: $CAP_NET_BIND_SERVICE_BIT"
}

@test "capabilities: inheritable and ambient for root as configured" {
	cfg '.process.capabilities.inheritable = ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
	   | .process.capabilities.ambient = ["CAP_NET_BIND_SERVICE"]'
	args testinit caps
	run rt run "$ID"
	assert_success
	assert_line "CapInh: 0000000000000420"
	assert_line "CapAmb: $CAP_NET_BIND_SERVICE_BIT"
	assert_line "CapBnd: $DEFAULT_CAPS"
	assert_line "CapEff: $DEFAULT_CAPS"
}

@test "capabilities: an ambient capability that is not inheritable is a clear error" {
	cfg '.process.capabilities.ambient = ["CAP_NET_BIND_SERVICE"]'
	args testinit caps
	run rt run "$ID"
	assert_failure
	assert_output --partial "CAP_NET_BIND_SERVICE"
	assert_output --partial "ambient"
	assert_no_trace "$ID"
}

@test "process.rlimits: RLIMIT_NOFILE as configured" {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" != unlimited ] && [ "$hard" -ge 2048 ] || skip "the caller's hard RLIMIT_NOFILE ($hard) is below 2048"
	args testinit rlimit RLIMIT_NOFILE
	# spec's default: 1024/1024.
	run rt run "$ID"
	assert_success
	assert_output "1024 1024"
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 2048}]'
	run rt run "$ID"
	assert_success
	assert_output "512 2048"
	# The caller's hard limit itself is allowed.
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": $h, "hard": $h}]' --argjson h "$hard"
	run rt run "$ID"
	assert_success
	assert_output "$hard $hard"
}

@test "process.rlimits: several limits at once" {
	cfg '.process.rlimits = [
		{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200},
		{"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
		{"type": "RLIMIT_NPROC", "soft": 300, "hard": 400}]'
	args testinit rlimit RLIMIT_CORE
	run rt run "$ID"
	assert_success
	assert_output "0 0"
	args testinit rlimit RLIMIT_NPROC
	run rt run "$ID"
	assert_success
	assert_output "300 400"
	args testinit rlimit RLIMIT_NOFILE
	run rt run "$ID"
	assert_success
	assert_output "100 200"
}

@test "process.rlimits: a tight RLIMIT_NOFILE the program can live with works, with run and with create" {
	# The program needs stdio and one more descriptor at most.
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 4, "hard": 4}]'
	args testinit rlimit RLIMIT_NOFILE
	run rt run "$ID"
	assert_success
	assert_output "4 4"
	rt create "$ID" </dev/null >"$TEST_TMP/out" 2>&1
	run rt start "$ID"
	assert_success
	local i
	for ((i = 0; i < 200; i++)); do
		rt state "$ID" | grep -q '"status": "stopped"' && break
		sleep 0.05
	done
	assert_equal "$(cat "$TEST_TMP/out")" "4 4"
	run rt delete "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "process.rlimits: more than the caller may raise to is a clear error and leaves nothing" {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" != unlimited ] || skip "the caller's hard RLIMIT_NOFILE is unlimited"
	local eff
	eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
	(((0x$eff >> 24) & 1)) && skip "the caller has CAP_SYS_RESOURCE: it may raise any limit"
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": $h}]' \
		--argjson h $((hard + 1000))
	args testinit rlimit RLIMIT_NOFILE
	run rt run "$ID"
	assert_failure
	assert_output --partial "process.rlimits"
	assert_output --partial "RLIMIT_NOFILE"
	assert_no_trace "$ID"
	# create: its stdio on a file, should it (wrongly) leave a container.
	! rt create "$ID" </dev/null >"$TEST_TMP/out" 2>&1 || fail "create succeeded"
	grep -q "process.rlimits" "$TEST_TMP/out" || fail "unclear error: $(cat "$TEST_TMP/out")"
	assert_no_trace "$ID"
}

@test "process.noNewPrivileges: set when true, clear when false" {
	args testinit status NoNewPrivs
	cfg '.process.noNewPrivileges = true'
	run rt run "$ID"
	assert_success
	assert_output 1
	cfg '.process.noNewPrivileges = false'
	run rt run "$ID"
	assert_success
	assert_output 0
}

@test "process.oomScoreAdj: raised as configured" {
	local own
	own=$(cat /proc/self/oom_score_adj)
	[ "$own" -le 500 ] || skip "the caller's oom_score_adj ($own) is already above 500"
	cfg '.process.oomScoreAdj = 500'
	args testinit read /proc/self/oom_score_adj
	run rt run "$ID"
	assert_success
	assert_output 500
	cfg '.process.oomScoreAdj = 1000'
	run rt run "$ID"
	assert_success
	assert_output 1000
}

@test "process.oomScoreAdj: unset leaves the caller's value" {
	local own
	own=$(cat /proc/self/oom_score_adj)
	args testinit read /proc/self/oom_score_adj
	run rt run "$ID"
	assert_success
	assert_output "$own"
}

@test "process.oomScoreAdj: out of range is a clear error" {
	cfg '.process.oomScoreAdj = 1001'
	run rt run "$ID"
	assert_failure
	assert_output --partial "oomScoreAdj"
	assert_no_trace "$ID"
}

@test "process.oomScoreAdj: lowering it is applied or refused clearly, leaving nothing" {
	local own
	own=$(cat /proc/self/oom_score_adj)
	[ "$own" -gt -1000 ] || skip "the caller's oom_score_adj is already -1000"
	cfg '.process.oomScoreAdj = $v' --argjson v $((own - 1))
	args testinit read /proc/self/oom_score_adj
	run rt run "$ID"
	if [ "$status" -eq 0 ]; then
		# Allowed (CAP_SYS_RESOURCE, or a lower value set before).
		assert_output $((own - 1))
	else
		assert_output --partial "process.oomScoreAdj"
		assert_output --partial "Permission denied"
	fi
	assert_no_trace "$ID"
}

@test "linux.sysctl: a network sysctl is set in the container's network namespace only" {
	local host
	host=$(cat /proc/sys/net/ipv4/ip_forward)
	cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	args testinit read /proc/sys/net/ipv4/ip_forward
	run rt run "$ID"
	assert_success
	assert_output 1
	assert_equal "$(cat /proc/sys/net/ipv4/ip_forward)" "$host"
}

@test "linux.sysctl: a name in the slash spelling of sysctl(8) is set too" {
	# sysctl(8): "net/ipv4/ip_forward" is the same key as "net.ipv4.ip_forward".
	cfg '.linux.sysctl = {"net/ipv4/ip_forward": "1"}'
	args testinit read /proc/sys/net/ipv4/ip_forward
	run rt run "$ID"
	assert_success
	assert_output 1
	# A slash inside a dotted name stands for a dot: "lo" has no dot, so
	# only the plain dotted form is checked here.
	cfg '.linux.sysctl = {"net.ipv4.conf.lo.forwarding": "1"}'
	args testinit read /proc/sys/net/ipv4/conf/lo/forwarding
	run rt run "$ID"
	assert_success
	assert_output 1
}

@test "linux.sysctl: a sysctl not namespaced is refused and nothing is left" {
	local before
	before=$(cat /proc/sys/kernel/panic)
	cfg '.linux.sysctl = {"kernel.panic": "17"}'
	args testinit true
	run rt run "$ID"
	assert_failure
	assert_output --partial "linux.sysctl"
	assert_output --partial "kernel.panic"
	assert_no_trace "$ID"
	assert_equal "$(cat /proc/sys/kernel/panic)" "$before"
}

@test "linux.sysctl: a network sysctl without a network namespace of its own is refused" {
	local host
	host=$(cat /proc/sys/net/ipv4/ip_forward)
	cfg '.linux.namespaces |= map(select(.type != "network"))
	   | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run rt run "$ID"
	assert_failure
	assert_output --partial "linux.sysctl"
	assert_no_trace "$ID"
	assert_equal "$(cat /proc/sys/net/ipv4/ip_forward)" "$host"
}

@test "linux.sysctl: IPC and UTS sysctls in namespaces of the container's own" {
	local host
	host=$(cat /proc/sys/kernel/msgmax)
	[ "$host" != 4321 ] || skip "the host's kernel.msgmax is already 4321"
	cfg '.linux.sysctl = {"kernel.msgmax": "4321", "kernel.domainname": "example.org"}'
	args testinit read /proc/sys/kernel/msgmax
	run rt run "$ID"
	assert_success
	assert_output 4321
	args testinit domainname
	run rt run "$ID"
	assert_success
	assert_output example.org
	assert_equal "$(cat /proc/sys/kernel/msgmax)" "$host"
}

@test "linux.sysctl: an IPC sysctl without an IPC namespace of its own is refused" {
	local before
	before=$(cat /proc/sys/kernel/msgmax)
	cfg '.linux.namespaces |= map(select(.type != "ipc"))
	   | .linux.sysctl = {"kernel.msgmax": "4321"}'
	run rt run "$ID"
	assert_failure
	assert_output --partial "linux.sysctl"
	assert_output --partial "kernel.msgmax"
	assert_no_trace "$ID"
	assert_equal "$(cat /proc/sys/kernel/msgmax)" "$before"
}

@test "linux.sysctl: a sysctl that does not exist is a clear error and leaves nothing" {
	cfg '.linux.sysctl = {"net.ipv4.no_such_setting": "1"}'
	run rt run "$ID"
	assert_failure
	assert_output --partial "linux.sysctl"
	assert_output --partial "no_such_setting"
	assert_no_trace "$ID"
}

@test "invalid process settings are clear errors naming the field" {
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 200, "hard": 100}]'
	run rt run "$ID"
	assert_failure
	assert_output --partial "process.rlimits[0]"
	assert_no_trace "$ID"
	cfg '.process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'unknown rlimit "RLIMIT_BOGUS"'
	assert_no_trace "$ID"
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1},
		{"type": "RLIMIT_NOFILE", "soft": 2, "hard": 2}]'
	run rt run "$ID"
	assert_failure
	assert_output --partial "process.rlimits[1]"
	assert_no_trace "$ID"
	cfg '.process.rlimits = [] | .process.capabilities.bounding += ["CAP_BOGUS"]'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'unknown capability "CAP_BOGUS"'
	assert_no_trace "$ID"
	cfg '.process.capabilities.bounding -= ["CAP_BOGUS"] | .process.user.umask = 512'
	run rt run "$ID"
	assert_failure
	assert_output --partial "umask"
	assert_no_trace "$ID"
}

@test "args: each argument arrives whole, spaces included" {
	mkdir -p "$BUNDLE/rootfs/a dir"
	touch "$BUNDLE/rootfs/a dir/a  file"
	args testinit ls "/a dir"
	run rt run "$ID"
	assert_success
	assert_output "a  file"
	args testinit echo "two  spaces" "" 'quote " and $dollar'
	run rt run "$ID"
	assert_success
	assert_output 'two  spaces  quote " and $dollar'
}

@test "env: values with spaces and '=' arrive as configured, in order" {
	cfg '.process.env = ["PATH=/bin", "A=x y  z", "B=k=v", "EMPTY="]'
	args testinit env
	run rt run "$ID"
	assert_success
	assert_output $'PATH=/bin\nA=x y  z\nB=k=v\nEMPTY='
}

@test "process.scheduler, process.ioPriority and linux.personality reach the program" {
	args testinit sched
	run rt run "$ID"
	assert_success
	assert_output --regexp '^policy=0 nice=0 ioprio=0:0 personality=0x0 '
	cfg '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}
	     | .process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 7}
	     | .linux.personality = {"domain": "LINUX32"}'
	run rt run "$ID"
	assert_success
	assert_output --regexp '^policy=3 nice=7 ioprio=3:7 personality=0x8 '
	# a real-time policy with its priority (with RT group scheduling on
	# cgroup v1 the container's cgroup needs a real-time budget, taken
	# from the root's: a cgroup right below it)
	cfg '.process.scheduler = {"policy": "SCHED_RR", "priority": 5} | del(.process.ioPriority)'
	if [ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]; then
		cfg '.linux.cgroupsPath = "/\($id)" | .linux.resources.cpu.realtimeRuntime = 10000
		     | .linux.resources.cpu.realtimePeriod = 1000000' --arg id "$ID"
	fi
	run rt run "$ID"
	assert_success
	assert_output --regexp '^policy=2 nice=0 '
	# LINUX32 shows a 32-bit machine to uname
	if [ -x /bin/busybox ]; then
		cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
		cfg '.process.args = ["busybox", "uname", "-m"] | del(.process.scheduler)'
		run rt run "$ID"
		assert_success
		assert_output i686
	fi
}

@test "invalid scheduler, ioPriority and personality settings are clear errors" {
	cfg '.process.scheduler = {"policy": "SCHED_FAST"}'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'process.scheduler.policy: unknown policy "SCHED_FAST"'
	cfg '.process.scheduler = {"policy": "SCHED_OTHER", "nice": 40}'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'process.scheduler.nice: 40 is not in -20..19'
	cfg 'del(.process.scheduler) | .process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 9}'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'process.ioPriority.priority: 9 is not in 0..7'
	cfg 'del(.process.ioPriority) | .linux.personality = {"domain": "SUNOS"}'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'linux.personality.domain: unknown domain "SUNOS"'
	# SCHED_ISO is in the spec but not in Linux: the kernel's refusal, named
	cfg 'del(.linux.personality) | .process.scheduler = {"policy": "SCHED_ISO"}'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'process.scheduler'
	assert_no_trace "$ID"
}
