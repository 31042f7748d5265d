#!/usr/bin/env bash
# The live --prometheus test: boots a Debian kernel under QEMU (tools/vm/run)
# and runs tests/prom/guest.sh there: a real Prometheus server (Debian's
# /usr/bin/prometheus, copied in) scrapes `vqtrace --prometheus 9100` while
# vhost-loadgen runs under vqtrace. On the host, compares what Prometheus
# stored with the loadgen's ground truth (used_total == completed,
# signals_total == interrupts, kicks_total == kicks: it runs --kicks),
# runs `promtool check metrics` on a raw scrape, and evaluates every expression of the Grafana dashboard on the
# server's data. Only loopback traffic inside the guest.
# Usage: tests/prom/live.sh [KERNEL...]   (default 6.12; 6.1 works too)
# Env: PROM_OUT (results dir, default results/prom).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${PROM_OUT:-$repo/results/prom}
dash=$repo/tools/grafana/vqtrace.json
pass=0 fail=0

ok() { pass=$((pass + 1)); [ -z "${VERBOSE:-}" ] || echo "ok   [$k] $*"; }
bad() { fail=$((fail + 1)); echo "FAIL [$k] $*"; }
check() { # label expected actual
	if [ "$2" = "$3" ]; then ok "$1 = $3"; else bad "$1: expected $2, got $3"; fi
}
section() { # name: the lines between @@begin NAME and @@end NAME
	awk -v n="$1" '$0 == "@@end " n { on = 0 } on { print } $0 == "@@begin " n { on = 1 }' "$res"
}

for tool in prometheus promtool jq; do
	command -v $tool >/dev/null || { echo "prom-live: $tool is missing (run tools/deps.sh)" >&2; exit 1; }
