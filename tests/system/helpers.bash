# helpers.bash: shared setup for the system tests.
#
# Every test gets its own state root ($STATE), a bundle directory ($BUNDLE)
# whose rootfs holds the static test program as /bin/testinit (plus links
# named after its commands), and a config.json from `berth-runtime spec`
# made non-interactive.  `rt` runs berth-runtime against $STATE; `cfg` edits
# config.json with a jq filter.  teardown deletes every container of the
# test and checks that nothing leaked: no state directory, no cgroup.

load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash

BERTH_BUILD=${BERTH_BUILD:-$(cd "$BATS_TEST_DIRNAME/../../build" && pwd)}
RUNTIME=$BERTH_BUILD/src/cmd/berth-runtime
TESTINIT=$BERTH_BUILD/tests/helpers/berth-testinit

BERTH=$BERTH_BUILD/src/cmd/berth

rt() { "$RUNTIME" --root "$STATE" "$@"; }

# berth with a store of the test's own: --root and --runroot below $TEST_TMP.
b() { "$BERTH" --root "$TEST_TMP/root" --runroot "$TEST_TMP/run" "$@"; }

# The default image, made as `make demo` makes it, once per test file.
busybox_tar() {
	local tar=$BATS_FILE_TMPDIR/busybox.tar
	[ -s "$tar" ] || "$BATS_TEST_DIRNAME/../../tools/busybox-rootfs.sh" >"$tar"
	echo "$tar"
}

cfg() { # cfg JQ-FILTER [jq args...]: edit $BUNDLE/config.json in place
	local filter=$1
	shift
	jq "$@" "$filter" "$BUNDLE/config.json" >"$BUNDLE/config.json.new" &&
		mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

args() { # args CMD...: set process.args (any strings, "-c" and "--x" too)
	local a="" x
	for x in "$@"; do
		a+="${a:+,}$(printf '%s' "$x" | jq -Rs .)"
	done
	cfg '.process.args = $a' --argjson a "[$a]"
}

# rt_create ARGS...: `create` with the container's stdio on files, not on
# the test's output pipe (the created container keeps its stdio, and bats
# would wait for it); prints what create printed.
rt_create() {
	local rc=0
	rt create "$@" </dev/null >"$TEST_TMP/create.out" 2>&1 || rc=$?
	cat "$TEST_TMP/create.out"
	return $rc
}

make_bundle() { # make_bundle DIR: a bundle with the test program as its root
	local dir=$1
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev" \
		"$dir/rootfs/tmp" "$dir/rootfs/etc"
	cp "$TESTINIT" "$dir/rootfs/bin/testinit"
	for c in true false echo cat pid hostname ids caps fds mounts ifaces sleep pause; do
		ln -sf testinit "$dir/rootfs/bin/$c"
	done
	"$RUNTIME" spec -b "$dir"
	jq '.process.terminal = false | .process.args = ["testinit", "true"]' \
		"$dir/config.json" >"$dir/config.json.new" && mv "$dir/config.json.new" "$dir/config.json"
}

setup() {
	TEST_TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/berth-test.XXXXXX")
	STATE=$TEST_TMP/state
	BUNDLE=$TEST_TMP/bundle
	ID=t$BATS_TEST_NUMBER-$$
	make_bundle "$BUNDLE"
	cd "$BUNDLE"
}

# Mounts made by tests in the host's mount namespace (bind-mounted files)
# must go before the files are removed: deepest first.
unmount_below() {
	local dir=$1
	awk -v d="$dir" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
}

# The test's own state root has bridges of its own (kept while it lives,
# as docker keeps docker0): they go with it.
net_teardown() {
	local f ifc
	for f in "$TEST_TMP"/root/networks/*.json; do
		[ -f "$f" ] || continue
		ifc=$(jq -r .interface "$f" 2>/dev/null) || continue
		[ -n "$ifc" ] && ip link del "$ifc" 2>/dev/null
	done
	return 0
}

teardown() {
	local leaked=()
	if [ -d "$TEST_TMP/root/containers" ]; then
		local ids
		ids=$(b ps -aq --no-trunc 2>/dev/null)
		[ -z "$ids" ] || b rm -f $ids >/dev/null 2>&1
	fi
	net_teardown
	if [ -d "$STATE" ]; then
		for c in "$STATE"/*; do
			[ -d "$c" ] || continue
			"$RUNTIME" --root "$STATE" delete --force "$(basename "$c")" >/dev/null 2>&1
			[ -d "$c" ] && leaked+=("state $(basename "$c")")
		done
	fi
	for d in /sys/fs/cgroup/*/berth/"t$BATS_TEST_NUMBER-$$"* /sys/fs/cgroup/berth/"t$BATS_TEST_NUMBER-$$"*; do
		[ -d "$d" ] && leaked+=("cgroup $d") && rmdir "$d" 2>/dev/null
	done
	cd /
	unmount_below "$TEST_TMP"
	rm -rf "$TEST_TMP"
	if [ ${#leaked[@]} -gt 0 ]; then
		echo "leaked: ${leaked[*]}" >&2
		return 1
	fi
}

# Assert that nothing of container $1 is left: state, cgroup, process.
assert_no_trace() {
	local id=$1
	[ ! -e "$STATE/$id" ] || fail "state directory of $id left behind"
	local d
	for d in /sys/fs/cgroup/*/berth/"$id" /sys/fs/cgroup/berth/"$id"; do
		[ ! -d "$d" ] || fail "cgroup $d left behind"
	done
	! pgrep -f "berth-runtime.* $id\$" >/dev/null || fail "runtime process for $id left behind"
}
