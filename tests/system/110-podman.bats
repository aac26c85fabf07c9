#!/usr/bin/env bats
# Interop: podman driving berth-runtime as its OCI runtime.
#
# Each test has its own podman store under $TEST_TMP (vfs driver: no
# mounts to undo), its own containers.conf (no default ulimits: podman's
# default nofile limit is above this host's hard limit and we lack
# CAP_SYS_RESOURCE; cgroupfs manager, no systemd here) and its own cgroup
# parent, and imports a one-layer image made of Debian's static busybox.
# podman calls the runtime without --root, so containers live in the
# runtime's default state directory, /run/berth-runtime.

load helpers

BERTH_DEFAULT_ROOT=/run/berth-runtime
IMAGE=localhost/berth-busybox:test

eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

# podman on our store; stopped after 2 minutes rather than hang the suite.
# --foreground keeps podman in the terminal's foreground process group:
# otherwise `podman run -t` under script(1) is stopped by SIGTTOU when it
# puts the terminal in raw mode.
pm() {
	CONTAINERS_CONF=$PM/containers.conf timeout --foreground -k 10 120 podman --root "$PM/store" --runroot "$PM/run" \
		--tmpdir "$PM/tmp" --storage-driver vfs --cgroup-manager cgroupfs \
		--events-backend file --runtime "$RUNTIME" "$@"
}

# pmrun ARGS...: podman run in our cgroup parent, with no network.
pmrun() { pm run --network none --cgroup-parent "/$PM_CG" "$@"; }

# Directories podman creates outside its store whatever it is told; removed
# at teardown if the test made them.
PM_OUTSIDE=(/run/containers/networks /run/containers /var/lib/containers/cache /var/lib/containers)

setup() {
	command -v podman >/dev/null || skip "podman is not installed"
	[ -x /bin/busybox ] || skip "no static /bin/busybox to build an image from"
	helpers_setup
	PM=$TEST_TMP/podman
	PM_CG=berth-podman-$ID
	PM_MADE=()
	local d
	for d in "${PM_OUTSIDE[@]}"; do
		[ -e "$d" ] || PM_MADE+=("$d")
	done
	mkdir -p "$PM/image/bin" "$PM/image/proc" "$PM/image/sys" "$PM/image/dev" \
		"$PM/image/tmp" "$PM/image/etc"
	cp /bin/busybox "$PM/image/bin/busybox"
	local a
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$PM/image/bin/$a"
	done
	tar -C "$PM/image" -cf "$PM/image.tar" .
	cat >"$PM/containers.conf" <<-EOF
		[containers]
		default_ulimits = []

		[network]
		network_config_dir = "$PM/networks"

		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
	EOF
	pm import -q "$PM/image.tar" "$IMAGE" >/dev/null || fail "podman import failed"
}

teardown() {
	[ -n "${PM:-}" ] || return 0
	pm rm -af -t 0 >/dev/null 2>&1
	pm rmi -af >/dev/null 2>&1
	# Our cgroup parent: the conmon cgroup podman makes in it, then itself.
	local d
	for d in /sys/fs/cgroup/*/"$PM_CG" /sys/fs/cgroup/"$PM_CG"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	for d in "${PM_MADE[@]}"; do
		if [ -d "$d" ]; then
			[ "$d" = /var/lib/containers/cache ] && rm -f "$d"/blob-info-cache-*.boltdb
			rmdir "$d" 2>/dev/null
		fi
	done
	helpers_teardown
}

# assert_pm_gone CID: the runtime kept nothing of podman's container.
assert_pm_gone() {
	local cid=$1
	[ -n "$cid" ] || fail "no container id"
	[ ! -e "$BERTH_DEFAULT_ROOT/$cid" ] || fail "runtime state of $cid left behind"
	local d
	for d in /sys/fs/cgroup/*/"$PM_CG"/libpod-"$cid"* /sys/fs/cgroup/"$PM_CG"/libpod-"$cid"*; do
		[ ! -d "$d" ] || fail "cgroup $d left behind"
	done
}

@test "podman run --rm with berth-runtime prints the program's output" {
	run pmrun --rm --cidfile "$TEST_TMP/cid" "$IMAGE" echo hi
	assert_success
	assert_output hi
	assert_pm_gone "$(cat "$TEST_TMP/cid")"
}

@test "podman gets the program's exit status" {
	run pmrun --rm "$IMAGE" sh -c 'exit 5'
	assert_equal "$status" 5
	run pmrun --rm "$IMAGE" no-such-program
	assert_failure
	assert_output --partial "no-such-program"
}

@test "podman run -i: piped input reaches the program" {
	piped() { echo "piped in" | pmrun --rm -i "$IMAGE" cat; }
	run piped
	assert_success
	assert_output "piped in"
}

