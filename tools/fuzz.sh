#!/usr/bin/env bash
# tools/fuzz.sh [SECONDS=60]: build the Dockerfile parser's libFuzzer
# target with clang (AddressSanitizer, UBSan) under /tmp and run it for a
# bounded time from the seeds in tests/fuzz/dockerfile-seeds.  Exits
# non-zero on a crash (the input is kept in the work directory).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
command -v clang >/dev/null || { echo "fuzz: clang is not installed (apt-get install clang)"; exit 77; }
work=$(mktemp -d /tmp/berth-fuzz.XXXXXX)
flags=(-g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined
	-fno-sanitize-recover=all -I"$top/src" $(pkg-config --cflags jansson))
clang "${flags[@]}" -o "$work/fuzz-dockerfile" "$top/tests/fuzz/fuzz-dockerfile.c" \
	"$top/src/build/dockerfile.c" "$top"/src/base/{alloc,err,strbuf,strv,json-util,log,fs-util,fd-util,path-util,parse-util,time-util}.c \
	$(pkg-config --libs jansson)
mkdir -p "$work/corpus"
cp "$top"/tests/fuzz/dockerfile-seeds/* "$work/corpus/"
cd "$work"
./fuzz-dockerfile -max_total_time="$secs" -max_len=4096 -timeout=5 corpus >fuzz.log 2>&1 ||
	{ tail -40 fuzz.log; echo "fuzz: a crash; the input is in $work"; exit 1; }
grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" fuzz.log | tail -1
rm -rf "$work"
