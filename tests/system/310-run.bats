#!/usr/bin/env bats
# berth run, start, stop, kill, wait, logs, exec: containers that run, with
# a monitor each.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	TEST_TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/berth-test.XXXXXX")
	STATE=$TEST_TMP/state
	ID=t$BATS_TEST_NUMBER-$$
	b import --change 'CMD ["sh"]' "$(busybox_tar)" busybox:latest >/dev/null
}

# Every container of the test goes; then nothing of them may be left: no
# monitor, no container process, no mount, no cgroup, no runtime state.
teardown() {
	local ids
	ids=$(b ps -aq --no-trunc 2>/dev/null)
	[ -z "$ids" ] || b rm -f $ids >/dev/null 2>&1
	local leaked=()
	pgrep -f "berth-monitor .*$TEST_TMP" >/dev/null && leaked+=("monitor")
	grep -q " $TEST_TMP/" /proc/self/mountinfo && leaked+=("mount")
	local id d
	for id in $ids $EXTRA_IDS; do
		for d in /sys/fs/cgroup/*/berth/"$id" /sys/fs/cgroup/berth/"$id"; do
			[ -d "$d" ] && leaked+=("cgroup $d") && rmdir "$d" 2>/dev/null
		done
	done
	if [ -d "$TEST_TMP/run/runtime" ] && [ -n "$(ls "$TEST_TMP/run/runtime")" ]; then
		leaked+=("runtime state: $(ls "$TEST_TMP/run/runtime")")
	fi
	pkill -9 -f "berth-monitor .*$TEST_TMP" 2>/dev/null
	net_teardown
	cd /
	unmount_below "$TEST_TMP"
	rm -rf "$TEST_TMP"
	if [ ${#leaked[@]} -gt 0 ]; then
		echo "leaked: ${leaked[*]}" >&2
		return 1
	fi
}

# Wait (at most 10 s) until `b ps -a` shows container $1 in state $2.
wait_state() {
	local i
	for i in $(seq 100); do
		[ "$(b ps -a --filter "name=^$1\$" --format '{{.State}}' 2>/dev/null)" = "$2" ] && return 0
		[ "$(b inspect --format '{{.State.Status}}' "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	echo "container $1 never became $2" >&2
	return 1
}

@test "run in the foreground: output, exit code, --rm" {
	run b run --rm busybox echo hello
	assert_success
	assert_output hello
	run b ps -aq
	assert_output ""
	# stdout and stderr stay apart; the exit code is the container's
	run --separate-stderr b run --name three busybox sh -c 'echo out; echo err >&2; exit 3'
	assert_failure 3
	assert_output out
	assert_equal "$stderr" err
	run b ps -a --format '{{.Names}} {{.Status}}'
	assert_output --regexp '^three Exited \(3\) '
}

@test "exit codes: 125 for berth, 126 cannot run, 127 not found; nothing left" {
	run -127 b run --rm busybox nosuchcmd
	assert_failure 127
	assert_output --partial 'exec "nosuchcmd": executable file not found in $PATH'
	run -126 b run --rm busybox /etc/passwd
	assert_failure 126
	run b run --rm nosuchimage
	assert_failure 125
	assert_output --partial "Unable to find image 'nosuchimage' locally"
	run b run --memory 12q busybox true
	assert_failure 125
	assert_output --partial 'invalid argument "12q" for "--memory" flag'
	run b run --bogus busybox true
	assert_failure 125
	# the --rm ones went; one that could not start stays created
	run -127 b run --name stays busybox nosuchcmd
	assert_failure 127
	run b ps -a --format '{{.Names}} {{.State}}'
	assert_output "stays created"
}

@test "stdin with -i, a terminal with -t" {
	run b run --rm -i busybox sh -c 'tr a-z A-Z; echo done'<<<"piped input"
	assert_success
	assert_output "PIPED INPUT
done"
	# without -i the container's stdin is empty
	run b run --rm busybox cat <<<"not read"
	assert_success
	assert_output ""
	# -t: a pty of the container's own, our terminal's size
	run script -qec "stty rows 33 cols 101; $BERTH --root $TEST_TMP/root --runroot $TEST_TMP/run run --rm -t busybox sh -c 'tty; stty size; exit 4'" /dev/null </dev/null
	assert_failure 4
	assert_line --partial /dev/pts/0
	assert_line --partial "33 101"
	# -it with input from the terminal
	run script -qec "$BERTH --root $TEST_TMP/root --runroot $TEST_TMP/run run --rm -it busybox sh -c 'read x; echo got \$x'" /dev/null <<<"typed"
	assert_success
	assert_output --partial "got typed"
	run b run -it busybox true </dev/null
	assert_failure 125
	assert_output --partial "the input device is not a TTY"
}

@test "run -d, ps, logs, stop, start again, wait" {
	run b run -d --name ticker busybox sh -c 'trap "echo bye; exit 5" TERM; echo started; while true; do sleep 0.1; done'
	assert_success
	assert_output --regexp '^[0-9a-f]{64}$'
	local id=$output
	run b ps --format '{{.ID}} {{.Names}} {{.State}}'
	assert_output "${id:0:12} ticker running"
	run b ps --format '{{.Status}}'
	assert_output --regexp '^Up '
	# its output is logged while it runs
	for _ in $(seq 50); do b logs ticker | grep -q started && break; sleep 0.1; done
	run b logs ticker
	assert_output started
	# stop: the stop signal, the trap runs, the exit is recorded
	run b stop ticker
	assert_success
	assert_output ticker
	run b ps -a --format '{{.Names}} {{.Status}}'
	assert_output --regexp '^ticker Exited \(5\) '
	run b logs ticker
	assert_output "started
bye"
	run b wait ticker
	assert_output 5
	# start again: the same container, its log goes on
	run b start ticker
	assert_output ticker
	wait_state ticker running
	run b kill -s TERM ticker
	assert_success
	run b wait ticker
	assert_output 5
	run b logs ticker
	assert_output "started
bye
started
bye"
	# nothing of the runs is left in the runtime
	EXTRA_IDS=$id
}

@test "stop: SIGKILL after the timeout; --stop-signal; restart; stop of a stopped container" {
	b run -d --name deaf busybox sh -c 'trap "" TERM; while true; do sleep 0.1; done' >/dev/null
	run b stop -t 1 deaf
	assert_success
	run b inspect --format '{{.State.ExitCode}}' deaf
	assert_output 137
	run b stop deaf
	assert_success
	b run -d --name usr1 --stop-signal USR1 busybox sh -c 'trap "exit 9" USR1; while true; do sleep 0.1; done' >/dev/null
	run b stop usr1
	assert_success
	run b wait usr1
	assert_output 9
	run b restart -t 1 deaf
	assert_success
	assert_output deaf
	wait_state deaf running
	run b kill -s NOSUCH deaf
	assert_failure 125
	assert_output --partial "invalid signal: NOSUCH"
	run b kill deaf
	assert_success
	run b wait deaf
	assert_output 137
	run b kill deaf
	assert_failure 125
	assert_output --partial "is not running"
}

@test "exec: a command in the running container, its exit code, -e -u -w -d -i" {
	b run -d --name box busybox sleep 1000 >/dev/null
	run b exec box sh -c 'echo in; ps -o pid,comm | grep -c sleep'
	assert_success
	assert_output "in
1"
	run b exec box sh -c 'exit 6'
	assert_failure 6
	run -127 b exec box nosuchcmd
	assert_failure 127
	run b exec -e A=1 -u nobody -w /tmp box sh -c 'echo $A $(id -u) $(pwd)'
	assert_output "1 65534 /tmp"
	run b exec -i box cat <<<"to exec"
	assert_output "to exec"
	run b exec -d box sh -c 'echo detached >/tmp/mark'
	assert_success
	for _ in $(seq 50); do b exec box test -f /tmp/mark && break; sleep 0.1; done
	run b exec box cat /tmp/mark
	assert_output detached
	run b exec nosuch true
	assert_failure 125
	assert_output --partial "No such container: nosuch"
	b stop -t 0 box >/dev/null
	run b exec box true
	assert_failure 125
	assert_output --partial "is not running"
}

@test "logs: --tail, -t, --since, --until, -f, k8s-file, none" {
	b run --name lg busybox sh -c 'echo one; echo two >&2; echo three; printf partial' >/dev/null
	run --separate-stderr b logs lg
	assert_output "one
three
partial"
	assert_equal "$stderr" two
	b run --name tl busybox sh -c 'echo one; echo two; echo three' >/dev/null
	run b logs --tail 2 tl
	assert_output "two
three"
	run b logs --tail 0 tl
	assert_output ""
	run b logs -t --tail 1 tl
	assert_output --regexp '^20[0-9-]+T[0-9:.]+Z three$'
	run b logs --since 1h lg
	assert_line one
	run b logs --until 2000-01-01T00:00:00Z lg
	assert_output ""
	run b logs --since 10m --until 2099-01-01T00:00:00Z lg
	assert_line three
	# the file is docker's json-file
	local id
	id=$(b ps -aq --no-trunc --filter name=lg)
	# (stdout and stderr are two pipes: their order is the reader's)
	run sh -c "jq -r .stream '$TEST_TMP/root/containers/$id/$id-json.log' | sort"
	assert_output "stderr
stdout
stdout
stdout"
	# -f follows until the container exits
	b run -d --name fw busybox sh -c 'echo a; sleep 1; echo b' >/dev/null
	run timeout 20 "$BERTH" --root "$TEST_TMP/root" --runroot "$TEST_TMP/run" logs -f fw
	assert_success
	assert_output "a
b"
	# podman's k8s-file, and none
	b run --name kf --log-driver k8s-file busybox sh -c 'echo kube' >/dev/null
	run b logs kf
	assert_output kube
	id=$(b ps -aq --no-trunc --filter name=kf)
	run cat "$TEST_TMP/root/containers/$id/$id.log"
	assert_output --regexp '^20[0-9-]+T[0-9:.]+Z stdout F kube$'
	b run --name nl --log-driver none busybox echo nothing >/dev/null
	run b logs nl
	assert_failure 125
	assert_output --partial "configured logging driver does not support reading"
	run b run --log-driver syslog busybox true
	assert_failure 125
	assert_output --partial 'unknown log driver "syslog"'
}

@test "signals reach the container; --sig-proxy=false keeps them" {
	"$BERTH" --root "$TEST_TMP/root" --runroot "$TEST_TMP/run" run --name sig busybox \
		sh -c 'trap "echo got INT; exit 8" INT; echo ready; while true; do sleep 0.1; done' \
		>"$TEST_TMP/out" &
	local cli=$!
	for _ in $(seq 100); do grep -q ready "$TEST_TMP/out" && break; sleep 0.1; done
	kill -INT $cli
	# (the test fails rather than hangs when the signal is lost)
	(sleep 20; kill -9 $cli 2>/dev/null) &
	local guard=$!
	wait $cli || rc=$?
	kill $guard 2>/dev/null || true
	assert_equal "${rc:-0}" 8
	run cat "$TEST_TMP/out"
	assert_output "ready
got INT"
	# --sig-proxy=false: the signal stays with berth, the container runs on
	"$BERTH" --root "$TEST_TMP/root" --runroot "$TEST_TMP/run" run --sig-proxy=false \
		--name keep busybox sh -c 'trap "echo got INT; exit 8" INT; echo ready; while true; do sleep 0.1; done' \
		>"$TEST_TMP/out2" &
	cli=$!
	for _ in $(seq 100); do grep -q ready "$TEST_TMP/out2" && break; sleep 0.1; done
	kill -INT $cli
	run b ps --filter name=keep --format '{{.State}}'
	assert_output running
	b stop -t 0 keep >/dev/null
	wait $cli || true
	run cat "$TEST_TMP/out2"
	assert_output ready
}

@test "faults: the CLI or the monitor killed; ps stays truthful, rm -f cleans up" {
	# the CLI killed during a foreground run: the container runs on
	"$BERTH" --root "$TEST_TMP/root" --runroot "$TEST_TMP/run" run --name fg busybox sleep 1000 &
	local cli=$!
	wait_state fg running
	kill -9 $cli
	wait $cli || true
	run b ps --format '{{.Names}} {{.State}}'
	assert_output "fg running"
	# the monitor killed: still running, as it is; then killed: exited
	b run -d --name orphan busybox sleep 1000 >/dev/null
	local mon
	mon=$(pgrep -f "berth-monitor .*$(b ps -q --no-trunc --filter name=orphan)")
	kill -9 $mon
	run b ps --filter name=orphan --format '{{.State}}'
	assert_output running
	run b exec orphan true
	assert_success
	local pid
	pid=$(b inspect --format '{{.State.Pid}}' orphan)
	kill -9 "$pid"
	wait_state orphan exited
	run b wait orphan
	assert_success
	# rm -f of running ones, of the orphaned one
	run b rm -f fg orphan
	assert_success
	run b ps -aq
	assert_output ""
}

@test "20 run --rm and 20 rm -f at once: nothing lost, nothing left" {
	local i pids=()
	for i in $(seq 20); do
		b run --rm busybox sh -c "echo $i" >"$TEST_TMP/o$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	for i in $(seq 20); do assert_equal "$(cat "$TEST_TMP/o$i")" "$i"; done
	run b ps -aq
	assert_output ""
	for i in $(seq 20); do b run -d --name "c$i" busybox sleep 1000 >/dev/null; done
	assert_equal "$(b ps -q | wc -l)" 20
	pids=()
	for i in $(seq 20); do
		b rm -f "c$i" >/dev/null &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	run b ps -aq
	assert_output ""
	[ -z "$(ls "$TEST_TMP/root/containers" | grep -v '^names$')" ]
	[ -z "$(ls "$TEST_TMP/root/containers/names")" ]
	# rm -f returns once each monitor is gone
	! pgrep -f "berth-monitor .*$TEST_TMP" >/dev/null
}

@test "after a reboot (monitors and containers gone, runroot cleared): exited, and start works" {
	b run -d --name survivor busybox sh -c 'echo up; sleep 1000' >/dev/null
	local id mon pid
	id=$(b ps -q --no-trunc)
	pid=$(b inspect --format '{{.State.Pid}}' survivor)
	mon=$(pgrep -f "berth-monitor .*$id")
	kill -9 "$mon" "$pid"
	# what a reboot takes: processes, the runtime's state, mounts
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	for d in /sys/fs/cgroup/*/berth/"$id"; do rmdir "$d" 2>/dev/null || true; done
	unmount_below "$TEST_TMP/run"
	rm -rf "$TEST_TMP/run"
	net_teardown
	nft list tables | awk '/berth_/ {print $3}' | while read -r t; do nft delete table ip "$t"; done
	umount "$TEST_TMP/root/containers/$id/fs/merged"
	run b ps -a --format '{{.Names}} {{.State}}'
	assert_output "survivor exited"
	run b start survivor
	assert_success
	wait_state survivor running
	run b exec survivor echo again
	assert_output again
	run b logs survivor
	assert_output "up
up"
}

