#!/usr/bin/env bash
# Checks tools/grafana/vqtrace.json (bash + jq): valid JSON, an importable
# shape (schemaVersion, a Prometheus `datasource` variable used by every
# panel and query, a `pid` variable from label_values), and that every
# metric name in every PromQL expression is one vqtrace exports. The
# exported names come from a real render: the unit test test_prom's
# fixture, dumped with VQTRACE_PROM_DUMP. A copy of the dashboard with a
# misspelt metric must fail, to show the check bites.
# Usage: tests/prom/dashboard_test.sh [TEST_PROM_BINARY] [DASHBOARD]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=${1:-$repo/.output/tests/test_prom}
dash=${2:-$repo/tools/grafana/vqtrace.json}
pass=0 fail=0

ok() { pass=$((pass + 1)); [ -z "${VERBOSE:-}" ] || echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
expect() { # label jq-filter: the filter must give true on the dashboard
	if jq -e "$2" "$dash" >/dev/null 2>&1; then ok "$1"; else bad "$1"; fi
}

[ -x "$bin" ] || { echo "dashboard: $bin is not built (make $bin)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vqtrace-dash.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
VQTRACE_PROM_DUMP=$tmp/render.txt "$bin" >/dev/null 2>&1 || { echo "dashboard: $bin failed" >&2; exit 1; }
cat "$tmp/render.txt.vqhist" >>"$tmp/render.txt"	# the --hist families too
# Exported names: every family (# TYPE) and every sample name.
{ sed -n 's/^# TYPE \([^ ]*\) .*/\1/p' "$tmp/render.txt"; grep -v '^#' "$tmp/render.txt" | sed 's/[{ ].*//'; } |
	sort -u >"$tmp/exported"
[ "$(wc -l <"$tmp/exported")" -ge 10 ] || { echo "dashboard: too few names in the render" >&2; exit 1; }

if jq -e . "$dash" >/dev/null 2>&1; then ok "valid JSON"; else
	bad "$dash is not valid JSON"; echo "dashboard: $pass passed, $fail failed"; exit 1; fi

expect "schemaVersion 36..39" '.schemaVersion | type == "number" and . >= 36 and . <= 39'
expect "title and uid" '(.title | length > 0) and (.uid | length > 0)'
expect "a datasource variable of type prometheus" \
	'[.templating.list[] | select(.name == "datasource" and .type == "datasource" and .query == "prometheus")] | length == 1'
expect "a pid variable from label_values(..., pid)" \
	'[.templating.list[] | select(.name == "pid" and .type == "query") | (.query.query? // .query) |
	  select(test("^label_values\\(.*, *pid\\)$"))] | length == 1'
expect "panels exist, ids unique" '[.panels[].id] | (length > 3) and (length == (unique | length))'
expect "every panel has a gridPos" 'all(.panels[]; .gridPos.w > 0 and .gridPos.h > 0)'
expect "every graph panel and query uses \${datasource}" \
	'all(.panels[] | select(.type != "row"); .datasource.uid == "${datasource}" and
	  (.targets | length > 0) and all(.targets[]; .datasource.uid == "${datasource}" and (.expr | length > 0)))'
expect "no panel without queries" 'all(.panels[] | select(.type != "row"); (.targets // []) | length > 0)'
expect "suppression ratio per vq" \
	'[.. | .expr? // empty | strings | select(test("rate\\(vqtrace_suppressed_total\\{[^}]*\\}\\[\\$__rate_interval\\]\\) / rate\\(vqtrace_notifies_total\\{[^}]*\\}\\[\\$__rate_interval\\]\\)"))] | length == 1'
for m in signals used wrap_checks invalidations stale_signals bpf_run_seconds bpf_runs; do
	expect "a panel over vqtrace_${m}_total" "[.. | .expr? // empty | strings | select(contains(\"vqtrace_${m}_total\"))] | length > 0"
done
expect "used entries per signal" \
	'[.. | .expr? // empty | strings | select(test("rate\\(vqtrace_used_total[^/]*/ rate\\(vqtrace_signals_total"))] | length == 1'

# PromQL words that are not metric names.
promql_words=" rate irate increase delta idelta deriv sum avg min max count topk bottomk quantile
stddev stdvar group by without on ignoring group_left group_right bool and or unless offset abs
clamp clamp_min clamp_max histogram_quantile time vector scalar sort sort_desc absent changes resets
predict_linear avg_over_time max_over_time min_over_time sum_over_time count_over_time last_over_time
round ceil floor ln log2 log10 exp sqrt timestamp inf nan "

# Metric names in one expression: strings, label matchers, ranges, grouping
# clauses and numbers dropped; what is left are functions and names.
names_in() {
	sed -E -e 's/"([^"\\]|\\.)*"//g' -e 's/\{[^}]*\}//g' -e 's/\[[^]]*\]//g' \
		-e 's/\b(by|without|on|ignoring|group_left|group_right) *\([^)]*\)//g' \
		-e 's/(^|[^A-Za-z0-9_:])[0-9][0-9.eE]*/\1/g' <<<"$1" |
		grep -oE '[A-Za-z_:][A-Za-z0-9_:]*' || true
}

check_names() { # dashboard file -> prints one line per unknown name; status 1 if any
	local f=$1 expr unknown=0 n
	while IFS= read -r expr; do
		n=0
		for w in $(names_in "$expr"); do
			if grep -qxF "$w" "$tmp/exported"; then
				n=$((n + 1))
			elif [[ $promql_words != *" ${w,,} "* ]]; then
				echo "'$w' in '$expr' is not a metric vqtrace exports"; unknown=1
			fi
		done
		[ $n -gt 0 ] || { echo "'$expr' uses no vqtrace metric"; unknown=1; }
	done < <(jq -r '
		(.. | .expr? // empty | strings),
		(.templating.list[] | select(.type == "query") | (.query.query? // .query) |
			capture("^label_values\\((?<m>.*), *[a-z_]+\\)$").m)' "$f")
	return $unknown
}

nexpr=$(jq '[.. | .expr? // empty | strings] | length' "$dash")
if out=$(check_names "$dash"); then
	ok "all $nexpr expressions use only exported metrics"
else
	bad "unknown metric names:"; printf '    %s\n' "$out"
fi
# The check must catch a misspelt or missing metric.
jq '(.panels[] | select(.type != "row") | .targets[0].expr) |= sub("vqtrace_used_total"; "vqtrace_usedd_total")' \
	"$dash" >"$tmp/typo.json"
if ! check_names "$tmp/typo.json" >/dev/null; then ok "a misspelt metric is caught"; else bad "a misspelt metric went unnoticed"; fi
jq '.panels[1].targets[0].expr = "rate(node_cpu_seconds_total[5m])"' "$dash" >"$tmp/foreign.json"
if ! check_names "$tmp/foreign.json" >/dev/null; then ok "a metric vqtrace does not export is caught"; else
	bad "a foreign metric went unnoticed"; fi

echo "dashboard: $pass passed, $fail failed"
[ $fail -eq 0 ]
