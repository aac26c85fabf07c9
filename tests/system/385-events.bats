#!/usr/bin/env bats
# berth events: the durable event log (<root>/events.log) that commands
# append to, read back with --since/--until/--filter/--format, followed.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	TEST_TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/berth-test.XXXXXX")
	STATE=$TEST_TMP/state
	b import --change 'CMD ["sh"]' "$(busybox_tar)" busybox:latest >/dev/null
}

teardown() {
	local ids
	ids=$(b ps -aq --no-trunc 2>/dev/null)
	[ -z "$ids" ] || b rm -f $ids >/dev/null 2>&1
	[ -z "${FOLLOWER:-}" ] || kill "$FOLLOWER" 2>/dev/null
	pkill -f -- "--root $TEST_TMP/root --runroot $TEST_TMP/run events" 2>/dev/null
	local leaked=""
	grep -q " $TEST_TMP/" /proc/self/mountinfo && leaked="mount"
	pkill -9 -f "berth-monitor .*$TEST_TMP" 2>/dev/null
	cd /
	unmount_below "$TEST_TMP"
	rm -rf "$TEST_TMP"
	[ -z "$leaked" ] || { echo "leaked: $leaked" >&2; return 1; }
}

r() { b run --network none "$@"; }

@test "events --help" {
	run b events --help
	assert_success
	assert_output --partial "--since"
}

@test "run, stop, rm: create, start, die, stop, destroy in order, with names" {
	local t0
	t0=$(date +%s)
	r -d --name ev1 busybox sleep 1000 >/dev/null
	b stop -t 0 ev1 >/dev/null
	b rm ev1 >/dev/null
	run b events --since "$t0" --until 0s --filter type=container
	assert_success
	assert_line --index 0 --regexp '^[0-9T:.-]+Z container create [0-9a-f]{64} \(image=busybox, name=ev1\)$'
	assert_line --index 1 --regexp ' container start .*name=ev1'
	assert_line --index 2 --regexp ' container die .*\(exitCode=137, image=busybox, name=ev1\)$'
	assert_line --index 3 --regexp ' container stop .*name=ev1'
	assert_line --index 4 --regexp ' container destroy .*name=ev1'
	assert_equal "${#lines[@]}" 5
	# --filter event, and the JSON form
	run b events --since 10m --until 0s --filter event=die --format '{{json .}}'
	assert_success
	assert_equal "${#lines[@]}" 1
	echo "$output" | jq -e '.Type == "container" and .Action == "die" and
		.Actor.Attributes.name == "ev1" and .Actor.Attributes.exitCode == "137" and
		(.timeNano | type) == "number"'
	run b events --since 10m --until 0s --format '{{.Action}} {{.Actor.Attributes.name}}' \
		--filter container=ev1 --filter event=start
	assert_output "start ev1"
	# --rm: die and destroy from the run itself
	run r --rm --name ev2 busybox sh -c 'exit 3'
	assert_failure 3
	run b events --since 10m --until 0s --filter container=ev2 --format '{{.Action}}'
	assert_output "$(printf 'create\nstart\ndie\ndestroy')"
	# images and volumes have theirs
	b tag busybox other:tag
	b volume create evvol >/dev/null
	run b events --since 10m --until 0s --filter type=image --filter type=volume --format '{{.Type}} {{.Action}}'
	assert_line "image import"
	assert_line "image tag"
	assert_line "volume create"
	refute_line --partial container
	run b events --since 10m --until 0s --filter bogus=1
	assert_failure
	run b events --since yesterday-ish --until 0s
	assert_failure
}

@test "--since and --until bound the events" {
	b create --name early busybox >/dev/null
	sleep 1.2
	local mid
	mid=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
	b create --name late busybox >/dev/null
	run b events --since "$mid" --until 0s --format '{{.Actor.Attributes.name}}'
	assert_output late
	run b events --since 1h --until "$mid" --format '{{.Actor.Attributes.name}}' --filter type=container
	assert_output early
}

@test "events follows the log until interrupted" {
	# berth itself in the background (not the `b` function's subshell, so
	# that kill reaches it), off bats' descriptors
	"$BERTH" --root "$TEST_TMP/root" --runroot "$TEST_TMP/run" events \
		--format '{{.Action}} {{.Actor.Attributes.name}}' >"$TEST_TMP/follow" 3>&- &
	FOLLOWER=$!
	sleep 0.5
	b create --name fol busybox >/dev/null
	local i
	for i in $(seq 50); do
		grep -q "create fol" "$TEST_TMP/follow" && break
		sleep 0.1
	done
	kill "$FOLLOWER"
	wait "$FOLLOWER" || true
	FOLLOWER=
	run cat "$TEST_TMP/follow"
	assert_output "create fol"
}

@test "concurrent writers leave only whole lines; the log rotates" {
	local i pids=()
	for i in $(seq 40); do
		b volume create "vol$i" >/dev/null &
		pids+=($!)
		b create --name "cc$i" busybox >/dev/null &
		pids+=($!)
	done
	# these, not every child of the shell (bats' own timeout watcher is one)
	wait "${pids[@]}"
	local log=$TEST_TMP/root/events.log
	# every line one whole JSON object
	run jq -c -e 'select(.Type and .Action and .Actor.ID and .timeNano) | 1' "$log"
	assert_success
	assert_equal "$(wc -l <"$log")" "$(jq -c . "$log" | wc -l)"
	run b events --since 1h --until 0s --filter event=create --format '{{.Type}}'
	assert_equal "$(grep -c '^volume$' <<<"$output")" 40
	assert_equal "$(grep -c '^container$' <<<"$output")" 40
	# past 10 MiB the next writer rotates it to events.log.1
	head -c $((10 * 1024 * 1024)) /dev/zero | tr '\0' '\n' >>"$log"
	b volume create after-rotation >/dev/null
	[ -f "$log.1" ] || fail "no events.log.1"
	run jq -r .Actor.ID "$log"
	assert_output after-rotation
	run b events --since 1h --until 0s --filter volume=vol7 --format '{{.Action}}'
	assert_output create
}

@test "a build appends build and tag events" {
	mkdir -p "$TEST_TMP/ctx"
	printf 'FROM busybox\nRUN true\n' >"$TEST_TMP/ctx/Dockerfile"
	b build -q --network none -t evb:1 "$TEST_TMP/ctx" >/dev/null
	run b events --since 1h --until 0s --filter type=image --format '{{.Action}} {{.Actor.Attributes.name}}'
	assert_success
	assert_line --partial "build"
	assert_line "tag evb:1"
}

@test "exec, commit and export append their events" {
	b run -d --network none --name ev busybox sleep 1000 >/dev/null
	b exec ev true
	b commit ev evimg:1 >/dev/null
	b export -o "$TEST_TMP/ev.tar" ev
	run b events --since 1h --until 0s --filter container=ev --format '{{.Action}}'
	assert_success
	assert_line exec_start
	assert_line commit
	assert_line export
}