@test "--runtime crun runs the same container" {
	command -v crun >/dev/null || skip "crun is not installed"
	run b --runtime "$(command -v crun)" run --rm busybox sh -c 'echo from crun; exit 2'
	assert_failure 2
	assert_output "from crun"
	b --runtime "$(command -v crun)" run -d --name cr busybox sleep 1000 >/dev/null
	run b exec cr echo exec-crun
	assert_output exec-crun
	run b stop -t 1 cr
	assert_success
	run b start cr
	assert_success
	run b rm -f cr
	assert_success
}

@test "run options: -v, --mount, --tmpfs, --env-file, --ulimit, --sysctl, --device, --init, /etc files" {
	mkdir -p "$TEST_TMP/host"
	echo from-host >"$TEST_TMP/host/f"
	run b run --rm -v "$TEST_TMP/host:/data" busybox sh -c 'cat /data/f; echo back >/data/g'
	assert_success
	assert_output from-host
	assert_equal "$(cat "$TEST_TMP/host/g")" back
	run b run --rm -v "$TEST_TMP/host:/data:ro" busybox sh -c 'touch /data/x'
	assert_failure
	assert_output --partial "Read-only file system"
	# -v makes a missing host directory; --mount does not
	run b run --rm -v "$TEST_TMP/made:/m" busybox true
	assert_success
	[ -d "$TEST_TMP/made" ]
	run b run --rm --mount "type=bind,source=$TEST_TMP/nothere,target=/m" busybox true
	assert_failure 125
	assert_output --partial "bind source path"
	run b run --rm --mount "type=bind,src=$TEST_TMP/host,dst=/m,readonly" \
		--mount type=tmpfs,target=/t,tmpfs-size=2m --tmpfs /scratch:size=1m busybox \
		sh -c 'cat /m/f; df -k /t /scratch | awk "NR>1 {print \$2}"; grep " /scratch " /proc/mounts'
	assert_success
	assert_line --index 0 from-host
	assert_line --index 1 2048
	assert_line --index 2 1024
	assert_line --index 3 --partial "nosuid,nodev,noexec"
	run b run --rm -v ./relative:/x busybox true
	assert_failure 125
	assert_output --partial 'invalid volume name "./relative"'
	run b run --rm -v "$TEST_TMP/host:relative" busybox true
	assert_failure 125
	assert_output --partial "the destination must be an absolute path"
	# environment from a file, limits, sysctls
	printf 'A=1\n# a comment\n\nB\n' >"$TEST_TMP/env"
	B=from-caller run b run --rm --env-file "$TEST_TMP/env" busybox sh -c 'echo $A $B'
	assert_output "1 from-caller"
	run b run --rm --ulimit nofile=100:200 busybox sh -c 'ulimit -n; ulimit -Hn'
	assert_output "100
200"
	run b run --rm --ulimit nofile=300:200 busybox true
	assert_failure 125
	run b run --rm --sysctl net.ipv4.ip_forward=1 busybox cat /proc/sys/net/ipv4/ip_forward
	assert_output 1
	run b run --rm --device /dev/null:/dev/mynull busybox sh -c 'echo x >/dev/mynull && echo ok'
	assert_output ok
	# --init: pid 1 is ours, it reaps and passes signals on
	run b run --rm --init busybox sh -c 'ps -o pid,comm | sed -n 2p; sleep 1 & exit 3'
	assert_failure 3
	assert_output --regexp '^ +1 init$'
	# the container's own /etc/hostname, /etc/hosts, /etc/resolv.conf
	run b run --rm -h web.local busybox sh -c 'cat /etc/hostname; grep -c localhost /etc/hosts; grep -c "nameserver 127" /etc/resolv.conf'
	assert_line --index 0 web.local
	assert_line --index 1 --regexp '^[1-9]'
	assert_line --index 2 0
	# docker's seccomp profile by default; unconfined on request
	run b run --rm busybox grep Seccomp: /proc/self/status
	assert_output --regexp 'Seccomp:.2'
	run b run --rm --security-opt seccomp=unconfined busybox grep Seccomp: /proc/self/status
	assert_output --regexp 'Seccomp:.0'
	echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}' >"$TEST_TMP/sc.json"
	run b run --rm --security-opt "seccomp=$TEST_TMP/sc.json" busybox mkdir /x
	assert_failure
	assert_output --partial "Operation not permitted"
	run b run --rm --pull never nosuchimage true
	assert_failure 125
	assert_output --partial "Unable to find image 'nosuchimage' locally"
	# --cidfile: the id, once; an existing file is refused
	run b run -d --cidfile "$TEST_TMP/cid" busybox sleep 1000
	assert_success
	assert_equal "$(cat "$TEST_TMP/cid")" "$output"
	run b run -d --cidfile "$TEST_TMP/cid" busybox true
	assert_failure 125
	assert_output --partial "container ID file found"
}

