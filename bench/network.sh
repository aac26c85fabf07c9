#!/usr/bin/env bash
# bench/network.sh [build-dir] [N=10]
#
# What a bridge network costs, Berth against podman (netavark, crun,
# cgroupfs), interleaved run by run:
#   run --rm true, with --network none and on the default bridge: the
#     extra time the bridge adds (namespace, address, veth, firewall rules,
#     and their removal)
#   throughput through a published port: iperf3 in a container, the client
#     on the host connecting to 127.0.0.1 (TCP, 3 s, one stream)
#   connection rate through a published port: wrk against busybox httpd
#     (no keep-alive: one connection per request), 3 s
# Reported: medians; the extra time as a ratio to podman's (and in
# milliseconds, the issue's target being a number); the rates as ratios.
# Needs root, podman, iperf3 and wrk (apt-get install iperf3 wrk).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
N=${2:-10}
BERTH=$build/src/cmd/berth
die() { echo "bench: $*" >&2; exit 1; }
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number, not \"$N\""
[ -x "$BERTH" ] || die "no berth at $BERTH (build it first: make build)"
[ "$(id -u)" -eq 0 ] || die "must run as root"
for t in podman crun iperf3 wrk; do
	command -v $t >/dev/null || die "$t is needed (apt-get install $t)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-net.XXXXXX")
cleanup() {
	set +e
	b rm -f $(b ps -aq 2>/dev/null) >/dev/null 2>&1
	pm rm -af -t 0 >/dev/null 2>&1
	pm rmi -af >/dev/null 2>&1
	for f in "$work"/berth/root/networks/*.json; do
		[ -f "$f" ] && ip link del "$(jq -r .interface "$f")" 2>/dev/null
	done
	awk -v d="$work" 'index($5, d "/") == 1 {print $5}' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/podman" "$work/run"
mount -t tmpfs -o mode=0700 berth-bench "$work/run"
cat >"$work/podman/containers.conf" <<EOF2
[containers]
default_ulimits = []
[engine]
events_logger = "file"
cgroup_manager = "cgroupfs"
runtime = "crun"
EOF2
b() { "$BERTH" --root "$work/berth/root" --runroot "$work/run/berth" "$@"; }
pm() {
	CONTAINERS_CONF=$work/podman/containers.conf podman --root "$work/podman/store" \
		--runroot "$work/run/podman" --tmpdir "$work/run/podman-tmp" "$@"
}
run_tool() {
	local tool=$1
	shift
	case $tool in berth) b "$@" ;; podman) pm "$@" ;; esac
}

# An image with busybox and iperf3 (its libraries with it), in both stores.
img=$work/img
mkdir -p "$img"
"$top/tools/busybox-rootfs.sh" | tar -C "$img" -xf -
for f in /usr/bin/iperf3 $(ldd /usr/bin/iperf3 | awk '/=>/ {print $3} /ld-linux/ {print $1}'); do
	mkdir -p "$img$(dirname "$f")"
	cp -L "$f" "$img$f"
done
tar -C "$img" -cf - . | b import --change 'CMD ["sh"]' - netbench:latest >/dev/null
b save netbench | pm load -q >/dev/null

ms() { echo "$1 $2" | awk '{printf "%.6f\n", $2 - $1}'; }
time_run() { # time_run FILE TOOL ARGS...
	local f=$1 t0 t1
	shift
	t0=$EPOCHREALTIME
	run_tool "$@" >/dev/null 2>"$work/err.out" || { cat "$work/err.out" >&2; die "$* failed"; }
	t1=$EPOCHREALTIME
	ms "$t0" "$t1" >>"$work/$f"
}

for tool in berth podman; do # warm up
	run_tool $tool run --rm netbench true >/dev/null
	run_tool $tool run --rm --network none netbench true >/dev/null
done
for i in $(seq "$N"); do
	for tool in berth podman; do
		time_run "t-none-$tool" "$tool" run --rm --network none netbench true
		time_run "t-bridge-$tool" "$tool" run --rm netbench true
	done
done

# wait_tcp PORT: until something answers on 127.0.0.1:PORT
wait_tcp() {
	local i
	for i in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	die "nothing answers on 127.0.0.1:$1"
}
rounds=$(((N + 2) / 3))
# Both tools' servers at once (ports 15201/15280 for berth, 153xx for
# podman), the measurements interleaved.
for tool in berth podman; do
	off=0
	[ $tool = podman ] && off=100
	run_tool $tool run -d --name iperf -p $((15201 + off)):5201 netbench iperf3 -s >/dev/null
	run_tool $tool run -d --name web -p $((15280 + off)):80 netbench sh -c \
		'mkdir -p /www && echo hello >/www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
	wait_tcp $((15201 + off))
	wait_tcp $((15280 + off))
done
for i in $(seq "$rounds"); do
	for tool in berth podman; do
		off=0
		[ $tool = podman ] && off=100
		iperf3 -c 127.0.0.1 -p $((15201 + off)) -t 3 -J |
			jq '.end.sum_received.bits_per_second' >>"$work/tput-$tool"
		wrk -t 1 -c 10 -d 3s "http://127.0.0.1:$((15280 + off))/" |
			awk '/Requests\/sec/ {print $2}' >>"$work/conn-$tool"
	done
done
for tool in berth podman; do
	run_tool $tool rm -f $([ $tool = podman ] && echo "-t 0") iperf web >/dev/null
done

python3 - "$work" "$N" "$rounds" <<'PY'
import os, statistics, sys
work, n, rounds = sys.argv[1], sys.argv[2], sys.argv[3]
def med(name):
    return statistics.median(float(l) for l in open(os.path.join(work, name)) if l.strip())
extra = {t: med(f"t-bridge-{t}") - med(f"t-none-{t}") for t in ("berth", "podman")}
print(f"network, {n} rounds interleaved (berth, podman with netavark); medians")
print(f"run --rm true, bridge minus none: berth {extra['berth'] * 1000:.1f} ms, "
      f"podman {extra['podman'] * 1000:.1f} ms: {extra['berth'] / extra['podman']:.3f}x podman's")
for what, name, unit, scale in (("throughput (iperf3, 127.0.0.1 -> published port)", "tput", "Gbit/s", 1e9),
                                ("connection rate (wrk, httpd, no keep-alive)", "conn", "req/s", 1)):
    bv, pv = med(f"{name}-berth"), med(f"{name}-podman")
    print(f"{what}, {rounds} runs: berth/podman {bv / pv:.2f}x "
          f"({bv / scale:.2f} vs {pv / scale:.2f} {unit})")
PY
