#!/usr/bin/env bats
# berth volume and -v NAME:/path, --mount type=volume, anonymous volumes:
# data that outlives containers and is shared between them.

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
	pkill -9 -f "berth-monitor .*$TEST_TMP" 2>/dev/null
	cd /
	unmount_below "$TEST_TMP"
	rm -rf "$TEST_TMP"
	[ -z "$leaked" ] || { echo "leaked: $leaked" >&2; return 1; }
}

# run without a network: these tests are about files.
r() { b run --network none "$@"; }

@test "volume --help" {
	run b volume --help
	assert_success
	assert_output --partial create
	run b volume create --help
	assert_success
	assert_output --partial "--label"
}

@test "a named volume is made on first use, outlives its container and keeps its data" {
	run r --rm -v data:/data busybox sh -c 'echo kept >/data/f'
	assert_success
	run b volume ls -q
	assert_output data
	run r --rm -v data:/data:ro busybox sh -c 'cat /data/f; echo x >/data/g'
	assert_failure
	assert_line --index 0 kept
	assert_output --partial "Read-only file system"
	# --mount type=volume: the same volume
	run r --rm --mount type=volume,src=data,dst=/m busybox cat /m/f
	assert_success
	assert_output kept
	# on disk, where inspect says
	local mp
	mp=$(b volume inspect --format '{{.Mountpoint}}' data)
	assert_equal "$(cat "$mp/f")" kept
	run b volume rm data
	assert_success
	run b volume inspect data
	assert_failure
	assert_output --partial "no such volume: data"
}

@test "a new volume is filled from the image's content at its path; nocopy leaves it empty" {
	run r --rm -v etc:/etc busybox cat /etc/passwd
	assert_success
	assert_output --partial "root:x:0:0"
	[ -f "$(b volume inspect --format '{{.Mountpoint}}' etc)/passwd" ]
	# not again once it has data: what a container wrote stays
	r --rm -v etc:/etc busybox sh -c 'echo mine >/etc/passwd'
	run r --rm -v etc:/etc busybox cat /etc/passwd
	assert_output mine
	run r --rm -v empty:/etc:nocopy busybox ls -A /etc
	assert_success
	assert_output ""
	run r --rm --mount type=volume,src=empty2,dst=/etc,volume-nocopy busybox ls -A /etc
	assert_output ""
}

@test "two running containers share a volume and see each other's writes" {
	r -d --name writer -v shared:/s busybox sh -c 'echo from-writer >/s/w; while [ ! -e /s/r ]; do sleep 0.1; done; cat /s/r >/s/seen; sleep 60'
	r -d --name reader -v shared:/s busybox sh -c 'while [ ! -e /s/w ]; do sleep 0.1; done; cat /s/w >/s/got; echo from-reader >/s/r; sleep 60'
	local i
	for i in $(seq 100); do
		[ -e "$(b volume inspect --format '{{.Mountpoint}}' shared)/seen" ] && break
		sleep 0.1
	done
	local mp
	mp=$(b volume inspect --format '{{.Mountpoint}}' shared)
	assert_equal "$(cat "$mp/got")" from-writer
	assert_equal "$(cat "$mp/seen")" from-reader
	# in use: not removed, and the error says by whom
	run b volume rm shared
	assert_failure
	assert_output --partial "volume is in use"
	assert_output --partial "$(b inspect --format '{{.Id}}' writer)"
	assert_output --partial "$(b inspect --format '{{.Id}}' reader)"
	run b volume rm -f shared
	assert_failure
	assert_output --partial "volume is in use"
	run b volume ls --filter dangling=false -q
	assert_output shared
	b rm -f writer reader >/dev/null
	run b volume ls --filter dangling=true -q
	assert_output shared
	run b volume rm shared
	assert_success
}

@test "anonymous volumes: -v /path and the image's VOLUMEs; rm -v and --rm remove them, named ones stay" {
	mkdir -p "$TEST_TMP/ctx"
	printf 'FROM busybox\nRUN mkdir /seed && echo seeded >/seed/s\nVOLUME /seed /other\n' >"$TEST_TMP/ctx/Dockerfile"
	b build -q --network none -t withvol "$TEST_TMP/ctx" >/dev/null
	r --name c1 -v /anon -v named:/named withvol cat /seed/s
	run b inspect --format '{{json .Mounts}}' c1
	assert_equal "$(jq length <<<"$output")" 4
	assert_equal "$(b volume ls -q | wc -l)" 4
	# the image's content is in its anonymous volume
	run b logs c1
	assert_output seeded
	run b rm -v c1
	assert_success
	run b volume ls -q
	assert_output named
	# --rm: its anonymous volumes go with it
	r --rm -v /anon withvol true
	run b volume ls -q
	assert_output named
	# -v over an image VOLUME: that one, not an anonymous one
	r --rm -v named:/seed withvol cat /seed/s
	run b volume ls -q
	assert_output named
}

@test "volume create, ls (--filter, --format, -q), inspect, prune" {
	run b volume create --label team=core --label tier=db v1
	assert_success
	assert_output v1
	# creating it again is no error
	run b volume create v1
	assert_success
	b volume create v2 >/dev/null
	run b volume create
	assert_success
	assert_output --regexp '^[0-9a-f]{64}$'
	local anon=$output
	run b volume ls --filter label=team=core -q
	assert_output v1
	run b volume ls --filter label=tier --format '{{.Name}} {{.Driver}} {{.Labels}}'
	assert_output "v1 local team=core,tier=db"
	run b volume ls --filter name=v -q
	assert_output "v1
v2"
	run b volume inspect v1
	assert_success
	assert_equal "$(jq -r '.[0].Name + " " + .[0].Driver + " " + .[0].Labels.team + " " + .[0].Scope' <<<"$output")" "v1 local core local"
	run b volume create 'bad/name'
	assert_failure
	assert_output --partial 'invalid volume name "bad/name"'
	run b volume create -d nfs-plugin x1
	assert_failure
	assert_output --partial 'volume driver "nfs-plugin" is not known'
	run b volume ls --filter bogus=1
	assert_failure
	assert_output --partial "unknown filter"
	# prune: unused ones (named too with -a), never one in use
	r -d --name user -v v2:/v busybox sleep 60
	run b volume prune -f -a --filter label=team=core
	assert_success
	assert_output --partial v1
	refute_output --partial v2
	run b volume prune -f -a
	assert_output --partial "$anon"
	refute_output --partial v2
	run b volume ls -q
	assert_output v2
	b rm -f user >/dev/null
	run b system prune -f --volumes -a
	assert_output --partial v2
	run b volume ls -q
	assert_output ""
	run b volume rm nothere
	assert_failure
	assert_output --partial "no such volume: nothere"
	run b volume rm -f nothere
	assert_success
}

@test "bad volume specs are clear errors and leave no volume" {
	run r --rm -v ./rel:/x busybox true
	assert_failure 125
	assert_output --partial 'invalid volume name "./rel"'
	run r --rm -v name:rel busybox true
	assert_failure 125
	assert_output --partial "the destination must be an absolute path"
	run r --rm --mount type=volume,src=v,dst=rel busybox true
	assert_failure 125
	assert_output --partial "the target must be an absolute path"
	run r --rm --mount type=volume,src=vv,dst=/x,volume-driver=other busybox true
	assert_failure 125
	assert_output --partial 'volume driver "other" is not known'
	run r --rm -v /anon -v "$TEST_TMP/x:/y:bogus" busybox true
	assert_failure 125
	assert_output --partial "invalid mode: bogus"
	run b volume ls -q
	assert_output ""
}
