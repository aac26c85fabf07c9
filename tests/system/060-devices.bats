#!/usr/bin/env bats
# Devices: the default nodes and links in /dev, and linux.devices.

load helpers

# create the container with its stdio on files; sets PID to its init.
create_detached() {
	rt create --pid-file "$TEST_TMP/pid" "$ID" </dev/null >"$TEST_TMP/out" 2>&1 ||
		fail "create failed: $(cat "$TEST_TMP/out")"
	PID=$(cat "$TEST_TMP/pid")
}

# Remove the tmpfs (and what is mounted below it) from /dev: the nodes are
# then made in the rootfs directory itself.
no_dev_tmpfs() {
	cfg '.mounts |= map(select(.destination != "/dev"))'
}

@test "the default devices are character devices with the right numbers" {
	local dev want
	for dev in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
		want="char 0666 0:0 ${dev#*:}"
		args testinit stat "/dev/${dev%%:*}"
		run rt run "$ID"
		assert_success
		assert_output "$want"
	done
}

@test "the default devices work" {
	args testinit read /dev/null
	run rt run "$ID"
	assert_success
	assert_output ""
	args testinit write /dev/null data
	run rt run "$ID"
	assert_success
	args testinit write /dev/full data
	run rt run "$ID"
	assert_failure
	assert_output "/dev/full: ENOSPC"
}

@test "the default devices are made in the rootfs when /dev is not a tmpfs" {
	no_dev_tmpfs
	args testinit stat /dev/zero
	run rt run "$ID"
	assert_success
	assert_output "char 0666 0:0 1:5"
	args testinit stat /dev/urandom
	run rt run "$ID"
	assert_success
	assert_output "char 0666 0:0 1:9"
}

@test "/dev/fd and /dev/stdin, stdout, stderr lead to the process's descriptors" {
	create_detached
	run readlink "/proc/$PID/root/dev/fd"
	assert_output /proc/self/fd
	run readlink "/proc/$PID/root/dev/stdin"
	assert_output /proc/self/fd/0
	run readlink "/proc/$PID/root/dev/stdout"
	assert_output /proc/self/fd/1
	run readlink "/proc/$PID/root/dev/stderr"
	assert_output /proc/self/fd/2
	run rt delete --force "$ID"
	assert_success

	# And they work from inside.
	args testinit read /dev/stdin
	run rt run "$ID" <<<"from stdin"
	assert_success
	assert_output "from stdin"
	args testinit write /dev/stdout "to stdout"
	run rt run "$ID"
	assert_success
	assert_output "to stdout"
	args testinit write /dev/stderr "to stderr"
	rt run "$ID" >"$TEST_TMP/stdout" 2>"$TEST_TMP/stderr"
	assert_equal "$(cat "$TEST_TMP/stderr")" "to stderr"
	assert_equal "$(cat "$TEST_TMP/stdout")" ""
	args testinit stat /dev/fd/0
	run rt run "$ID" </dev/null
	assert_success
	assert_output --regexp '^link '
}

@test "/dev/ptmx leads to the container's own devpts" {
	create_detached
	run readlink "/proc/$PID/root/dev/ptmx"
	assert_output pts/ptmx
	run stat -c '%F %t:%T' "/proc/$PID/root/dev/pts/ptmx"
	assert_output "character special file 5:2"
	run rt delete --force "$ID"
	assert_success
	args testinit stat /dev/pts/ptmx
	run rt run "$ID"
	assert_success
	# ptmxmode=0666 from spec's devpts options.
	assert_output "char 0666 0:0 5:2"
}

@test "linux.devices: a device with fileMode, uid and gid" {
	cfg '.linux.devices = [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229,
		"fileMode": 438, "uid": 0, "gid": 0}]'
	args testinit stat /dev/fuse
	run rt run "$ID"
	assert_success
	assert_output "char 0666 0:0 10:229"
	cfg '.linux.devices[0].fileMode = 384 | .linux.devices[0].uid = 1000 | .linux.devices[0].gid = 1001'
	run rt run "$ID"
	assert_success
	assert_output "char 0600 1000:1001 10:229"
}

@test "linux.devices: a device in a subdirectory that does not exist yet" {
	cfg '.linux.devices = [{"type": "c", "path": "/dev/net/tun", "major": 10, "minor": 200,
		"fileMode": 420, "uid": 0, "gid": 0}]'
	args testinit stat /dev/net/tun
	run rt run "$ID"
	assert_success
	assert_output "char 0644 0:0 10:200"
	args testinit stat /dev/net
	run rt run "$ID"
	assert_success
	assert_output --regexp '^dir '
}

