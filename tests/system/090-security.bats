#!/usr/bin/env bats
# Security regressions: leaked descriptors, working directory and program
# escapes, the runtime binary, symlinks in the rootfs, masked and read-only
# paths, a read-only root.

load helpers

# create the container with its stdio on files; sets PID to its init.
create_detached() {
	rt create --pid-file "$TEST_TMP/pid" "$ID" </dev/null >"$TEST_TMP/out" 2>&1 ||
		fail "create failed: $(cat "$TEST_TMP/out")"
	PID=$(cat "$TEST_TMP/pid")
}

# Wait (bounded) for container $ID to stop.
wait_stopped() {
	local i
	for ((i = 0; i < 200; i++)); do
		rt state "$ID" 2>/dev/null | grep -q '"status": "stopped"' && return 0
		sleep 0.05
	done
	fail "container $ID did not stop"
}

@test "no descriptor but 0, 1 and 2 reaches the container" {
	args testinit fds
	run rt run "$ID" 3</etc/hostname 7</etc/hostname 9<"$BUNDLE"
	assert_success
	assert_output "0 1 2"
}

@test "no descriptor of the create caller reaches a created container" {
	args testinit fds
	rt create "$ID" </dev/null >"$TEST_TMP/out" 2>&1 3</etc/hostname 7</etc/hostname 9<"$BUNDLE"
	run rt start "$ID"
	assert_success
	wait_stopped
	assert_equal "$(cat "$TEST_TMP/out")" "0 1 2"
	run rt delete "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "--preserve-fds 2 passes descriptors 3 and 4, and only them" {
	echo three >"$TEST_TMP/f3"
	echo four >"$TEST_TMP/f4"
	echo five >"$TEST_TMP/f5"
	args testinit fds
	run rt run --preserve-fds 2 "$ID" 3<"$TEST_TMP/f3" 4<"$TEST_TMP/f4" 5<"$TEST_TMP/f5" 8<"$TEST_TMP/f5"
	assert_success
	assert_output "0 1 2 3 4"
	args testinit read /proc/self/fd/3
	run rt run --preserve-fds 2 "$ID" 3<"$TEST_TMP/f3" 4<"$TEST_TMP/f4" 5<"$TEST_TMP/f5"
	assert_success
	assert_output three
	args testinit read /proc/self/fd/4
	run rt run --preserve-fds 2 "$ID" 3<"$TEST_TMP/f3" 4<"$TEST_TMP/f4" 5<"$TEST_TMP/f5"
	assert_success
	assert_output four
}

@test "create --preserve-fds 1 passes descriptor 3 of the create caller only" {
	echo three >"$TEST_TMP/f3"
	args testinit read /proc/self/fd/3
	rt create --preserve-fds 1 "$ID" </dev/null >"$TEST_TMP/out" 2>&1 \
		3<"$TEST_TMP/f3" 4<"$TEST_TMP/f3" 6<"$TEST_TMP/f3"
	run rt start "$ID" 3</etc/hostname
	assert_success
	wait_stopped
	assert_equal "$(cat "$TEST_TMP/out")" three
	run rt delete "$ID"
	assert_success
	args testinit fds
	rt create --preserve-fds 1 "$ID" </dev/null >"$TEST_TMP/out" 2>&1 \
		3<"$TEST_TMP/f3" 4<"$TEST_TMP/f3" 6<"$TEST_TMP/f3"
	run rt start "$ID" 5</etc/hostname
	assert_success
	wait_stopped
	assert_equal "$(cat "$TEST_TMP/out")" "0 1 2 3"
	run rt delete "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "process.cwd through /proc/self/fd never gives the container a host directory" {
	local hostdir=$TEST_TMP/hostdir n
	mkdir -p "$hostdir"
	touch "$hostdir/HOST-MARKER"
	args testinit ls .
	# A descriptor of a host directory handed in on purpose.
	cfg '.process.cwd = "/proc/self/fd/3"'
	run rt run --preserve-fds 1 "$ID" 3<"$hostdir"
	refute_output --partial HOST-MARKER
	assert_failure
	assert_no_trace "$ID"
	# Whatever the runtime itself holds open while it sets up (runc's
	# CVE-2024-21626 leaked a host cgroup directory as fd 7 or 8).
	for n in 3 4 5 6 7 8 9 10 11 12 13 14 15; do
		cfg '.process.cwd = $c' --arg c "/proc/self/fd/$n"
		run rt run "$ID" 5<"$hostdir" 6<"$hostdir"
		refute_output --partial HOST-MARKER
		if [ "$status" -eq 0 ]; then
			# Stayed inside: the rootfs, not a host directory.
			assert_output --partial testinit
		fi
		assert_no_trace "$ID"
	done
}

