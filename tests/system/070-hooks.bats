#!/usr/bin/env bats
# hooks: the six kinds, when they run, what they get, and their failures.

load helpers

# A hook on the host: appends "KIND STATUS" to LOG and keeps the state JSON
# it read on stdin in $TEST_TMP/state-KIND.json.  Called as: hook KIND LOG
make_host_hook() {
	cat >"$TEST_TMP/hook" <<'EOF'
#!/bin/sh
state=$(cat)
printf '%s\n' "$state" >"${2%/*}/state-$1.json"
echo "$1 $(printf '%s' "$state" | jq -r .status)" >>"$2"
EOF
	chmod 755 "$TEST_TMP/hook"
}

# hook_json KIND: a hooks[] entry that runs the host hook for KIND
host_hook() {
	jq -cn --arg p "$TEST_TMP/hook" --arg k "$1" --arg log "$TEST_TMP/log/log" \
		'{path: $p, args: ["hook", $k, $log], env: ["PATH=/usr/bin:/bin"]}'
}

# startContainer hooks run after pivot_root: their program must be in the
# container (the static busybox) and they log through a bind mount.
container_hook() {
	local script='s=$(busybox cat); echo "startContainer $(echo "$s" | busybox sed -n "s/.*\"status\": *\"\([a-z]*\)\".*/\1/p")" >>/hooklog/log; echo "$s" >/hooklog/state-startContainer.json'
	jq -cn --arg s "$script" '{path: "/bin/busybox", args: ["busybox", "sh", "-c", $s]}'
}

setup_all_hooks() {
	[ -x /bin/busybox ] || skip "needs a static /bin/busybox (package busybox-static)"
	make_host_hook
	mkdir "$TEST_TMP/log"
	cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
	cfg '.mounts += [{"destination": "/hooklog", "type": "bind", "source": $d, "options": ["bind"]}]' \
		--arg d "$TEST_TMP/log"
	cfg '.hooks = {prestart: [$pre], createRuntime: [$cr], createContainer: [$cc],
	               startContainer: [$sc], poststart: [$ps], poststop: [$pst]}' \
		--argjson pre "$(host_hook prestart)" --argjson cr "$(host_hook createRuntime)" \
		--argjson cc "$(host_hook createContainer)" --argjson sc "$(container_hook)" \
		--argjson ps "$(host_hook poststart)" --argjson pst "$(host_hook poststop)"
}

# sh_hook KIND SCRIPT [TIMEOUT]: hooks.KIND = one /bin/sh -c SCRIPT hook
sh_hook() {
	local h
	h=$(jq -cn --arg s "$2" '{path: "/bin/sh", args: ["sh", "-c", $s]}')
	[ -z "${3:-}" ] || h=$(jq -c --argjson t "$3" '.timeout = $t' <<<"$h")
	cfg '.hooks[$k] = [$h]' --arg k "$1" --argjson h "$h"
}

@test "the six kinds of hooks run in order: create, start, delete" {
	setup_all_hooks
	args testinit pause
	run rt_create "$ID"
	assert_success
	run cut -d' ' -f1 "$TEST_TMP/log/log"
	assert_output $'prestart\ncreateRuntime\ncreateContainer'
	run rt start "$ID"
	assert_success
	run cut -d' ' -f1 "$TEST_TMP/log/log"
	assert_output $'prestart\ncreateRuntime\ncreateContainer\nstartContainer\npoststart'
	run rt delete --force "$ID"
	assert_success
	run cut -d' ' -f1 "$TEST_TMP/log/log"
	assert_output $'prestart\ncreateRuntime\ncreateContainer\nstartContainer\npoststart\npoststop'
	assert_no_trace "$ID"
}

@test "each hook sees the status of its point in the lifecycle" {
	setup_all_hooks
	args testinit pause
	rt create "$ID" </dev/null >"$TEST_TMP/out" 2>&1
	rt start "$ID"
	rt delete --force "$ID"
	run grep -v '^startContainer' "$TEST_TMP/log/log"
	assert_output $'prestart created\ncreateRuntime created\ncreateContainer created\npoststart running\npoststop stopped'
	# start was called; the program is not executed yet: "created"
	run grep '^startContainer' "$TEST_TMP/log/log"
	assert_output "startContainer created"
}

