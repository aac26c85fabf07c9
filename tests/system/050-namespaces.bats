#!/usr/bin/env bats
# namespaces: new, shared with the runtime's, joined by path; user and time.

load helpers

ALL_NS="pid net ipc uts mnt cgroup user time"

# Shell tools in the container: the host's static busybox.
add_busybox() {
	[ -x /bin/busybox ] || skip "needs a static /bin/busybox (package busybox-static)"
	cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
}

# sh_args SCRIPT: run SCRIPT with busybox sh in the container.  (args
# cannot pass "-c": jq takes it for one of its own options.)
sh_args() {
	cfg '.process.args = ["busybox", "sh", "-c", $s]' --arg s "$1"
}

# Print "NAME LINK" for each namespace of the container's process.
ns_script='for n in '"$ALL_NS"'; do echo "$n $(busybox readlink /proc/self/ns/$n)"; done'

# The same for this shell: the namespaces the runtime runs in.
host_ns() {
	local n
	for n in $ALL_NS; do echo "$n $(readlink "/proc/$$/ns/$n")"; done
}

user_ns_config() {
	cfg '.linux.namespaces += [{"type": "user"}]
	     | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
	     | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	# The container's root is host uid 100000: it must be able to reach
	# the rootfs, which lies below the test's private (0700) directory.
	chmod 755 "$TEST_TMP" "$BUNDLE"
}

@test "each of the 8 namespaces, when asked for, is a new one" {
	add_busybox
	user_ns_config
	cfg '.linux.namespaces += [{"type": "time"}]'
	sh_args "$ns_script"
	run rt run "$ID"
	assert_success
	local inside=$output host n
	host=$(host_ns)
	for n in $ALL_NS; do
		local mine theirs
		mine=$(awk -v n="$n" '$1 == n {print $2}' <<<"$inside")
		theirs=$(awk -v n="$n" '$1 == n {print $2}' <<<"$host")
		[[ "$mine" == "$n:["*"]" ]] || fail "no $n namespace link inside: '$mine'"
		[ "$mine" != "$theirs" ] || fail "the $n namespace is the runtime's ($mine)"
	done
	assert_no_trace "$ID"
}

@test "a new cgroup namespace is rooted at the container's cgroup" {
	args testinit cat /proc/self/cgroup
	run rt run "$ID"
	assert_success
	[ -n "$output" ] || fail "no /proc/self/cgroup"
	local below
	below=$(grep -v ':/$' <<<"$output" || true)
	assert_equal "$below" ""
	# without one, the container sees where its cgroup lies
	cfg '.linux.namespaces |= map(select(.type != "cgroup"))'
	run rt run "$ID"
	assert_success
	assert_output --regexp ":/.*/$ID$"
}

@test "a namespace left out of linux.namespaces is the runtime's" {
	add_busybox
	# only the mount namespace, which the runtime requires
	cfg 'del(.hostname) | .linux.namespaces = [{"type": "mount"}]'
	sh_args "$ns_script"
	run rt run "$ID"
	assert_success
	local inside=$output host n
	host=$(host_ns)
	for n in pid net ipc uts cgroup user time; do
		assert_equal "$(grep "^$n " <<<"$inside")" "$(grep "^$n " <<<"$host")"
	done
	[ "$(grep '^mnt ' <<<"$inside")" != "$(grep '^mnt ' <<<"$host")" ] || fail "mnt namespace shared"

	# without a network namespace, the host's interfaces are there
	args testinit ifaces
	run rt run "$ID"
	assert_success
	assert_equal "$(sort <<<"$output")" "$(ls /sys/class/net | sort)"
	# and without a pid namespace, the process is not pid 1
	args testinit pid
	run rt run "$ID"
	assert_success
	[ "$output" -gt 1 ] || fail "pid $output in the host's pid namespace"
}

