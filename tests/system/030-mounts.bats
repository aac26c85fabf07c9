#!/usr/bin/env bats
# mounts: what config.json's mounts[] and root.readonly give the container.

load helpers

# add_mount JSON: append one entry to mounts[]
add_mount() {
	cfg '.mounts += [$m]' --argjson m "$1"
}

# The index the next add_mount gets, for the "mounts[N]" in errors.
next_mount() {
	jq '.mounts | length' "$BUNDLE/config.json"
}

# mountinfo on stdin -> "MOUNTPOINT OPTIONS FSTYPE OPTIONAL-FIELDS" per line
mi_fields() {
	awk '{ opt = ""; for (i = 7; $i != "-"; i++) opt = opt " " $i;
	       print $5, $6, $(i + 1) opt }'
}

# The mountinfo line (as mi_fields gives it) of mount point $1 in the
# container, from the output of `testinit mounts` in $output.
mount_line() {
	mi_fields <<<"$output" | awk -v d="$1" '$1 == d'
}

@test "a read-only bind mount refuses writes with EROFS and the host file stays" {
	mkdir "$TEST_TMP/data"
	echo original >"$TEST_TMP/data/f"
	add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$TEST_TMP/data\", \"options\": [\"bind\", \"ro\"]}"
	args testinit write /data/f changed
	run rt run "$ID"
	assert_failure
	assert_output "/data/f: EROFS"
	assert_equal "$(cat "$TEST_TMP/data/f")" original
	args testinit mounts
	run rt run "$ID"
	assert_success
	run mount_line /data
	assert_output --regexp '^/data ro[, ]'
}

@test "a read-write bind mount: what the container writes lands on the host" {
	mkdir "$TEST_TMP/data"
	echo original >"$TEST_TMP/data/f"
	add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$TEST_TMP/data\", \"options\": [\"rbind\", \"rw\"]}"
	args testinit write /data/f "from the container"
	run rt run "$ID"
	assert_success
	assert_equal "$(cat "$TEST_TMP/data/f")" "from the container"
	args testinit write /data/new "new file"
	run rt run "$ID"
	assert_success
	assert_equal "$(cat "$TEST_TMP/data/new")" "new file"
	assert_no_trace "$ID"
}

@test "a file bind-mounted onto a file that does not exist in the root yet" {
	echo "host file" >"$TEST_TMP/hostfile"
	add_mount "{\"destination\": \"/etc/config.txt\", \"type\": \"bind\", \"source\": \"$TEST_TMP/hostfile\", \"options\": [\"bind\", \"ro\"]}"
	args testinit stat /etc/config.txt
	run rt run "$ID"
	assert_success
	assert_output --regexp '^file '
	args testinit read /etc/config.txt
	run rt run "$ID"
	assert_success
	assert_output "host file"
	# The mount point is an empty file in the root, not a directory.
	[ -f "$BUNDLE/rootfs/etc/config.txt" ] || fail "no mount point file in the rootfs"
	[ ! -s "$BUNDLE/rootfs/etc/config.txt" ] || fail "the rootfs file got the host file's content"
}

@test "a relative bind source is resolved against the bundle, not the working directory" {
	mkdir "$BUNDLE/shared" "$TEST_TMP/elsewhere" "$TEST_TMP/elsewhere/shared"
	echo "from the bundle" >"$BUNDLE/shared/f"
	echo "from the cwd" >"$TEST_TMP/elsewhere/shared/f"
	add_mount '{"destination": "/shared", "type": "bind", "source": "shared", "options": ["bind", "ro"]}'
	args testinit read /shared/f
	cd "$TEST_TMP/elsewhere"
	run rt run -b "$BUNDLE" "$ID"
	assert_success
	assert_output "from the bundle"
}

@test "rbind brings the source's submounts along, bind does not" {
	mkdir -p "$TEST_TMP/src/sub"
	echo "under the mount" >"$TEST_TMP/src/sub/hidden"
	mount -t tmpfs -o size=1m berth-sub "$TEST_TMP/src/sub"
	echo "on the submount" >"$TEST_TMP/src/sub/visible"
	add_mount "{\"destination\": \"/src\", \"type\": \"bind\", \"source\": \"$TEST_TMP/src\", \"options\": [\"rbind\"]}"
	args testinit ls /src/sub
	run rt run "$ID"
	assert_success
	assert_output visible
	cfg '.mounts[-1].options = ["bind"]'
	run rt run "$ID"
	assert_success
	assert_output hidden
	umount "$TEST_TMP/src/sub"
}

@test "a tmpfs with size and mode options" {
	add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=700", "uid=12", "gid=34"]}'
	args testinit mounts
	run rt run "$ID"
	assert_success
	local out=$output
	run mount_line /scratch
	assert_output --regexp '^/scratch rw(,[^ ]*)? tmpfs'
	# the superblock options are the last field of the line
	run awk '$5 == "/scratch" {print $NF}' <<<"$out"
	assert_output --partial "size=1024k"
	assert_output --partial "mode=700"
	assert_output --partial "uid=12"
	assert_output --partial "gid=34"
	args testinit stat /scratch
	run rt run "$ID"
	assert_output "dir 0700 12:34"
	# and it is a tmpfs of its own: nothing of it reaches the rootfs
	args testinit write /scratch/f data
	run rt run "$ID"
	assert_success
	[ ! -e "$BUNDLE/rootfs/scratch/f" ] || fail "the tmpfs write reached the rootfs"
}

