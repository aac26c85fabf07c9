#!/usr/bin/env bash
# bench/engine.sh [build-dir] [N=10]
#
# Everyday container commands, Berth against podman (crun, --network none,
# cgroupfs, its overlay store) and docker when a docker engine answers,
# interleaved run by run so that drift in the machine hits all alike:
#   run --rm busybox true    create, start, wait, remove
#   run -d, stop -t 0        a detached start; a stop that kills at once
#   exec true                a second process in a running container
#   ps -a                    with 50 running containers
#   logs                     a container that wrote 1000 lines
#   version                  the CLI's own start-up
# and, with the 50 containers running, the memory of what stays with each
# one (berth-monitor, podman's conmon): RSS and PSS from smaps_rollup.
# Both keep what does not persist (runroot) on a tmpfs, as /run is.
# Reported: medians and the ratios to podman's.  Needs root and podman.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
N=${2:-10}
BERTH=$build/src/cmd/berth
die() { echo "bench: $*" >&2; exit 1; }
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number, not \"$N\""
[ -x "$BERTH" ] || die "no berth at $BERTH (build it first: make build)"
[ "$(id -u)" -eq 0 ] || die "must run as root"
command -v podman >/dev/null || die "podman is needed (apt-get install podman)"
command -v crun >/dev/null || die "crun is needed (apt-get install crun)"

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-engine.XXXXXX")
cleanup() {
	set +e
	b rm -f $(b ps -aq 2>/dev/null) >/dev/null 2>&1
	pm rm -af -t 0 >/dev/null 2>&1
	pm rmi -af >/dev/null 2>&1
	awk -v d="$work" 'index($5, d "/") == 1 {print $5}' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/podman"
cat >"$work/podman/containers.conf" <<EOF
[containers]
default_ulimits = []
[engine]
events_logger = "file"
cgroup_manager = "cgroupfs"
runtime = "crun"
EOF
# What does not persist lives on a tmpfs, as /run does on every host.
mkdir -p "$work/run"
mount -t tmpfs -o mode=0700 berth-bench "$work/run"
b() { "$BERTH" --root "$work/berth/root" --runroot "$work/run/berth" "$@"; }
pm() {
	CONTAINERS_CONF=$work/podman/containers.conf podman --root "$work/podman/store" \
		--runroot "$work/run/podman" --tmpdir "$work/run/podman-tmp" "$@"
}
docker_ok=false
if command -v docker >/dev/null && timeout 5 docker info >/dev/null 2>&1; then
	docker_ok=true
fi
tools="berth podman"
$docker_ok && tools="$tools docker"

# The same busybox image in every store.
"$top/tools/busybox-rootfs.sh" | b import --change 'CMD ["sh"]' - busybox:latest >/dev/null
b save busybox | pm load -q >/dev/null
if $docker_ok; then b save busybox | docker load -q >/dev/null; fi

# run TOOL ARGS...: the tool's engine with the benchmark's flags
run_tool() {
	local tool=$1
	shift
	case $tool in
	berth) b "$@" ;;
	podman) pm "$@" ;;
	docker) docker "$@" ;;
	esac
}
# The same for all: no network (bench/network.sh measures networks).
run_flags() {
	echo "--network none"
}

# time_it NAME TOOL ARGS...: one timed run, appended to $work/t-NAME-TOOL
time_it() {
	local name=$1 tool=$2
	shift 2
	local t0 t1
	t0=$EPOCHREALTIME
	run_tool "$tool" "$@" >/dev/null 2>"$work/err.out" ||
		{ cat "$work/err.out" >&2; die "$tool $* failed"; }
	t1=$EPOCHREALTIME
	echo "$t0 $t1" | awk '{printf "%.6f\n", $2 - $1}' >>"$work/t-$name-$tool"
}

# Warm up each (first runs fill caches, make the seccomp cache...).
for tool in $tools; do
	run_tool "$tool" run --rm $(run_flags "$tool") busybox true >/dev/null
done

