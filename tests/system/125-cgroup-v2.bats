#!/usr/bin/env bats
# cgroup v2 code paths.  On a pure v2 host they run as they are; on a v1 or
# hybrid host (this development machine) they run in a private mount
# namespace where /sys/fs/cgroup is the cgroup2 filesystem alone, which is
# what the runtime's host detection reads.  The kernel has one unified
# hierarchy, so the cgroups made there are real ones.  Controllers bound to
# v1 hierarchies are not available in v2 then: tests that need one check
# for it (the core features - freezing, BPF device filters, process
# membership - need none).

load helpers

# v2 SCRIPT: run SCRIPT with bash where /sys/fs/cgroup is cgroup2 only.
v2() {
	local script="RUNTIME=$(printf %q "$RUNTIME"); STATE=$(printf %q "$STATE");
		rt() { \"\$RUNTIME\" --root \"\$STATE\" \"\$@\"; }; $1"
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		bash -c "$script"
	else
		unshare -m --propagation private bash -c \
			"umount -R /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && $script"
	fi
}

setup() {
	eval "$(declare -f helpers_setup 2>/dev/null || true)"
	TEST_TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/berth-test.XXXXXX")
	STATE=$TEST_TMP/state
	BUNDLE=$TEST_TMP/bundle
	ID=t$BATS_TEST_NUMBER-$$
	make_bundle "$BUNDLE"
	cd "$BUNDLE"
	cfg '.linux.cgroupsPath = "/berth-v2test/'"$ID"'" | .linux.resources = {}'
}

teardown() {
	v2 'for c in "$STATE"/*; do [ -d "$c" ] && rt delete --force "$(basename "$c")"; done;
	    rmdir /sys/fs/cgroup/berth-v2test 2>/dev/null; true'
	cd /
	rm -rf "$TEST_TMP"
}

has_controller() { v2 "grep -qw $1 /sys/fs/cgroup/cgroup.controllers"; }

@test "v2: the container's cgroup, its namespace root, removed on delete" {
	# /proc/self/cgroup lists every hierarchy the kernel has; "0::" is v2's.
	args testinit cat /proc/self/cgroup
	run v2 'rt run "'"$ID"'"'
	assert_success
	assert_line "0::/"
	cfg '.linux.namespaces -= [{"type": "cgroup"}]'
	run v2 'rt run "'"$ID"'"'
	assert_success
	assert_line "0::/berth-v2test/$ID"
	run v2 '[ ! -d /sys/fs/cgroup/berth-v2test/'"$ID"' ] && echo removed'
	assert_output removed
}

@test "v2: the cgroup mount shows the container's cgroup as its root" {
	args testinit ls /sys/fs/cgroup
	run v2 'rt run "'"$ID"'"'
	assert_success
	assert_line cgroup.procs
	assert_line cgroup.freeze
	refute_line berth-v2test
}

@test "v2: pause freezes through cgroup.freeze and resume thaws" {
	cfg '.root.readonly = false'
	args testinit count /tmp/counter
	local f=$BUNDLE/rootfs/tmp/counter
	run v2 '
		rt run -d "'"$ID"'" </dev/null >/dev/null 2>&1
		for i in $(seq 50); do [ -s "'"$f"'" ] && break; sleep 0.1; done
		rt pause "'"$ID"'" || exit 1
		cat /sys/fs/cgroup/berth-v2test/'"$ID"'/cgroup.freeze
		rt state "'"$ID"'" | grep -o "\"status\": \"[a-z]*\""
		a=$(cat "'"$f"'"); sleep 0.5; b=$(cat "'"$f"'")
		[ "$a" = "$b" ] && echo "no progress"
		rt resume "'"$ID"'" || exit 1
		rt state "'"$ID"'" | grep -o "\"status\": \"[a-z]*\""
		for i in $(seq 50); do [ "$(cat "'"$f"'")" != "$b" ] && echo progress && break; sleep 0.1; done'
	assert_success
	assert_output '1
"status": "paused"
no progress
"status": "running"
progress'
}

@test "v2: the device list is a BPF program: denied devices cannot be opened" {
	local dev=""
	for d in /dev/fuse /dev/loop-control /dev/kmsg; do
		[ -c "$d" ] && exec 9<"$d" 2>/dev/null && exec 9<&- && dev=$d && break
	done
	[ -n "$dev" ] || skip "no openable /dev/fuse, /dev/loop-control or /dev/kmsg on this host"
	local maj min
	maj=$((16#$(stat -c '%t' "$dev"))) min=$((16#$(stat -c '%T' "$dev")))
	cfg '.mounts += [{"destination": "/dev/probe", "type": "bind", "source": "'"$dev"'", "options": ["bind"]}]'
	# Deny all (a v1 devices controller may also be in force on a hybrid
	# host, so the "allowed" cases are checked where only v2 decides).
	cfg '.linux.resources.devices = [{"allow": false, "access": "rwm"}]'
	args testinit open /dev/probe
	run v2 'rt run "'"$ID"'"'
	assert_failure
	assert_output EPERM
	args testinit open /dev/null w
	run v2 'rt run "'"$ID"'"'
	assert_success
	assert_output ok
	cfg '.linux.resources.devices = [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": '"$maj"', "minor": '"$min"', "access": "r"}]'
	args testinit open /dev/probe w
	run v2 'rt run "'"$ID"'"'
	assert_failure
	assert_output EPERM
	args testinit open /dev/probe
	run v2 'rt run "'"$ID"'"'
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		assert_success
		assert_output ok
	fi
}

@test "v2: limits use the v2 files when the controller is there, and say so when not" {
	cfg '.linux.resources = {"pids": {"limit": 17}, "memory": {"limit": 67108864}}'
	args testinit sleep 100
	if has_controller pids && has_controller memory; then
		run v2 'rt run -d "'"$ID"'" </dev/null >/dev/null 2>&1 &&
			cat /sys/fs/cgroup/berth-v2test/'"$ID"'/pids.max /sys/fs/cgroup/berth-v2test/'"$ID"'/memory.max'
		assert_success
		assert_output $'17\n67108864'
	else
		run v2 'rt run "'"$ID"'"'
		assert_failure
		assert_output --regexp 'linux.resources.(pids|memory): the cgroup v2 controller for it is not available here'
		run v2 '[ ! -d /sys/fs/cgroup/berth-v2test/'"$ID"' ] && echo clean'
		assert_output clean
	fi
}

@test "v2: unified entries are written as they are" {
	cfg '.linux.resources = {"unified": {"cgroup.max.descendants": "5"}}'
	args testinit sleep 100
	run v2 'rt run -d "'"$ID"'" </dev/null >/dev/null 2>&1 &&
		cat /sys/fs/cgroup/berth-v2test/'"$ID"'/cgroup.max.descendants'
	assert_success
	assert_output 5
	cfg '.linux.resources = {"unified": {"no.such.file": "1"}} | .linux.cgroupsPath = "/berth-v2test/'"$ID"'-b"'
	run v2 'rt run "'"$ID"'-b"'
	assert_failure
	assert_output --partial 'linux.resources.unified: "no.such.file" is not a file of this cgroup'
}
