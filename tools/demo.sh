#!/usr/bin/env bash
# make demo: make the default image (busybox, from Debian's busybox-static,
# through `berth import`) when the store lacks it, then run a container from
# it with berth-runtime that shows what isolates it.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
berth=$build/src/cmd/berth
runtime=$build/src/cmd/berth-runtime
if [ -z "$("$berth" images -q busybox 2>/dev/null)" ]; then
	echo "$ berth import ... busybox    (the default image, from busybox-static)"
	"$top/tools/busybox-rootfs.sh" |
		"$berth" import --change 'CMD ["sh"]' -m "busybox-static from Debian" - busybox:latest
fi
echo "$ berth images"
"$berth" images
demo=$(mktemp -d /tmp/berth-demo.XXXXXX)
rootfs=$("$berth" image mount busybox)
trap '"$berth" image unmount busybox >/dev/null; rm -rf "$demo"' EXIT
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
jq --arg s "$script" --arg root "$rootfs" \
	'.root.path=$root | .process.terminal=false | .process.args=["sh","-c",$s] | .hostname="berth-demo"' \
	config.json >config.json.new && mv config.json.new config.json
echo "$ berth-runtime run demo    (root: the busybox image, mounted read-only)"
"$runtime" --root "$demo/state" run demo