@test "nosuid, nodev and noexec show in /proc/self/mountinfo" {
	mkdir "$TEST_TMP/data"
	add_mount '{"destination": "/plain", "type": "tmpfs", "source": "tmpfs"}'
	add_mount '{"destination": "/locked", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "noexec"]}'
	add_mount "{\"destination\": \"/bound\", \"type\": \"bind\", \"source\": \"$TEST_TMP/data\", \"options\": [\"bind\", \"nosuid\", \"nodev\", \"noexec\"]}"
	args testinit mounts
	run rt run "$ID"
	assert_success
	local out=$output
	for d in /locked /bound; do
		output=$out
		run mount_line "$d"
		assert_output --regexp "^$d [^ ]*nosuid"
		assert_output --regexp "^$d [^ ]*nodev"
		assert_output --regexp "^$d [^ ]*noexec"
	done
	output=$out
	run mount_line /plain
	refute_output --regexp '^/plain [^ ]*(nosuid|nodev|noexec)'
	# noexec is enforced, not only displayed
	cp "$TESTINIT" "$TEST_TMP/data/prog"
	args /bound/prog true
	run rt run "$ID"
	assert_failure
	assert_output --partial "Permission denied"
}

@test "rro makes the whole rbind tree read-only, ro only its top" {
	mkdir -p "$TEST_TMP/src/sub"
	mount -t tmpfs -o size=1m berth-sub "$TEST_TMP/src/sub"
	add_mount "{\"destination\": \"/src\", \"type\": \"bind\", \"source\": \"$TEST_TMP/src\", \"options\": [\"rbind\", \"rro\"]}"
	args testinit write /src/sub/f x
	run rt run "$ID"
	assert_failure
	assert_output "/src/sub/f: EROFS"
	args testinit mounts
	run rt run "$ID"
	local out=$output
	run mount_line /src
	assert_output --regexp '^/src ro[, ]'
	output=$out
	run mount_line /src/sub
	assert_output --regexp '^/src/sub ro[, ]'

	cfg '.mounts[-1].options = ["rbind", "ro"]'
	args testinit write /src/sub/f x
	run rt run "$ID"
	assert_success
	args testinit write /src/f x
	run rt run "$ID"
	assert_failure
	assert_output "/src/f: EROFS"
	umount "$TEST_TMP/src/sub"
}

@test "missing destinations are created inside the root, also through an absolute symlink" {
	mkdir "$TEST_TMP/data"
	add_mount "{\"destination\": \"/a/b/c\", \"type\": \"bind\", \"source\": \"$TEST_TMP/data\", \"options\": [\"bind\"]}"
	args testinit stat /a/b/c
	run rt run "$ID"
	assert_success
	assert_output --regexp '^dir '
	[ -d "$BUNDLE/rootfs/a/b/c" ] || fail "/a/b/c was not created in the rootfs"

	# /link -> $TEST_TMP/target: an absolute link, resolved in the root.
	mkdir -p "$BUNDLE/rootfs$TEST_TMP/target" "$TEST_TMP/target"
	ln -s "$TEST_TMP/target" "$BUNDLE/rootfs/link"
	cfg '.mounts[-1].destination = "/link/made/here"'
	args testinit stat /link/made/here
	run rt run "$ID"
	assert_success
	assert_output --regexp '^dir '
	[ -d "$BUNDLE/rootfs$TEST_TMP/target/made/here" ] || fail "not created below the root"
	[ ! -e "$TEST_TMP/target/made" ] || fail "created on the host, outside the root"

	# A link that climbs out with .. stays in the root, too.
	ln -s ../../../../../../../.. "$BUNDLE/rootfs/up"
	cfg '.mounts[-1].destination = "/up/escaped"'
	args testinit stat /escaped
	run rt run "$ID"
	assert_success
	assert_output --regexp '^dir '
	[ -d "$BUNDLE/rootfs/escaped" ] || fail "not created at the root's top"
	[ ! -e /escaped ] || fail "created /escaped on the host"
}

