#!/usr/bin/env bash
# make demo: make the default image (busybox, from Debian's busybox-static,
# through `berth import`) when the store lacks it, then run containers from
# it: one in the foreground that shows what isolates it, one detached
# (ps, logs, exec, rm -f).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
berth=$build/src/cmd/berth
if [ -z "$("$berth" images -q busybox 2>/dev/null)" ]; then
	echo "$ berth import ... busybox    (the default image, from busybox-static)"
	"$top/tools/busybox-rootfs.sh" |
		"$berth" import --change 'CMD ["sh"]' -m "busybox-static from Debian" - busybox:latest
fi
echo "$ berth images"
"$berth" images
script='echo "hostname:   $(hostname)"
echo "my pid:     $$ (pid 1 of my own pid namespace)"
echo "my user:    $(id)"
echo "capability: $(grep CapEff /proc/self/status)"
echo "root:       $(awk "\$5 == \"/\" { print \$(NF-2) }" /proc/self/mountinfo) (the image under a writable layer)"
echo "mounts:"
sed "s/^[0-9]* [0-9]* [0-9:]* [^ ]* \([^ ]*\) .* - \([^ ]*\) .*/  \1 (\2)/" /proc/self/mountinfo
echo "network (own namespace, on the default bridge):"
ip -o -4 addr | awk "{ print \"  \" \$2 \" \" \$4 }"
ip route | sed "s/^/  /"'
echo "$ berth run --rm --hostname berth-demo busybox sh -c ..."
"$berth" run --rm --hostname berth-demo busybox sh -c "$script"
echo "$ berth run -d --name berth-demo busybox ...; berth ps; berth logs; berth exec; berth rm -f"
"$berth" rm -f berth-demo >/dev/null 2>&1 || true
"$berth" run -d --name berth-demo busybox sh -c 'echo hello from a detached container; sleep 60' >/dev/null
"$berth" ps
for _ in $(seq 50); do [ -n "$("$berth" logs berth-demo)" ] && break; sleep 0.1; done
"$berth" logs berth-demo
"$berth" exec berth-demo sh -c 'echo "exec: pid $$, beside: $(ps -o comm | grep -c "^sleep") sleep"'
"$berth" rm -f berth-demo
echo "$ berth run -d -p 80 --name berth-web busybox httpd ...; berth port; GET /"
"$berth" rm -f berth-web >/dev/null 2>&1 || true
"$berth" run -d -p 80 --name berth-web busybox sh -c \
	'mkdir -p /www && echo "hello from a published port" >/www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
"$berth" port berth-web
port=$("$berth" port berth-web 80 | sed 's/.*://')
for _ in $(seq 50); do
	out=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET / HTTP/1.0\r\n\r\n' >&3 &&
		tail -1 <&3) 2>/dev/null) || true
	[ -n "$out" ] && echo "$out" && break
	sleep 0.1
done
"$berth" rm -f berth-web
