#!/usr/bin/env bash
# bench/runtime.sh [path/to/berth-runtime] [N=100]
#
# Start-to-exit cost of `run` of a container whose program is /bin/true
# (busybox), for berth-runtime and its peers crun and runc, interleaved
# (berth, crun, runc, berth, crun, runc, ...) so that drift in the machine
# hits all alike.  Each run is timed with a monotonic clock; peak RSS is
# measured on a separate, also interleaved, run under /usr/bin/time -f %M
# (so time(1) is not in the timings).  Reported per runtime: median and p90
# wall time, peak RSS median, each with its ratio to crun's (to runc's when
# crun cannot run here).  A peer that is missing or cannot run here is
# skipped with a note.  Override the peers with CRUN=... RUNC=...
#
# Needs root, python3 (the timing loop) and GNU time.  On a host with
# cgroup v1 plus a cgroup2 mount that holds a controller ("hybrid"), crun
# refuses to run; the bench then runs all runtimes in a private mount
# namespace in which that cgroup2 mount is detached (noted in the output).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
BERTH=${1:-$top/build/src/cmd/berth-runtime}
N=${2:-100}
CRUN=${CRUN:-$(command -v crun || true)}
RUNC=${RUNC:-$(command -v runc || true)}

die() { echo "bench: $*" >&2; exit 1; }
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number, not \"$N\""
[ -x "$BERTH" ] || die "no berth-runtime at $BERTH (build it first: make build)"
BERTH=$(cd "$(dirname "$BERTH")" && pwd)/$(basename "$BERTH")
[ "$(id -u)" -eq 0 ] || die "must run as root (the runtimes create namespaces and cgroups)"
command -v python3 >/dev/null || die "python3 is needed for the timing loop"
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is needed for the peak RSS (apt-get install time)"
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || die "a static busybox is needed for the container's /bin/true (apt-get install busybox-static)"

notes=()

