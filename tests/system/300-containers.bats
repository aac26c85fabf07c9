#!/usr/bin/env bats
# containers (the engine's first steps): create, ps, rm.

load helpers

setup() {
	TEST_TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/berth-test.XXXXXX")
	STATE=$TEST_TMP/state
	ID=t$BATS_TEST_NUMBER-$$
	b import --change 'CMD ["sh"]' "$(busybox_tar)" busybox:latest >/dev/null
}

@test "create makes a container from an image: a record, a bundle, an overlay root" {
	run b create --name web -e A=1 -w /tmp -m 64m --cpus 1 busybox echo hi
	assert_success
	assert_output --regexp '^[0-9a-f]{64}$'
	local id=$output
	local dir=$TEST_TMP/root/containers/$id
	# the bundle's config.json: docker's semantics
	run jq -c '[.process.args, .process.cwd, (.process.env | index("A=1") != null),
		.linux.resources.memory.limit, .linux.resources.cpu.quota, .hostname]' "$dir/config.json"
	assert_output "[[\"echo\",\"hi\"],\"/tmp\",true,67108864,100000,\"${id:0:12}\"]"
	# the root: the image's files, writable, over the shared layer
	[ -x "$dir/fs/merged/bin/busybox" ]
	echo changed >"$dir/fs/merged/etc/motd"
	[ -f "$dir/fs/upper/etc/motd" ]
	[ ! -e "$TEST_TMP/root/image/layers/"*/diff/etc/motd ]
	run b ps
	assert_success
	assert_output --regexp '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$'
	run b ps -a
	assert_line --index 1 --regexp "^${id:0:12} +busybox +\"echo hi\" +.* +Created +web$"
	run b ps -aq --no-trunc
	assert_output "$id"
	run b ps -a --format '{{.Names}} {{.State}}'
	assert_output "web created"
}

@test "names: generated, unique, checked; the image cannot go while a container uses it" {
	run b create busybox
	assert_success
	run b ps -a --format '{{.Names}}'
	assert_output --regexp '^[a-z]+_[a-z]+$'
	b create --name web busybox >/dev/null
	run b create --name web busybox
	assert_failure 125
	assert_output --partial 'Conflict. The container name "/web" is already in use by container'
	run b create --name 'bad name' busybox
	assert_failure 125
	assert_output --partial 'Invalid container name (bad name)'
	run b rmi busybox
	assert_failure 125
	assert_output --partial 'image is in use'
	run b create nosuchimage
	assert_failure 125
	assert_output --partial "Unable to find image 'nosuchimage' locally"
	run b create --memory 12q busybox
	assert_failure 125
	assert_output --partial 'invalid argument "12q" for "--memory" flag'
	run b create --cap-add FLY busybox
	assert_failure 125
	assert_output --partial 'invalid capability "FLY"'
	# the failures left nothing: two containers
	assert_equal "$(b ps -aq | wc -l)" 2
	assert_equal "$(ls "$TEST_TMP/root/containers" | grep -c '^[0-9a-f]\{64\}$')" 2
}

@test "rm removes the container, its root and its name; then the image can go" {
	local id
	id=$(b create --name web busybox)
	run b rm web
	assert_success
	assert_output web
	[ ! -e "$TEST_TMP/root/containers/$id" ]
	! grep -q "$TEST_TMP/root/containers" /proc/self/mountinfo
	run b ps -aq
	assert_output ""
	run b rm web
	assert_failure 125
	assert_output --partial 'No such container: web'
	run b rm -f web
	assert_success
	# the name is free, the image removable
	b create --name web busybox >/dev/null
	b rm "$(b ps -aq)" >/dev/null
	run b rmi busybox
	assert_success
}
