#!/usr/bin/env bash
# Robustness suite in the real-kernel rig: one VM boot per kernel runs every
# scenario of tests/robust/scenarios (guest.sh), then check.sh compares the
# results with what the definitions imply. Needs ./vqtrace, the load
# generator and bpftool on the host (copied into the guest with its
# libraries). Prints "robust: N passed, M failed" last.
# Env: ROBUST_KERNELS ("6.1 6.12"), ROBUST_ONLY (one scenario), ROBUST_OUT
# (results dir, default results/robust), ROBUST_TIMEOUT (per boot, 600 s).
set -euo pipefail
# One vCPU: with two, attaching fentry while vhost runs the function on the
# other vCPU once crashed the 6.12 TCG guest (an int3 oops at
# __vhost_add_used_n+1 during ftrace's text patching). We believe this is
# TCG's cross-vCPU handling of self-modified code, not something a real CPU
# does, but it is unverified on hardware: see the README. Override with
# ROBUST_SMP=2 to reproduce.
export VQTRACE_VM_SMP=${ROBUST_SMP:-1}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${ROBUST_OUT:-$repo/results/robust}
bpftool=${BPFTOOL:-$(command -v bpftool || echo /usr/sbin/bpftool)}
mkdir -p "$out"
[ -x "$bpftool" ] || { echo "robust: bpftool not found (apt-get install bpftool)" >&2; exit 1; }

total_fail=0 total_pass=0
for k in ${ROBUST_KERNELS:-6.1 6.12}; do
	echo "robust[$k]: booting Debian $k under QEMU (TCG) and running the scenarios..." >&2
	start=$(date +%s)
	rc=0
	"$repo/tools/vm/run" --kernel "$k" --timeout "${ROBUST_TIMEOUT:-600}" \
		--add "$bpftool:/usr/sbin/bpftool" --add "$here:/robust" \
		--results "$out/$k.results" -- sh /robust/guest.sh ${ROBUST_ONLY:-} >"$out/$k.console" 2>&1 || rc=$?
	echo "robust[$k]: guest finished in $(($(date +%s) - start)) s (status $rc); console log: $out/$k.console" >&2
	if [ "$rc" -ne 0 ]; then
		tail -n 30 "$out/$k.console" | sed "s/^/    [$k console] /" >&2
	fi
	report=$(ROBUST_ONLY=${ROBUST_ONLY:-} "$here/check.sh" "$k" "$out/$k.results") || true
	printf '%s\n' "$report"
	summary=$(tail -n 1 <<<"$report")
	p=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed/\1/p' <<<"$summary")
	f=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed/\2/p' <<<"$summary")
	[ -n "$p" ] || { p=0; f=1; }
	[ "$rc" -eq 0 ] || f=$((f + 1))
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
done
echo "robust: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
