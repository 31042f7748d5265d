#!/usr/bin/env bash
# The real-kernel e2e suite: boots each Debian kernel under QEMU (tools/vm/run),
# runs every scenario there under vqtrace, and checks the totals against the
# load generator's ground truth (check.sh). Needs ./vqtrace and the load
# generator built (make e2e does that).
# Env: E2E_KERNELS ("6.1 6.12"), E2E_ONLY (one scenario name), E2E_OUT (results dir).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${E2E_OUT:-$repo/results/e2e}
mkdir -p "$out"

total_fail=0 total_pass=0
for k in ${E2E_KERNELS:-6.1 6.12}; do
	echo "e2e[$k]: booting Debian $k under QEMU (TCG) and running the scenarios..." >&2
	start=$(date +%s)
	rc=0
	"$repo/tools/vm/run" --kernel "$k" --timeout "${E2E_TIMEOUT:-900}" \
		--results "$out/$k.results" -- sh /e2e/guest.sh ${E2E_ONLY:-} >"$out/$k.console" 2>&1 || rc=$?
	echo "e2e[$k]: guest finished in $(($(date +%s) - start)) s (status $rc); console log: $out/$k.console" >&2
	if [ "$rc" -ne 0 ]; then
		tail -n 30 "$out/$k.console" | sed "s/^/    [$k console] /" >&2
	fi
	report=$(CHECK_ONLY=${E2E_ONLY:-} "$here/check.sh" "$k" "$out/$k.results") || true
	printf '%s\n' "$report"
	summary=$(tail -n 1 <<<"$report")
	p=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed/\1/p' <<<"$summary")
	f=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed/\2/p' <<<"$summary")
	[ -n "$p" ] || { p=0; f=1; }
	[ "$rc" -eq 0 ] || f=$((f + 1))
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
done
echo "e2e: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