@test "joining another container's network, ipc, uts and pid namespaces by path" {
	add_busybox
	cfg '.hostname = "first-box"'
	args testinit pause
	rt run -d --pid-file "$TEST_TMP/pid" "$ID-a" </dev/null >"$TEST_TMP/a.out" 2>&1
	local pid
	pid=$(cat "$TEST_TMP/pid")

	# the second container: same namespaces by path, its own mount ns
	cfg 'del(.hostname) | .linux.namespaces = [
		{"type": "mount"},
		{"type": "network", "path": "/proc/\($p)/ns/net"},
		{"type": "ipc", "path": "/proc/\($p)/ns/ipc"},
		{"type": "uts", "path": "/proc/\($p)/ns/uts"},
		{"type": "pid", "path": "/proc/\($p)/ns/pid"}]' --arg p "$pid"
	sh_args 'busybox hostname; for n in net ipc uts pid; do echo "$n $(busybox readlink /proc/self/ns/$n)"; done'
	run rt run "$ID-b"
	assert_success
	assert_line --index 0 first-box
	local n
	for n in net ipc uts pid; do
		assert_line "$n $(readlink "/proc/$pid/ns/$n")"
	done
	# in the first container's pid namespace, its init is pid 1: not us
	args testinit pid
	run rt run "$ID-b"
	assert_success
	[ "$output" -gt 1 ] || fail "the joining process is pid $output"
	assert_no_trace "$ID-b"
	run rt delete --force "$ID-a"
	assert_success
	assert_no_trace "$ID-a"
}

@test "a namespace path that is not a namespace of that type is an error" {
	cfg '.linux.namespaces |= map(if .type == "network" then .path = "/proc/self/ns/ipc" else . end)'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'linux.namespaces: "/proc/self/ns/ipc" is not a network namespace'
	assert_no_trace "$ID"

	echo "not a namespace" >"$TEST_TMP/file"
	cfg '.linux.namespaces |= map(if .type == "network" then .path = $f else . end)' --arg f "$TEST_TMP/file"
	run rt_create "$ID"
	assert_failure
	assert_output --partial "linux.namespaces: \"$TEST_TMP/file\" is not a network namespace"
	assert_no_trace "$ID"

	cfg '.linux.namespaces |= map(if .type == "network" then .path = $f else . end)' --arg f "$TEST_TMP/absent"
	run rt_create "$ID"
	assert_failure
	assert_output --partial "linux.namespaces: open network namespace \"$TEST_TMP/absent\": No such file or directory"
	assert_no_trace "$ID"
}

@test "an unknown namespace type is an error naming linux.namespaces" {
	local i
	i=$(jq '.linux.namespaces | length' config.json)
	cfg '.linux.namespaces += [{"type": "sound"}]'
	run rt run "$ID"
	assert_failure
	assert_output --partial "linux.namespaces[$i].type: unknown namespace type \"sound\""
	assert_no_trace "$ID"
	# the proc name of a namespace is not its spec name
	cfg '.linux.namespaces[-1].type = "net"'
	run rt_create "$ID"
	assert_failure
	assert_output --partial "linux.namespaces[$i].type: unknown namespace type \"net\""
	assert_no_trace "$ID"
}

