#!/usr/bin/env bash
# Install the Debian packages a target needs, when they are missing.
#   tools/install-deps.sh build   compile and run the demo
#   tools/install-deps.sh check   also the test tools and the peers the
#                                 interop tests and benchmarks run against
set -euo pipefail
build_pkgs=(gcc meson ninja-build pkg-config libjansson-dev libseccomp-dev libssl-dev libarchive-dev
	libzstd-dev zlib1g-dev libcurl4-openssl-dev busybox-static jq tar nftables)
check_pkgs=(bats bats-assert bats-support crun runc podman containerd iproute2 time util-linux bsdutils
	docker-registry skopeo zstd python3 openssl apache2-utils containernetworking-plugins
	clang libclang-rt-14-dev sshfs openssh-server)
pkgs=("${build_pkgs[@]}")
[ "${1:-build}" = check ] && pkgs+=("${check_pkgs[@]}")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "missing packages: ${missing[*]} (run as root, or install them)" >&2
	exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# No package's service is started by its installation (sshd, the
# registry, containerd): the tests start what they need themselves.
made_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	made_policy=yes
fi
rc=0
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
[ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
exit $rc