@test "process.cwd through a symlink to /proc/self/fd in the rootfs is refused" {
	local hostdir=$TEST_TMP/hostdir
	mkdir -p "$hostdir"
	touch "$hostdir/HOST-MARKER"
	ln -s /proc/self/fd/3 "$BUNDLE/rootfs/work"
	cfg '.process.cwd = "/work"'
	args testinit ls .
	run rt run --preserve-fds 1 "$ID" 3<"$hostdir"
	refute_output --partial HOST-MARKER
	assert_failure
	assert_output --partial "process.cwd"
	assert_no_trace "$ID"
}

@test "process.cwd with .. stays inside the root" {
	cfg '.process.cwd = "/../../../.."'
	args testinit cwd
	run rt run "$ID"
	assert_success
	assert_output /
}

@test "args[0] /proc/self/exe is refused as a magic link" {
	local before
	before=$(sha256sum <"$RUNTIME")
	# (not `args`: jq would take --version for its own flag)
	cfg '.process.args = ["/proc/self/exe", "--version"]'
	run rt run "$ID"
	assert_failure
	assert_output --partial "magic link"
	refute_output --partial "berth-runtime version"
	assert_no_trace "$ID"
	# Reached through a link in the rootfs, or through PATH.
	ln -s /proc/self/exe "$BUNDLE/rootfs/bin/evil"
	cfg '.process.args = ["evil", "--version"]'
	run rt run "$ID"
	assert_failure
	assert_output --partial "magic link"
	assert_no_trace "$ID"
	cfg '.process.args = ["/bin/evil", "--version"]'
	run rt run "$ID"
	assert_failure
	assert_output --partial "magic link"
	assert_no_trace "$ID"
	assert_equal "$(sha256sum <"$RUNTIME")" "$before"
}

@test "a script whose interpreter is /proc/self/exe cannot reach the runtime binary" {
	# The original CVE-2019-5736 exploit: #!/proc/self/exe runs the
	# runtime itself inside the container.
	local before
	before=$(sha256sum <"$RUNTIME")
	printf '#!/proc/self/exe\n' >"$BUNDLE/rootfs/bin/evil.sh"
	chmod 0755 "$BUNDLE/rootfs/bin/evil.sh"
	args /bin/evil.sh
	run rt run "$ID"
	# Whatever ran there (the sealed copy), the binary on disk is unchanged.
	assert_equal "$(sha256sum <"$RUNTIME")" "$before"
	assert_no_trace "$ID"
}

@test "the init of a created container runs from a sealed copy: the runtime binary cannot be overwritten" {
	local before exe
	before=$(sha256sum <"$RUNTIME")
	args testinit true
	create_detached
	exe=$(readlink "/proc/$PID/exe")
	[[ "$exe" == /memfd:* ]] || fail "the init runs from \"$exe\", not a memfd"
	run bash -c 'echo x >"/proc/$1/exe"' _ "$PID"
	assert_failure
	run bash -c 'exec 3<>"/proc/$1/exe"' _ "$PID"
	assert_failure
	run bash -c 'exec 3>>"/proc/$1/exe"' _ "$PID"
	assert_failure
	assert_equal "$(sha256sum <"$RUNTIME")" "$before"
	run rt delete --force "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "a /proc that is a symlink out of the rootfs is refused for the proc mount" {
	local hostdir=$TEST_TMP/hostproc
	mkdir -p "$hostdir"
	rmdir "$BUNDLE/rootfs/proc"
	ln -s "$hostdir" "$BUNDLE/rootfs/proc"
	run rt run "$ID"
	assert_failure
	assert_output --partial '"/proc"'
	assert_output --partial symlink
	assert_no_trace "$ID"
	[ -z "$(ls -A "$hostdir")" ] || fail "something was put in the host directory"
	! mountpoint -q "$hostdir" || fail "proc was mounted on the host directory"
}

@test "a /sys that is a symlink out of the rootfs is refused for the sysfs mount" {
	local hostdir=$TEST_TMP/hostsys
	mkdir -p "$hostdir"
	rmdir "$BUNDLE/rootfs/sys"
	ln -s "$hostdir" "$BUNDLE/rootfs/sys"
	run rt run "$ID"
	assert_failure
	assert_output --partial '"/sys"'
	assert_output --partial symlink
	assert_no_trace "$ID"
	[ -z "$(ls -A "$hostdir")" ] || fail "something was put in the host directory"
}

@test "a bind mount whose destination is a symlink to a host path lands inside the rootfs" {
	local hostdir=$TEST_TMP/hostdir src=$TEST_TMP/src
	mkdir -p "$hostdir" "$src"
	touch "$src/SOURCE-MARKER"
	ln -s "$hostdir" "$BUNDLE/rootfs/evil"
	# The same path inside the rootfs: where the link leads in the container.
	mkdir -p "$BUNDLE/rootfs/$hostdir"
	cfg '.mounts += [{"destination": "/evil", "type": "bind", "source": $s, "options": ["bind"]}]' \
		--arg s "$src"
	args testinit ls /evil
	run rt run "$ID"
	assert_success
	assert_output SOURCE-MARKER
	[ -z "$(ls -A "$hostdir")" ] || fail "the host directory was written to"
}

