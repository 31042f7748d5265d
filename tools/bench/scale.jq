# Markdown report of tools/bench/scale: jq -rs --arg k KERNEL -f scale.jq RESULTS.jsonl
# One row per (vqs, --hist) run; the targets of issue #17 at 1024 vqs below.
def r(n): if . == null then null else (. * pow(10; n) | round) / pow(10; n) end;
def f(n): if . == null then "-" else r(n) | tostring end;
def verdict: if . == null then "n/a" elif . then "MET" else "MISSED" end;
def hook: if test("add_use") then "add_used" elif test("notify") then "notify" else "other" end;

# BPF ns per call of each hooked function (entry + exit programs) between
# two bpftool snapshots of the same run, and per call of either (an event).
def window($a; $b): ($a | map({key: (.id | tostring), value: .}) | from_entries) as $x
	| [ $b[] | select((.name | hook) != "other")
	    | . as $p | ($x[.id | tostring] // {run_cnt: 0, run_time_ns: 0}) as $o
	    | {name, run_cnt: ($p.run_cnt - $o.run_cnt), run_time_ns: ($p.run_time_ns - $o.run_time_ns)} ]
	| map(select(.run_cnt > 0));
def costs: . as $p
	| def h($h): $p | map(select(.name | hook == $h));
	  def calls($h): h($h) | map(.run_cnt) | max // 0;
	  def ns($h): calls($h) as $n | if $n > 0 then (h($h) | map(.run_time_ns) | add) / $n else null end;
	{add_calls: calls("add_used"), notify_calls: calls("notify"), add_ns: ns("add_used"), notify_ns: ns("notify"),
	 event_ns: ((calls("add_used") + calls("notify")) as $n
		| if $n > 0 then ($p | map(.run_time_ns) | add) / $n else null end)};

def run($v; $h): map(select(.vqs == $v and .hist == $h)) as $l
	| ($l | map(select(.type == "load") | [.gt.queues[] | select(.dir == "tx") | .completed] | add) | add // 0) as $used
	| ($l | map(select(.type == "progs" and .at == 1)) | first | .progs // []) as $p1
	| ($l | map(select(.type == "progs" and .at == 2)) | first | .progs // []) as $p2
	| ($l | map(select(.type == "busy")) | first) as $b
	| ($l | map(select(.type == "idle")) | first) as $i
	| ($l | map(select(.type == "scrape")) | first) as $s
	| ($l | map(select(.type == "attach")) | first) as $a
	| ($l | map(select(.type == "rc")) | first) as $rc
	| ($l | map(select(.type == "probe")) | first | .probe // {}) as $pr
	| {vqs: $v, hist: $h, used: $used} + (window($p1; $p2) | costs)
	  + {busy_pct: (if $b then $b.ticks / $b.clk_tck / $b.seconds * 100 else null end),
	     cpu_pct: (if $i then $i.ticks / $i.clk_tck / $i.seconds * 100 else null end),
	     rss_mib: ($i.rss_kb // null | if . then . / 1024 else null end),
	     hwm_mib: ($i.hwm_kb // null | if . then . / 1024 else null end),
	     scrape_kib: ($s.bytes // null | if . then . / 1024 else null end), samples: $s.samples,
	     render_ms: $s.render_ms, scrape_s: $s.seconds, again_s: $s.again_seconds, prom_used: $s.used_total,
	     dropped: $s.hist_series_dropped, attach_s: $a.attach_s, ready_s: $a.ready_s,
	     hooks: $a.hooks, rc: $rc.rc, err: $rc.stderr, complete: $pr.complete,
	     misses: (($pr.hook_misses // 0) + ($pr.return_misses // 0))};

[ .[] | select(.vqs) ] as $all
| [ [8, 128, 1024][] as $v | [0, 1][] as $h | run($v; $h) | select(.used > 0 or .rc != null) ] as $rows
| ($rows | map(select(.vqs == 8 and .hist == 0)) | first) as $base
| ($rows | map(select(.vqs == 1024)) ) as $big
| "## vqtrace at scale (Debian \($k), QEMU TCG)",
  "",
  "| vqs | --hist | TX entries | calls in window (add_used / notify) | add_used ns/call | notify ns/call | BPF ns/event | CPU at -i 1: load / idle | RSS (peak) MiB | /metrics KiB | samples | render ms | scrape s (again) | attach s (ready) | counted = load | complete (misses) | exit |",
  "|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|:---:|---:|",
  ($rows[] | "| \(.vqs) | \(if .hist == 1 then "yes" else "no" end) | \(.used) | \(.add_calls) / \(.notify_calls) | \(.add_ns | f(0)) | \(.notify_ns | f(0)) | \(.event_ns | f(0)) | \(.busy_pct | f(2)) % / \(.cpu_pct | f(2)) % | \(.rss_mib | f(1)) (\(.hwm_mib | f(1))) | \(.scrape_kib | f(0)) | \(.samples // "-") | \(.render_ms | f(1)) | \(.scrape_s | f(2)) (\(.again_s | f(2))) | \(.attach_s | f(2)) (\(.ready_s | f(2))) | \(if .prom_used == .used then "yes" else "no: \(.prom_used)" end) | \(if .complete == true then "yes" elif .complete == false then "NO (\(.misses))" else "-" end) | \(.rc // "-") |"),
  "",
  "Targets at 1024 vqs (TCG figures; an event is one traced call, its entry and exit programs):",
  "- userspace < 1 % of one CPU at -i 1 (vqs live and idle, no scrape; a scrape adds its render): \($big | map(.cpu_pct) | max | f(2)) % -> \($big | map(.cpu_pct) | if length > 0 and all(. != null) then (max < 1) else null end | verdict)",
  "- RSS < 32 MiB: peak \($big | map(.hwm_mib) | max | f(1)) MiB -> \($big | map(.hwm_mib) | if length > 0 and all(. != null) then (max < 32) else null end | verdict)",
  "- a scrape < 100 ms: vqtrace's render \($big | map(.render_ms) | max | f(0)) ms, the whole scrape by busybox wget \($big | map(.scrape_s) | max | f(2)) s -> \($big | map(.scrape_s) | if length > 0 and all(. != null) then (max < 0.1) else null end | verdict)",
  "- BPF ns per event within 10 % of 8 vqs (\($base.event_ns | f(0)) ns): \($big | map(select(.hist == 0)) | first | .event_ns | f(0)) ns -> \(($big | map(select(.hist == 0)) | first | .event_ns) as $e | if $e and $base.event_ns then ($e <= $base.event_ns * 1.1) else null end | verdict)",
  ($rows | map(select(.rc != 0 and .rc != null)) | if length > 0 then "", "Runs that did not end cleanly:", (.[] | "- \(.vqs) vqs hist \(.hist): exit \(.rc): \(.err)") else empty end)