done
[ -x "$repo/vqtrace" ] && [ -x "$repo/tools/vhost-loadgen/vhost-loadgen" ] ||
	{ echo "prom-live: build first (make all loadgen)" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/vqtrace-prom.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$here/guest.sh" "$here/prometheus.yml" "$work/"

# The dashboard's queries with Grafana's variables filled in, as API paths
# (one per line, URL-encoded), and what each must give.
jq -r '
	def fill: gsub("\\$__rate_interval"; "10s") | gsub("\\$instance"; ".*") | gsub("\\$pid"; ".*");
	([.. | objects | .expr? // empty | strings] | unique | .[] |
		"query\t/api/v1/query?query=\(fill | @uri)\t\(.)"),
	(.templating.list[] | select(.type == "query") | (.query.query? // .query) |
		capture("^label_values\\((?<m>.*), *(?<l>[a-z_]+)\\)$") |
		"label \(.l)\t/api/v1/label/\(.l)/values?match%5B%5D=\(.m | fill | @uri)\t\(.m)")
' "$dash" >"$work/dash.tsv" || { echo "prom-live: cannot read $dash" >&2; exit 1; }
cut -f2 "$work/dash.tsv" >"$work/dash.urls"

for k in "${@:-6.12}"; do
	res=$out/$k.results
	echo "prom-live[$k]: booting Debian $k with Prometheus inside..." >&2
	start=$(date +%s)
	rc=0
	"$repo/tools/vm/run" --kernel "$k" --timeout 240 --results "$res" \
		--add /usr/bin/prometheus:/usr/bin/prometheus --add "$work:/prom" \
		-- sh /prom/guest.sh >"$out/$k.console" 2>&1 || rc=$?
	echo "prom-live[$k]: guest finished in $(($(date +%s) - start)) s (status $rc); console: $out/$k.console" >&2
	check "guest exit status" 0 "$rc"
	tr -d '\r' <"$res" >"$res.tmp" && mv "$res.tmp" "$res"
	if ! grep -q '^@@done' "$res"; then
		bad "the guest did not finish (see $out/$k.console)"
		tail -n 20 "$out/$k.console" | sed "s/^/    [$k console] /"
	fi

	# --prometheus on a taken port: one line, exit 1
	b=$(section bind)
	check "taken port: exit status and stderr lines" "rc=1 lines=1" "$(head -n 1 <<<"$b")"
	msg=$(sed -n 2p <<<"$b")
	if [[ $msg =~ ^vqtrace:\ cannot\ listen\ on\ 127\.0\.0\.1:9090:\ [^\;]+\;\ .+ ]]; then
		ok "taken port message: $msg"
	else
		bad "taken port message: got '$msg'"
	fi

	check "vqtrace exit status" "rc=0" "$(section vqtrace-rc | head -n 1)"
	v6=$(section ipv6)
	check "-T --prometheus [::1]:9101: scraped" "vqtrace_up 1" "$(head -n 1 <<<"$v6")"
	if [[ $(sed -n 2p <<<"$v6") =~ ^rc=0\ secs=[0-2]$ ]]; then
		ok "SIGINT stops vqtrace and its server: $(sed -n 2p <<<"$v6")"
	else
		bad "SIGINT with --prometheus: want rc=0 within 2 s, got '$(sed -n 2p <<<"$v6")'"
	fi
	check "GET /metrics status" 200 "$(section metrics-code | head -n 1)"
	check "GET / status" 404 "$(section other-code | head -n 1)"
	section targets >"$work/targets.json"
	check "Prometheus target health" '"up"' \
		"$(jq -c '[.data.activeTargets[].health] | unique | .[0]' "$work/targets.json" 2>/dev/null)"

	# promtool on what the guest scraped
	section metrics >"$work/metrics.txt"
	if [ "$(grep -c '^vqtrace_' "$work/metrics.txt")" -gt 0 ] &&
		lint=$(promtool check metrics <"$work/metrics.txt" 2>&1) && [ -z "$lint" ]; then
		ok "promtool check metrics on the scrape"
	else
		bad "promtool check metrics on the scrape: ${lint:-empty scrape}"
	fi
	cp "$work/metrics.txt" "$out/$k.metrics"

	# Prometheus' stored values against the ground truth, per queue
	gt=$(section gt | grep '^{' | head -n 1)
	if [ -z "$gt" ]; then
		bad "no ground truth from vhost-loadgen"
		gt='{"pid":-1,"queues":[]}'
	fi
	pid=$(jq -r .pid <<<"$gt")
	for m in used signals notifies suppressed bpf_runs; do
		section "query vqtrace_${m}_total" >"$work/q_$m.json"
	done
	section "query vqtrace_up" >"$work/q_up.json"
	value() { # metric dev queue: the value Prometheus has for the loadgen's queue
		jq -r --arg pid "$pid" --arg dev "$2" --arg q "$3" '
			[.data.result[]? | select(.metric.pid == $pid and .metric.dev == $dev and
				.metric.queue == $q) | .value[1]] | if length == 1 then .[0] else "none(\(length))" end
		' "$work/q_$1.json" 2>/dev/null || echo "unreadable"
	}
	scraped() { # family dev queue: the value in the raw scrape
		grep -E "^vqtrace_$1_total\{pid=\"$pid\",dev=\"$2\",queue=\"$3\"," "$work/metrics.txt" |
			awk '{ print $NF }'
	}
	nq=0
	while IFS=$'\t' read -r dev q dir completed interrupts kicks; do
		[ "$completed" -gt 0 ] || continue
		nq=$((nq + 1))
		lbl="pid $pid net$dev $q:$dir"
		check "Prometheus vqtrace_used_total{$lbl} == completed" "$completed" "$(value used "net$dev" "$q")"
		check "Prometheus vqtrace_signals_total{$lbl} == interrupts" "$interrupts" "$(value signals "net$dev" "$q")"
		check "scraped vqtrace_used_total{$lbl} == completed" "$completed" "$(scraped used "net$dev" "$q")"
		check "scraped vqtrace_signals_total{$lbl} == interrupts" "$interrupts" "$(scraped signals "net$dev" "$q")"
		# vqtrace runs with --kicks here (the dashboard's kick panel)
		check "scraped vqtrace_kicks_total{$lbl} == kicks" "$kicks" "$(scraped kicks "net$dev" "$q")"
		n=$(value notifies "net$dev" "$q") s=$(value signals "net$dev" "$q") u=$(value suppressed "net$dev" "$q")
		if [[ $n =~ ^[0-9]+$ && $s =~ ^[0-9]+$ && $u =~ ^[0-9]+$ ]]; then
			check "notifies == signals + suppressed {$lbl}" "$n" "$((s + u))"
		else
			bad "notifies/signals/suppressed {$lbl}: $n/$s/$u"
		fi
	done < <(jq -r '.queues[] | [.dev, .queue, .dir, .completed, .interrupts, .kicks] | @tsv' <<<"$gt")
	# the series as stored, scrape by scrape: never down, ending at the
	# ground truth, and seen moving during the run (refreshed per interval)
	section "samples vqtrace_used_total" >"$work/samples.json"
	tx=$(jq -r '[.queues[] | select(.completed > 0)][0] | "net\(.dev) \(.queue) \(.completed)"' <<<"$gt")
	read -r sdev sq scompleted <<<"$tx"
	hist=$(jq -r --arg pid "$pid" --arg dev "$sdev" --arg q "${sq:-}" '
		[.data.result[]? | select(.metric.pid == $pid and .metric.dev == $dev and .metric.queue == $q) |
			.values[] | .[1] | tonumber] as $v |
		{ n: ($v | length), distinct: ($v | unique | length), last: ($v | last),
		  monotonic: ([range(1; $v | length) | select($v[.] < $v[. - 1])] | length == 0) } |
		"\(.n) \(.distinct) \(.last) \(.monotonic)"' "$work/samples.json" 2>/dev/null)
	read -r hn hdistinct hlast hmono <<<"$hist"
	check "stored vqtrace_used_total samples: last == completed" "${scompleted:-?}" "${hlast:-none}"
	check "stored vqtrace_used_total samples never decrease" true "${hmono:-none}"
	if [[ ${hdistinct:-0} -ge 2 ]]; then
		ok "stored vqtrace_used_total took $hdistinct values in $hn scrapes"
	else
		bad "stored vqtrace_used_total took ${hdistinct:-0} values in ${hn:-0} scrapes: want >= 2 (refreshed while the load ran)"
	fi
	[ "$nq" -gt 0 ] && ok "queues with traffic: $nq" || bad "no queue with traffic in the ground truth"
	check "vqtrace_up" 1 "$(jq -r '.data.result[0].value[1]' "$work/q_up.json" 2>/dev/null)"
	runs=$(jq -r '[.data.result[]? | select(.metric.prog | startswith("notify_kprobe")) | .value[1] | tonumber] | add // 0' \
		"$work/q_bpf_runs.json" 2>/dev/null)
	if [[ $runs =~ ^[0-9]+$ ]] && [ "$runs" -gt 0 ]; then
		ok "vqtrace_bpf_runs_total{prog=notify_kprobe} = $runs (bpf_stats_enabled=1)"
	else
		bad "vqtrace_bpf_runs_total{prog=notify_kprobe}: expected > 0, got '$runs'"
	fi

	# every dashboard expression evaluates on the real data
	i=0
	while IFS=$'\t' read -r kind _ expr; do
		i=$((i + 1))
		section "dash $i" >"$work/d.json"
		st=$(jq -r '.status' "$work/d.json" 2>/dev/null)
		nres=$(jq -r '.data | if type == "array" then length else (.result | length) end' "$work/d.json" 2>/dev/null)
		if [ "$st" != success ] || ! [[ $nres =~ ^[1-9] ]]; then
			bad "dashboard $kind '$expr': status '$st', $nres results: $(head -c 300 "$work/d.json")"
		elif [ "$kind" = "label pid" ] && ! jq -e --arg p "$pid" '.data | index($p)' "$work/d.json" >/dev/null; then
			bad "dashboard variable pid does not offer the loadgen's pid $pid"
		else
			ok "dashboard $kind '$expr': $nres results"
		fi
	done <"$work/dash.tsv"
done

echo "prom-live: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
