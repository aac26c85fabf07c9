#!/usr/bin/env bats
# errors: bad input is refused with a message that says where, and a
# failed create or run leaves nothing behind.

load helpers

# refused MESSAGE: both create and run fail, say MESSAGE and leave no trace
refused() {
	run rt_create "$ID"
	assert_failure
	assert_output --partial "$1"
	assert_no_trace "$ID"
	run rt run "$ID"
	assert_failure
	assert_output --partial "$1"
	assert_no_trace "$ID"
}

@test "malformed JSON: the error gives line and column" {
	cat >config.json <<'EOF'
{
  "ociVersion": "1.2.1",
  "process": {
    "args": ["true",]
  },
  "root": {"path": "rootfs"}
}
EOF
	refused 'config.json: invalid JSON at line 4 column 21'
	echo '[]' >config.json
	refused 'config.json: expected a JSON object, got array'
	: >config.json
	refused 'config.json: invalid JSON at line 1'
	rm config.json
	refused 'config.json": No such file or directory'
}

@test "a field of the wrong type: the error gives its JSON path" {
	cp config.json good.json
	cfg '.process.args = "testinit true"'
	refused 'config.json: process.args: expected an array, got string'
	cp good.json config.json
	cfg '.process.args = ["testinit", 5]'
	refused 'config.json: process.args[1]: expected a string, got number'
	cp good.json config.json
	cfg '.process.terminal = "no"'
	refused 'config.json: process.terminal: expected a boolean, got string'
	cp good.json config.json
	cfg '.process.user.uid = -1'
	refused 'config.json: process.user.uid: expected an unsigned integer, got number'
	cp good.json config.json
	cfg '.mounts[2].options = "nosuid"'
	refused 'config.json: mounts[2].options: expected an array, got string'
	cp good.json config.json
	cfg '.linux.namespaces = {"pid": {}}'
	refused 'config.json: linux.namespaces: expected an array, got object'
	cp good.json config.json
	cfg '.hooks.prestart = [{"path": 7}]'
	refused 'config.json: hooks.prestart[0].path: expected a string, got number'
}

@test "root.path missing, empty, absent on disk or not a directory" {
	cp config.json good.json
	cfg 'del(.root.path)'
	refused 'config.json: root.path: required field missing'
	cp good.json config.json
	cfg 'del(.root)'
	refused 'config.json: root: required field missing'
	cp good.json config.json
	cfg '.root.path = ""'
	refused 'config.json: root.path: must not be empty'
	cp good.json config.json
	cfg '.root.path = "no-such-rootfs"'
	refused 'config.json: root.path "no-such-rootfs": No such file or directory'
	cfg '.root.path = $p' --arg p "$TEST_TMP/gone"
	refused "config.json: root.path \"$TEST_TMP/gone\": No such file or directory"
	echo file >"$BUNDLE/afile"
	cfg '.root.path = "afile"'
	refused 'config.json: root.path "afile" is not a directory'
}

@test "an unknown namespace type names linux.namespaces[N]" {
	local i
	i=$(jq '.linux.namespaces | length' config.json)
	cfg '.linux.namespaces += [{"type": "sound"}]'
	refused "config.json: linux.namespaces[$i].type: unknown namespace type \"sound\""
	cfg '.linux.namespaces[-1].type = "network"'
	refused "config.json: linux.namespaces[$i].type: namespace \"network\" listed twice"
}

@test "an unknown capability names process.capabilities.SET[N]" {
	local n
	cp config.json good.json
	n=$(jq '.process.capabilities.bounding | length' config.json)
	cfg '.process.capabilities.bounding += ["CAP_FOO"]'
	refused "config.json: process.capabilities.bounding[$n]: unknown capability \"CAP_FOO\""
	cp good.json config.json
	cfg '.process.capabilities.effective = ["CAP_CHOWN", "CAP_KILL", "KILL"]'
	refused 'config.json: process.capabilities.effective[2]: unknown capability "KILL"'
}