@test "a bind mount through a symlink to a missing host path never reaches the host" {
	local hostdir=$TEST_TMP/hostdir src=$TEST_TMP/src
	mkdir -p "$hostdir" "$src"
	echo data >"$src/file"
	ln -s "$hostdir" "$BUNDLE/rootfs/evil"
	ln -s "$hostdir/file" "$BUNDLE/rootfs/evilfile"
	cfg '.mounts += [{"destination": "/evil", "type": "bind", "source": $s, "options": ["bind"]},
		{"destination": "/evilfile", "type": "bind", "source": $f, "options": ["bind"]}]' \
		--arg s "$src" --arg f "$src/file"
	args testinit read /evilfile
	run rt run "$ID"
	# Refused, or made inside the rootfs: the host directory stays empty.
	[ -z "$(ls -A "$hostdir")" ] || fail "the host directory was written to: $(ls -A "$hostdir")"
	if [ "$status" -eq 0 ]; then
		assert_output data
		[ -d "$BUNDLE/rootfs/$hostdir" ] || fail "the mount point is not in the rootfs"
	fi
	assert_no_trace "$ID"
}

@test "masked paths read empty; without the mask they do not" {
	[ -e /proc/timer_list ] || skip "this kernel has no /proc/timer_list"
	args testinit read /proc/timer_list
	run rt run "$ID"
	assert_success
	assert_output ""
	args testinit read /proc/keys
	run rt run "$ID"
	assert_success
	assert_output ""
	args testinit ls /sys/firmware
	run rt run "$ID"
	assert_success
	assert_output ""
	# The masks are what hides them.
	cfg '.linux.maskedPaths = []'
	args testinit read /proc/timer_list
	run rt run "$ID"
	assert_success
	assert_output --partial "Timer List"
}

@test "masked paths stay hidden when the container's /dev/null is not the null device" {
	# /dev bound from a directory whose "null" leads elsewhere (an image or
	# a volume shared with another container can plant it): masking must
	# not bind that over the masked paths (the runc CVE-2025-31133 class;
	# the target there was /proc/sys/kernel/core_pattern).  Here the link
	# leads to a harmless file of the rootfs.
	[ -e /proc/timer_list ] || skip "this kernel has no /proc/timer_list"
	echo SECRET >"$BUNDLE/rootfs/secret"
	mkdir -p "$TEST_TMP/devdir"
	ln -s /secret "$TEST_TMP/devdir/null"
	cfg '.mounts |= map(select(.destination | startswith("/dev/") | not))
	   | .mounts |= map(if .destination == "/dev"
		then {"destination": "/dev", "type": "bind", "source": $d, "options": ["rbind"]}
		else . end)
	   | .linux.maskedPaths = ["/proc/timer_list"]' --arg d "$TEST_TMP/devdir"
	args testinit read /proc/timer_list
	run rt run "$ID"
	refute_output --partial SECRET
	# Either refused, or masked with the real null device.
	[ "$status" -ne 0 ] || assert_output ""
	assert_no_trace "$ID"
	args testinit write /proc/timer_list overwritten
	run rt run "$ID"
	assert_equal "$(cat "$BUNDLE/rootfs/secret")" SECRET
	assert_no_trace "$ID"
}

@test "masked directories are empty and read-only" {
	[ -n "$(ls -A /sys/firmware 2>/dev/null)" ] || skip "the host's /sys/firmware is empty: nothing to hide"
	args testinit ls /sys/firmware
	cfg '.linux.maskedPaths = ["/sys/firmware"]'
	run rt run "$ID"
	assert_success
	assert_output ""
	cfg '.linux.maskedPaths = []'
	run rt run "$ID"
	assert_success
	refute_output ""
}

@test "readonly paths cannot be written" {
	args testinit write /proc/sys/kernel/domainname evil
	run rt run "$ID"
	assert_failure
	assert_output "/proc/sys/kernel/domainname: EROFS"
	args testinit write /proc/sys/net/ipv4/ip_forward 1
	run rt run "$ID"
	assert_failure
	assert_output "/proc/sys/net/ipv4/ip_forward: EROFS"
	# Without the read-only path the (namespaced) value can be written.
	cfg '.linux.readonlyPaths = []'
	args testinit write /proc/sys/kernel/domainname inside
	run rt run "$ID"
	assert_success
}