@test "podman run -t: the program has a terminal, sized like podman's" {
	command -v script >/dev/null || skip "script(1) is not installed"
	local cmd
	cmd=$(printf '%q ' pm run --rm -t --network none --cgroup-parent "/$PM_CG" \
		--cidfile "$TEST_TMP/cid" "$IMAGE" sh -c 'tty; sleep 0.5; stty size')
	# script gives podman a terminal; podman passes its size on.
	run script -qec "stty rows 20 cols 70; $(declare -f pm); PM=$(printf %q "$PM"); RUNTIME=$(printf %q "$RUNTIME"); $cmd" /dev/null </dev/null
	assert_success
	output=${output//$'\r'/}
	assert_line --partial /dev/pts/0
	assert_line --partial "20 70"
	assert_pm_gone "$(cat "$TEST_TMP/cid")"
}

@test "podman run -t without a terminal around podman still works" {
	run pmrun --rm -t "$IMAGE" tty
	assert_success
	assert_equal "${output//$'\r'/}" /dev/pts/0
}

@test "podman run -d, ps, stop, rm: state, kill and delete" {
	run pmrun -d --name "c$ID" "$IMAGE" sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done'
	assert_success
	local cid=$output
	run pm inspect --format '{{.State.Status}}' "c$ID"
	assert_success
	assert_output running
	run pm ps --format '{{.Names}}'
	assert_output "c$ID"
	run pm stop -t 10 "c$ID"
	assert_success
	run pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "c$ID"
	assert_output "exited 3"
	run pm rm "c$ID"
	assert_success
	assert_pm_gone "$cid"
}

@test "podman's user, hostname and read-only root reach the container" {
	run pmrun --rm --user 1000:1000 --hostname box --read-only "$IMAGE" \
		sh -c 'id -u; id -g; hostname; touch /x 2>/dev/null && echo writable || echo read-only'
	assert_success
	assert_output $'1000\n1000\nbox\nread-only'
}

# podman's cgroup of a container: "<parent>/libpod-<id>" in one hierarchy.
pm_cgroup() { echo "/sys/fs/cgroup/$1/$PM_CG/libpod-$2"; }

@test "podman exec, with and without -t, runs in the container" {
	pmrun -d --name ex "$IMAGE" sleep 1000 >/dev/null
	run pm exec ex sh -c 'echo $$; hostname'
	assert_success
	assert_line --index 0 --regexp '^[0-9]+$'
	run pm exec ex sh -c 'exit 4'
	assert_equal "$status" 4
	local cmd
	cmd="stty rows 20 cols 70; $(declare -f pm); PM=$(printf %q "$PM"); RUNTIME=$(printf %q "$RUNTIME"); pm exec -t ex sh -c 'tty; stty size'"
	run script -qec "$cmd" /dev/null </dev/null
	assert_success
	assert_output --regexp '/dev/pts/[0-9]+'
	assert_output --partial '20 70'
	pm rm -f -t 0 ex >/dev/null
}

@test "podman pause, unpause, kill and stop act on the container" {
	pmrun -d --name pk "$IMAGE" sleep 1000 >/dev/null
	run pm pause pk
	assert_success
	run pm inspect --format '{{.State.Status}}' pk
	assert_output paused
	run pm unpause pk
	assert_success
	run pm inspect --format '{{.State.Status}}' pk
	assert_output running
	run pm kill -s KILL pk
	assert_success
	run pm wait pk
	assert_output 137
	pmrun -d --name st "$IMAGE" sleep 1000 >/dev/null
	run pm stop -t 1 st
	assert_success
	run pm inspect --format '{{.State.Status}}' st
	assert_output exited
	pm rm -f pk st >/dev/null
}

@test "podman --memory, --pids-limit and --cpus reach the cgroup; podman update changes them" {
	[ -d /sys/fs/cgroup/memory ] || skip "the checks read cgroup v1 files"
	local cid
	cid=$(pmrun -d --memory 64m --pids-limit 33 --cpus 0.5 "$IMAGE" sleep 1000)
	assert_equal "$(cat "$(pm_cgroup memory "$cid")/memory.limit_in_bytes")" 67108864
	assert_equal "$(cat "$(pm_cgroup pids "$cid")/pids.max")" 33
	assert_equal "$(cat "$(pm_cgroup cpu "$cid")/cpu.cfs_quota_us")" 50000
	run pm exec "$cid" sh -c 'for i in $(seq 40); do sleep 100 & done; wait' 
	assert_output --partial "Resource temporarily unavailable"
	# podman 4.3's update has no --pids-limit: CPU and memory reservation.
	run pm update --cpus 0.25 --memory-reservation 32m "$cid"
	assert_success
	assert_equal "$(cat "$(pm_cgroup cpu "$cid")/cpu.cfs_quota_us")" 25000
	assert_equal "$(cat "$(pm_cgroup memory "$cid")/memory.soft_limit_in_bytes")" 33554432
	pm rm -f -t 0 "$cid" >/dev/null
}