for i in $(seq "$N"); do
	for tool in $tools; do
		f=$(run_flags "$tool")
		time_it run-rm "$tool" run --rm $f busybox true
		time_it version "$tool" version
		t0=$EPOCHREALTIME
		id=$(run_tool "$tool" run -d $f busybox sleep 1000)
		t1=$EPOCHREALTIME
		echo "$t0 $t1" | awk '{printf "%.6f\n", $2 - $1}' >>"$work/t-run-d-$tool"
		time_it exec "$tool" exec "$id" true
		time_it stop "$tool" stop -t 0 "$id"
		run_tool "$tool" rm -f "$id" >/dev/null
	done
done

# logs: 1000 lines
for tool in $tools; do
	run_tool "$tool" run --name logger $(run_flags "$tool") busybox \
		sh -c 'i=0; while [ $i -lt 1000 ]; do echo "line $i of the log"; i=$((i+1)); done' >/dev/null
done
for i in $(seq "$N"); do
	for tool in $tools; do time_it logs "$tool" logs logger; done
done
for tool in $tools; do run_tool "$tool" rm -f logger >/dev/null; done

# 50 running containers each: ps -a, and what stays with each
for tool in $tools; do
	for i in $(seq 50); do run_tool "$tool" run -d $(run_flags "$tool") busybox sleep 1000 >/dev/null; done
done
for i in $(seq "$N"); do
	for tool in $tools; do time_it ps "$tool" ps -a; done
done
mem() { # mem PATTERN: "rss pss" in KiB, averaged over the processes
	local pids
	pids=$(pgrep -f "$1" || true)
	[ -n "$pids" ] || { echo "0 0 0"; return; }
	for p in $pids; do
		awk '/^Rss:/ {r=$2} /^Pss:/ {p=$2} END {print r, p}' "/proc/$p/smaps_rollup" 2>/dev/null
	done | awk '{r+=$1; p+=$2; n++} END {printf "%d %d %d\n", r/n, p/n, n}'
}
read -r mb_rss mb_pss mb_n < <(mem "^$build/src/cmd/berth-monitor .*$work/")
read -r mc_rss mc_pss mc_n < <(mem "conmon .*$work/podman")
for tool in $tools; do
	ids=$(run_tool "$tool" ps -aq)
	[ -z "$ids" ] || run_tool "$tool" rm -f $( [ "$tool" = berth ] || echo "-t 0") $ids >/dev/null 2>&1 || true
done

python3 - "$work" "$N" "$tools" "$mb_rss $mb_pss $mb_n" "$mc_rss $mc_pss $mc_n" <<'PY'
import os, statistics, sys
work, n, tools = sys.argv[1], sys.argv[2], sys.argv[3].split()
def med(op, tool):
    p = os.path.join(work, f"t-{op}-{tool}")
    if not os.path.exists(p):
        return None
    return statistics.median(float(l) for l in open(p) if l.strip())
print(f"engine commands, {n} rounds interleaved ({', '.join(tools)}); medians; ratios against podman")
print(f"{'operation':<22}" + "".join(f"{t + '/podman':>16}" for t in tools if t != "podman") + f"{'podman/berth':>15}")
labels = {"run-rm": "run --rm true", "run-d": "run -d", "stop": "stop -t 0", "exec": "exec true",
          "ps": "ps -a (50 running)", "logs": "logs (1000 lines)", "version": "version (start-up)"}
for op in ("run-rm", "run-d", "exec", "stop", "ps", "logs", "version"):
    ref = med(op, "podman")
    row = f"{labels[op]:<22}"
    for t in tools:
        if t == "podman":
            continue
        v = med(op, t)
        row += f"{v / ref:>15.3f}x" if v and ref else f"{'-':>16}"
    b = med(op, "berth")
    row += f"{ref / b:>14.1f}x" if b and ref else ""
    print(row)
mb = [int(x) for x in sys.argv[4].split()]
mc = [int(x) for x in sys.argv[5].split()]
print(f"per-container monitor with 50 running: berth-monitor RSS {mb[0]} KiB, PSS {mb[1]} KiB ({mb[2]} seen); "
      f"conmon RSS {mc[0]} KiB, PSS {mc[1]} KiB ({mc[2]} seen)")
if mc[0] and mc[1]:
    print(f"monitor ratios: RSS {mb[0] / mc[0]:.2f}x, PSS {mb[1] / mc[1]:.2f}x conmon's")
PY
