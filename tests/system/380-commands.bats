#!/usr/bin/env bats
# pause, unpause, top, stats, rename, update, container prune, system df,
# attach's detach keys: docker's container commands around the lifecycle.

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
	pgrep -f "berth-monitor .*$TEST_TMP" >/dev/null && leaked="$leaked monitor"
	pkill -9 -f "berth-monitor .*$TEST_TMP" 2>/dev/null
	cd /
	unmount_below "$TEST_TMP"
	rm -rf "$TEST_TMP"
	[ -z "$leaked" ] || { echo "leaked: $leaked" >&2; return 1; }
}

r() { b run --network none "$@"; }

# b with a time limit (a paused container must not hang a stop).
bt() { timeout 20 "$BERTH" --root "$TEST_TMP/root" --runroot "$TEST_TMP/run" "$@"; }

counter() { # counter NAME: a container that counts in /tmp/n (renamed into place:
	# never seen empty), 10 times a second
	r -d --name "$1" busybox sh -c 'i=0; while true; do i=$((i+1)); echo $i >/tmp/n.t; mv /tmp/n.t /tmp/n; sleep 0.1; done' >/dev/null
	sleep 0.5
}

@test "--help of the new commands" {
	for c in pause unpause top stats rename update events; do
		run b $c --help
		assert_success
		assert_output --partial "Usage"
	done
	run b container prune --help
	assert_success
	run b system df --help
	assert_success
}

@test "pause stops progress, unpause resumes it; ps and inspect say paused" {
	counter cnt
	run b pause cnt
	assert_success
	assert_output cnt
	run b ps --format '{{.Names}} {{.Status}}'
	assert_output --regexp '^cnt Up .*\(Paused\)$'
	run b inspect --format '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' cnt
	assert_output "paused true true"
	local n1 n2
	# the counter through the root on the host: it does not move
	local root=$TEST_TMP/root/containers/$(b inspect --format '{{.Id}}' cnt)/fs/merged
	n1=$(cat "$root/tmp/n")
	sleep 0.6
	n2=$(cat "$root/tmp/n")
	assert_equal "$n1" "$n2"
	run b pause cnt
	assert_failure
	assert_output --partial "already paused"
	run b unpause cnt
	assert_success
	sleep 0.6
	n2=$(cat "$root/tmp/n")
	[ "$n2" -gt "$n1" ] || fail "the counter did not move after unpause ($n1 -> $n2)"
	run b inspect --format '{{.State.Status}} {{.State.Paused}}' cnt
	assert_output "running false"
	run b unpause cnt
	assert_failure
	assert_output --partial "not paused"
}

@test "a paused container can be stopped and removed" {
	counter pz
	b pause pz
	run bt stop -t 1 pz
	assert_success
	run b inspect --format '{{.State.Status}}' pz
	assert_output exited
	counter pz2
	b pause pz2
	run bt rm -f pz2
	assert_success
}

@test "top lists the container's processes" {
	r -d --name tp busybox sleep 1234 >/dev/null
	run b top tp
	assert_success
	assert_line --index 0 --regexp '^UID +PID +PPID +C +STIME +TTY +TIME +CMD$'
	assert_output --partial "sleep 1234"
	local pid
	pid=$(b inspect --format '{{.State.Pid}}' tp)
	assert_output --regexp "root +$pid "
	if command -v ps >/dev/null; then
		run b top tp -o pid,args
		assert_success
		assert_output --partial "sleep 1234"
	fi
	b stop -t 0 tp >/dev/null
	run b top tp
	assert_failure
	assert_output --partial "not running"
}

@test "stats --no-stream: memory limit from --memory, pids" {
	r -d --name st --memory 64m busybox sh -c 'sleep 1000 & sleep 1000 & wait' >/dev/null
	run b stats --no-stream
	assert_success
	assert_line --index 0 --regexp '^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS$'
	assert_output --regexp 'st +[0-9.]+% +[0-9.]+[KMG]?i?B / 64MiB'
	run b stats --no-stream --format '{{.Name}} {{.PIDs}} {{.MemUsage}}' st
	assert_success
	assert_output --regexp '^st 3 .* / 64MiB$'
	run b stats --no-stream --format '{{json .}}' st
	assert_success
	echo "$output" | jq -e '.NetIO and .BlockIO and .CPUPerc'
}

