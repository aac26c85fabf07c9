#!/usr/bin/env bash
# make demo: build a bundle from Debian's busybox-static and run a container
# that shows what isolates it.
set -euo pipefail
build=${1:-build}
runtime=$(cd "$build" && pwd)/src/cmd/berth-runtime
demo=$(mktemp -d /tmp/berth-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
mkdir -p "$demo/rootfs/bin" "$demo/rootfs/etc"
cp /bin/busybox "$demo/rootfs/bin/busybox"
for c in sh cat hostname ip id grep sed ls; do ln -s busybox "$demo/rootfs/bin/$c"; done
cd "$demo"
"$runtime" spec
script='echo "hostname:   $(hostname)"
echo "my pid:     $$ (pid 1 of my own pid namespace)"
echo "my user:    $(id)"
echo "capability: $(grep CapEff /proc/self/status)"
echo "root:       read-only? $(grep -q " / ro," /proc/self/mountinfo && echo yes || echo no)"
echo "mounts:"
sed "s/^[0-9]* [0-9]* [0-9:]* [^ ]* \([^ ]*\) .* - \([^ ]*\) .*/  \1 (\2)/" /proc/self/mountinfo
echo "network interfaces (own network namespace):"
ip -o link | sed "s/^[0-9]*: \([^:]*\):.*/  \1/"'
jq --arg s "$script" '.process.terminal=false | .process.args=["sh","-c",$s] | .hostname="berth-demo"' \
	config.json >config.json.new && mv config.json.new config.json
echo "$ berth-runtime run demo"
"$runtime" --root "$demo/state" run demo