@test "linux.devices: block devices and fifos" {
	cfg '.linux.devices = [
		{"type": "b", "path": "/dev/loop7", "major": 7, "minor": 7, "fileMode": 432},
		{"type": "p", "path": "/dev/myfifo", "fileMode": 420}]'
	args testinit stat /dev/loop7
	run rt run "$ID"
	assert_success
	assert_output "block 0660 0:0 7:7"
	args testinit stat /dev/myfifo
	run rt run "$ID"
	assert_success
	assert_output "fifo 0644 0:0"
}

@test "linux.devices: an entry for a default device replaces it" {
	cfg '.linux.devices = [{"type": "c", "path": "/dev/null", "major": 1, "minor": 3,
		"fileMode": 384, "uid": 1000, "gid": 1000}]'
	args testinit stat /dev/null
	run rt run "$ID"
	assert_success
	assert_output "char 0600 1000:1000 1:3"
}

@test "linux.devices: without a /dev tmpfs, the node is made in the rootfs" {
	no_dev_tmpfs
	cfg '.linux.devices = [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229,
		"fileMode": 438}]'
	args testinit stat /dev/fuse
	run rt run "$ID"
	assert_success
	assert_output "char 0666 0:0 10:229"
	# The same node already there is fine.
	run rt run "$ID"
	assert_success
	assert_output "char 0666 0:0 10:229"
}

@test "linux.devices: a different file already at the path is an error and is kept" {
	no_dev_tmpfs
	echo precious >"$BUNDLE/rootfs/dev/fuse"
	cfg '.linux.devices = [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229,
		"fileMode": 438}]'
	args testinit true
	run rt run "$ID"
	assert_failure
	assert_output --partial "linux.devices[0]"
	assert_output --partial '"/dev/fuse"'
	assert_output --partial "already exists"
	assert_no_trace "$ID"
	assert_equal "$(cat "$BUNDLE/rootfs/dev/fuse")" precious
}

@test "linux.devices: a device node with other numbers at the path is an error" {
	no_dev_tmpfs
	mknod -m 0666 "$BUNDLE/rootfs/dev/fuse" c 1 3
	cfg '.linux.devices = [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229}]'
	run rt run "$ID"
	assert_failure
	assert_output --partial "linux.devices[0]"
	assert_output --partial "already exists"
	assert_no_trace "$ID"
	run stat -c '%t:%T' "$BUNDLE/rootfs/dev/fuse"
	assert_output "1:3"
}

@test "linux.devices: a path that leads out of /dev through a symlink stays in the rootfs" {
	no_dev_tmpfs
	mkdir -p "$TEST_TMP/host"
	ln -s "$TEST_TMP/host" "$BUNDLE/rootfs/dev/net"
	cfg '.linux.devices = [{"type": "c", "path": "/dev/net/tun", "major": 10, "minor": 200}]'
	args testinit stat /dev/net/tun
	run rt run "$ID"
	# Either refused or made inside the rootfs: never in the host directory.
	[ -z "$(ls -A "$TEST_TMP/host")" ] || fail "a device node was made in the host directory"
	if [ "$status" -eq 0 ]; then
		assert_output "char 0666 0:0 10:200"
		[ -c "$BUNDLE/rootfs/$TEST_TMP/host/tun" ] || fail "the node is not in the rootfs"
	fi
}

@test "a /dev that is a symlink out of the rootfs: nothing is made on the host" {
	local hostdev=$TEST_TMP/hostdev
	mkdir -p "$hostdev"
	rmdir "$BUNDLE/rootfs/dev"
	ln -s "$hostdev" "$BUNDLE/rootfs/dev"
	args testinit stat /dev/null
	run rt run "$ID"
	[ -z "$(ls -A "$hostdev")" ] || fail "made on the host: $(ls -A "$hostdev")"
	assert_no_trace "$ID"
	no_dev_tmpfs
	run rt run "$ID"
	[ -z "$(ls -A "$hostdev")" ] || fail "made on the host: $(ls -A "$hostdev")"
	assert_no_trace "$ID"
}

@test "in a user namespace the devices are the host's nodes, bound in" {
	[ -c /dev/fuse ] || skip "the host has no /dev/fuse to bind"
	unshare --user true 2>/dev/null || skip "user namespaces are not available here"
	# The mapped root must reach the rootfs (mktemp made the test dir 0700).
	chmod 0755 "$TEST_TMP"
	cfg '.linux.namespaces += [{"type": "user"}]
	   | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
	   | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
	   | .linux.devices = [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229}]'
	args testinit stat /dev/null
	run rt run "$ID"
	assert_success
	assert_output --regexp '^char 0666 [0-9]+:[0-9]+ 1:3$'
	args testinit stat /dev/fuse
	run rt run "$ID"
	assert_success
	assert_output --regexp '^char [0-7]{4} [0-9]+:[0-9]+ 10:229$'
}