@test "propagation options are accepted: rslave receives host mounts, private does not" {
	mkdir -p "$TEST_TMP/shared/late"
	mount --bind "$TEST_TMP/shared" "$TEST_TMP/shared"
	mount --make-shared "$TEST_TMP/shared"
	add_mount "{\"destination\": \"/slave\", \"type\": \"bind\", \"source\": \"$TEST_TMP/shared\", \"options\": [\"rbind\", \"rslave\"]}"
	add_mount "{\"destination\": \"/private\", \"type\": \"bind\", \"source\": \"$TEST_TMP/shared\", \"options\": [\"rbind\", \"private\"]}"
	args testinit pause
	rt run -d --pid-file "$TEST_TMP/pid" "$ID" </dev/null >"$TEST_TMP/out" 2>&1
	pid=$(cat "$TEST_TMP/pid")
	# A mount the host makes later shows up in the slave only.
	mount -t tmpfs -o size=1m berth-late "$TEST_TMP/shared/late"
	run awk '$5 ~ /^\/(slave|private)\/late$/ {print $5}' "/proc/$pid/mountinfo"
	assert_output /slave/late
	output=$(cat "/proc/$pid/mountinfo")
	run mount_line /slave
	assert_output --partial "master:"
	output=$(cat "/proc/$pid/mountinfo")
	run mount_line /private
	refute_output --regexp "(master|shared):"
	run rt delete --force "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "an rshared bind mount is shared inside the container" {
	mkdir "$TEST_TMP/data"
	add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$TEST_TMP/data\", \"options\": [\"rbind\", \"rshared\"]}"
	args testinit mounts
	run rt run "$ID"
	assert_success
	run mount_line /data
	assert_output --partial "shared:"
}

@test "a bad mount option or file system type is an error naming mounts[i]; nothing is left" {
	local i
	i=$(next_mount)
	add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m,mode=700"]}'
	run rt run "$ID"
	assert_failure
	assert_output --partial "mounts[$i] \"/scratch\": invalid mount option \"size=1m,mode=700\""
	assert_no_trace "$ID"

	cfg '.mounts[-1].options = ["size=1m", "nonsense"]'
	run rt run "$ID"
	assert_failure
	assert_output --partial "mounts[$i] \"/scratch\": option \"nonsense\""
	assert_output --partial "Invalid argument"
	assert_no_trace "$ID"

	cfg '.mounts[-1].options = ["size=1m"] | .mounts[-1].type = "nosuchfs"'
	run rt_create "$ID"
	assert_failure
	assert_output --partial "mounts[$i] \"/scratch\": filesystem type \"nosuchfs\" is not known to this kernel"
	assert_no_trace "$ID"

	cfg ".mounts[-1] = {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$TEST_TMP/absent\", \"options\": [\"bind\"]}"
	run rt_create "$ID"
	assert_failure
	assert_output --partial "mounts[$i] \"/data\": bind source \"$TEST_TMP/absent\": No such file or directory"
	assert_no_trace "$ID"
}

@test "the kernel's reason for refusing a mount option is on the same line" {
	local i
	i=$(next_mount)
	add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=lots"]}'
	run rt run "$ID"
	assert_failure
	assert_output --partial "mounts[$i] \"/scratch\": option \"size=lots\""
	assert_equal "${#lines[@]}" 1
	assert_output --regexp "option \"size=lots\" \(tmpfs: Bad value for 'size'\): Invalid argument$"
	assert_no_trace "$ID"
}

@test "the cgroup mount shows the hierarchies read-only" {
	args testinit mounts
	run rt run "$ID"
	assert_success
	check_cgroup_mount
	# also without a cgroup namespace (the container's own directories)
	cfg '.linux.namespaces |= map(select(.type != "cgroup"))'
	args testinit mounts
	run rt run "$ID"
	assert_success
	check_cgroup_mount
}

# check_cgroup_mount: $output (mountinfo in the container) has the host's
# hierarchies under /sys/fs/cgroup, all read-only, and none is writable.
check_cgroup_mount() {
	local inside host
	inside=$(mi_fields <<<"$output" | awk '$1 ~ "^/sys/fs/cgroup" && $3 ~ /^cgroup2?$/ {print $1}' | sort)
	host=$(mi_fields </proc/self/mountinfo | awk '$1 ~ "^/sys/fs/cgroup" && $3 ~ /^cgroup2?$/ {print $1}' | sort -u)
	[ -n "$inside" ] || fail "no cgroup hierarchy mounted in the container"
	assert_equal "$inside" "$host"
	local writable
	writable=$(mi_fields <<<"$output" | awk '$1 ~ "^/sys/fs/cgroup" && $2 !~ /^ro(,|$)/')
	assert_equal "$writable" ""
	# read-only in deed: no cgroup file can be written
	local first
	first=$(head -n1 <<<"$inside")
	args testinit write "$first/cgroup.procs" 1
	run rt run "$ID"
	assert_failure
	assert_output "$first/cgroup.procs: EROFS"
}

@test "root.readonly: the root refuses writes; readonly false lets them through" {
	cfg '.root.readonly = true'
	args testinit write /tmp/f data
	run rt run "$ID"
	assert_failure
	assert_output "/tmp/f: EROFS"
	[ ! -e "$BUNDLE/rootfs/tmp/f" ]
	args testinit mounts
	run rt run "$ID"
	run mount_line /
	assert_output --regexp '^/ ro[, ]'

	cfg '.root.readonly = false'
	args testinit write /tmp/f data
	run rt run "$ID"
	assert_success
	assert_equal "$(cat "$BUNDLE/rootfs/tmp/f")" data
}
