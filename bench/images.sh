#!/usr/bin/env bash
# bench/images.sh [build-dir] [N=5]
#
# Image operations, Berth against its peers, interleaved round by round
# (berth, podman, skopeo, berth, ...) so that drift in the machine hits
# all alike, each from a fresh store:
#   pull    a 5-layer image of about 100 MB from a local registry
#           (Debian's docker-registry on 127.0.0.1): berth pull, podman
#           pull (vfs store), skopeo copy to an OCI layout (no unpacking:
#           a floor rather than a peer);
#   push    the same image to a new repository of that registry;
#   images  listing a store that holds 200 images (berth images, podman
#           images).
# Reported per tool: median wall time, median peak RSS (GNU time %M) and
# the ratios to podman's.  Needs root, docker-registry, podman, skopeo,
# python3 and GNU time.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
N=${2:-5}
BERTH=$build/src/cmd/berth
die() { echo "bench: $*" >&2; exit 1; }
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number, not \"$N\""
[ -x "$BERTH" ] || die "no berth at $BERTH (build it first: make build)"
[ "$(id -u)" -eq 0 ] || die "must run as root"
for t in docker-registry podman skopeo python3; do
	command -v "$t" >/dev/null || die "$t is needed (apt-get install $t)"
done
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is needed"

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-images.XXXXXX")
regpid= pushpid=
cleanup() {
	[ -n "$regpid" ] && kill "$regpid" 2>/dev/null && wait "$regpid" 2>/dev/null
	[ -n "$pushpid" ] && kill "$pushpid" 2>/dev/null && wait "$pushpid" 2>/dev/null
	# podman's vfs store and berth's snapshots may hold mounts
	awk -v d="$work" 'index($5, d "/") == 1 {print $5}' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

# --- the registry
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
reg=127.0.0.1:$port
cat >"$work/registry.yml" <<EOF
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/registry}, delete: {enabled: true}}
http: {addr: $reg}
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
regpid=$!
for _ in $(seq 100); do
	python3 -c "import urllib.request; urllib.request.urlopen('http://$reg/v2/')" 2>/dev/null && break
	sleep 0.1
done

# A second registry for pushes, emptied before each one.
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
preg=127.0.0.1:$pport
fresh_push_registry() {
	if [ -n "$pushpid" ]; then
		kill "$pushpid" 2>/dev/null
		wait "$pushpid" 2>/dev/null || true
	fi
	rm -rf "$work/push-registry"
	printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: %s}\n' \
		"$work/push-registry" "$preg" >"$work/push-registry.yml"
	docker-registry serve "$work/push-registry.yml" >>"$work/registry.log" 2>&1 &
	pushpid=$!
	for _ in $(seq 100); do
		python3 -c "import urllib.request; urllib.request.urlopen('http://$preg/v2/')" 2>/dev/null && return
		sleep 0.1
	done
	die "the push registry did not start"
}

# --- the image: 5 layers of 20 MB (incompressible), pushed with skopeo
python3 - "$work/layout" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
out = sys.argv[1]
os.makedirs(f"{out}/blobs/sha256")
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{d}", "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)
layers, diffs = [], []
for i in range(5):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as t:
        data = os.urandom(20 << 20)
        ti = tarfile.TarInfo(f"data/layer{i}.bin")
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    diffs.append("sha256:" + hashlib.sha256(raw.getvalue()).hexdigest())
    d, n = blob(gzip.compress(raw.getvalue(), compresslevel=1))
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": n})
cfg = json.dumps({"architecture": "amd64", "os": "linux", "created": "2026-01-01T00:00:00Z",
                  "config": {"Cmd": ["sh"]},
                  "rootfs": {"type": "layers", "diff_ids": diffs}}).encode()
cd, cn = blob(cfg)
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cn},
                  "layers": layers}).encode()