@test "the hooks get the state on stdin: ociVersion, id, pid, bundle, status" {
	setup_all_hooks
	args testinit pause
	rt create --pid-file "$TEST_TMP/pid" "$ID" </dev/null >"$TEST_TMP/out" 2>&1
	rt start "$ID"
	rt delete --force "$ID"
	local pid bundle k
	pid=$(cat "$TEST_TMP/pid")
	bundle=$(realpath "$BUNDLE")
	for k in prestart createRuntime createContainer startContainer poststart poststop; do
		run jq -r '[.ociVersion, .id, .bundle, (.status | type)] | join(" ")' "$TEST_TMP/log/state-$k.json"
		assert_success
		assert_output "1.2.1 $ID $bundle string"
	done
	# the pid is the container's, as the host sees it, while it runs
	for k in prestart createRuntime createContainer poststart; do
		run jq -r .pid "$TEST_TMP/log/state-$k.json"
		assert_output "$pid"
	done
}

@test "run runs the hooks around the container's process" {
	setup_all_hooks
	cfg '.process.args = ["busybox", "sh", "-c", "echo process >>/hooklog/log"]'
	run rt run "$ID"
	assert_success
	# poststart runs once the program is started, alongside it
	run grep -v '^poststart' "$TEST_TMP/log/log"
	run cut -d' ' -f1 <<<"$output"
	assert_output $'prestart\ncreateRuntime\ncreateContainer\nstartContainer\nprocess\npoststop'
	run grep -c '^poststart running$' "$TEST_TMP/log/log"
	assert_output 1
	assert_no_trace "$ID"
}

@test "a hook gets its args and env, and only its env" {
	local h
	h=$(jq -cn --arg out "$TEST_TMP/out" '{path: "/bin/sh",
		args: ["sh", "-c", "/usr/bin/env | grep -v ^PWD= >\($out); echo \"$0|$1|$2\" >>\($out)", "zero", "one", "two words"],
		env: ["GREETING=hello world", "X=1"]}')
	cfg '.hooks.createRuntime = [$h]' --argjson h "$h"
	run rt run "$ID"
	assert_success
	run cat "$TEST_TMP/out"
	assert_output $'X=1\nGREETING=hello world\nzero|one|two words'
}

@test "createContainer hooks resolve on the host, startContainer hooks in the container" {
	make_host_hook
	mkdir "$TEST_TMP/log"
	cfg '.hooks.createContainer = [$h]' --argjson h "$(host_hook createContainer)"
	run rt run "$ID"
	assert_success
	run cat "$TEST_TMP/log/log"
	assert_output "createContainer created"
	# the same program is not there once the root is the container's
	cfg 'del(.hooks.createContainer) | .hooks.startContainer = [$h]' \
		--argjson h "$(host_hook startContainer)"
	run rt run "$ID"
	assert_failure
	assert_output --partial "startContainer hook 0 \"$TEST_TMP/hook\""
	assert_output --partial "No such file or directory"
	assert_no_trace "$ID"
}

@test "a failing prestart, createRuntime or createContainer hook fails create and leaves nothing" {
	local kind n=3
	for kind in prestart createRuntime createContainer; do
		cfg 'del(.hooks)'
		sh_hook "$kind" "echo $kind went wrong >&2; exit $n"
		run rt_create "$ID"
		assert_failure
		assert_output --partial "$kind hook 0 \"/bin/sh\": exited with status $n: $kind went wrong"
		assert_no_trace "$ID"
		run rt run "$ID"
		assert_failure
		assert_output --partial "$kind hook 0 \"/bin/sh\": exited with status $n"
		assert_no_trace "$ID"
		n=$((n + 1))
	done
	# a hook program that is not there
	cfg 'del(.hooks) | .hooks.createRuntime = [{"path": "/nonexistent/hook"}]'
	run rt_create "$ID"
	assert_failure
	assert_output --partial 'createRuntime hook 0 "/nonexistent/hook"'
	assert_output --partial "No such file or directory"
	assert_no_trace "$ID"
}

