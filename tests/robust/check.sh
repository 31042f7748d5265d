#!/usr/bin/env bash
# Compares the robustness scenarios' results (tests/robust/guest.sh in the
# VM) with what their definitions imply (expect.jq). One line per failed
# check (every check with VERBOSE=1) and a summary line.
# Usage: tests/robust/check.sh KERNEL RESULTS_FILE
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kernel=$1 results=$2

expected=$(grep -v '^#' "$here/scenarios" | awk -F'|' -v k="$kernel" \
	'NF >= 5 { gsub(/ /, "", $1); if ((" " $2 " ") ~ (" " k " ")) print $1 }')
[ -z "${ROBUST_ONLY:-}" ] || expected=$ROBUST_ONLY
expected="$expected final"
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
	if ! checks=$(jq -r -f "$here/expect.jq" <<<"$scen" |
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
		jq -r '(.err + .err2)[]' <<<"$scen" | sed "s/^/    [$name stderr] /" | head -20
	fi
done
echo "robust[$kernel]: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
