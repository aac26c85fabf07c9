#!/usr/bin/env bats
# Volumes whose data lives elsewhere: the local driver with mount options
# (tmpfs, a bind), the sshfs driver against an sshd in a network namespace
# the test makes (two stores on this machine see the same bytes), and
# docker's volume plugin protocol (a plugin on a unix socket).  Each is
# mounted while a container runs with it and unmounted when none does.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	TEST_TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/berth-test.XXXXXX")
	STATE=$TEST_TMP/state
	b import --change 'CMD ["sh"]' "$(busybox_tar)" busybox:latest >/dev/null
	NS=""
	PLUGIN_PID=""
}

teardown() {
	local ids
	for s in b b2; do
		[ -d "$TEST_TMP/root2" ] || [ "$s" = b ] || continue
		ids=$($s ps -aq --no-trunc 2>/dev/null)
		[ -z "$ids" ] || $s rm -f $ids >/dev/null 2>&1
		ids=$($s volume ls -q 2>/dev/null)
		[ -z "$ids" ] || $s volume rm -f $ids >/dev/null 2>&1
	done
	local leaked=""
	grep -q " $TEST_TMP/" /proc/self/mountinfo && leaked="mount: $(grep " $TEST_TMP/" /proc/self/mountinfo | awk '{print $5}')"
	[ -n "$PLUGIN_PID" ] && kill "$PLUGIN_PID" 2>/dev/null && rm -f "$PLUGIN_SOCK"
	if [ -n "$NS" ]; then
		[ -f "$TEST_TMP/sshd.pid" ] && kill "$(cat "$TEST_TMP/sshd.pid")" 2>/dev/null
		ip netns del "$NS" 2>/dev/null
		ip link del "$VETH" 2>/dev/null
	fi
	cd /
	unmount_below "$TEST_TMP"
	rm -rf "$TEST_TMP"
	[ -z "$leaked" ] || { echo "leaked: $leaked" >&2; return 1; }
}

r() { b run --network none "$@"; }
b2() { "$BERTH" --root "$TEST_TMP/root2" --runroot "$TEST_TMP/run2" "$@"; }

mounted() { grep -q " $TEST_TMP/root/volumes/$1/_data " /proc/self/mountinfo; }

@test "the local driver with mount options: tmpfs and a bind, mounted only while used" {
	run b volume create --opt type=tmpfs --opt device=tmpfs --opt o=size=4m,mode=0777 scratch
	assert_success
	! mounted scratch
	r -d --name user -v scratch:/s busybox sh -c 'echo in-tmpfs >/s/f; sleep 1000' >/dev/null
	mounted scratch
	run r --rm -v scratch:/s busybox sh -c 'cat /s/f; df -k /s | tail -1 | awk "{print \$2}"'
	assert_output "in-tmpfs
4096"
	b rm -f user >/dev/null
	! mounted scratch
	# a tmpfs starts empty again: its data lived only while mounted
	run r --rm -v scratch:/s busybox ls /s
	assert_output ""
	! mounted scratch
	mkdir -p "$TEST_TMP/host"
	echo from-host >"$TEST_TMP/host/h"
	b volume create -o type=none -o o=bind -o device="$TEST_TMP/host" hostdir >/dev/null
	run r --rm -v hostdir:/h busybox sh -c 'cat /h/h; echo from-container >/h/c'
	assert_output from-host
	assert_equal "$(cat "$TEST_TMP/host/c")" from-container
	! mounted hostdir
	run b volume inspect --format '{{json .Options}}' hostdir
	assert_output --partial '"device":"'"$TEST_TMP/host"'"'
	# --mount makes one with its driver and options
	run r --rm --mount type=volume,src=mt,dst=/m,volume-opt=type=tmpfs,volume-opt=device=tmpfs \
		busybox sh -c 'grep " /m " /proc/mounts | cut -d" " -f3'
	assert_output tmpfs
	! mounted mt
	run b volume create --opt type=nfs nodev
	assert_failure
	assert_output --partial "--opt device= is needed for type nfs"
	run b volume create --opt colour=blue x2
	assert_failure
	assert_output --partial 'unknown option "colour"'
}

