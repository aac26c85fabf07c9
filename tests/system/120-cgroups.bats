#!/usr/bin/env bats
# cgroups: the container's cgroup, the limits of linux.resources observed at
# work (OOM kill, pids, CPU quota, devices), pause/resume, update, ps, events.
# These run on the host's hierarchy (cgroup v1 or hybrid here; pure v2 in
# 125-cgroup-v2.bats).

load helpers

v1() { [ -d /sys/fs/cgroup/memory ] || skip "no cgroup v1 memory hierarchy on this host"; }
res() { cfg ".linux.resources = $1"; }
status_of() { rt state "$1" | jq -r .status; }

@test "the container sits in its cgroup, named by cgroupsPath, removed on delete" {
	v1
	cfg '.linux.cgroupsPath = "/berth-test/'"$ID"'"'
	args testinit sleep 100
	rt run -d --pid-file "$TEST_TMP/pid" "$ID" </dev/null >/dev/null 2>&1
	pid=$(cat "$TEST_TMP/pid")
	grep -qx "$pid" "/sys/fs/cgroup/pids/berth-test/$ID/cgroup.procs" ||
		fail "the init is not in /berth-test/$ID"
	run rt delete --force "$ID"
	assert_success
	[ ! -d "/sys/fs/cgroup/pids/berth-test/$ID" ] || fail "the cgroup outlived delete"
	rmdir /sys/fs/cgroup/*/berth-test 2>/dev/null || true
}

@test "a relative cgroupsPath is below the runtime's own cgroup; systemd's form maps to its path" {
	v1
	cfg '.linux.cgroupsPath = "rel-'"$ID"'"'
	args testinit cat /proc/self/cgroup
	cfg '.linux.namespaces -= [{"type": "cgroup"}]'
	run rt run "$ID"
	assert_success
	own=$(awk -F: '$2 == "pids" {print $3}' /proc/self/cgroup)
	assert_line --regexp "^[0-9]+:pids:${own%/}/rel-$ID\$"
	cfg '.linux.cgroupsPath = "machine-tests.slice:berth:'"$ID"'"'
	run rt run "$ID"
	assert_success
	assert_line --regexp "^[0-9]+:pids:/machine.slice/machine-tests.slice/berth-$ID.scope\$"
	rmdir /sys/fs/cgroup/*/machine.slice/machine-tests.slice /sys/fs/cgroup/*/machine.slice 2>/dev/null || true
	cfg '.linux.cgroupsPath = "a:b:c:d"'
	run rt run "$ID"
	assert_failure
	assert_output --partial "linux.cgroupsPath"
	assert_no_trace "$ID"
}

@test "a memory hog is OOM-killed at its limit, and events reports the kill" {
	v1
	res '{"memory": {"limit": 33554432, "swap": 33554432}}'
	args testinit hog 200
	rt_create "$ID"
	rt events --interval 100ms "$ID" >"$TEST_TMP/events" 2>&1 &
	local ev=$!
	run rt start "$ID"
	assert_success
	wait $ev
	grep -q '"type":"oom"' "$TEST_TMP/events" || fail "no oom event: $(cat "$TEST_TMP/events")"
	run rt events --stats "$ID"
	assert_success
	run jq -r '.data.memory.oomKill' <<<"$output"
	[ "$output" -ge 1 ] || fail "oomKill is $output"
	run rt delete "$ID"
	assert_success
	args testinit hog 200
	run rt run "$ID"
	assert_equal "$status" 137
	refute_output --partial "allocated 200 MB"
}

@test "a fork bomb stops at the pids limit" {
	res '{"pids": {"limit": 20}}'
	args testinit forkbomb 200
	run rt run "$ID"
	assert_output --regexp '^forked (1[0-9]|[0-9]) then EAGAIN$'
}

@test "a CPU quota caps the CPU time the container gets" {
	res '{"cpu": {"quota": 10000, "period": 100000}}'
	args testinit spin 1
	run rt run --keep "$ID"
	assert_success
	run rt events --stats "$ID"
	run jq -r '.data.cpu.throttling.throttledPeriods, .data.cpu.usage.total' <<<"$output"
	throttled=${lines[0]} used=${lines[1]}
	[ "$throttled" -gt 0 ] || fail "never throttled"
	# One second of spinning at 10% of a CPU: far less than a second of CPU time.
	[ "$used" -lt 500000000 ] || fail "used ${used} ns of CPU in 1 s at a 10% quota"
	rt delete "$ID"
}

@test "a paused container makes no progress and goes on after resume" {
	cfg '.root.readonly = false'
	args testinit count /tmp/counter
	rt run -d "$ID" </dev/null >/dev/null 2>&1
	local f=$BUNDLE/rootfs/tmp/counter
	for _ in $(seq 50); do [ -s "$f" ] && break; sleep 0.1; done
	run rt pause "$ID"
	assert_success
	assert_equal "$(status_of "$ID")" paused
	a=$(cat "$f")
	sleep 0.5
	b=$(cat "$f")
	assert_equal "$a" "$b"
	run rt pause "$ID"
	assert_failure
	assert_output --partial "it is paused"
	run rt resume "$ID"
	assert_success
	assert_equal "$(status_of "$ID")" running
	for _ in $(seq 50); do [ "$(cat "$f")" != "$b" ] && break; sleep 0.1; done
	[ "$(cat "$f")" != "$b" ] || fail "no progress after resume"
	run rt resume "$ID"
	assert_failure
	assert_output --partial "it is running"
}

@test "the device list: a denied device cannot be opened, an allowed one can" {
	# A harmless character device of the host, bound into the container.
	local dev=""
	for d in /dev/fuse /dev/loop-control /dev/kmsg; do
		[ -c "$d" ] && exec 9<"$d" 2>/dev/null && exec 9<&- && dev=$d && break
	done
	[ -n "$dev" ] || skip "no openable /dev/fuse, /dev/loop-control or /dev/kmsg on this host"
	local maj min
	maj=$((16#$(stat -c '%t' "$dev"))) min=$((16#$(stat -c '%T' "$dev")))
	cfg '.mounts += [{"destination": "/dev/probe", "type": "bind", "source": "'"$dev"'", "options": ["bind"]}]'
	args testinit open /dev/probe
	res '{}'
	run rt run "$ID"
	assert_success
	assert_output ok
	# spec's default: deny everything but what every container needs.
	res '{"devices": [{"allow": false, "access": "rwm"}]}'
	run rt run "$ID"
	assert_failure
	assert_output EPERM
	res '{"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": '"$maj"', "minor": '"$min"', "access": "r"}]}'
	run rt run "$ID"
	assert_success
	assert_output ok
	args testinit open /dev/probe w
	run rt run "$ID"
	assert_failure
	assert_output EPERM
	# A later deny overrides an earlier allow.
	res '{"devices": [{"allow": true, "type": "c", "major": '"$maj"', "minor": '"$min"', "access": "rw"}, {"allow": false, "type": "c", "major": '"$maj"', "minor": '"$min"', "access": "w"}]}'
	run rt run "$ID"
	assert_failure
	assert_output EPERM
	# The devices every container needs stay usable under "deny all".
	res '{"devices": [{"allow": false, "access": "rwm"}]}'
	args testinit open /dev/null w
	run rt run "$ID"
	assert_success
}

@test "update changes the limits of a running container; bad values are refused" {
	v1
	res '{"memory": {"limit": 104857600}, "pids": {"limit": 100}}'
	args testinit sleep 100
	rt run -d "$ID" </dev/null >/dev/null 2>&1
	run rt update --memory 50m --pids-limit 42 --cpu-quota 20000 --cpu-period 100000 "$ID"
	assert_success
	assert_equal "$(cat /sys/fs/cgroup/memory/berth/$ID/memory.limit_in_bytes)" 52428800
	assert_equal "$(cat /sys/fs/cgroup/pids/berth/$ID/pids.max)" 42
	assert_equal "$(cat /sys/fs/cgroup/cpu/berth/$ID/cpu.cfs_quota_us)" 20000
	echo '{"pids": {"limit": 7}, "cpu": {"shares": 512}}' | rt update --resources - "$ID"
	assert_equal "$(cat /sys/fs/cgroup/pids/berth/$ID/pids.max)" 7
	assert_equal "$(cat /sys/fs/cgroup/cpu/berth/$ID/cpu.shares)" 512
	run rt update --memory 12q "$ID"
	assert_failure
	assert_output --partial 'invalid value "12q" for --memory'
	echo '{"pids": {"limit": "x"}}' >"$TEST_TMP/bad.json"
	run rt update --resources "$TEST_TMP/bad.json" "$ID"
	assert_failure
	assert_output --partial "linux.resources.pids.limit: expected an integer"
	run rt update --pids-limit 5 nosuch
	assert_failure
	assert_output --partial 'container "nosuch" does not exist'
}

@test "ps lists the container's processes, as ps(1) lines or JSON" {
	cfg '.linux.namespaces |= map(select(.type != "pid"))'
	args testinit fork-sleep 2 100
	rt run -d --pid-file "$TEST_TMP/pid" "$ID" </dev/null >"$TEST_TMP/out" 2>&1
	for _ in $(seq 50); do grep -q started "$TEST_TMP/out" && break; sleep 0.1; done
	run rt ps --format json "$ID"
	assert_success
	run jq length <<<"$output"
	assert_output 3
	run rt ps "$ID"
	assert_success
	assert_line --index 0 --regexp '^UID +PID +PPID'
	assert_equal "${#lines[@]}" 4
	assert_line --regexp " $(cat "$TEST_TMP/pid") .*testinit fork-sleep"
	run rt ps "$ID" -o pid,comm
	assert_success
	assert_line --index 0 --regexp '^ *PID +COMMAND'
	assert_equal "${#lines[@]}" 4
}

@test "events --stats prints runc's stats object" {
	res '{"pids": {"limit": 33}}'
	args testinit sleep 100
	rt run -d "$ID" </dev/null >/dev/null 2>&1
	run rt events --stats "$ID"
	assert_success
	run jq -r '.type, .id, .data.pids.current, .data.pids.limit, (.data.memory.usage.usage > 0), (.data.cpu.usage | has("total"))' <<<"$output"
	assert_output "stats
$ID
1
33
true
true"
}

@test "limits that cannot be applied are clear errors and leave nothing" {
	res '{"unified": {"memory.high": "1G"}}'
	run rt run "$ID"
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		skip "this host is cgroup v2: unified is valid here"
	fi
	assert_failure
	assert_output --partial "linux.resources.unified: needs a cgroup v2 host"
	assert_no_trace "$ID"
	res '{"memory": {"swappiness": 200}}'
	run rt run "$ID"
	assert_failure
	assert_output --partial "linux.resources.memory.swappiness: 200 is above 100"
	assert_no_trace "$ID"
	res '{"hugepageLimits": [{"pageSize": "3MB", "limit": 1}]}'
	run rt run "$ID"
	assert_failure
	assert_output --partial "hugepageLimits"
	assert_no_trace "$ID"
}

@test "a cgroup with processes in it is never shared: the second container is refused" {
	cfg '.linux.cgroupsPath = "/berth-shared-'"$ID"'"'
	args testinit sleep 100
	rt run -d --pid-file "$TEST_TMP/pid" "$ID" </dev/null >/dev/null 2>&1
	run rt run "$ID-b"
	assert_failure
	assert_output --partial 'is in use by other processes'
	assert_equal "$(rt state "$ID" | jq -r .status)" running
	run rt delete --force "$ID"
	assert_success
}

@test "cgroups the container made below its own are removed with it" {
	v1
	cfg '.mounts |= map(if .destination == "/sys/fs/cgroup" then .options -= ["ro"] else . end)'
	[ -x /bin/busybox ] || skip "no static /bin/busybox for a shell in the container"
	cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
	args /bin/busybox sh -c 'mkdir /sys/fs/cgroup/pids/sub /sys/fs/cgroup/memory/sub && echo $$ > /sys/fs/cgroup/pids/sub/cgroup.procs && exec /bin/busybox sleep 100'
	rt run -d "$ID" </dev/null >"$TEST_TMP/out" 2>&1
	for _ in $(seq 50); do [ -d "/sys/fs/cgroup/pids/berth/$ID/sub" ] && break; sleep 0.1; done
	[ -d "/sys/fs/cgroup/pids/berth/$ID/sub" ] || fail "no sub-cgroup made: $(cat "$TEST_TMP/out")"
	run rt delete --force "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "delete --force of a paused container kills and removes it" {
	args testinit sleep 100
	rt run -d "$ID" </dev/null >/dev/null 2>&1
	rt pause "$ID"
	run rt delete --force "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "a create killed half-way is cleaned up by delete --force" {
	cfg '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "sleep 30"]}]'
	rt create "$ID" </dev/null >/dev/null 2>&1 &
	local create=$!
	for _ in $(seq 50); do [ -d "/sys/fs/cgroup/pids/berth/$ID" ] && break; sleep 0.1; done
	[ -d "/sys/fs/cgroup/pids/berth/$ID" ] || fail "create did not get as far as its cgroup"
	kill -9 $create
	wait $create || true
	pkill -f "sh -c sleep 30" || true
	run rt delete --force "$ID"
	assert_success
	assert_no_trace "$ID"
}
