#!/usr/bin/env bash
# Runs libFuzzer targets built by `make fuzz`: for each, first every input of
# tests/fuzz/regress/<target>/ and tests/fuzz/corpus/<target>/ once (inputs
# that crashed before must not crash again), then up to SECONDS seconds of
# fuzzing. Prints one line per target with the inputs tried (libFuzzer's
# executed units) and a summary; a crash leaves <bindir>/crash-<target>-<sha1>
# and fails the run.
#
# FUZZ_SEED (default 1) fixes libFuzzer's random seed and the run starts from
# the checked-in inputs only, so a gate run tries the same inputs in the same
# order on every machine: a commit that passed here cannot fail in CI because
# of a lucky draw there (only a slower machine tries a shorter prefix).
# FUZZ_SEED=0 draws a new seed and keeps what it finds in
# <bindir>/corpus-<target>/ for the next exploring run (`make fuzz-explore`).
# Usage: tests/fuzz/run.sh SECONDS BINARY...
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
secs=$1; shift
seed=${FUZZ_SEED:-1}
failed=0 total=0
for bin in "$@"; do
	t=$(basename "$bin"); t=${t#fuzz_}
	dir=$(dirname "$bin")
	log=$dir/fuzz-$t.log
	if [ "$seed" = 0 ]; then
		work=$dir/corpus-$t
	else
		work=$dir/gate-$t
		rm -rf "$work"
	fi
	mkdir -p "$work"
	# Captures are long files that the reader must bound by their size.
	case $t in
	capture) limits=(-max_len=65536 -malloc_limit_mb=256) ;;
	*) limits=(-max_len=4096 -rss_limit_mb=2048) ;;
	esac
	inputs=("$here/corpus/$t")
	[ -d "$here/regress/$t" ] && inputs+=("$here/regress/$t")
	mapfile -t saved < <(find "${inputs[@]}" -type f | sort)
	if ! "$bin" -close_fd_mask=1 "${limits[@]}" -artifact_prefix="$dir/crash-$t-" "${saved[@]}" >"$log" 2>&1; then
		echo "fuzz[$t]: FAIL: $(sed -n 's/^Running: //p' "$log" | tail -n 1) crashes it (log: $log)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz_)' "$log" | head -5 | sed 's/^/    /'
		failed=$((failed + 1))
		continue
	fi
	if "$bin" -seed="$seed" -max_total_time="$secs" -timeout=10 "${limits[@]}" \
		-close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$dir/crash-$t-" \
		"$work" "${inputs[@]}" >"$log" 2>&1; then
		status=ok
	else
		status=CRASH
		failed=$((failed + 1))
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	used=$(sed -n 's/^INFO: Seed: *//p' "$log" | head -n 1)
	corpus=$(find "$work" -type f | wc -l)
	echo "fuzz[$t]: $status: ${execs:-?} inputs in $secs s (seed ${used:-?}), $corpus new in $work"
	if [ $status != ok ]; then
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|artifact_prefix|Test unit written)' "$log" |
			head -6 | sed 's/^/    /'
	fi
	total=$((total + ${execs:-0}))
done
echo "fuzz: $total inputs tried over $# targets"
echo "fuzz: $(($# - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
