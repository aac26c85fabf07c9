#!/usr/bin/env bats
# process.terminal: the pty, handed over --console-socket (as runc does)
# or proxied by a foreground run.

load helpers

RECVTTY=$BERTH_BUILD/tests/helpers/berth-recvtty

# start_recvtty [ARGS...]: listen on $SOCK in the background, output to
# $TEST_TMP/tty.out; returns once the socket listens.
start_recvtty() {
	SOCK=$TEST_TMP/tty.sock
	rm -f "$TEST_TMP/tty.ready"
	"$RECVTTY" "$SOCK" --ready "$TEST_TMP/tty.ready" "$@" \
		>"$TEST_TMP/tty.out" 2>"$TEST_TMP/tty.err" 3>&- </dev/null &
	RECV_PID=$!
	local i
	for i in $(seq 100); do
		[ -e "$TEST_TMP/tty.ready" ] && return 0
		kill -0 "$RECV_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "berth-recvtty did not start: $(cat "$TEST_TMP/tty.err")"
}

# wait_recvtty: wait (10s at most) for the pty to close; $output is what
# came through it, carriage returns removed.
wait_recvtty() {
	local i
	for i in $(seq 200); do
		kill -0 "$RECV_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$RECV_PID" 2>/dev/null; then
		kill "$RECV_PID"
		wait "$RECV_PID"
		fail "the pty did not close: got so far: $(cat "$TEST_TMP/tty.out")"
	fi
	wait "$RECV_PID" || fail "berth-recvtty failed: $(cat "$TEST_TMP/tty.err")"
	output=$(tr -d '\r' <"$TEST_TMP/tty.out")
}

# helpers.bash's setup and teardown, extended.
eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

setup() {
	[ -x "$RECVTTY" ] || skip "berth-recvtty not built ($RECVTTY)"
	helpers_setup
	cfg '.process.terminal = true | .process.consoleSize = {"height": 33, "width": 111}'
}

# rtt ARGS...: rt, stopped after 30s (a program that waits on the pty for
# input that never comes fails the test instead of hanging the suite).
rtt() { timeout 30 "$RUNTIME" --root "$STATE" "$@"; }

teardown() {
	if [ -n "${RECV_PID:-}" ] && kill -0 "$RECV_PID" 2>/dev/null; then
		kill "$RECV_PID" 2>/dev/null
		wait "$RECV_PID" 2>/dev/null
	fi
	[ -z "${TEST_TMP:-}" ] || helpers_teardown
}

@test "create --console-socket: stdin is the pty /dev/pts/0, sized by consoleSize" {
	args testinit tty
	start_recvtty
	run rt create --console-socket "$SOCK" "$ID"
	assert_success
	run rt state "$ID"
	assert_output --partial '"status": "created"'
	run rtt start "$ID"
	assert_success
	wait_recvtty
	assert_output "tty /dev/pts/0 33 111"
	run rt delete "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "stdout and stderr go to the pty too" {
	# cat of a missing file: the error is written to stderr.
	args testinit cat /no/such/file
	start_recvtty
	run rtt run --console-socket "$SOCK" "$ID"
	assert_equal "$status" 1
	wait_recvtty
	assert_output "/no/such/file: No such file or directory"
	args testinit echo out
	start_recvtty
	run rtt run --console-socket "$SOCK" "$ID"
	assert_success
	wait_recvtty
	assert_output "out"
	assert_no_trace "$ID"
}

@test "/dev/console in the container is the pty" {
	args testinit stat /dev/console
	start_recvtty
	run rtt run --console-socket "$SOCK" "$ID"
	assert_success
	wait_recvtty
	assert_output --regexp '^char [0-7]+ [0-9]+:[0-9]+ 13[6-9]:0$'
	assert_no_trace "$ID"
}

@test "input written to the pty master reaches the program" {
	args testinit cat
	# A line, then ^D at the start of the next line: end of input.
	start_recvtty --input $'hello tty\n\x04'
	run rtt run --console-socket "$SOCK" "$ID"
	assert_success
	wait_recvtty
	# The pty echoes the line, then cat writes it back.
	assert_output $'hello tty\nhello tty'
	assert_no_trace "$ID"
}

@test "run -d --console-socket: the pty outlives the runtime" {
	args testinit tty
	start_recvtty
	run rtt run -d --console-socket "$SOCK" "$ID"
	assert_success
	wait_recvtty
	assert_output "tty /dev/pts/0 33 111"
	run rt state "$ID"
	assert_output --partial '"status": "stopped"'
	run rt delete "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "process.terminal without --console-socket: create and run -d refuse, naming it" {
	args testinit true
	run rt create "$ID"
	assert_failure
	assert_output --partial "--console-socket"
	assert_no_trace "$ID"
	run rtt run -d "$ID"
	assert_failure
	assert_output --partial "--console-socket"
	assert_no_trace "$ID"
}

@test "a console socket nobody listens on is an error that leaves nothing" {
	args testinit true
	run rt create --console-socket "$TEST_TMP/nobody.sock" "$ID"
	assert_failure
	assert_output --partial "--console-socket"
	assert_no_trace "$ID"
}

@test "a foreground run without --console-socket proxies the pty" {
	args testinit tty
	run rtt run "$ID" </dev/null
	assert_success
	assert_equal "${output//$'\r'/}" "tty /dev/pts/0 33 111"
	args testinit exit 7
	run rtt run "$ID" </dev/null
	assert_equal "$status" 7
	assert_no_trace "$ID"
}

@test "a foreground run on a terminal passes the terminal's size on" {
	command -v script >/dev/null || skip "script(1) is not installed"
	[ -x /bin/busybox ] || skip "no /bin/busybox for a shell in the container"
	cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
	# The size is on the pty before the program starts: it looks at once.
	args /bin/busybox sh -c '/bin/busybox tty; /bin/busybox stty size'
	run script -qec "stty rows 21 cols 71; $RUNTIME --root $STATE run $ID" /dev/null </dev/null
	assert_success
	assert_line --partial "/dev/pts/0"
	assert_line --partial "21 71"
	assert_no_trace "$ID"
}