@test "a user namespace maps the container's root to the hostID" {
	user_ns_config
	args testinit ids
	run rt run "$ID"
	assert_success
	assert_output "uid=0 gid=0 euid=0 egid=0 groups="
	args testinit read /proc/self/uid_map
	run rt run "$ID"
	assert_success
	assert_output --regexp '^ *0 +100000 +65536$'
	# files of host root are not mapped: they show as the overflow ids
	args testinit stat /bin/testinit
	run rt run "$ID"
	assert_success
	assert_output "file 0755 65534:65534"
	# seen from the host, the process runs as 100000
	args testinit pause
	rt run -d --pid-file "$TEST_TMP/pid" "$ID" </dev/null >"$TEST_TMP/out" 2>&1
	pid=$(cat "$TEST_TMP/pid")
	run awk '$1 == "Uid:" || $1 == "Gid:" {print $1, $2}' "/proc/$pid/status"
	assert_output $'Uid: 100000\nGid: 100000'
	run rt delete --force "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "joining a container's user namespace: the new namespaces belong to it" {
	add_busybox
	user_ns_config
	args testinit pause
	rt run -d --pid-file "$TEST_TMP/pid" "$ID-a" </dev/null >"$TEST_TMP/a.out" 2>&1
	local pid
	pid=$(cat "$TEST_TMP/pid")
	# the second container joins the user and network namespaces, and
	# makes its own mount, pid, ipc, uts and cgroup namespaces: as a
	# Kubernetes pod's containers do.  Mounting proc and setting the
	# hostname need them owned by the joined user namespace.
	cfg 'del(.linux.uidMappings, .linux.gidMappings) | .hostname = "second"
	     | .linux.namespaces = [
		{"type": "user", "path": "/proc/\($p)/ns/user"},
		{"type": "network", "path": "/proc/\($p)/ns/net"},
		{"type": "mount"}, {"type": "pid"}, {"type": "ipc"}, {"type": "uts"},
		{"type": "cgroup"}]' --arg p "$pid"
	sh_args 'busybox hostname; echo "pid $$"; for n in user net; do echo "$n $(busybox readlink /proc/self/ns/$n)"; done; busybox cat /proc/self/uid_map'
	run rt run "$ID-b"
	assert_success
	assert_line --index 0 second
	assert_line --index 1 "pid 1"
	local n
	for n in user net; do
		assert_line "$n $(readlink "/proc/$pid/ns/$n")"
	done
	assert_line --regexp '^ *0 +100000 +65536$'
	# its exit status comes back through the runtime
	sh_args 'exit 7'
	run rt run "$ID-b"
	assert_failure 7
	# exec joins it as it was joined
	sh_args 'busybox sleep 1000'
	rt run -d "$ID-b" </dev/null >"$TEST_TMP/b.out" 2>&1
	run rt exec "$ID-b" busybox cat /proc/self/uid_map
	assert_success
	assert_output --regexp '^ *0 +100000 +65536$'
	run rt delete --force "$ID-b"
	assert_success
	# the same as create + start, and killed from the host
	sh_args 'busybox sleep 1000'
	rt_create "$ID-c"
	run rt start "$ID-c"
	assert_success
	run rt delete --force "$ID-c"
	assert_success
	assert_no_trace "$ID-b"
	assert_no_trace "$ID-c"
	run rt delete --force "$ID-a"
	assert_success
	assert_no_trace "$ID-a"
}

@test "a new user namespace joining the host-owned network namespace of another container" {
	add_busybox
	args testinit pause
	rt run -d --pid-file "$TEST_TMP/pid" "$ID-a" </dev/null >"$TEST_TMP/a.out" 2>&1
	local pid
	pid=$(cat "$TEST_TMP/pid")
	user_ns_config
	cfg '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")]
	     + [{"type": "network", "path": "/proc/\($p)/ns/net"}]' --arg p "$pid"
	sh_args 'echo "net $(busybox readlink /proc/self/ns/net)"; busybox cat /proc/self/uid_map'
	run rt run "$ID-b"
	assert_success
	assert_line "net $(readlink "/proc/$pid/ns/net")"
	assert_line --regexp '^ *0 +100000 +65536$'
	assert_no_trace "$ID-b"
	run rt delete --force "$ID-a"
	assert_success
	assert_no_trace "$ID-a"
}

@test "a user namespace needs both uidMappings and gidMappings" {
	cfg '.linux.namespaces += [{"type": "user"}]
	     | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	run rt run "$ID"
	assert_failure
	assert_output --partial "a new user namespace needs uidMappings and gidMappings"
	assert_no_trace "$ID"
}

@test "a time namespace with timeOffsets shifts the monotonic and boot clocks" {
	cfg '.linux.namespaces += [{"type": "time"}]
	     | .linux.timeOffsets = {"monotonic": {"secs": 86400}, "boottime": {"secs": 172800}}'
	args testinit clock monotonic
	local before after
	before=$("$TESTINIT" clock monotonic)
	run rt run "$ID"
	after=$("$TESTINIT" clock monotonic)
	assert_success
	[ "$output" -ge $((before + 86400)) ] && [ "$output" -le $((after + 86400)) ] ||
		fail "monotonic inside $output, outside $before..$after: not shifted by 86400"

	args testinit clock boottime
	before=$("$TESTINIT" clock boottime)
	run rt run "$ID"
	after=$("$TESTINIT" clock boottime)
	assert_success
	[ "$output" -ge $((before + 172800)) ] && [ "$output" -le $((after + 172800)) ] ||
		fail "boottime inside $output, outside $before..$after: not shifted by 172800"
}

