#!/usr/bin/env bats
# Health checks: --health-* and the image's HEALTHCHECK, run by the
# monitor; starting -> healthy -> unhealthy in ps and inspect;
# `berth healthcheck run`; --health-on-failure kill and restart.

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
	pkill -9 -f "berth.*$TEST_TMP" 2>/dev/null
	cd /
	unmount_below "$TEST_TMP"
	rm -rf "$TEST_TMP"
	[ -z "$leaked" ] || { echo "leaked: $leaked" >&2; return 1; }
}

r() { b run --network none "$@"; }

state_is() { [ "$(b inspect --format '{{.State.Status}}' "$1")" = "$2" ]; }
health_is() { [ "$(b inspect --format '{{.State.Health.Status}}' "$1")" = "$2" ]; }

wait_for() {
	local i
	for i in $(seq 150); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "never: $*" >&2
	return 1
}

@test "a health check goes starting -> healthy -> unhealthy, in ps and inspect" {
	r -d --name hc1 --health-cmd 'cat /tmp/ok' --health-interval 200ms --health-retries 2 \
		--health-timeout 5s busybox sh -c 'sleep 1000' >/dev/null
	run b ps --format '{{.Status}}'
	assert_output --regexp '^Up .* \(health: starting\)$'
	run b inspect --format '{{.State.Health.Status}}' hc1
	assert_output starting
	b exec hc1 sh -c 'echo fine >/tmp/ok'
	wait_for health_is hc1 healthy
	run b ps --format '{{.Status}}'
	assert_output --regexp '^Up .* \(healthy\)$'
	run b inspect --format '{{json .State.Health}}' hc1
	assert_equal "$(jq -r '.Log[-1].Output' <<<"$output")" fine
	assert_equal "$(jq -r '.Log[-1].ExitCode' <<<"$output")" 0
	b exec hc1 rm /tmp/ok
	wait_for health_is hc1 unhealthy
	run b inspect --format '{{json .State.Health}}' hc1
	[ "$(jq '.FailingStreak' <<<"$output")" -ge 2 ]
	[ "$(jq '.Log | length' <<<"$output")" -le 5 ]
	run b ps --format '{{.Status}}'
	assert_output --regexp '\(unhealthy\)$'
	# run by hand: its result, as an exit status
	run b healthcheck run hc1
	assert_failure 1
	assert_output unhealthy
	b exec hc1 sh -c 'echo again >/tmp/ok'
	run b healthcheck run hc1
	assert_success
	assert_output healthy
}

@test "the image's HEALTHCHECK is used; --no-healthcheck turns it off; the start period does not count" {
	mkdir -p "$TEST_TMP/ctx"
	printf 'FROM busybox\nHEALTHCHECK --interval=200ms --retries=1 CMD test -e /tmp/up\n' \
		>"$TEST_TMP/ctx/Dockerfile"
	b build -q --network none -t hc "$TEST_TMP/ctx" >/dev/null
	r -d --name img hc sleep 1000 >/dev/null
	wait_for health_is img unhealthy
	r -d --name off --no-healthcheck hc sleep 1000 >/dev/null
	run b inspect off
	assert_equal "$(jq -c '.[0].State.Health' <<<"$output")" null
	run b healthcheck run off
	assert_failure
	assert_output --partial "has no health check"
	# failures in the start period leave it starting
	r -d --name sp --health-start-period 60s hc sleep 1000 >/dev/null
	sleep 1
	run b inspect --format '{{.State.Health.Status}}' sp
	assert_output starting
	b exec sp touch /tmp/up
	wait_for health_is sp healthy
}

@test "--health-on-failure kill stops it; restart brings it back" {
	r -d --name kk --health-cmd false --health-interval 200ms --health-retries 1 \
		--health-on-failure kill busybox sleep 1000 >/dev/null
	local i st=""
	for i in $(seq 100); do
		st=$(b inspect --format '{{.State.Status}}' kk)
		[ "$st" = exited ] && break
		sleep 0.1
	done
	assert_equal "$st" exited
	# unhealthy until it has been started twice: one restart, then healthy
	r -d --name rs --health-cmd 'test "$(wc -l </started)" -ge 2' --health-interval 200ms \
		--health-retries 1 --health-on-failure restart \
		busybox sh -c 'date +%s%N >>/started; sleep 1000' >/dev/null
	local first
	first=$(b inspect --format '{{.State.StartedAt}}' rs)
	for i in $(seq 100); do
		[ "$(b inspect --format '{{.State.StartedAt}}' rs)" != "$first" ] && break
		sleep 0.1
	done
	[ "$(b inspect --format '{{.State.StartedAt}}' rs)" != "$first" ] || fail "never restarted"
	wait_for health_is rs healthy
	run b exec rs sh -c 'wc -l </started'
	assert_success
	assert_output 2
}

@test "bad health options are clear errors" {
	run r --rm --health-cmd true --health-interval soon busybox true
	assert_failure 125
	assert_output --partial 'invalid duration "soon" for --health-interval'
	run r --rm --health-cmd true --health-retries 0 busybox true
	assert_failure 125
	assert_output --partial "--health-retries"
	run r --rm --health-cmd true --health-on-failure explode busybox true
	assert_failure 125
	assert_output --partial 'invalid --health-on-failure "explode"'
	run r --rm --no-healthcheck --health-cmd true busybox true
	assert_failure 125
	assert_output --partial "--no-healthcheck conflicts"
	run b ps -aq
	assert_output ""
}