# An sshd in a network namespace of the test's own, serving this machine's
# files: a remote server as far as berth can tell.
start_sshd() {
	command -v sshfs >/dev/null || skip "sshfs is not installed"
	[ -x /usr/sbin/sshd ] || skip "openssh-server is not installed"
	[ -c /dev/fuse ] || skip "no /dev/fuse"
	NS=berthssh$$
	VETH=bvs$$
	local net=10.$((240 + RANDOM % 10)).$((RANDOM % 250)).0
	HOST_IP=${net%.0}.1
	SSH_IP=${net%.0}.2
	ip netns add "$NS"
	ip link add "$VETH" type veth peer name eth0 netns "$NS"
	ip addr add "$HOST_IP/30" dev "$VETH"
	ip link set "$VETH" up
	ip -n "$NS" addr add "$SSH_IP/30" dev eth0
	ip -n "$NS" link set eth0 up
	ip -n "$NS" link set lo up
	mkdir -p /run/sshd "$TEST_TMP/ssh" "$TEST_TMP/remote"
	ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/ssh/hostkey"
	ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/ssh/key"
	cp "$TEST_TMP/ssh/key.pub" "$TEST_TMP/ssh/authorized_keys"
	cat >"$TEST_TMP/ssh/sshd_config" <<-EOF
		ListenAddress $SSH_IP
		Port 2222
		HostKey $TEST_TMP/ssh/hostkey
		AuthorizedKeysFile $TEST_TMP/ssh/authorized_keys
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		StrictModes no
		UsePAM no
		PidFile $TEST_TMP/sshd.pid
		Subsystem sftp internal-sftp
	EOF
	ip netns exec "$NS" /usr/sbin/sshd -f "$TEST_TMP/ssh/sshd_config" -E "$TEST_TMP/sshd.log"
	local i
	for i in $(seq 50); do
		[ -s "$TEST_TMP/sshd.pid" ] && break
		sleep 0.1
	done
	[ -s "$TEST_TMP/sshd.pid" ] || fail "sshd did not start: $(cat "$TEST_TMP/sshd.log")"
}

@test "an sshfs volume: two stores on this machine see the same bytes on the remote server" {
	start_sshd
	local opts=(--driver sshfs --opt "remote=root@$SSH_IP:$TEST_TMP/remote" --opt port=2222
		--opt "identityfile=$TEST_TMP/ssh/key")
	run b volume create "${opts[@]}" shared
	assert_success
	b2 import --change 'CMD ["sh"]' "$(busybox_tar)" busybox:latest >/dev/null
	run b2 volume create "${opts[@]}" shared
	assert_success
	run r --rm -v shared:/data busybox sh -c 'echo written-by-store-1 >/data/f && sync'
	assert_success
	# the bytes are on the server's disk
	assert_equal "$(cat "$TEST_TMP/remote/f")" written-by-store-1
	! mounted shared
	run b2 run --rm --network none -v shared:/data busybox sh -c 'cat /data/f; echo and-store-2 >>/data/f'
	assert_success
	assert_output written-by-store-1
	run r --rm -v shared:/data busybox cat /data/f
	assert_output "written-by-store-1
and-store-2"
	# while a container runs with it, it is mounted; then no more
	r -d --name keep -v shared:/data busybox sleep 1000 >/dev/null
	grep -q " $TEST_TMP/root/volumes/shared/_data " /proc/self/mountinfo
	b rm -f keep >/dev/null
	! mounted shared
	run b volume inspect --format '{{.Driver}}' shared
	assert_output sshfs
	run b volume create --driver sshfs nothere
	assert_failure
	assert_output --partial "--opt remote=USER@HOST:PATH is needed"
}

@test "a volume plugin (docker's protocol on a unix socket): create, mount, unmount, remove" {
	mkdir -p /run/docker/plugins "$TEST_TMP/plugin"
	PLUGIN=berthtest$$
	PLUGIN_SOCK=/run/docker/plugins/$PLUGIN.sock
	"$BATS_TEST_DIRNAME/../helpers/volume-plugin.py" "$PLUGIN_SOCK" "$TEST_TMP/plugin" \
		"$TEST_TMP/plugin.log" </dev/null >/dev/null 2>&1 3>&- &
	PLUGIN_PID=$!
	local i
	for i in $(seq 50); do
		[ -S "$PLUGIN_SOCK" ] && break
		sleep 0.1
	done
	run b volume create -d "$PLUGIN" -o size=1 pv
	assert_success
	[ -d "$TEST_TMP/plugin/pv" ]
	assert_equal "$(cat "$TEST_TMP/plugin/pv/.opts")" '{"size": "1"}'
	run r --rm -v pv:/p busybox sh -c 'echo through-the-plugin >/p/f'
	assert_success
	assert_equal "$(cat "$TEST_TMP/plugin/pv/f")" through-the-plugin
	! mounted pv
	run cat "$TEST_TMP/plugin.log"
	assert_line "Create pv"
	assert_line "Mount pv"
	assert_line "Unmount pv"
	run b volume rm pv
	assert_success
	[ ! -d "$TEST_TMP/plugin/pv" ]
	run grep -c "Remove pv" "$TEST_TMP/plugin.log"
	assert_output 1
	# the plugin's error is the user's
	run b volume create -d "$PLUGIN" -o fail=1 bad
	assert_failure
	assert_output --partial "asked to fail"
	run b volume ls -q
	assert_output ""
	run b volume create -d nosuchplugin v
	assert_failure
	assert_output --partial 'volume driver "nosuchplugin" is not known'
}
