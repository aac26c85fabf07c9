#!/usr/bin/env bats
# The lifecycle of the runtime-spec: creating, created, running, stopped;
# start, kill, delete and list around it.

load helpers

status_of() { rt state "$1" | jq -r .status; }

@test "create leaves the process waiting; start runs it; state follows" {
	args testinit write /tmp/started yes
	cfg '.root.readonly = false | .annotations = {"org.example/owner": "tests"}'
	run rt_create --pid-file "$TEST_TMP/pid" "$ID"
	assert_success
	assert_equal "$(status_of "$ID")" created
	[ ! -e "$BUNDLE/rootfs/tmp/started" ] || fail "the program ran before start"
	run rt state "$ID"
	assert_success
	run jq -r '[.ociVersion, .id, .status, (.pid|tostring), .bundle, .rootfs,
	           .annotations["org.example/owner"]] | join(" ")' <<<"$output"
	assert_output "1.2.1 $ID created $(cat "$TEST_TMP/pid") $BUNDLE $BUNDLE/rootfs tests"
	run rt state "$ID"
	run jq -r .created <<<"$output"
	assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T'
	run rt start "$ID"
	assert_success
	[ "$(cat "$BUNDLE/rootfs/tmp/started")" = yes ] || fail "the program did not run"
	# It has exited by now or is about to: wait for "stopped".
	for _ in $(seq 100); do [ "$(status_of "$ID")" = stopped ] && break; sleep 0.1; done
	assert_equal "$(status_of "$ID")" stopped
	run rt state "$ID"
	run jq -r .pid <<<"$output"
	assert_output 0
	run rt delete "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "start twice, or start a running container, is refused" {
	args testinit sleep 100
	rt_create "$ID"
	run rt start "$ID"
	assert_success
	assert_equal "$(status_of "$ID")" running
	run rt start "$ID"
	assert_failure
	assert_output --partial "it is running, not created"
}

@test "kill takes a signal as a name, SIG-name or number; the default is TERM" {
	args testinit trap
	rt run -d "$ID" </dev/null >"$TEST_TMP/out" 2>&1
	for _ in $(seq 50); do grep -q ready "$TEST_TMP/out" && break; sleep 0.1; done
	run rt kill "$ID" USR1
	assert_success
	for _ in $(seq 50); do grep -q "got" "$TEST_TMP/out" && break; sleep 0.1; done
	run cat "$TEST_TMP/out"
	assert_output $'ready\ngot USR1'
	run rt kill "$ID" KILL
	assert_failure
	assert_output --partial "it is stopped"

	rt run -d "$ID-2" </dev/null >"$TEST_TMP/out2" 2>&1
	for _ in $(seq 50); do grep -q ready "$TEST_TMP/out2" && break; sleep 0.1; done
	run rt kill "$ID-2"
	assert_success
	for _ in $(seq 50); do grep -q "got" "$TEST_TMP/out2" && break; sleep 0.1; done
	run cat "$TEST_TMP/out2"
	assert_output $'ready\ngot TERM'

	rt run -d "$ID-3" </dev/null >"$TEST_TMP/out3" 2>&1
	for _ in $(seq 50); do grep -q ready "$TEST_TMP/out3" && break; sleep 0.1; done
	run rt kill "$ID-3" SIGHUP
	assert_success
	for _ in $(seq 50); do grep -q "got" "$TEST_TMP/out3" && break; sleep 0.1; done
	run cat "$TEST_TMP/out3"
	assert_output $'ready\ngot HUP'
	run rt kill "$ID-3" 9
	run rt kill "$ID-3" NOSUCHSIG
	assert_failure
	assert_output --partial 'invalid signal "NOSUCHSIG"'
}

