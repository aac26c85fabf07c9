#!/usr/bin/env bash
# Enforce the layering of docs/ARCHITECTURE.md: a file may include headers
# of its own layer and of the layers below it, never above.
#   base <- oci <- runtime <- monitor;  base <- image <- build;  base <- net;
#   engine: monitor runtime image build net oci base;  api: engine + below;  cmd: anything
set -euo pipefail
cd "$(dirname "$0")/../src"
declare -A allowed=(
	[base]="base"
	[oci]="base oci"
	[runtime]="base oci runtime"
	[monitor]="base oci runtime monitor"
	[image]="base image"
	[build]="base image build"
	[net]="base net"
	[engine]="base oci runtime monitor image build net engine"
	[api]="base oci runtime monitor image build net engine api"
)
bad=0
for layer in "${!allowed[@]}"; do
	[ -d "$layer" ] || continue
	while IFS=: read -r file _ inc; do
		dep=${inc#*\"}
		dep=${dep%%/*}
		if [[ " ${allowed[$layer]} " != *" $dep "* ]]; then
			echo "layering: $file includes \"${inc#*\"}: $layer may not use $dep" >&2
			bad=1
		fi
	done < <(grep -rn '^#include "[a-z-]*/' "$layer" || true)
done
exit $bad