@test "rename: ps, inspect and exec by the new name; the old one is free; a taken one is an error" {
	r -d --name old busybox sleep 1000 >/dev/null
	run b rename old new1
	assert_success
	run b ps --format '{{.Names}}'
	assert_output new1
	run b inspect --format '{{.Name}}' new1
	assert_output --partial new1
	run b exec new1 echo hello
	assert_output hello
	run b inspect old
	assert_failure
	# the old name can be taken again
	run r -d --name old busybox sleep 1000
	assert_success
	run b rename new1 old
	assert_failure
	assert_output --partial "already in use"
	run b rename new1 new1
	assert_failure
	run b rename new1 'bad name'
	assert_failure
	run b ps --format '{{.Names}}'
	assert_line new1
	assert_line old
}

@test "update --memory is in stats and the cgroup; --restart in inspect" {
	r -d --name up --memory 64m busybox sleep 1000 >/dev/null
	run b update --memory 96m --pids-limit 50 --restart on-failure:3 up
	assert_success
	assert_output up
	run b stats --no-stream --format '{{.MemUsage}}' up
	assert_output --regexp ' / 96MiB$'
	local id
	id=$(b inspect --format '{{.Id}}' up)
	local f
	for f in /sys/fs/cgroup/memory/berth/$id/memory.limit_in_bytes /sys/fs/cgroup/berth/$id/memory.max; do
		[ -f "$f" ] && assert_equal "$(cat "$f")" $((96 * 1024 * 1024))
	done
	run b inspect --format '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}' up
	assert_output "on-failure 3"
	# the next run keeps it
	b stop -t 0 up >/dev/null
	b start up >/dev/null
	run b stats --no-stream --format '{{.MemUsage}}' up
	assert_output --regexp ' / 96MiB$'
	run b update --memory 1k up
	assert_failure
	run b update --restart sometimes up
	assert_failure
	run r -d --rm --name rmc busybox sleep 100
	run b update --restart always rmc
	assert_failure
	assert_output --partial AutoRemove
}

@test "container prune removes only stopped containers (and --filter label)" {
	r -d --name running1 busybox sleep 1000 >/dev/null
	r --name done1 busybox true
	r --name done2 --label keep=yes busybox true
	b create --name made1 busybox >/dev/null
	run b container prune -f --filter label!=keep=yes
	assert_success
	assert_output --partial "Deleted Containers:"
	assert_output --partial "Total reclaimed space:"
	run b ps -a --format '{{.Names}}'
	assert_line running1
	assert_line done2
	refute_line done1
	refute_line made1
	run b container prune -f --filter label=keep
	assert_success
	run b ps -a --format '{{.Names}}'
	assert_output running1
	run b container prune --filter bogus=1
	assert_failure
}

@test "system df counts images, containers, volumes" {
	r -d --name dfrun busybox sleep 1000 >/dev/null
	r --name dfdone busybox sh -c 'head -c 100000 /dev/zero >/big'
	b volume create dfvol >/dev/null
	run b system df
	assert_success
	assert_line --index 0 --regexp '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$'
	assert_line --regexp '^Images +1 +1 '
	assert_line --regexp '^Containers +2 +1 +1[0-9.]+kB +1[0-9.]+kB \(100%\)$'
	assert_line --regexp '^Local Volumes +1 +0 '
	assert_line --regexp '^Build Cache +0 +0 '
	run b system df --format '{{.Type}}={{.TotalCount}}'
	assert_line "Containers=2"
}

@test "attach: ctrl-p ctrl-q detaches and the container keeps running" {
	r -dit --name att busybox sh >/dev/null
	run bash -c "(sleep 1; printf 'echo hi\r'; sleep 0.5; printf '\020\021'; sleep 2) | timeout 15 script -qec '$BERTH --root $TEST_TMP/root --runroot $TEST_TMP/run attach att' /dev/null"
	assert_success
	assert_output --partial hi
	run b inspect --format '{{.State.Status}}' att
	assert_output running
	# other keys with --detach-keys; ctrl-p ctrl-q then reaches the shell
	run bash -c "(sleep 1; printf '\020\021echo still\r'; sleep 0.5; printf '\001'; sleep 2) | timeout 15 script -qec '$BERTH --root $TEST_TMP/root --runroot $TEST_TMP/run attach --detach-keys ctrl-a att' /dev/null"
	assert_success
	assert_output --partial still
	run b inspect --format '{{.State.Status}}' att
	assert_output running
	run b attach --detach-keys ctrl-9 att
	assert_failure
}
