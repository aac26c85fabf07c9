#!/usr/bin/env bash
# bench/build.sh [build-dir] [ROUNDS=5]
#
# `berth build` against `podman build` (buildah inside podman: crun,
# cgroupfs, --layers, --pull=never) and, when a docker engine answers,
# docker's legacy builder (DOCKER_BUILDKIT=0), interleaved round by round
# so that drift in the machine hits all alike.  The same Dockerfile and
# context for all: FROM busybox, then 10 steps mixing RUN and COPY (with an
# ENV and a CMD), RUN with --network none in every tool (a build that needs
# no network should not pay for one; bench/network.sh measures networks):
#   fresh    build --no-cache: every step runs again (between rounds, out
#            of the timing, the image and the build cache are removed)
#   cached   the unchanged build again after a warm one: every step a hit
# Each tool keeps its state under a temporary directory (what does not
# persist on a tmpfs, as /run is), removed at exit.
# Reported: medians and the ratios to podman's, against the targets
# (fresh <= 0.3x podman, cached <= 0.05x podman).
# Needs root and podman (exits 77 without podman).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
N=${2:-5}
BERTH=$build/src/cmd/berth
die() { echo "bench: $*" >&2; exit 1; }
[[ $N =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number, not \"$N\""
[ -x "$BERTH" ] || die "no berth at $BERTH (build it first: make build)"
[ "$(id -u)" -eq 0 ] || die "must run as root"
if ! command -v podman >/dev/null; then
	echo "bench: podman is needed (apt-get install podman); skipped" >&2
	exit 77
fi
command -v crun >/dev/null || die "crun is needed (apt-get install crun)"

# Directories podman (buildah, containers/image) makes outside its store
# whatever --root says: removed at exit only if they are new.
outside="/run/containers /var/lib/containers/cache /var/lib/containers /run/libpod"
preexisting=""
for d in $outside; do
	[ -e "$d" ] && preexisting="$preexisting $d "
done

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-build.XXXXXX")
docker_ok=false
docker_tags=""
cleanup() {
	set +e
	b rm -f $(b ps -aq 2>/dev/null) >/dev/null 2>&1
	pm rm -af -t 0 >/dev/null 2>&1
	pm rmi -af >/dev/null 2>&1
	if $docker_ok; then
		# only what this script made in the docker engine
		[ -z "$docker_tags" ] || docker rmi -f $docker_tags >/dev/null 2>&1
		docker image prune -f --filter "label=berth-bench-build=$$" >/dev/null 2>&1
	fi
	awk -v d="$work" 'index($5, d "/") == 1 {print $5}' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$work"
	for d in $outside; do
		case $preexisting in *" $d "*) ;; *) [ -e "$d" ] && rm -rf "$d" ;; esac
	done
}
trap cleanup EXIT
# a signal ends the script through exit, so that the EXIT trap cleans up
trap 'exit 130' INT
trap 'exit 143' TERM HUP

mkdir -p "$work/podman" "$work/run" "$work/tmp"
# What does not persist lives on a tmpfs, as /run does on every host.
mount -t tmpfs -o mode=0700 berth-bench "$work/run"
# default_ulimits = []: podman's default nofile ulimit is above this kind of
# host's hard limit, and without CAP_SYS_RESOURCE it cannot raise it.
cat >"$work/podman/containers.conf" <<EOF
[containers]
default_ulimits = []
[engine]
events_logger = "file"
cgroup_manager = "cgroupfs"
runtime = "crun"
EOF
b() { "$BERTH" --root "$work/berth/root" --runroot "$work/run/berth" "$@"; }
driver=overlay
pm() {
	CONTAINERS_CONF=$work/podman/containers.conf TMPDIR=$work/tmp \
		podman --root "$work/podman/store" --runroot "$work/run/podman" \
		--tmpdir "$work/run/podman-tmp" --storage-driver "$driver" "$@"
}
if command -v docker >/dev/null && timeout 5 docker info >/dev/null 2>&1; then
	docker_ok=true