@test "timeOffsets without a new time namespace is an error" {
	cfg '.linux.timeOffsets = {"monotonic": {"secs": 10}}'
	run rt run "$ID"
	assert_failure
	assert_output --partial "linux.timeOffsets: time offsets need a new time namespace"
	assert_no_trace "$ID"
}

@test "hostname and domainname are set in the container's uts namespace" {
	cfg '.hostname = "box" | .domainname = "example.org"'
	args testinit hostname
	run rt run "$ID"
	assert_success
	assert_output box
	args testinit domainname
	run rt run "$ID"
	assert_success
	assert_output example.org
	# the runtime's own names are untouched
	[ "$(cat /proc/sys/kernel/hostname)" != box ]
	[ "$(cat /proc/sys/kernel/domainname)" != example.org ]
}

# These run the runtime in a uts namespace of its own (unshare --uts): a
# runtime that wrongly set the names in its own namespace must not rename
# the machine.
@test "a hostname without a uts namespace is an error" {
	cfg '.hostname = "box" | .linux.namespaces |= map(select(.type != "uts"))'
	run unshare --uts sh -c '"$@"; echo "hostname now: $(cat /proc/sys/kernel/hostname)"' sh \
		"$RUNTIME" --root "$STATE" run "$ID"
	assert_output --partial "hostname: setting a hostname needs a uts namespace"
	refute_output --partial "hostname now: box"
	assert_no_trace "$ID"
}

@test "a domainname without a uts namespace is an error" {
	cfg 'del(.hostname) | .domainname = "example.org" | .linux.namespaces |= map(select(.type != "uts"))'
	args testinit domainname
	run unshare --uts sh -c '"$@"; echo "status $?"; echo "domainname now: $(cat /proc/sys/kernel/domainname)"' sh \
		"$RUNTIME" --root "$STATE" run "$ID"
	refute_output --partial "domainname now: example.org"
	refute_line "status 0"
	assert_output --partial "uts namespace"
	assert_no_trace "$ID"
}

@test "with no namespaces at all the container shares the host's, and its mounts are undone" {
	cfg '.linux.namespaces = [] | del(.hostname) | .linux.resources = {}'
	args testinit ifaces
	run rt run "$ID"
	assert_success
	assert_line lo
	[ "${#lines[@]}" -eq "$(ls /sys/class/net | wc -l)" ] || fail "not the host's interfaces"
	# Its mounts were in the host's mount namespace: none may be left.
	! grep -q " $BUNDLE/rootfs" /proc/self/mountinfo || fail "mounts left on the host"
	args testinit pause
	rt run -d "$ID" </dev/null >/dev/null 2>&1
	grep -q " $BUNDLE/rootfs/proc " /proc/self/mountinfo || fail "no /proc mount on the host"
	run rt delete --force "$ID"
	assert_success
	! grep -q " $BUNDLE/rootfs" /proc/self/mountinfo || fail "delete left mounts on the host"
}

@test "without a mount namespace, delete undoes only the container's own mounts" {
	# The engine's mount of the root (an overlay, say) must survive.
	mount -t tmpfs engine-root "$BUNDLE/rootfs"
	mkdir -p "$BUNDLE/rootfs/bin" "$BUNDLE/rootfs/proc" "$BUNDLE/rootfs/dev" "$BUNDLE/rootfs/sys"
	cp "$TESTINIT" "$BUNDLE/rootfs/bin/testinit"
	cfg '.linux.namespaces = [] | del(.hostname) | .linux.resources = {}'
	args testinit true
	run rt run "$ID"
	assert_success
	grep -q "engine-root" /proc/self/mountinfo || fail "the engine's mount of the root was undone"
	[ "$(grep -c " $BUNDLE/rootfs" /proc/self/mountinfo)" -eq 1 ] || fail "container mounts left"
	umount "$BUNDLE/rootfs"
	cfg '.root.path = "/"'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'root.path "/" needs a mount namespace of its own'
}
