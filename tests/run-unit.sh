#!/usr/bin/env bash
# Runs the host unit tests (cmocka binaries) and the CLI tests, then prints
# one summary line counting test cases. Usage: tests/run-unit.sh TEST_BINARY...
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pass=0 fail=0

count() { # output of one runner -> adds its passed/failed cases
	local p f
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p; s/^[a-z]*: \([0-9]*\) passed, [0-9]* failed$/\1/p' <<<"$1" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p; s/^[a-z]*: [0-9]* passed, \([0-9]*\) failed$/\1/p' <<<"$1" | tail -n 1)
	pass=$((pass + ${p:-0})) fail=$((fail + ${f:-0}))
}

for t in "$@" "$here/cli/run.sh"; do
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -E '^\[  (PASSED|FAILED)|^\[  ERROR|FAIL|passed,' | sed "s|^|$(basename "$t"): |"
	count "$out"
	# A runner that crashed or failed without saying so still counts as a failure.
	if [ $rc -ne 0 ] && ! grep -qE '^\[  FAILED  \]|[1-9][0-9]* failed$' <<<"$out"; then
		fail=$((fail + 1)); echo "FAIL: $t exited $rc" >&2; printf '%s\n' "$out" | tail -n 20 >&2
	fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
