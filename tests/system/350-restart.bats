#!/usr/bin/env bats
# Restart policies: --restart no|on-failure[:N]|always|unless-stopped,
# docker's growing back-off, RestartCount, and `system boot` after a
# reboot.

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
	local leaked=""
	grep -q " $TEST_TMP/" /proc/self/mountinfo && leaked="mount"
	pgrep -f -- "--runroot $TEST_TMP/run container restart-due" >/dev/null &&
		leaked="$leaked restarter"
	pkill -9 -f "berth.*$TEST_TMP" 2>/dev/null
	cd /
	unmount_below "$TEST_TMP"
	rm -rf "$TEST_TMP"
	[ -z "$leaked" ] || { echo "leaked: $leaked" >&2; return 1; }
}

r() { b run --network none "$@"; }

# wait_for CMD...: until CMD succeeds (10 s at most).
wait_for() {
	local i
	for i in $(seq 100); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "never: $*" >&2
	return 1
}

state_is() { [ "$(b inspect --format '{{.State.Status}}' "$1")" = "$2" ]; }
count_is() { [ "$(b inspect --format '{{.RestartCount}}' "$1")" = "$2" ]; }

@test "on-failure:3 restarts exactly three times, then stays down" {
	r -d --name f3 --restart on-failure:3 busybox sh -c 'echo ran; exit 3' >/dev/null
	wait_for count_is f3 3
	wait_for state_is f3 exited
	sleep 1
	run b inspect --format '{{.RestartCount}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}' f3
	assert_output "3 3 on-failure 3"
	run b logs f3
	assert_output "ran
ran
ran
ran"
	# a success is no failure: no restart
	r -d --name ok --restart on-failure busybox true >/dev/null
	wait_for state_is ok exited
	sleep 0.5
	run b inspect --format '{{.RestartCount}}' ok
	assert_output 0
}

@test "always restarts a killed container; stop keeps it down; ps says Restarting" {
	r -d --name al --restart always busybox sleep 1000 >/dev/null
	local pid
	pid=$(b inspect --format '{{.State.Pid}}' al)
	kill -9 "$pid"
	wait_for count_is al 1
	wait_for state_is al running
	[ "$(b inspect --format '{{.State.Pid}}' al)" != "$pid" ]
	# an exit with 0 is restarted too, with a growing back-off: ps shows it
	r -d --name loop --restart always busybox sh -c 'sleep 0.2' >/dev/null
	wait_for count_is loop 4
	local seen=""
	local i
	for i in $(seq 100); do
		if b ps -a --format '{{.Names}} {{.Status}}' | grep -q '^loop Restarting (0)'; then
			seen=yes
			break
		fi
		sleep 0.05
	done
	[ -n "$seen" ] || fail "ps never showed loop as Restarting"
	run b ps -a --filter status=restarting --format '{{.Names}}'
	# stop: down, also while it waits to restart
	run b stop -t 1 al loop
	assert_success
	sleep 1
	run b inspect --format '{{.State.Status}}' al loop
	assert_output "exited
exited"
	# start brings it back under its policy
	run b start al
	assert_success
	wait_for state_is al running
	kill -9 "$(b inspect --format '{{.State.Pid}}' al)"
	wait_for count_is al 2
	wait_for state_is al running
	# rm -f of a container with a policy leaves no restarter
	run b rm -f al loop
	assert_success
	sleep 0.5
	run b ps -aq
	assert_output ""
}

@test "unless-stopped: stays down after stop, also through a reboot; system boot starts the others" {
	r -d --name us --restart unless-stopped busybox sleep 1000 >/dev/null
	r -d --name aw --restart always busybox sleep 1000 >/dev/null
	r -d --name uw --restart unless-stopped busybox sleep 1000 >/dev/null
	r -d --name nop busybox sleep 1000 >/dev/null
	b stop -t 0 us >/dev/null
	# a reboot: every process, the runtime state and the mounts gone
	local c pid mon
	for c in aw uw nop; do
		pid=$(b inspect --format '{{.State.Pid}}' $c)
		mon=$(pgrep -f "berth-monitor .*$(b inspect --format '{{.Id}}' $c)")
		kill -9 "$mon" "$pid"
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	done
	unmount_below "$TEST_TMP/run"
	rm -rf "$TEST_TMP/run"
	unmount_below "$TEST_TMP/root/containers"
	run b ps -a --format '{{.Names}} {{.State}}'
	assert_success
	refute_output --partial running
	run b system boot
	assert_success
	assert_line aw
	assert_line uw
	refute_line us
	refute_line nop
	wait_for state_is aw running
	wait_for state_is uw running
	run b inspect --format '{{.State.Status}}' us nop
	assert_output "exited
exited"
	run b exec aw echo back
	assert_output back
	# the unit that runs it at boot
	run b system install-unit --path "$TEST_TMP/berth-boot.service"
	assert_success
	run cat "$TEST_TMP/berth-boot.service"
	assert_output --partial "ExecStart=$BERTH --root $TEST_TMP/root --runroot $TEST_TMP/run system boot"
	assert_output --partial "WantedBy=multi-user.target"
}

@test "bad restart policies are clear errors" {
	run r --rm --restart always busybox true
	assert_failure 125
	assert_output --partial "conflicting options: --restart and --rm"
	run r --restart sometimes busybox true
	assert_failure 125
	assert_output --partial 'invalid restart policy "sometimes"'
	run r --restart on-failure:x busybox true
	assert_failure 125
	assert_output --partial 'invalid restart policy "on-failure:x"'
	run b ps -aq
	assert_output ""
}
