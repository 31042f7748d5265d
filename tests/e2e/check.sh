#!/usr/bin/env bash
# Compares a suite's results (the guest's tagged output) with what each
# scenario's definition implies: the suite directory holds `scenarios`,
# `parse.jq` and `expect.jq` (tests/e2e by default; tests/robust too).
# Prints one line per failed check (every check with VERBOSE=1) and a
# summary; exits non-zero if anything failed or a scenario is missing.
# Usage: tests/e2e/check.sh [--suite DIR] [--also NAME]... KERNEL RESULTS_FILE
#        (CHECK_ONLY=NAME checks that scenario alone)
set -euo pipefail
suite=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
also=
while [ $# -gt 2 ]; do
	case $1 in
	--suite) suite=$(cd "$2" && pwd); shift 2 ;;
	--also) also="$also $2"; shift 2 ;;
	*) break ;;
	esac
done
kernel=$1 results=$2
here=$suite

expected=$(grep -v '^#' "$here/scenarios" | awk -F'|' -v k="$kernel" \
	'NF >= 5 { gsub(/ /, "", $1); if ((" " $2 " ") ~ (" " k " ")) print $1 }')
if [ -n "${CHECK_ONLY:-}" ]; then
	# Names this kernel runs are checked; a name the file does not know at
	# all fails below (no results); one it runs on other kernels only is skipped.
	known=$(grep -v '^#' "$here/scenarios" | awk -F'|' 'NF >= 5 { gsub(/ /, "", $1); print $1 }')
	only=
	for n in $CHECK_ONLY; do
		if grep -qx -- "$n" <<<"$expected" || ! grep -qx -- "$n" <<<"$known"; then only="$only $n"; fi
	done
	expected=$only
fi
expected="$expected$also"
parsed=$(tr -d '\r' <"$results" | jq -R -s -f "$here/parse.jq")
pass=0 fail=0
for name in $expected; do
	scen=$(jq -c --arg n "$name" '.[] | select(.name == $n)' <<<"$parsed")
	if [ -z "$scen" ]; then
		echo "FAIL [$kernel] $name: no results (the guest did not finish it)"
		fail=$((fail + 1))
		continue
	fi
	before=$fail
	# $kernel: the few checks that differ by kernel (the hook names) need it.
	if ! checks=$(jq -r --arg kernel "$kernel" -f "$here/expect.jq" <<<"$scen" |
		jq -r '.[] | [(.expected == .actual), .check, (.expected | tojson), (.actual | tojson)] | @tsv'); then
		echo "FAIL [$kernel] $name: the checks themselves failed to run (jq error above)"
		fail=$((fail + 1))
		continue
	fi
	if [ -z "$checks" ]; then
		echo "FAIL [$kernel] $name: no checks were produced"
		fail=$((fail + 1))
		continue
	fi
	while IFS=$'\t' read -r ok label exp act; do
		if [ "$ok" = true ]; then
			pass=$((pass + 1))
			[ -n "${VERBOSE:-}" ] && echo "ok   [$kernel] $name: $label = $act"
		else
			fail=$((fail + 1))
			echo "FAIL [$kernel] $name: $label: expected $exp, got $act"
		fi
	done <<<"$checks"
	if [ "$fail" -gt "$before" ]; then
		# sed -n reads to the end: head would close the pipe early, and
		# under pipefail the SIGPIPE ended this script before its summary
		# when a failed scenario had more than 20 stderr lines.
		jq -r '(.err + (.err2 // []))[]' <<<"$scen" | sed -n "1,20s/^/    [$name stderr] /p"
	fi
done
echo "$(basename "$suite")[$kernel]: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
