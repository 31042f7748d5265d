# Shared driver of the real-kernel suites (tests/e2e, tests/robust), sourced
# by their run.sh: boots each kernel once with tools/vm/run, runs the
# suite's guest script there, checks the results with the suite's checker
# and prints "LABEL: N passed, M failed" last; fails if anything failed.
# vm_suite LABEL KERNELS TIMEOUT OUTDIR ONLY CHECKER GUEST_SCRIPT [tools/vm/run options...]
#   ONLY: scenario names (space-separated), or empty; the checker gets them as CHECK_ONLY.
vm_suite() {
	local label=$1 kernels=$2 timeout=$3 out=$4 only=$5 checker=$6 guest=$7
	local repo k start rc report summary p f waited total_pass=0 total_fail=0
	shift 7
	repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	mkdir -p "$out"
	for k in $kernels; do
		echo "$label[$k]: booting Debian $k under QEMU (TCG) and running the scenarios..." >&2
		start=$(date +%s)
		rc=0
		# $only unquoted: no argument at all when empty.
		"$repo/tools/vm/run" --kernel "$k" --timeout "$timeout" "$@" \
			--results "$out/$k.results" -- sh "$guest" $only >"$out/$k.console" 2>&1 || rc=$?
		# Other engineers' guests hold tools/vm/run's lock at times: say how
		# much of the time was spent waiting for it (vm/run logs the wait).
		waited=$(sed -n 's/^vm\/run: waited \([0-9]*\) s for the other guest$/\1/p' "$out/$k.console" | head -n1)
		echo "$label[$k]: guest finished in $(($(date +%s) - start)) s (${waited:-0} s of it waiting for another guest; status $rc); console log: $out/$k.console" >&2
		if [ "$rc" -ne 0 ]; then
			tail -n 30 "$out/$k.console" | sed "s/^/    [$k console] /" >&2
		fi
		report=$(CHECK_ONLY=$only "$checker" "$k" "$out/$k.results") || true
		printf '%s\n' "$report"
		summary=$(tail -n 1 <<<"$report")
		p=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed/\1/p' <<<"$summary")
		f=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed/\2/p' <<<"$summary")
		[ -n "$p" ] || { p=0; f=1; }
		[ "$rc" -eq 0 ] || f=$((f + 1))
		total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
	done
	echo "$label: $total_pass passed, $total_fail failed"
	[ "$total_fail" -eq 0 ]
}
