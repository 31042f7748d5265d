#!/usr/bin/env bash
# `promtool check metrics` (Debian package prometheus) on vqtrace's
# Prometheus output as rendered by the unit test tests/unit/test_prom.c from
# its hand-built table (the host cannot run vqtrace's BPF), and on the
# histogram writer's output. A copy with a second HELP line must be refused,
# to show promtool does look. (tests/prom/live.sh runs promtool on a real
# scrape in the VM.)
# Usage: tests/prom/promtool_check.sh [TEST_PROM_BINARY]  (.output/tests/test_prom)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=${1:-$repo/.output/tests/test_prom}
pass=0 fail=0

command -v promtool >/dev/null || { echo "promtool: not installed (apt-get install prometheus)" >&2; exit 1; }
[ -x "$bin" ] || { echo "promtool: $bin is not built (make $bin)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vqtrace-promtool.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if ! VQTRACE_PROM_DUMP=$tmp/render.txt "$bin" >"$tmp/unit.log" 2>&1; then
	echo "FAIL: $bin failed:" && tail -n 20 "$tmp/unit.log"
	echo "promtool: 0 passed, 1 failed"
	exit 1
fi

lint() { # name file [want-failure]
	local out rc
	out=$(promtool check metrics <"$2" 2>&1); rc=$?
	if [ -z "${3:-}" ]; then
		if [ $rc -eq 0 ] && [ -z "$out" ] && [ -s "$2" ]; then
			pass=$((pass + 1)); echo "ok   promtool check metrics: $1 ($(grep -vc '^#' "$2") samples)"
		else
			fail=$((fail + 1)); echo "FAIL promtool check metrics: $1 (exit $rc): $out"
		fi
	elif [ $rc -ne 0 ]; then
		pass=$((pass + 1)); echo "ok   promtool refuses $1: ${out//$'\n'/ }"
	else
		fail=$((fail + 1)); echo "FAIL promtool accepted $1"
	fi
}

lint "the unit-test render" "$tmp/render.txt"
lint "a histogram family" "$tmp/render.txt.histogram"
lint "the render with --hist's histograms" "$tmp/render.txt.vqhist"
lint "the render with --prom-by pid (histograms merged)" "$tmp/render.txt.bypid"
{ cat "$tmp/render.txt"; echo '# HELP vqtrace_up again'; } >"$tmp/broken.txt"
lint "a render with a second HELP line" "$tmp/broken.txt" want-failure
sed 's/^# TYPE vqtrace_used_total counter$/# TYPE vqtrace_used_total countr/' "$tmp/render.txt" >"$tmp/broken.txt"
lint "a render with a bad TYPE" "$tmp/broken.txt" want-failure

echo "promtool: $pass passed, $fail failed"
[ $fail -eq 0 ]
