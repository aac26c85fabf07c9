#!/usr/bin/env bats
# User namespaces beyond the basics: berth-runtime run by an unprivileged
# user (rootless), idmapped bind mounts, and the features document.

load helpers

NOBODY=65534

# as_nobody CMD...: run CMD as an unprivileged user, with its own runtime dir.
as_nobody() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups \
		env XDG_RUNTIME_DIR="$TEST_TMP/xdg" HOME="$TEST_TMP" "$@"
}

rootless_bundle() {
	command -v setpriv >/dev/null || skip "setpriv(1) is not installed"
	# The test's directories must be reachable by the unprivileged user.
	chmod 755 "$TEST_TMP"
	mkdir -p "$TEST_TMP/xdg"
	chown $NOBODY:$NOBODY "$TEST_TMP/xdg" "$BUNDLE"
	rm "$BUNDLE/config.json"
	as_nobody "$RUNTIME" spec --rootless -b "$BUNDLE" ||
		skip "cannot write a rootless spec as an unprivileged user"
	cfg '.process.terminal = false'
	as_nobody unshare -U true 2>/dev/null || skip "unprivileged user namespaces are disabled here"
}

rootless_cleanup() {
	for c in "$TEST_TMP"/xdg/berth-runtime/*; do
		[ -d "$c" ] && as_nobody "$RUNTIME" delete --force "$(basename "$c")"
	done
	true
}

@test "rootless: an unprivileged user runs a container as root of its user namespace" {
	rootless_bundle
	args testinit ids
	run as_nobody "$RUNTIME" run "$ID"
	assert_success
	assert_output "uid=0 gid=0 euid=0 egid=0 groups="
	args testinit caps
	run as_nobody "$RUNTIME" run "$ID"
	assert_line "CapInh: 0000000000000000"
	# The state is in the user's runtime directory, and gone after run.
	[ -d "$TEST_TMP/xdg/berth-runtime" ] || fail "no state directory under XDG_RUNTIME_DIR"
	[ ! -e "$TEST_TMP/xdg/berth-runtime/$ID" ] || fail "the container outlived run"
}

@test "rootless: devices are the host's, bound in; the namespaces are new" {
	rootless_bundle
	args testinit stat /dev/null
	run as_nobody "$RUNTIME" run "$ID"
	assert_success
	assert_output --regexp '^char 0666 [0-9]+:[0-9]+ 1:3$'
	args testinit pid
	run as_nobody "$RUNTIME" run "$ID"
	assert_output 1
}

@test "rootless: create, exec, kill and delete work without privileges" {
	rootless_bundle
	args testinit sleep 100
	as_nobody "$RUNTIME" run -d "$ID" </dev/null >/dev/null 2>&1
	run as_nobody "$RUNTIME" exec "$ID" testinit pid
	assert_success
	assert_output 2
	run as_nobody "$RUNTIME" exec "$ID" testinit ids
	assert_output --partial "uid=0 gid=0"
	run as_nobody "$RUNTIME" state "$ID"
	assert_output --partial '"owner": "nobody"'
	run as_nobody "$RUNTIME" kill "$ID" KILL
	assert_success
	run as_nobody "$RUNTIME" delete --force "$ID"
	assert_success
	rootless_cleanup
}

@test "an idmapped bind mount shows files through its own mappings" {
	mkdir -p "$TEST_TMP/vol"
	echo data >"$TEST_TMP/vol/by-root"
	chown 0:0 "$TEST_TMP/vol/by-root"
	echo data >"$TEST_TMP/vol/by-2000"
	chown 2000:2000 "$TEST_TMP/vol/by-2000"
	cfg '.mounts += [{"destination": "/vol", "type": "bind", "source": "'"$TEST_TMP/vol"'",
	      "options": ["bind", "idmap"],
	      "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
	      "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}]'
	args testinit stat /vol/by-root
	run rt run "$ID"
	assert_success
	# On disk 0 (the mapping's container side) is seen as 1000 (its host side).
	assert_output "file 0644 1000:1000"
	args testinit stat /vol/by-2000
	run rt run "$ID"
	assert_output "file 0644 65534:65534"
	# Without the mappings, the same files are what they are on disk.
	cfg '.mounts[-1] |= del(.uidMappings, .gidMappings) | .mounts[-1].options = ["bind"]'
	args testinit stat /vol/by-root
	run rt run "$ID"
	assert_output "file 0644 0:0"
}

@test "an idmapped mount needs both mappings" {
	cfg '.mounts += [{"destination": "/vol", "type": "bind", "source": "/tmp", "options": ["bind"],
	      "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}]'
	run rt run "$ID"
	assert_failure
	assert_output --partial "needs both uidMappings and gidMappings"
	assert_no_trace "$ID"
}

@test "features describes what this runtime supports" {
	run rt features
	assert_success
	run jq -r '.ociVersionMin, .ociVersionMax, (.hooks | join(",")),
	           (.linux.namespaces | length), (.linux.capabilities | index("CAP_SYS_ADMIN") != null),
	           .linux.cgroup.v1, .linux.cgroup.v2, .linux.cgroup.systemd,
	           (.linux.seccomp.actions | index("SCMP_ACT_ERRNO") != null),
	           (.linux.seccomp.operators | index("SCMP_CMP_MASKED_EQ") != null),
	           (.linux.seccomp.archs | index("SCMP_ARCH_X86_64") != null),
	           .linux.mountExtensions.idmap.enabled, .linux.apparmor.enabled,
	           (.mountOptions | index("rro") != null)' <<<"$output"
	assert_output "1.0.0
1.2.1
prestart,createRuntime,createContainer,startContainer,poststart,poststop
8
true
true
true
false
true
true
true
true
false
true"
}