fi
tools="berth podman"
if $docker_ok; then
	tools="$tools docker"
else
	echo "bench: no docker engine answers (docker info): docker's legacy builder skipped" >&2
fi

# The same busybox image in every store, as localhost/busybox:latest.
"$top/tools/busybox-rootfs.sh" >"$work/busybox.tar"
b import --change 'CMD ["sh"]' "$work/busybox.tar" busybox:latest >/dev/null
b tag busybox:latest localhost/busybox:latest
if ! pm import --change 'CMD ["sh"]' "$work/busybox.tar" localhost/busybox:latest >/dev/null 2>"$work/err.out"; then
	# overlay refused (an overlay /tmp, an old kernel...): vfs then
	pm rmi -af >/dev/null 2>&1 || true
	rm -rf "$work/podman/store" "$work/run/podman"
	driver=vfs
	pm import --change 'CMD ["sh"]' "$work/busybox.tar" localhost/busybox:latest >/dev/null ||
		die "podman import failed: $(cat "$work/err.out")"
fi
if $docker_ok; then
	docker import --change 'CMD ["sh"]' "$work/busybox.tar" localhost/berth-bench-busybox:$$ >/dev/null
	docker_tags="localhost/berth-bench-busybox:$$"
fi

# The context: a few small files, a script, a .dockerignore'd file.
ctx=$work/ctx
mkdir -p "$ctx/conf"
printf 'first line\nsecond line\n' >"$ctx/a.txt"
for i in 1 2 3 4 5; do echo "setting$i = $i" >"$ctx/conf/c$i.conf"; done
cat >"$ctx/gen.sh" <<'SH'
#!/bin/sh
set -e
i=0
while [ $i -lt 50 ]; do echo "row $i" >>/app/out/rows; i=$((i + 1)); done
SH
chmod 755 "$ctx/gen.sh"
echo scratch >"$ctx/ignored.log"
echo '*.log' >"$ctx/.dockerignore"
# FROM, then 10 steps: 5 RUN, 3 COPY, ENV, CMD
cat >"$ctx/Dockerfile" <<'DF'
FROM localhost/busybox:latest
ENV GREETING=hello
COPY a.txt /app/
COPY conf/ /app/conf/
RUN mkdir -p /app/out && echo "$GREETING" >/app/out/greeting
RUN for i in 1 2 3 4 5 6 7 8 9 10; do echo "$i" >/app/out/"$i"; done
COPY gen.sh /app/gen.sh
RUN /app/gen.sh && wc -l /app/out/rows
RUN cat /app/a.txt /app/conf/*.conf >/app/all && test "$(wc -l </app/all)" -eq 7
RUN echo 'builder:x:1000:1000::/app:/bin/sh' >>/etc/passwd && chown -R 1000:1000 /app
CMD ["sh", "-c", "cat /app/out/greeting"]
DF
if $docker_ok; then
	sed "1s|.*|FROM localhost/berth-bench-busybox:$$|" "$ctx/Dockerfile" >"$work/Dockerfile.docker"
fi

# build_tool TOOL TAG [FLAGS...]: a quiet build of $ctx, RUN without network
build_tool() {
	local tool=$1 tag=$2
	shift 2
	case $tool in
	berth) b build -q --network none -t "$tag" "$@" "$ctx" ;;
	podman) pm build -q --network none --layers --pull=never -t "$tag" "$@" "$ctx" ;;
	docker)
		DOCKER_BUILDKIT=0 docker build -q --network none \
			--label "berth-bench-build=$$" -f "$work/Dockerfile.docker" \
			-t "$tag" "$@" "$ctx"
		;;
	esac
}
tag_of() {
	case $1 in docker) echo "localhost/berth-bench-build:$$" ;; *) echo "localhost/bench-build:latest" ;; esac
}
$docker_ok && docker_tags="$docker_tags $(tag_of docker)"
# forget TOOL: the image and its build cache gone (not timed)
forget() {
	case $1 in
	berth)
		b rmi -f "$(tag_of berth)" >/dev/null 2>&1 || true
		b builder prune -f >/dev/null
		b image prune -f >/dev/null
		;;
	podman)
		pm rmi -f "$(tag_of podman)" >/dev/null 2>&1 || true
		pm image prune -f >/dev/null
		;;
	docker)
		docker rmi -f "$(tag_of docker)" >/dev/null 2>&1 || true
		docker image prune -f --filter "label=berth-bench-build=$$" >/dev/null
		;;
	esac
}

# time_build NAME TOOL [FLAGS...]: one timed build, appended to $work/t-NAME-TOOL
time_build() {
	local name=$1 tool=$2 t0 t1
	shift 2
	t0=$EPOCHREALTIME
	build_tool "$tool" "$(tag_of "$tool")" "$@" >/dev/null 2>"$work/err.out" ||
		{ cat "$work/err.out" >&2; die "$tool build $* failed"; }
	t1=$EPOCHREALTIME
	echo "$t0 $t1" | awk '{printf "%.6f\n", $2 - $1}' >>"$work/t-$name-$tool"
}

# Warm up each (first runs fill the page cache, make the seccomp cache...),
# and check that the image does what the Dockerfile says.
for tool in $tools; do
	build_tool "$tool" "$(tag_of "$tool")" >/dev/null 2>"$work/err.out" ||
		{ cat "$work/err.out" >&2; die "$tool build failed"; }
done
out=$(b run --rm --network none "$(tag_of berth)")
[ "$out" = hello ] || die "berth's image prints \"$out\", not hello"

# fresh: --no-cache, from an empty cache each round
for i in $(seq "$N"); do
	for tool in $tools; do
		forget "$tool"
		time_build fresh "$tool" --no-cache
	done
done

# cached: a warm build, then the same build again each round
for tool in $tools; do
	forget "$tool"
	build_tool "$tool" "$(tag_of "$tool")" >/dev/null 2>&1 || die "$tool build failed"
done
for i in $(seq "$N"); do
	for tool in $tools; do time_build cached "$tool"; done
done

python3 - "$work" "$N" "$tools" "$driver" <<'PY'
import os, statistics, sys
work, n, tools, driver = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4]
def med(op, tool):
    p = os.path.join(work, f"t-{op}-{tool}")
    return statistics.median(float(l) for l in open(p) if l.strip())
targets = {"fresh": 0.3, "cached": 0.05}
labels = {"fresh": "fresh (--no-cache)", "cached": "fully cached"}
others = [t for t in tools if t not in ("berth", "podman")]
print(f"build, 10-step Dockerfile on busybox (RUN, COPY; --network none), {n} rounds interleaved "
      f"({', '.join(tools)}; podman on {driver}); medians; ratios against podman")
head = f"{'operation':<20}{'berth':>11}{'podman':>11}" + "".join(f"{t:>11}" for t in others)
head += f"{'berth/podman':>14}" + "".join(f"{t + '/podman':>16}" for t in others) + f"{'target':>10}"
print(head)
ratios = {}
for op in ("fresh", "cached"):
    ref = med(op, "podman")
    vals = {t: med(op, t) for t in tools}
    ratios[op] = vals["berth"] / ref
    row = f"{labels[op]:<20}{vals['berth'] * 1000:>9.1f}ms{ref * 1000:>9.1f}ms"
    row += "".join(f"{vals[t] * 1000:>9.1f}ms" for t in others)
    row += f"{ratios[op]:>13.3f}x" + "".join(f"{vals[t] / ref:>15.3f}x" for t in others)
    row += f"{'<= ' + str(targets[op]) + 'x':>10}"
    print(row)
print("berth build against podman build: " + ", ".join(
    f"{op} {ratios[op]:.3f}x (target <= {targets[op]}x: {'met' if ratios[op] <= targets[op] else 'missed'})"
    for op in ("fresh", "cached")))
PY
