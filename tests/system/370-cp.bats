#!/usr/bin/env bats
# berth cp, export, diff and commit: a container's files, in and out,
# running or stopped, and never a path outside its root.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	TEST_TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/berth-test.XXXXXX")
	STATE=$TEST_TMP/state
	b import --change 'CMD ["sh"]' "$(busybox_tar)" busybox:latest >/dev/null
	HOST=$TEST_TMP/host
	mkdir -p "$HOST"
}

teardown() {
	local ids
	ids=$(b ps -aq --no-trunc 2>/dev/null)
	[ -z "$ids" ] || b rm -f $ids >/dev/null 2>&1
	local leaked=""
	grep -q " $TEST_TMP/" /proc/self/mountinfo && leaked="mount"
	pkill -9 -f "berth-monitor .*$TEST_TMP" 2>/dev/null
	cd /
	unmount_below "$TEST_TMP"
	rm -rf "$TEST_TMP"
	[ -z "$leaked" ] || { echo "leaked: $leaked" >&2; return 1; }
}

# run without a network: these tests are about files.
r() { b run --network none "$@"; }

# A running container with a few files.
running() {
	r -d --name ctr busybox sh -c \
		'echo hello >/hello; mkdir -p /d/sub; echo a >/d/sub/a; echo b >/d/b; sleep 1000' >/dev/null
	local i
	for i in $(seq 50); do
		b exec ctr test -f /d/b 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Whether the container's root is mounted on the host.
root_mounted() {
	grep -q " $TEST_TMP/root/containers/$(b inspect --format '{{.Id}}' ctr)/fs/merged " \
		/proc/self/mountinfo
}

@test "cp, export, diff, commit --help" {
	for c in cp export diff commit "container cp" "container diff" "container export" \
		"container commit"; do
		run b $c --help
		assert_success
	done
	run b cp --help
	assert_output --partial "--archive"
	run b commit --help
	assert_output --partial "--change"
}

@test "cp out of a running container: a file, a directory, dir/., into an existing directory" {
	running
	run b cp ctr:/hello "$HOST/h"
	assert_success
	assert_equal "$(cat "$HOST/h")" hello
	# a file into an existing directory keeps its name
	mkdir "$HOST/in"
	b cp ctr:/hello "$HOST/in"
	assert_equal "$(cat "$HOST/in/hello")" hello
	# a directory to a new name
	b cp ctr:/d "$HOST/newd"
	assert_equal "$(cat "$HOST/newd/sub/a")" a
	assert_equal "$(cat "$HOST/newd/b")" b
	# a directory into an existing one: by its name
	b cp ctr:/d "$HOST/in"
	assert_equal "$(cat "$HOST/in/d/sub/a")" a
	# dir/.: its content
	mkdir "$HOST/content"
	b cp ctr:/d/. "$HOST/content"
	assert_equal "$(cat "$HOST/content/b")" b
	[ ! -e "$HOST/content/d" ]
	# a directory onto a file, a missing source, a missing parent
	run b cp ctr:/d "$HOST/h"
	assert_failure
	assert_output --partial "cannot copy a directory to a file"
	run b cp ctr:/nonexistent "$HOST/x"
	assert_failure
	run b cp ctr:/hello "$HOST/no/such/dir/x"
	assert_failure
	# container cp is the same command
	run b container cp ctr:/hello "$HOST/h2"
	assert_success
	# a file is written by its owner here (the caller), modes kept
	b exec ctr sh -c 'echo m >/m; chmod 0751 /m; chown 1234:1234 /m'
	b cp ctr:/m "$HOST/m"
	assert_equal "$(stat -c %a "$HOST/m")" 751
	assert_equal "$(stat -c %u "$HOST/m")" "$(id -u)"
	b cp -a ctr:/m "$HOST/m2"
	assert_equal "$(stat -c %u:%g "$HOST/m2")" 1234:1234
}

@test "cp into a running container: a file, a directory, dir/., owned by root unless -a" {
	running
	echo one >"$HOST/f"
	mkdir -p "$HOST/tree/sub"
	echo two >"$HOST/tree/sub/x"
	echo three >"$HOST/tree/y"
	chown -R 1234:1234 "$HOST/tree"
	b cp "$HOST/f" ctr:/f
	b cp "$HOST/f" ctr:/d/
	b cp "$HOST/tree" ctr:/newtree
	b cp "$HOST/tree" ctr:/d
	b exec ctr mkdir /content
	b cp "$HOST/tree/." ctr:/content
	run b exec ctr sh -c 'cat /f /d/f /newtree/sub/x /d/tree/y /content/y; ls -n /content/sub/x'
	assert_success
	assert_line --index 0 one
	assert_line --index 1 one
	assert_line --index 2 two
	assert_line --index 3 three
	assert_line --index 4 three
	assert_output --regexp "0 +0 .*/content/sub/x"
	b cp -a "$HOST/tree" ctr:/kept
	run b exec ctr stat -c %u:%g /kept/sub/x
	assert_output 1234:1234
	# a file onto a missing directory (trailing slash) is refused
	run b cp "$HOST/f" ctr:/missing/
	assert_failure
}

@test "cp to and from a stopped container mounts its root only for the copy" {
	running
	b stop -t 1 ctr >/dev/null
	! root_mounted
	echo later >"$HOST/later"
	run b cp "$HOST/later" ctr:/later
	assert_success
	! root_mounted
	run b cp ctr:/hello "$HOST/h"
	assert_success
	assert_equal "$(cat "$HOST/h")" hello
	! root_mounted
	# a created container never started too
	b create --name fresh --network none busybox true >/dev/null
	b cp "$HOST/later" fresh:/later
	run b cp fresh:/later -
	assert_success
	assert_output --partial later
	b start ctr >/dev/null
	run b exec ctr cat /later
	assert_output later
}

@test "cp - : a tar stream in and out" {
	running
	run --separate-stderr b cp ctr:/d -
	assert_success
	b cp ctr:/d - | tar -t -f - >"$TEST_TMP/list"
	run cat "$TEST_TMP/list"
	assert_line d/
	assert_line d/b
	assert_line d/sub/a
	b cp ctr:/d/. - | tar -t -f - >"$TEST_TMP/list"
	run cat "$TEST_TMP/list"
	assert_line b
	assert_line sub/a
	mkdir -p "$HOST/t/dir"
	echo in >"$HOST/t/dir/file"
	tar -c -C "$HOST/t" dir | b cp - ctr:/tmp
	run b exec ctr cat /tmp/dir/file
	assert_output in
	# gzip too
	tar -cz -C "$HOST/t" dir | b cp - ctr:/d
	run b exec ctr cat /d/dir/file
	assert_output in
	# into something that is not a directory
	run b cp - ctr:/hello </dev/null
	assert_failure
}

@test "symlinks in the container never lead cp outside its root" {
	running
	# the host's side of the trap: a directory and a secret
	mkdir -p "$TEST_TMP/target"
	echo secret >"$TEST_TMP/secret"
	b exec ctr sh -c "ln -s /etc /etc-link; ln -s ../../../../../../../.. /up; \
		ln -s $TEST_TMP/target /abs; ln -s $TEST_TMP/secret /sec; \
		ln -s ../../../../../../../..$TEST_TMP/secret /rel"
	echo payload >"$HOST/payload"
	# writing through links: only ever inside the container
	run b cp "$HOST/payload" ctr:/up/tmp/payload-up
	assert_success
	run b exec ctr cat /tmp/payload-up
	assert_output payload
	[ ! -e /tmp/payload-up ]
	run b cp "$HOST/payload" ctr:/abs/x
	assert_failure
	[ ! -e "$TEST_TMP/target/x" ]
	run b cp "$HOST/payload" ctr:/etc-link/
	assert_success
	[ ! -e /etc/payload ]
	run b exec ctr cat /etc/payload
	assert_output payload
	# reading through links: the container's files, or nothing
	run b cp -L ctr:/sec "$HOST/got"
	assert_failure
	[ ! -e "$HOST/got" ]
	run b cp ctr:/rel/ "$HOST/got"
	assert_failure
	[ ! -e "$HOST/got" ]
	run b cp ctr:/up/etc/passwd "$HOST/passwd"
	assert_success
	cmp "$HOST/passwd" <(b exec ctr cat /etc/passwd)
	# without -L the link itself is copied
	b cp ctr:/sec "$HOST/link"
	[ -L "$HOST/link" ]
	# a tar with ".." or through a link to the outside is refused
	mkdir -p "$HOST/evil"
	printf 'bad\n' >"$HOST/evil/f"
	tar -c -f "$TEST_TMP/dots.tar" -C "$HOST/evil" --transform 's,^,../../../../..'"$TEST_TMP"'/,' f
	run b cp - ctr:/tmp <"$TEST_TMP/dots.tar"
	assert_failure
	[ ! -e "$TEST_TMP/f" ]
	ln -s "$TEST_TMP/target" "$HOST/evil/l"
	tar -c -f "$TEST_TMP/link.tar" -C "$HOST/evil" l
	tar -r -f "$TEST_TMP/link.tar" -C "$HOST/evil" --transform 's,^f$,l/f,' f
	run b cp - ctr:/tmp <"$TEST_TMP/link.tar"
	[ ! -e "$TEST_TMP/target/f" ]
}

@test "export: the root filesystem as a tar, running or stopped" {
	running
	b export ctr >"$TEST_TMP/c.tar"
	run tar -t -f "$TEST_TMP/c.tar"
	assert_line bin/
	assert_line bin/sh
	assert_line etc/passwd
	assert_line hello
	assert_line d/sub/a
	b stop -t 1 ctr >/dev/null
	b export -o "$TEST_TMP/c2.tar" ctr
	! root_mounted
	run tar -x -O -f "$TEST_TMP/c2.tar" hello
	assert_output hello
	b container export ctr | tar -t -f - >"$TEST_TMP/list"
	run cat "$TEST_TMP/list"
	assert_line bin/busybox
	! root_mounted
}

@test "diff: A, C and D from the container's writes" {
	r -d --name ctr busybox sh -c \
		'echo new >/new; mkdir -p /nd/x; echo y >>/etc/passwd; rm /bin/vi; sleep 1000' >/dev/null
	local i
	for i in $(seq 50); do
		b exec ctr test -d /nd/x 2>/dev/null && ! b exec ctr test -e /bin/vi && break
		sleep 0.1
	done
	run b diff ctr
	assert_success
	assert_output "C /bin
D /bin/vi
C /etc
C /etc/passwd
A /nd
A /nd/x
A /new"
	b stop -t 1 ctr >/dev/null
	run b container diff ctr
	assert_success
	assert_line "D /bin/vi"
}

@test "commit: a new image from a running container, which goes on" {
	r -d --name ctr busybox sh -c 'echo committed >/x; rm /bin/vi; sleep 1000' >/dev/null
	local i
	for i in $(seq 50); do
		b exec ctr test -f /x 2>/dev/null && break
		sleep 0.1
	done
	run b commit -c 'CMD ["cat","/x"]' -m "the message" --author "A U Thor <a@example.com>" ctr \
		committed:v1
	assert_success
	assert_output --regexp '^sha256:[0-9a-f]{64}$'
	local id=$output
	run r --rm committed:v1
	assert_success
	assert_output committed
	run r --rm committed:v1 test -e /bin/vi
	assert_failure
	# the container still runs, its files as they were
	run b inspect --format '{{.State.Status}}' ctr
	assert_output running
	run b exec ctr cat /x
	assert_output committed
	run b diff ctr
	assert_line "A /x"
	run b history committed:v1
	assert_success
	assert_line --index 1 --partial "the message"
	run b image inspect --format '{{.Author}}' committed:v1
	assert_output "A U Thor <a@example.com>"
	run b images -q --no-trunc committed:v1
	assert_output "$id"
	# --pause=false, no name; a stopped container; a bad change
	run b commit --pause=false ctr
	assert_success
	b stop -t 1 ctr >/dev/null
	run b commit ctr committed:v2
	assert_success
	! root_mounted
	run b commit -c 'BOGUS x' ctr
	assert_failure
	assert_output --partial BOGUS
}