@test "a failing startContainer hook fails start; the container can be deleted" {
	[ -x /bin/busybox ] || skip "needs a static /bin/busybox (package busybox-static)"
	cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
	cfg '.hooks.startContainer = [{"path": "/bin/busybox", "args": ["busybox", "sh", "-c", "echo no start; exit 9"]}]'
	args testinit pause
	rt create "$ID" </dev/null >"$TEST_TMP/out" 2>&1
	run rt start "$ID"
	assert_failure
	assert_output --partial 'startContainer hook 0 "/bin/busybox": exited with status 9: no start'
	run rt state "$ID"
	assert_output --partial '"status": "stopped"'
	run rt delete "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "a failing poststart hook is a warning: the container runs" {
	sh_hook poststart "echo poststart went wrong; exit 6"
	args testinit echo hello
	run rt run "$ID"
	assert_success
	assert_line hello
	assert_line --partial 'warning: poststart hook 0 "/bin/sh": exited with status 6: poststart went wrong'
	assert_no_trace "$ID"

	args testinit pause
	rt create "$ID" </dev/null >"$TEST_TMP/out" 2>&1
	run rt start "$ID"
	assert_success
	assert_output --partial 'warning: poststart hook 0 "/bin/sh": exited with status 6'
	run rt state "$ID"
	assert_output --partial '"status": "running"'
}

@test "after a failing poststart hook the remaining ones still run" {
	local second
	second=$(jq -cn --arg f "$TEST_TMP/second" '{path: "/bin/sh", args: ["sh", "-c", "echo ran >\($f)"]}')
	sh_hook poststart "exit 6"
	cfg '.hooks.poststart += [$h]' --argjson h "$second"
	run rt run "$ID"
	assert_success
	assert_output --partial 'warning: poststart hook 0 "/bin/sh": exited with status 6'
	[ -e "$TEST_TMP/second" ] || fail "poststart hook 1 did not run after hook 0 failed"
}

@test "a failing poststop hook is a warning: delete succeeds" {
	sh_hook poststop "echo poststop went wrong; exit 7"
	args testinit pause
	rt create "$ID" </dev/null >"$TEST_TMP/out" 2>&1
	run rt delete --force "$ID"
	assert_success
	assert_output --partial 'warning: poststop hook 0 "/bin/sh": exited with status 7: poststop went wrong'
	assert_no_trace "$ID"
	# the same at the end of run
	args testinit exit 3
	run rt run "$ID"
	assert_equal "$status" 3
	assert_output --partial 'warning: poststop hook 0 "/bin/sh": exited with status 7'
	assert_no_trace "$ID"
}

@test "after a failing poststop hook the remaining ones still run" {
	local second
	second=$(jq -cn --arg f "$TEST_TMP/second" '{path: "/bin/sh", args: ["sh", "-c", "echo ran >\($f)"]}')
	sh_hook poststop "exit 7"
	cfg '.hooks.poststop += [$h]' --argjson h "$second"
	run rt run "$ID"
	assert_success
	assert_output --partial 'warning: poststop hook 0 "/bin/sh": exited with status 7'
	[ -e "$TEST_TMP/second" ] || fail "poststop hook 1 did not run after hook 0 failed"
	assert_no_trace "$ID"
}

@test "a hook that runs past its timeout is killed and reported" {
	cfg '.hooks.prestart = [{"path": "/bin/sleep", "args": ["sleep", "4127"], "timeout": 1}]'
	run rt_create "$ID"
	assert_failure
	assert_output --partial 'prestart hook 0 "/bin/sleep": timed out after 1 s'
	assert_no_trace "$ID"
	! pgrep -x -f "sleep 4127" >/dev/null || fail "the hook was left running"

	# a poststart that times out is only a warning
	cfg 'del(.hooks) | .hooks.poststart = [{"path": "/bin/sleep", "args": ["sleep", "4127"], "timeout": 1}]'
	args testinit echo done
	run rt run "$ID"
	assert_success
	assert_line done
	assert_output --partial 'warning: poststart hook 0 "/bin/sleep": timed out after 1 s'
	! pgrep -x -f "sleep 4127" >/dev/null || fail "the hook was left running"
	assert_no_trace "$ID"
}

@test "a hook timeout must be positive and a hook path absolute" {
	cfg '.hooks.prestart = [{"path": "/bin/true", "timeout": 0}]'
	run rt_create "$ID"
	assert_failure
	assert_output --partial "hooks.prestart[0].timeout: must be between 1 and 86400 seconds"
	assert_no_trace "$ID"
	cfg '.hooks.prestart = [{"path": "true"}]'
	run rt_create "$ID"
	assert_failure
	assert_output --partial 'hooks.prestart[0].path: "true" is not an absolute path'
	assert_no_trace "$ID"
}