# The bundle: busybox as the root's only program.
work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench.XXXXXX")
cleanup() {
	local r
	for r in "$work"/state-*; do
		[ -d "$r" ] || continue
		for c in "$r"/*; do
			[ -d "$c" ] || continue
			"$(cat "$r.bin")" --root "$r" delete --force "$(basename "$c")" >/dev/null 2>&1 || true
		done
	done
	rm -rf "$work"
}
trap cleanup EXIT
bundle=$work/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/sys" "$bundle/rootfs/dev" \
	"$bundle/rootfs/tmp" "$bundle/rootfs/etc"
cp "$BUSYBOX" "$bundle/rootfs/bin/busybox"
ln -s busybox "$bundle/rootfs/bin/true"
"$BERTH" spec -b "$bundle" || die "$BERTH spec failed"
# crun 1.8.1 rejects ociVersion 1.2.x.
python3 - "$bundle/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["ociVersion"] = "1.0.2-dev"
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
json.dump(c, open(p, "w"), indent=1)
EOF

# probe NAME BIN: one run must work.  Echoes the error on failure.
probe() {
	local name=$1 bin=$2
	mkdir -p "$work/state-$name"
	echo "$bin" >"$work/state-$name.bin"
	# shellcheck disable=SC2069 # only the errors, on stdout
	(cd "$bundle" && "$bin" --root "$work/state-$name" run "probe-$$" 2>&1 >/dev/null)
}

hybrid_detach() { # re-run the bench where the cgroup2 mount is not seen
	[ -z "${BERTH_BENCH_NS:-}" ] && command -v unshare >/dev/null &&
		mountpoint -q /sys/fs/cgroup/unified
}

names=() bins=()
add() { names+=("$1"); bins+=("$2"); }
err=$(probe berth-runtime "$BERTH") || die "berth-runtime cannot run the bench container: $err"
add berth-runtime "$BERTH"
if [ -z "$CRUN" ] || [ ! -x "$CRUN" ]; then
	notes+=("crun: not found${CRUN:+ at $CRUN}, skipped")
elif err=$(probe crun "$CRUN"); then
	add crun "$CRUN"
elif [[ $err == *"hybrid mode"* ]] && hybrid_detach; then
	echo "bench: crun refuses this host's hybrid cgroup layout ($err);" >&2
	echo "bench: running everything in a mount namespace without /sys/fs/cgroup/unified" >&2
	rm -rf "$work"
	trap - EXIT
	export BERTH_BENCH_NS=1 CRUN RUNC BUSYBOX
	# shellcheck disable=SC2016 # expanded by the inner bash
	exec unshare -m --propagation private bash -c \
		'umount -l /sys/fs/cgroup/unified && exec "$0" "$@"' "$top/bench/runtime.sh" "$BERTH" "$N"
else
	notes+=("crun: cannot run here, skipped: $err")
fi
if [ -z "$RUNC" ] || [ ! -x "$RUNC" ]; then
	notes+=("runc: not found${RUNC:+ at $RUNC}, skipped")
elif err=$(probe runc "$RUNC"); then
	add runc "$RUNC"
else
	notes+=("runc: cannot run here, skipped: $err")
fi
if [ -n "${BERTH_BENCH_NS:-}" ]; then
	notes+=("all runtimes ran in a private mount namespace without the cgroup2 mount /sys/fs/cgroup/unified (crun refuses hybrid cgroups with a controller in cgroup2)")
fi

cgroups=v1
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
	cgroups=v2
elif mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
	cgroups="hybrid (v1 + cgroup2 at /sys/fs/cgroup/unified)"
fi
cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
echo "machine: nproc=$(nproc), kernel $(uname -r), ${cpu:-unknown cpu}, cgroups $cgroups"
for i in "${!names[@]}"; do
	echo "${names[$i]}: ${bins[$i]} ($("${bins[$i]}" --version 2>/dev/null | head -1))"
done
echo "workload: run of /bin/true (busybox) in a fresh container; $N runs each, interleaved"
echo

cd "$bundle"
args=()
for i in "${!names[@]}"; do
	args+=("${names[$i]}" "${bins[$i]}")
done
python3 - "$N" "$work" "${args[@]}" <<'EOF'
import os, subprocess, sys, time

n = int(sys.argv[1])
work = sys.argv[2]
rts = list(zip(sys.argv[3::2], sys.argv[4::2]))
present = [name for name, _ in rts]
ref = "crun" if "crun" in present else "runc" if "runc" in present else present[0]
times = {name: [] for name, _ in rts}
rss = {name: [] for name, _ in rts}
fails = {name: 0 for name, _ in rts}
rssfile = os.path.join(work, "rss")

def cmd(name, binary, i):
    return [binary, "--root", os.path.join(work, "state-" + name), "run", "bench-%d-%d" % (os.getpid(), i)]

# A few unmeasured runs first: page cache, dentries.
for i in range(3):
    for name, binary in rts:
        subprocess.run(cmd(name, binary, i), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

for i in range(n):
    for name, binary in rts:
        t0 = time.monotonic_ns()
        r = subprocess.run(cmd(name, binary, i), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t1 = time.monotonic_ns()
        if r.returncode != 0:
            fails[name] += 1
        else:
            times[name].append((t1 - t0) / 1e6)
    for name, binary in rts:
        r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rssfile] + cmd(name, binary, i),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if r.returncode == 0:
            try:
                rss[name].append(int(open(rssfile).read().split()[-1]))
            except (OSError, ValueError, IndexError):
                fails[name] += 1
        else:
            fails[name] += 1

def median(v):
    v = sorted(v)
    k = len(v)
    return (v[k // 2] if k % 2 else (v[k // 2 - 1] + v[k // 2]) / 2) if k else float("nan")

def p90(v):  # nearest rank
    v = sorted(v)
    return v[max(0, -(-9 * len(v) // 10) - 1)] if v else float("nan")

def ratio(a, b):
    return "%.2fx" % (a / b) if b == b and b > 0 and a == a else "n/a"

ref_t, ref_m = median(times[ref]), median(rss[ref])
print("%-14s %5s %10s %8s %9s %9s %9s" % ("runtime", "runs", "median ms", "p90 ms",
                                         "time/" + ref, "RSS KiB", "RSS/" + ref))
for name, _ in rts:
    t, m = median(times[name]), median(rss[name])
    print("%-14s %5d %10.2f %8.2f %9s %9s %9s" % (
        name, len(times[name]), t, p90(times[name]), ratio(t, ref_t),
        "%d" % m if m == m else "n/a", ratio(m, ref_m)))
print()
print("time: wall clock of `run` (monotonic clock), spawn to exit.  RSS: GNU time %M, the peak")
print("resident set of the runtime or the largest of its reaped children, in KiB.  Ratios are")
print("against %s's medians (below 1 is better)." % ref)
for name, _ in rts:
    if fails[name]:
        print("note: %s: %d of %d runs failed (left out)" % (name, fails[name], 2 * n))
EOF
for note in "${notes[@]}"; do
	echo "note: $note"
done
