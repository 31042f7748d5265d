#!/usr/bin/env bash
# Runs the host unit tests (cmocka binaries) and the CLI tests, then prints
# one summary line. Usage: tests/run-unit.sh TEST_BINARY...
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pass=0 fail=0
for t in "$@"; do
	if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $t" >&2; fi
done
if "$here/cli/run.sh"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: tests/cli/run.sh" >&2; fi
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