@test "root.readonly makes the root read-only; false allows writing" {
	cfg '.root.readonly = true'
	args testinit write /x data
	run rt run "$ID"
	assert_failure
	assert_output "/x: EROFS"
	[ ! -e "$BUNDLE/rootfs/x" ]
	cfg '.root.readonly = false'
	run rt run "$ID"
	assert_success
	assert_equal "$(cat "$BUNDLE/rootfs/x")" data
}

@test "root.readonly leaves the mounts on top writable" {
	cfg '.root.readonly = true
	   | .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}]'
	args testinit write /tmp/x data
	run rt run "$ID"
	assert_success
	args testinit write /dev/shm/x data
	run rt run "$ID"
	assert_success
}

@test "pivot_root leaves none of the host's mounts in the container" {
	mkdir -p "$TEST_TMP/hostmnt"
	mount -t tmpfs berth-host-only "$TEST_TMP/hostmnt"
	args testinit mounts
	run rt run "$ID"
	umount "$TEST_TMP/hostmnt"
	assert_success
	assert_line --regexp '^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ / '
	refute_output --partial berth-host-only
	refute_output --partial "$TEST_TMP/hostmnt"
}

@test "--no-pivot runs the container in a chroot of its root" {
	args testinit ls /
	run rt run --no-pivot "$ID"
	assert_success
	assert_line bin
	assert_line proc
	refute_line work
	assert_no_trace "$ID"
}

@test "the container joins a session keyring of its own unless --no-new-keyring" {
	# /proc/keys is masked by default: unmask it to look.
	cfg '.linux.maskedPaths -= ["/proc/keys"]'
	args testinit cat /proc/keys
	run rt run "$ID"
	assert_success
	assert_output --regexp "keyring +$ID: "
	# Another id: the first run's keyring may linger until the kernel's
	# garbage collector gets to it.
	run rt run --no-new-keyring "$ID-b"
	assert_success
	refute_output --regexp "keyring +$ID-b: "
}

@test "startContainer hooks (programs from the image) run with the container's credentials, not the runtime's" {
	[ -x /bin/busybox ] || skip "no static /bin/busybox for a hook in the container"
	cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
	mkdir -p "$TEST_TMP/out"
	chmod 777 "$TEST_TMP/out"
	cfg '.mounts += [{"destination": "/out", "type": "bind", "source": "'"$TEST_TMP/out"'", "options": ["bind"]}]
	     | .process.user = {"uid": 1000, "gid": 1000}
	     | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
	     | .hooks.startContainer = [{"path": "/bin/busybox", "args": ["sh", "-c",
	         "grep -E \"^(Uid|CapEff|Seccomp):\" /proc/self/status > /out/hook; /bin/busybox mkdir /out/dir 2>> /out/hook; true"]}]'
	args testinit true
	run rt run "$ID"
	assert_success
	run cat "$TEST_TMP/out/hook"
	assert_line --regexp '^Uid:[[:space:]]+1000[[:space:]]'
	assert_line --regexp '^CapEff:[[:space:]]+0000000000000000$'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	[ ! -d "$TEST_TMP/out/dir" ] || fail "the hook escaped the seccomp profile"
}

@test "a fake /proc in the image cannot release a created container before start" {
	# /proc is the image's own directory tree, bound in, not procfs.
	mkdir -p "$TEST_TMP/fakeproc/self/fd"
	for n in $(seq 3 64); do echo >"$TEST_TMP/fakeproc/self/fd/$n"; done
	cfg '.mounts |= map(select(.destination != "/proc"))
	     | .mounts += [{"destination": "/proc", "type": "bind", "source": "'"$TEST_TMP/fakeproc"'", "options": ["bind"]}]
	     | .linux.maskedPaths = [] | .linux.readonlyPaths = [] | .root.readonly = false'
	args testinit write /tmp/ran yes
	mkdir -p "$BUNDLE/rootfs/tmp"
	run rt_create "$ID"
	assert_success
	sleep 0.3
	[ ! -e "$BUNDLE/rootfs/tmp/ran" ] || fail "the program ran before start"
	run timeout 20 "$RUNTIME" --root "$STATE" start "$ID"
	assert_success
	for _ in $(seq 50); do [ -e "$BUNDLE/rootfs/tmp/ran" ] && break; sleep 0.1; done
	[ -e "$BUNDLE/rootfs/tmp/ran" ] || fail "the program did not run after start"
}

@test "the init of a created container is out of reach of the container's processes" {
	args testinit sleep 100
	rt_create --pid-file "$TEST_TMP/pid" "$ID"
	# A process in the container (exec joins its namespaces), root like the
	# waiting init (pid 1 there) but without CAP_SYS_PTRACE: the init is not
	# dumpable, so its descriptors (the host's) stay out of reach.
	run rt exec "$ID" testinit open /proc/1/cwd
	assert_failure
	assert_output EACCES
	run rt exec "$ID" testinit open /proc/1/fd/0
	assert_failure
	assert_output EACCES
}
