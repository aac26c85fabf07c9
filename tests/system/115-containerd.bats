#!/usr/bin/env bats
# Interop: containerd (Debian's) with berth-runtime as the runc binary of
# its runc v2 shim (`ctr run --runc-binary`).  One containerd for the file,
# on its own socket, root and state directory; the image is a one-layer
# OCI archive of Debian's static busybox, made here.

load helpers

CTD_IMAGE=docker.io/berth/busybox:test

setup_file() {
	command -v containerd >/dev/null && command -v ctr >/dev/null || return 0
	[ -x /bin/busybox ] || return 0
	export CTD=$(mktemp -d /tmp/berth-ctd.XXXXXX)
	mkdir -p "$CTD/root" "$CTD/state" "$CTD/img/rootfs/bin" "$CTD/oci/blobs/sha256"
	cp /bin/busybox "$CTD/img/rootfs/bin/"
	for a in sh echo sleep cat id hostname true; do ln -s busybox "$CTD/img/rootfs/bin/$a"; done
	tar -C "$CTD/img/rootfs" -czf "$CTD/layer.tar.gz" .
	local l d c m
	blob() { local s; s=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$CTD/oci/blobs/sha256/$s"; echo "$s"; }
	l=$(blob "$CTD/layer.tar.gz")
	d=$(gzip -dc "$CTD/layer.tar.gz" | sha256sum | cut -d' ' -f1)
	printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$d" >"$CTD/config.json"
	c=$(blob "$CTD/config.json")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' \
		"$c" "$(stat -c %s "$CTD/config.json")" "$l" "$(stat -c %s "$CTD/layer.tar.gz")" >"$CTD/manifest.json"
	m=$(blob "$CTD/manifest.json")
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"io.containerd.image.name":"%s"}}]}' \
		"$m" "$(stat -c %s "$CTD/manifest.json")" "$CTD_IMAGE" >"$CTD/oci/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$CTD/oci/oci-layout"
	tar -C "$CTD/oci" -cf "$CTD/image.tar" .
	cat >"$CTD/config.toml" <<-EOF
		version = 2
		root = "$CTD/root"
		state = "$CTD/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$CTD/containerd.sock"
	EOF
	containerd --config "$CTD/config.toml" >"$CTD/containerd.log" 2>&1 &
	echo $! >"$CTD/pid"
	for _ in $(seq 100); do [ -S "$CTD/containerd.sock" ] && break; sleep 0.1; done
	ctr --address "$CTD/containerd.sock" image import "$CTD/image.tar" >/dev/null
}

teardown_file() {
	[ -n "${CTD:-}" ] || return 0
	local c="ctr --address $CTD/containerd.sock"
	for t in $($c task ls -q 2>/dev/null); do $c task kill -s KILL "$t"; done
	sleep 0.5
	for t in $($c task ls -q 2>/dev/null); do $c task delete -f "$t"; done
	for t in $($c container ls -q 2>/dev/null); do $c container delete "$t"; done
	kill "$(cat "$CTD/pid")" 2>/dev/null
	sleep 0.5
	awk -v d="$CTD" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$CTD"
}

setup() {
	command -v containerd >/dev/null || skip "containerd is not installed"
	[ -S "${CTD:-/nonexistent}/containerd.sock" ] || skip "containerd did not start (see its log)"
	ID=t$BATS_TEST_NUMBER-$$
}

teardown() { :; }

c() { timeout 60 ctr --address "$CTD/containerd.sock" "$@"; }

@test "containerd: ctr run --runc-binary berth-runtime runs a container" {
	run c run --rm --runc-binary "$RUNTIME" "$CTD_IMAGE" "$ID" echo hi from containerd
	assert_success
	assert_output "hi from containerd"
	run c run --rm --runc-binary "$RUNTIME" "$CTD_IMAGE" "$ID" sh -c 'exit 3'
	assert_equal "$status" 3
}

@test "containerd: task exec, pause, resume, ps, kill and delete" {
	run c run -d --runc-binary "$RUNTIME" "$CTD_IMAGE" "$ID" sleep 1000
	assert_success
	run c task exec --exec-id e1 "$ID" sh -c 'echo exec in pid namespace of $$'
	assert_success
	assert_output --regexp '^exec in pid namespace of [0-9]+$'
	run c task exec --exec-id e2 "$ID" sh -c 'exit 6'
	assert_equal "$status" 6
	run c task pause "$ID"
	assert_success
	run c task ls
	assert_line --regexp "^$ID +[0-9]+ +PAUSED"
	run c task resume "$ID"
	assert_success
	run c task ls
	assert_line --regexp "^$ID +[0-9]+ +RUNNING"
	run c task ps "$ID"
	assert_success
	assert_line --index 1 --regexp '^[0-9]+'
	run c task kill -s KILL "$ID"
	assert_success
	for _ in $(seq 50); do c task ls | grep -q "^$ID .*STOPPED" && break; sleep 0.1; done
	run c task ls
	assert_line --regexp "^$ID +[0-9]+ +STOPPED"
	run c task delete "$ID"
	assert_success
	run c container delete "$ID"
	assert_success
	[ ! -e "/run/containerd/runc/default/$ID" ] || fail "runtime state left behind"
}