@test "unsupported ociVersion values are refused, 1.0 to 1.2 accepted" {
	local v
	for v in 2.0.0 garbage 1.3.0 0.9.0 ""; do
		cfg '.ociVersion = $v' --arg v "$v"
		refused "config.json: ociVersion: unsupported version \"$v\""
	done
	cfg 'del(.ociVersion)'
	refused 'config.json: ociVersion: required field missing'
	for v in 1.0.2-dev 1.1.0 1.0.0 1.2.0; do
		cfg '.ociVersion = $v' --arg v "$v"
		run rt run "$ID"
		assert_success
		assert_output ""
		assert_no_trace "$ID"
	done
}

@test "a config without process cannot be created" {
	cfg 'del(.process)'
	refused 'config.json: process: required to create a container'
	cfg '.process = {"cwd": "/"}'
	refused 'config.json: process.args: required field missing'
	cfg '.process.args = []'
	refused 'config.json: process.args: must not be empty'
}

@test "invalid container ids are refused" {
	local id
	for id in "a/b" ".." "." "" "with space" "../escape"; do
		run rt_create "$id"
		assert_failure
		assert_output --partial "invalid container id \"$id\""
		run rt run "$id"
		assert_failure
		assert_output --partial "invalid container id \"$id\""
		# nothing at all appeared under the state root
		[ -z "$(ls -A "$STATE" 2>/dev/null)" ] || fail "state root not empty after \"$id\": $(ls -A "$STATE")"
	done
	[ ! -e "$TEST_TMP/escape" ] || fail "a state directory was made outside the state root"
	# the same for the verbs on existing containers
	for verb in start state delete; do
		run rt "$verb" "a/b"
		assert_failure
		assert_output --partial 'invalid container id "a/b"'
	done
}

@test "a duplicate id is refused and the existing container is untouched" {
	args testinit pause
	rt create --pid-file "$TEST_TMP/pid" "$ID" </dev/null >"$TEST_TMP/out" 2>&1
	pid=$(cat "$TEST_TMP/pid")
	run rt_create "$ID"
	assert_failure
	assert_output --partial "container \"$ID\" already exists"
	run rt run "$ID"
	assert_failure
	assert_output --partial "container \"$ID\" already exists"
	run rt state "$ID"
	assert_success
	assert_output --partial '"status": "created"'
	assert_output --partial "\"pid\": $pid"
	[ -d "/proc/$pid" ] || fail "the first container's init is gone"
	run rt start "$ID"
	assert_success
	run rt state "$ID"
	assert_output --partial '"status": "running"'
	run rt delete --force "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "start, kill, delete and state on a container that does not exist" {
	run rt start nosuch
	assert_failure
	assert_output --partial 'container "nosuch" does not exist'
	run rt kill nosuch KILL
	assert_failure
	assert_output --partial 'container "nosuch" does not exist'
	run rt delete nosuch
	assert_failure
	assert_output --partial 'container "nosuch" does not exist'
	run rt state nosuch
	assert_failure
	assert_output --partial 'container "nosuch" does not exist'
	[ ! -e "$STATE/nosuch" ]
}

@test "start on a running or stopped container is refused" {
	args testinit pause
	rt create "$ID" </dev/null >"$TEST_TMP/out" 2>&1
	run rt start "$ID"
	assert_success
	run rt start "$ID"
	assert_failure
	assert_output --partial "start container \"$ID\": it is running, not created"
	run rt state "$ID"
	assert_output --partial '"status": "running"'
	run rt kill "$ID" KILL
	assert_success
	# wait for the init to be gone (no fixed delay: poll the state)
	for _ in $(seq 100); do
		rt state "$ID" | grep -q '"status": "stopped"' && break
		sleep 0.1
	done
	run rt start "$ID"
	assert_failure
	assert_output --partial "start container \"$ID\": it is stopped, not created"
	run rt delete "$ID"
	assert_success
	assert_no_trace "$ID"
}

@test "an AppArmor profile on a host without AppArmor is refused, not ignored" {
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] &&
		skip "AppArmor is enabled on this host"
	cfg '.process.apparmorProfile = "some-profile"'
	run rt run "$ID"
	assert_failure
	assert_output --partial 'process.apparmorProfile "some-profile": AppArmor is not enabled on this host'
	assert_no_trace "$ID"
}