md, mn = blob(man)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
           "digest": md, "size": mn, "annotations": {"org.opencontainers.image.ref.name": "1"}}]},
          open(f"{out}/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(f"{out}/oci-layout", "w"))
PY
skopeo copy -q --dest-tls-verify=false "oci:$work/layout:1" "docker://$reg/bench/app:1" ||
	die "skopeo could not push the test image"

# A podman of our own: private store, vfs, no default ulimits (see the
# podman interop tests for why).
mkdir -p "$work/podman"
printf '[containers]\ndefault_ulimits = []\n[engine]\nevents_logger = "file"\ncgroup_manager = "cgroupfs"\n' \
	>"$work/podman/containers.conf"
# The tools as programs (GNU time runs programs, not shell functions):
# "$pm" STORE ARGS... and "$b" STORE ARGS...
pm=$work/pm b=$work/b
printf '#!/bin/sh\ns=$1; shift\nCONTAINERS_CONF=%s exec podman --root "$s/store" --runroot "$s/run" --tmpdir "$s/tmp" --storage-driver vfs "$@"\n' \
	"$work/podman/containers.conf" >"$pm"
printf '#!/bin/sh\ns=$1; shift\nexec %s --root "$s/root" --runroot "$s/run" "$@"\n' "$BERTH" >"$b"
chmod +x "$pm" "$b"

# measure NAME CMD...: one timed run, appended to $work/NAME as "seconds kib"
measure() {
	local name=$1
	shift
	# Write back what the previous run left dirty, so that its cost is
	# not charged to the next tool.
	sync
	/usr/bin/time -f "%e %M" -o "$work/time.out" "$@" >/dev/null 2>"$work/err.out" ||
		{ cat "$work/err.out" >&2; die "$name failed: $*"; }
	tail -1 "$work/time.out" >>"$work/$name"
}

for i in $(seq "$N"); do
	for tool in berth podman skopeo; do
		s=$work/s-$tool-$i
		mkdir -p "$s"
		case $tool in
		berth) measure pull-berth "$b" "$s" pull -q "$reg/bench/app:1" ;;
		podman) measure pull-podman "$pm" "$s" pull -q --tls-verify=false "$reg/bench/app:1" ;;
		skopeo) measure pull-skopeo skopeo copy -q --src-tls-verify=false \
			"docker://$reg/bench/app:1" "oci:$s/layout:1" ;;
		esac
	done
	# Each push goes to an empty registry: every byte is uploaded (no
	# blob is there to skip or to mount from another repository).
	fresh_push_registry
	measure push-berth "$b" "$work/s-berth-$i" push "$reg/bench/app:1" "$preg/pushed/app:1"
	fresh_push_registry
	measure push-podman "$pm" "$work/s-podman-$i" push -q --tls-verify=false "$reg/bench/app:1" \
		"docker://$preg/pushed/app:1"
	fresh_push_registry
	measure push-skopeo skopeo copy -q --dest-tls-verify=false "oci:$work/s-skopeo-$i/layout:1" \
		"docker://$preg/pushed/app:1"
	# free the space: the stores of this round are not needed any more
	rm -rf "$work/s-skopeo-$i"
done

# --- 200 images in each store (the same layer, 200 configs)
tar -C "$work" -cf "$work/small.tar" registry.yml
lb=$work/list-berth lp=$work/list-podman
mkdir -p "$lb" "$lp"
for i in $(seq 200); do
	"$b" "$lb" import --change "CMD [\"echo\", \"$i\"]" "$work/small.tar" "list/img$i:1" >/dev/null 2>&1
	"$pm" "$lp" import --change "CMD [\"echo\", \"$i\"]" "$work/small.tar" "list/img$i:1" >/dev/null 2>&1
done
for i in $(seq $((N * 4))); do
	measure images-berth "$b" "$lb" images
	measure images-podman "$pm" "$lp" images
done

python3 - "$work" "$N" <<'PY'
import os, statistics, sys
work, n = sys.argv[1], sys.argv[2]
def load(name):
    p = os.path.join(work, name)
    if not os.path.exists(p):
        return None
    rows = [l.split() for l in open(p) if l.strip()]
    return statistics.median(float(r[0]) for r in rows), statistics.median(int(r[1]) for r in rows), len(rows)
print(f"image operations, {n} rounds interleaved; medians; ratios against podman (below 1 is better)")
print(f"{'operation':<10}{'tool':<8}{'runs':>5}{'time/podman':>13}{'podman/time':>13}{'RSS KiB':>10}{'RSS/podman':>12}")
for op in ("pull", "push", "images"):
    ref = load(f"{op}-podman")
    for tool in ("berth", "podman", "skopeo"):
        r = load(f"{op}-{tool}")
        if not r or not ref:
            continue
        print(f"{op:<10}{tool:<8}{r[2]:>5}{r[0] / ref[0]:>12.2f}x{ref[0] / r[0]:>12.1f}x{r[1]:>10}{r[1] / ref[1]:>11.2f}x")
print("skopeo copies to an OCI layout without unpacking layers: a floor, not a peer.")
PY
