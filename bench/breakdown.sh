#!/usr/bin/env bash
# bench/breakdown.sh [path/to/berth-runtime] [N=50]
#
# Where the time of a `run` goes: N runs of /bin/true (busybox) with the
# default `berth-runtime spec` config, each with --debug, whose "timing"
# lines mark the phases of the parent and of the container's init (with
# monotonic timestamps, so the two processes line up).  Prints, per phase,
# the median time and its share of the median total.  A "start" seen twice
# means the sealed re-exec (the CVE-2019-5736 defence) happened in between.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
BERTH=$(realpath "${1:-$top/build/src/cmd/berth-runtime}")
N=${2:-50}
[ "$(id -u)" -eq 0 ] || { echo "breakdown: must run as root" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "breakdown: needs a static /bin/busybox" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/berth-breakdown.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bundle/rootfs/bin"
cp /bin/busybox "$work/bundle/rootfs/bin/busybox"
ln -s busybox "$work/bundle/rootfs/bin/true"
"$BERTH" spec -b "$work/bundle"
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
json.dump(c, open(p, "w"))
PY
"$BERTH" --root "$work/state" run warmup >/dev/null 2>&1 || true
python3 - "$BERTH" "$work" "$N" <<'PY'
import re, statistics, subprocess, sys, time
berth, work, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
phases, totals, walls = {}, [], []
order = []
for i in range(n):
    t = time.perf_counter()
    out = subprocess.run([berth, "--root", work + "/state", "--debug", "run", f"b{i}"],
                         cwd=work + "/bundle", capture_output=True, text=True).stderr
    walls.append((time.perf_counter() - t) * 1000)
    marks = [(m.group(1), float(m.group(2)))
             for m in re.finditer(r"timing (.+) ([0-9.]+)$", out, re.M)]
    marks.sort(key=lambda m: m[1])
    seen = set()
    for (a, ta), (b, tb) in zip(marks, marks[1:]):
        name = "sealed re-exec of the runtime" if a == "start" and b == "start" else a
        if name in seen:
            continue
        seen.add(name)
        if name not in phases:
            phases[name] = []
            order.append(name)
        phases[name].append(tb - ta)
    if marks:
        totals.append(marks[-1][1] - marks[0][1])
total = statistics.median(totals)
print(f"{n} runs of /bin/true, default spec config; median wall {statistics.median(walls):.2f} ms "
      f"(process start to exit), {total:.2f} ms between the first and last mark")
print(f"{'phase':45s} {'median ms':>10s} {'share':>7s}")
for name in order:
    v = statistics.median(phases[name])
    print(f"{name:45s} {v:10.3f} {100 * v / total:6.1f}%")
PY