@test "kill --all reaches every process of a container sharing the host pid namespace" {
	cfg '.linux.namespaces |= map(select(.type != "pid"))'
	args testinit fork-sleep 3 100
	rt run -d --pid-file "$TEST_TMP/pid" "$ID" </dev/null >"$TEST_TMP/out" 2>&1
	for _ in $(seq 50); do grep -q started "$TEST_TMP/out" && break; sleep 0.1; done
	local cg=/sys/fs/cgroup/pids/berth/$ID/cgroup.procs
	[ "$(wc -l <"$cg")" -eq 4 ] || fail "expected 4 processes in $cg"
	run rt kill --all "$ID" KILL
	assert_success
	for _ in $(seq 50); do [ ! -s "$cg" ] && break; sleep 0.1; done
	[ ! -s "$cg" ] || fail "processes survived kill --all: $(cat "$cg")"
	run rt delete "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "delete refuses a running container; --force kills and deletes it" {
	args testinit sleep 100
	rt run -d --pid-file "$TEST_TMP/pid" "$ID" </dev/null >/dev/null 2>&1
	pid=$(cat "$TEST_TMP/pid")
	run rt delete "$ID"
	assert_failure
	assert_output --partial "it is running; stop it first or use --force"
	[ -d "/proc/$pid" ] || fail "delete without --force touched the container"
	run rt delete --force "$ID"
	assert_success
	for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break; sleep 0.1; done
	assert_no_trace "$ID"
	run rt delete --force "$ID"
	assert_success
}

@test "a created container is deleted without --force (as runc)" {
	rt_create "$ID"
	run rt delete "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "list shows every container with its status, as a table, ids or JSON" {
	args testinit sleep 100
	rt_create "$ID-a"
	rt run -d "$ID-b" </dev/null >/dev/null 2>&1
	run rt list
	assert_success
	assert_line --index 0 --regexp '^ID +PID +STATUS +BUNDLE +CREATED +OWNER'
	assert_line --regexp "^$ID-a +[0-9]+ +created +$BUNDLE "
	assert_line --regexp "^$ID-b +[0-9]+ +running +$BUNDLE "
	run rt list -q
	assert_output "$ID-a
$ID-b"
	run rt list --format json
	run jq -r 'map(.id + "=" + .status) | join(",")' <<<"$output"
	assert_output "$ID-a=created,$ID-b=running"
	run rt list --format yaml
	assert_failure
	assert_output --partial 'unknown format "yaml"'
}

@test "an empty state root lists nothing" {
	run rt list -q
	assert_success
	assert_output ""
}

@test "the exit of a container started in the foreground is its exit status, 128+N when killed" {
	args testinit exit 7
	run rt run "$ID"
	assert_equal "$status" 7
	args testinit pause
	rt run "$ID" &
	local bg=$!
	for _ in $(seq 50); do [ "$(status_of "$ID" 2>/dev/null)" = running ] && break; sleep 0.1; done
	rt kill "$ID" KILL
	wait $bg || rc=$?
	assert_equal "$rc" 137
	assert_no_trace "$ID"
}

@test "a delete held up by a lock never touches a newer container with the same id" {
	args testinit sleep 100
	rt run -d --pid-file "$TEST_TMP/pid1" "$ID" </dev/null >/dev/null 2>&1
	# Hold the container's lock, queue a delete behind it...
	flock "$STATE/$ID" sleep 2 &
	local holder=$!
	sleep 0.3
	rt delete --force "$ID" >"$TEST_TMP/del.out" 2>&1 &
	local deleter=$!
	sleep 0.3
	# ...while the container goes away by other means and a new one takes its id.
	kill -9 "$(cat "$TEST_TMP/pid1")"
	for _ in $(seq 50); do [ "$(awk '{print $3}' "/proc/$(cat "$TEST_TMP/pid1")/stat" 2>/dev/null)" != S ] && break; sleep 0.1; done
	for d in /sys/fs/cgroup/*/berth/"$ID"; do rmdir "$d" 2>/dev/null; done
	rm -rf "${STATE:?}/$ID"
	rt run -d --pid-file "$TEST_TMP/pid2" "$ID" </dev/null >/dev/null 2>&1
	wait $holder
	wait $deleter || true
	assert_equal "$(rt state "$ID" | jq -r .status)" running
	[ -d "/proc/$(cat "$TEST_TMP/pid2")" ] || fail "the new container was killed"
}