@test "info and version" {
	b run -d --name up busybox sleep 1000 >/dev/null
	b create busybox >/dev/null
	run b info
	assert_success
	assert_line --regexp '^ Containers: 2$'
	assert_line --regexp '^  Running: 1$'
	assert_line --regexp '^ Storage Driver: overlay$'
	run b info --format '{{.ContainersRunning}} {{.ContainersStopped}} {{.Images}}'
	assert_output "1 1 1"
	run b version --format '{{.Version}}'
	assert_output --regexp '^[0-9]+\.[0-9]+\.[0-9]+'
}

@test "limits hold: --memory kills, --pids-limit refuses, --read-only refuses" {
	run b run --rm -m 16m --memory-swap 16m busybox sh -c 'x=$(head -c 64000000 /dev/zero | tr "\0" a); echo survived'
	assert_failure 137
	refute_output --partial survived
	run b run --rm --pids-limit 5 busybox sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 10 & done 2>&1; echo done'
	assert_output --partial "can't fork"
	run b run --rm --read-only busybox touch /x
	assert_failure
	assert_output --partial "Read-only file system"
	run b run --rm --read-only --tmpfs /tmp busybox touch /tmp/x
	assert_success
}

@test "ps: --filter status, label, ancestor, id; -n, -l, --no-trunc; start -a, attach" {
	b run -d --name up -l tier=web busybox sleep 1000 >/dev/null
	b create --name made -l tier=db busybox echo made >/dev/null
	run b ps -a --filter status=created --format '{{.Names}}'
	assert_output made
	run b ps -a --filter label=tier=web --format '{{.Names}}'
	assert_output up
	run b ps -a --filter label=tier --format '{{.Names}}'
	assert_line up
	assert_line made
	run b ps -a --filter ancestor=busybox --filter status=running --format '{{.Names}}'
	assert_output up
	local id
	id=$(b ps -aq --no-trunc --filter name=made)
	run b ps -a --filter "id=${id:0:8}" --format '{{.Names}}'
	assert_output made
	run b ps -l --format '{{.Names}}'
	assert_output made
	run b ps -a -n 2 -q
	assert_equal "$(echo "$output" | wc -l)" 2
	run b ps --filter color=red
	assert_failure 125
	assert_output --partial 'invalid filter "color=red"'
	# start -a: the output and the exit code of a created container
	run b start -a made
	assert_success
	assert_output made
	# attach: our input to a running one (-i), its output back, its code
	b run -d -i --name talker busybox sh -c 'read x; echo got $x; exit 4' >/dev/null
	run timeout 30 "$BERTH" --root "$TEST_TMP/root" --runroot "$TEST_TMP/run" attach talker <<<hello
	assert_failure 4
	assert_output "got hello"
}
