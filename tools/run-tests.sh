#!/usr/bin/env bash
# Run the unit tests (TAP binaries) and the system tests (bats) against each
# build directory given, and end with the line "N passed, N failed, N skipped".
# Exits non-zero when anything failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
passed=0 failed=0 skipped=0
failures=()

count() { # reads TAP on stdin, echoes it, tallies it
	local suite=$1 line
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		"ok "*"# skip"* | "ok "*"# SKIP"*) skipped=$((skipped + 1)) ;;
		"ok "*) passed=$((passed + 1)) ;;
		"not ok "*) failed=$((failed + 1)); failures+=("$suite: ${line#not ok }") ;;
		esac
	done
}

echo "# === lint"
if "$top/tools/check-layering.sh" >/tmp/berth-layering.$$ 2>&1; then
	count lint <<<"ok - layering: no layer includes a higher one"
else
	sed 's/^/# /' /tmp/berth-layering.$$
	count lint <<<"not ok - layering: see above"
fi
rm -f /tmp/berth-layering.$$

# The Dockerfile parser under libFuzzer, for a bounded time (clang needed).
echo "# === fuzz"
fuzz_secs=${BERTH_FUZZ_SECONDS:-60}
fuzz_out=$("$top/tools/fuzz.sh" "$fuzz_secs" 2>&1); fuzz_rc=$?
printf '%s\n' "$fuzz_out" | sed 's/^/# /'
case $fuzz_rc in
0) count fuzz <<<"ok - fuzz: the Dockerfile parser, ${fuzz_secs}s, no crash" ;;
77) count fuzz <<<"ok - fuzz: the Dockerfile parser # skip clang is not installed" ;;
*) count fuzz <<<"not ok - fuzz: the Dockerfile parser crashed (see above)" ;;
esac

for build in "$@"; do
	build=$(cd "$build" && pwd)
	echo "# === unit tests ($build)"
	for t in "$build"/tests/unit/test-*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		out=$("$t" 2>&1); rc=$?
		count "$(basename "$t")" < <(printf '%s\n' "$out")
		if [ $rc -ne 0 ] && ! grep -q '^not ok' <<<"$out"; then
			failed=$((failed + 1)); failures+=("$(basename "$t"): exit status $rc")
		fi
	done
	echo "# === system tests ($build)"
	export BERTH_BUILD=$build
	# No test may hang the suite: bats fails one that runs past this.
	export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300}
	count "system" < <(bats --tap "$top/tests/system" 2>&1)
done
if [ ${#failures[@]} -gt 0 ]; then
	echo "# failures:"
	printf '#   %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
