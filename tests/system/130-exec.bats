#!/usr/bin/env bats
# exec: a new process in a running container.

load helpers

bats_require_minimum_version 1.5.0

start_sleeper() { # a running container to exec into
	args testinit sleep 1000
	rt run -d --pid-file "$TEST_TMP/pid" "$ID" </dev/null >/dev/null 2>&1
}

ns_of() { readlink "/proc/$1/ns/$2"; }

@test "exec runs in every namespace and the cgroup of the container, and returns the exit status" {
	start_sleeper
	run rt exec "$ID" testinit pid
	assert_success
	assert_output 2
	run rt exec "$ID" testinit exit 7
	assert_equal "$status" 7
	rt exec -d --pid-file "$TEST_TMP/xpid" "$ID" testinit sleep 100 </dev/null >/dev/null 2>&1
	local init xpid
	init=$(cat "$TEST_TMP/pid") xpid=$(cat "$TEST_TMP/xpid")
	for ns in pid net mnt ipc uts cgroup; do
		assert_equal "$(ns_of "$xpid" "$ns")" "$(ns_of "$init" "$ns")"
	done
	assert_equal "$(readlink /proc/$xpid/root)" "$(readlink /proc/$init/root)"
	assert_equal "$(grep pids /proc/$xpid/cgroup)" "$(grep pids /proc/$init/cgroup)"
}

@test "exec takes the container's process settings, with overrides" {
	cfg '.process.env = ["PATH=/bin", "A=1"] | .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 512}] | .process.noNewPrivileges = true'
	mkdir -p "$BUNDLE/rootfs/work"
	start_sleeper
	run rt exec "$ID" testinit env
	assert_output $'PATH=/bin\nA=1'
	run rt exec -e A=2 -e B=3 "$ID" testinit env
	assert_output $'PATH=/bin\nA=2\nB=3'
	run rt exec "$ID" testinit rlimit RLIMIT_NOFILE
	assert_output "512 512"
	run rt exec "$ID" testinit status NoNewPrivs
	assert_output 1
	run rt exec --cwd /work "$ID" testinit cwd
	assert_output /work
	run rt exec -u 1000:2000 "$ID" testinit ids
	assert_output --partial "uid=1000 gid=2000"
	run rt exec "$ID" testinit fds
	assert_output "0 1 2"
}

@test "exec --cap adds a capability, never to the inheritable set" {
	start_sleeper
	run rt exec "$ID" testinit caps
	assert_line "CapInh: 0000000000000000"
	local bnd
	bnd=$(grep CapBnd <<<"$output" | awk '{print $2}')
	run rt exec --cap CAP_SYS_ADMIN "$ID" testinit caps
	assert_line "CapInh: 0000000000000000"
	[ "$((16#$(grep CapBnd <<<"$output" | awk '{print $2}') & (1 << 21)))" -ne 0 ] ||
		fail "CAP_SYS_ADMIN not added"
	[ "$bnd" != "$(grep CapBnd <<<"$output" | awk '{print $2}')" ]
	run rt exec --cap CAP_NOPE "$ID" testinit true
	assert_failure
	assert_output --partial 'unknown capability "CAP_NOPE"'
}

@test "exec applies the container's seccomp profile" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]} | .root.readonly = false'
	start_sleeper
	run rt exec "$ID" testinit status Seccomp
	assert_output 2
	run rt exec "$ID" testinit syscall mkdir /tmp/d 0755
	assert_failure
	assert_output "mkdir: EACCES"
	run rt exec "$ID" testinit write /tmp/x y
	assert_success
}

@test "exec --process takes a process.json" {
	start_sleeper
	cat >"$TEST_TMP/process.json" <<JSON
{"args": ["testinit", "env"], "env": ["ONLY=this"], "cwd": "/", "user": {"uid": 0, "gid": 0}}
JSON
	run rt exec --process "$TEST_TMP/process.json" "$ID"
	assert_success
	assert_output "ONLY=this"
	echo '{"args": "nope"}' >"$TEST_TMP/bad.json"
	run rt exec --process "$TEST_TMP/bad.json" "$ID"
	assert_failure
	assert_output --partial "--process: args: expected an array"
}

@test "exec -t gives the process a terminal through --console-socket" {
	start_sleeper
	"$BERTH_BUILD/tests/helpers/berth-recvtty" "$TEST_TMP/tty.sock" >"$TEST_TMP/tty.out" &
	local rec=$!
	for _ in $(seq 50); do [ -S "$TEST_TMP/tty.sock" ] && break; sleep 0.1; done
	run rt exec -t --console-socket "$TEST_TMP/tty.sock" "$ID" testinit tty
	assert_success
	wait $rec
	run cat "$TEST_TMP/tty.out"
	assert_output --regexp '^tty /dev/pts/[0-9]+ '
}

@test "exec into a stopped, paused or missing container is refused" {
	run rt exec nosuch testinit true
	assert_failure
	assert_output --partial 'container "nosuch" does not exist'
	start_sleeper
	rt pause "$ID"
	run rt exec "$ID" testinit true
	assert_failure
	assert_output --partial "it is paused"
	rt resume "$ID"
	rt kill "$ID" KILL
	for _ in $(seq 50); do rt state "$ID" | grep -q '"stopped"' && break; sleep 0.1; done
	run rt exec "$ID" testinit true
	assert_failure
	assert_output --partial "it is stopped"
	run rt exec "$ID"
	assert_failure
}

@test "a command that cannot run is a clear error" {
	start_sleeper
	run -127 rt exec "$ID" nosuchcmd
	assert_output --partial 'exec "nosuchcmd": executable file not found in $PATH'
	run rt exec --cwd relative "$ID" testinit true
	assert_failure
	assert_output --partial 'not an absolute path'
}

@test "exec: execCPUAffinity sets the CPUs the process runs on; scheduler and ioPriority apply" {
	start_sleeper
	jq -n '{"args": ["testinit", "sched"], "cwd": "/", "user": {"uid": 0, "gid": 0},
		"execCPUAffinity": {"initial": "0", "final": "1"},
		"scheduler": {"policy": "SCHED_IDLE"},
		"ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 2}}' >"$TEST_TMP/p.json"
	run rt exec --process "$TEST_TMP/p.json" "$ID"
	assert_success
	assert_output "policy=5 nice=0 ioprio=2:2 personality=0x0 cpus=1"
	jq '.execCPUAffinity = {"final": "0-1,7x"}' "$TEST_TMP/p.json" >"$TEST_TMP/bad.json"
	run rt exec --process "$TEST_TMP/bad.json" "$ID"
	assert_failure
	assert_output --partial 'execCPUAffinity.final: "0-1,7x" is not a list of cpus'
}
