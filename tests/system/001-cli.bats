#!/usr/bin/env bats
# The command line: version, help, global flags, spec.

load helpers

@test "--version prints the runtime and spec versions" {
	run "$RUNTIME" --version
	assert_success
	assert_line --regexp '^berth-runtime version [0-9]+\.[0-9]+\.[0-9]+$'
	assert_line --regexp '^spec: 1\.2\.[0-9]+$'
}

@test "--help lists the commands; every command has --help" {
	run "$RUNTIME" --help
	assert_success
	local top=$output
	for c in create start run state kill delete list spec; do
		[[ "$top" == *"  $c "* ]] || fail "--help does not list $c"
		run "$RUNTIME" "$c" --help
		assert_success
		assert_output --partial "Usage: $c"
	done
}

@test "an unknown command or flag is a clear error" {
	run "$RUNTIME" frobnicate
	assert_failure
	assert_output --partial 'unknown command "frobnicate"'
	run "$RUNTIME" state --frob x
	assert_failure
	assert_output --partial "unknown flag: --frob"
	run "$RUNTIME" state
	assert_failure
	assert_output --partial "missing argument"
}

@test "spec writes a valid config.json and refuses to overwrite it" {
	rm "$BUNDLE/config.json"
	run rt spec -b "$BUNDLE"
	assert_success
	run jq -r '.ociVersion, .root.path, .process.noNewPrivileges, ([.linux.namespaces[].type] | join(","))' "$BUNDLE/config.json"
	assert_output $'1.2.1\nrootfs\ntrue\npid,network,ipc,uts,mount,cgroup'
	run rt spec -b "$BUNDLE"
	assert_failure
	assert_output --partial "already exists"
}

@test "spec --rootless maps the caller to root in a user namespace" {
	rm "$BUNDLE/config.json"
	run rt spec --rootless -b "$BUNDLE"
	assert_success
	run jq -c '[.linux.namespaces[].type | select(. == "user" or . == "network")], .linux.uidMappings' "$BUNDLE/config.json"
	assert_line --index 0 '["user"]'
	assert_line --index 1 '[{"containerID":0,"hostID":0,"size":1}]'
}

@test "--log-format json writes the error as a JSON line with level, msg and time" {
	run rt --log "$TEST_TMP/log.json" --log-format json state nosuch
	assert_failure
	run jq -r '.level + " " + .msg' "$TEST_TMP/log.json"
	assert_output 'error container "nosuch" does not exist'
	run jq -r '.time' "$TEST_TMP/log.json"
	assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$'
}

@test "--systemd-cgroup is a clear error while unsupported" {
	run rt --systemd-cgroup run "$ID"
	assert_failure
	assert_output --partial "systemd cgroup driver is not supported"
	assert_no_trace "$ID"
}

@test "meson install (what make install runs) puts berth-runtime under DESTDIR/PREFIX/bin" {
	local prefix
	prefix=$(meson introspect "$BERTH_BUILD" --buildoptions | jq -r '.[] | select(.name == "prefix") | .value')
	run meson install -C "$BERTH_BUILD" --no-rebuild --destdir "$TEST_TMP/pkg"
	assert_success
	run "$TEST_TMP/pkg$prefix/bin/berth-runtime" --version
	assert_success
	assert_line --regexp '^berth-runtime version '
}
