#!/usr/bin/env bats
# run: the container process and what it sees.

load helpers

@test "run prints the program's output and returns its exit status" {
	args testinit echo hello world
	run rt run "$ID"
	assert_success
	assert_output "hello world"
	args testinit exit 42
	run rt run "$ID"
	assert_equal "$status" 42
	assert_no_trace "$ID"
}

@test "the container process is pid 1 with its own hostname" {
	cfg '.hostname = "box"'
	args testinit pid
	run rt run "$ID"
	assert_output 1
	args testinit hostname
	run rt run "$ID"
	assert_output box
}

@test "a new network namespace has only lo" {
	args testinit ifaces
	run rt run "$ID"
	assert_success
	assert_output lo
}

@test "a program found through PATH, env and cwd as configured" {
	mkdir -p "$BUNDLE/rootfs/work"
	cfg '.process.env = ["PATH=/bin", "GREETING=hi"] | .process.cwd = "/work"'
	args testinit env
	run rt run "$ID"
	assert_output $'PATH=/bin\nGREETING=hi'
	args testinit cwd
	run rt run "$ID"
	assert_output /work
}

@test "a missing working directory is created" {
	cfg '.process.cwd = "/new/dir"'
	args testinit cwd
	run rt run "$ID"
	assert_success
	assert_output /new/dir
}

@test "a program that does not exist is a clear error and leaves nothing" {
	args no-such-program
	run rt run "$ID"
	assert_failure
	assert_output --partial 'exec "no-such-program": executable file not found in $PATH'
	assert_no_trace "$ID"
	args /bin/nothing
	run rt run "$ID"
	assert_failure
	assert_output --partial 'exec "/bin/nothing": No such file or directory'
	assert_no_trace "$ID"
}

@test "run -d returns at once and the container runs on; --pid-file" {
	args testinit sleep 100
	# The container keeps its stdio: give it files, not the test's pipe.
	rt run -d --pid-file "$TEST_TMP/pid" "$ID" </dev/null >"$TEST_TMP/out" 2>&1
	run rt state "$ID"
	assert_output --partial '"status": "running"'
	pid=$(cat "$TEST_TMP/pid")
	[ -d "/proc/$pid" ]
	run rt delete --force "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "run --keep keeps the stopped container for inspection" {
	run rt run --keep "$ID"
	assert_success
	run rt state "$ID"
	assert_output --partial '"status": "stopped"'
	run rt delete "$ID"
	assert_success
	assert_no_trace "$ID"
}
