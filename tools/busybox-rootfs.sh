#!/usr/bin/env bash
# Write to stdout a root filesystem tar made from Debian's busybox-static:
# /bin/busybox with a link per applet, /etc/passwd and /etc/group, /tmp.
# `berth import` turns it into the default image (docker.io/library/busybox).
# The tar is reproducible: fixed owners, times and order.
set -euo pipefail
bb=${BUSYBOX:-/bin/busybox}
[ -x "$bb" ] || { echo "busybox-rootfs: $bb is missing (package busybox-static)" >&2; exit 1; }
dir=$(mktemp -d /tmp/berth-busybox.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bin" "$dir/dev" "$dir/etc" "$dir/home" "$dir/proc" "$dir/root" "$dir/sys" \
	"$dir/tmp" "$dir/usr" "$dir/var/www"
chmod 755 "$dir"
chmod 1777 "$dir/tmp"
chmod 700 "$dir/root"
cp "$bb" "$dir/bin/busybox"
for applet in $("$bb" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$dir/bin/$applet"
done
cat >"$dir/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
PW
cat >"$dir/etc/group" <<'GR'
root:x:0:
daemon:x:1:
www-data:x:33:
nogroup:x:65534:
GR
tar -C "$dir" --sort=name --owner=0 --group=0 --numeric-owner \
	--mtime='2026-01-01 00:00:00Z' -cf - .
