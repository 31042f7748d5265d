# Markdown report of tools/bench results: jq -rs -f report.jq RESULTS.jsonl
# Every line carries "kernel" (6.1 or 6.12), added by tools/bench/run. Every
# figure is a ratio, or a cost compared with another taken in the same boot.

def med: sort | if length == 0 then null
	elif length % 2 == 1 then .[length / 2 | floor]
	else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def r(n): if . == null then null else (. * pow(10; n) | round) / pow(10; n) end;
def f(n): if . == null then "-" else r(n) | tostring end;
def spread(n): map(select(. != null)) |
	if length == 0 then "-" else "\(med | f(n)) (\(min | f(n))..\(max | f(n)))" end;
def pct: if . == null then "-" else (. * 100 | r(1) | tostring) + " %" end;
def verdict: if . == null then "n/a" elif . then "**MET**" else "**MISSED**" end;

def names: {a: "(a) no tracing", b: "(b) vqtrace default", c: "(c) vqtrace --hist",
	d: "(d) vqtrace --events", e: "(e) bpftrace script", ff: "(f) vqtrace --add-used-mode fentry",
	fk: "(f) vqtrace --add-used-mode kprobe", o: "(o) vqtrace -p of another VM (this load filtered out)",
	k: "(k) vqtrace --kicks", kh: "(k) vqtrace --kicks --hist"};
def order: ["a", "b", "c", "d", "e", "ff", "fk", "k", "kh", "o"];

def rate: ([.gt.queues[].completed] | add) / .gt.elapsed_s;
# The traced function a program belongs to (vqtrace's and bpftrace's names).
# vqtrace's kick side (--kicks): src/hooks.c's kick_hooks programs.
def hook: if test("^(kick_|notify_enable|notify_disable|busy_poll)") then "kick"
	elif test("add_use") then "add_used" elif test("notify") then "notify" else "other" end;
def is_bt: test("^(__vhost_add_use|vhost_notify_co)");
# bpftrace gives its kprobe and kretprobe the same name: tell them apart.
def labelled: . as $ps | map(. as $p | . + {label: (if ($ps | map(select(.name == $p.name)) | length) > 1
	then "\(.name) (\(.bytes_xlated / 8) insns)" else .name end)});

# BPF ns per traced call of a set of programs from one bpftool snapshot: a call
# of a hooked function runs its entry and exit programs; "event" = one call
# of add_used or notify, whose cost includes the kick side's programs (run
# once per kick, handler run, notify enable...) where they are loaded.
def costs: map(select((.run_cnt // 0) > 0)) as $p
	| def h($h): $p | map(select(.name | hook == $h));
	  def ns($h): (h($h) | map(.run_cnt) | max // 0) as $n
		| if $n > 0 then (h($h) | map(.run_time_ns) | add) / $n else null end;
	(h("add_used") | map(.run_cnt) | max // 0) as $adds | (h("notify") | map(.run_cnt) | max // 0) as $nots
	| {adds: $adds, notifies: $nots, add_ns: ns("add_used"), notify_ns: ns("notify"),
	   event_ns: (if $adds + $nots > 0 then ((h("add_used") + h("notify") + h("kick")) | map(.run_time_ns) | add) / ($adds + $nots) else null end)};

# The programs of one tracer in a snapshot holding several (cmp): bpftrace's by
# name, each vqtrace's as those sharing a map with its add_used program.
def tracer_progs($who):
	if $who == "bpftrace" then map(select(.name | is_bt))
	else (map(select(.name == $who)) | .[0].map_ids // []) as $m
	| map(select((.name | is_bt | not) and any(.map_ids[]?; . as $x | $m | index([$x]))))
	end;

# Did the tracer count exactly what the load generator did (used, signals)?
# (o) traces another owner: exact is counting none of it, having filtered it.
def exact($lines; $gt; $cfg):
	($gt.queues | map(.completed) | add) as $c | ($gt.queues | map(.interrupts) | add) as $i
	| ($lines | map(select(.type == "total"))) as $vq
	| ($lines | map(select(.type == "map")) | map(.data) | add // {}) as $bt
	| if $cfg == "o" then ($vq | map(.used) | add // 0) == 0 and
		($lines | map(select(.type == "probe")) | .[0].filtered_out // 0) > 0
	  elif ($vq | length) > 0 then ($vq | map(.used) | add) == $c and ($vq | map(.signals) | add) == $i
	  elif ($bt | length) > 0 then (($bt["@used"] // {}) | [.[]] | add) == $c and (($bt["@signals"] // {}) | [.[]] | add) == $i
	  else null end;

def kernel_report($k; $all):
	[$all[] | select(.kernel == $k)] as $L
	| ($L | map(select(.type == "boot")) | .[0] // {}) as $boot
	| ($L | map(select(.type == "host")) | .[0] // {}) as $host
	| ($L | any(.type == "note" and .ff_is_b)) as $ff_is_b
	| ($L | map(select(.type == "run" and .gt != null)) | sort_by(.seq)) as $all_runs
	| ($all_runs | map(select(.tracer_rc == 0))) as $runs
	| ($L | map(select(.type == "error"))) as $errors
	| ($L | map(select(.type == "progs"))) as $progs
	| ($L | map(select(.type == "totals"))) as $totals
	| ($runs | map(select(.config == "a")) | map({seq, rate: rate})) as $A
	| ($totals | map(select(.config == "b" and .line.type == "probe")) | .[0].line // {}) as $probe
	# vqtrace's default add_used program, known from a (b) run; none without one
	| ($probe.add_used_hook // null | if . == null then null elif startswith("fexit") then "add_used_fexit" else "add_used_kprobe" end) as $bprog
	# throughput relative to the (a) runs just before and after
	| def neighbours: .seq as $s | [($A | map(select(.seq < $s)) | last), ($A | map(select(.seq > $s)) | first)] | map(select(. != null) | .rate);
	  def ratio: rate / (neighbours | if length > 0 then add / length else null end);
	  # a steady host: the (a) runs on both sides agree within 10 %
	  def steady: neighbours | length == 2 and (max / min) <= 1.1;
	  # share of the vhost worker's CPU spent in the tracer's hook programs
	  def bpf_share($p): ([$p[] | select(.name | hook != "other") | .run_time_ns // 0] | add) as $ns
		| if .worker_ticks and .worker_ticks > 0 and $ns then $ns / (.worker_ticks * 1e7) else null end;
	  def cfg($c): if $c == "ff" and $ff_is_b then "b" else $c end;
	  def ratios($c): $runs | map(select(.config == cfg($c))) | map(ratio);
	  def steady_ratios($c): $runs | map(select(.config == cfg($c) and steady)) | map(ratio);
	  def shares($c): $runs | map(select(.config == cfg($c))) | map(. as $run
		| ($progs | map(select(.config == $run.config and .round == $run.round)) | .[0].progs) as $p
		| if $p then bpf_share($p) else null end);
	  def pcosts($c): $progs | map(select(.config == cfg($c))) | map({round} + (.progs | costs));
	  def absent($c): ($c == "c" and ($boot.has_hist | not)) or ($c == "d" and ($boot.has_events | not))
		or (($c == "ff" or $c == "fk") and ($boot.has_add_used_mode | not));
	  def cmp($who): $progs | map(select(.config == "cmp")) | map({round} + (.progs | tracer_progs($who) | costs));
	(cmp($bprog) | map(.round as $r | .event_ns as $v | cmp("bpftrace") | map(select(.round == $r)) | .[0].event_ns as $b
		| if $v and $b then $v / $b else empty end)) as $cmp_b_vs_e
	| (pcosts("b") | map(.round as $r | .event_ns as $v | pcosts("e") | map(select(.round == $r)) | .[0].event_ns as $b
		| if $v and $b then $v / $b else empty end)) as $sep_b_vs_e
	| ($L | map(select(.type == "cpu")) | .[0]) as $cpu
	| (if $cpu and $cpu.cpu_ticks_end then ($cpu.cpu_ticks_end - $cpu.cpu_ticks_start) / $cpu.clk_tck / $cpu.seconds else null end) as $cpu_frac
	| ($runs | map(select(.config == "b")) | map(.attach_s)) as $att
	| ($runs | map(select(.config == "b")) | map(.ready_s)) as $rdy
	| (ratios("b") | med) as $bmed
	| (if $boot.sha256_16m_s and $host.sha256_16m_s then $boot.sha256_16m_s / $host.sha256_16m_s else null end) as $slow
	| {k: $k, text: ([
	"## Kernel \($boot.uname // $k)",
	"",
	"\($runs | map(.round) | unique | length) rounds; \($runs[0].tx // "?") TX buffers per run (`vhost-loadgen --event-every 1`); \($boot.vqtrace_version // "vqtrace"): add_used hook `\($probe.add_used_hook // "?")`, notify hook `\($probe.notify_hook // "?")`. Guest clocksource \($boot.clocksource // "?"); bpf_stats on in every run. The guest ran a fixed CPU job \($slow | f(1))x slower than the host (host load average \($host.loadavg_before // "?") before, \($host.loadavg_after // "?") after; \($host.other_qemus // "?") other QEMU processes). Times are TCG: only ratios within this boot are results.",
	"",
	"### Throughput and BPF cost per traced call",
	"",
	"| configuration | throughput vs (a) | same, steady rounds only | BPF share of vhost worker CPU | pkt/s (TCG) | BPF ns per add_used call | BPF ns per notify call | BPF ns per event | counts exact |",
	"|---|---|---|---|---|---|---|---|---|",
	(order[] as $c
	 | if absent($c) then "| \(names[$c]) | not implemented yet | | | | | | | |"
	   elif $c == "ff" and $ff_is_b then "| \(names[$c]) | = (b): vqtrace's default hook is the fentry mode (fexit) here | | | | | | | |"
	   elif ($all_runs | any(.config == $c)) and (($runs | any(.config == $c)) | not) then
		"| \(names[$c]) | tracer failed in \($all_runs | map(select(.config == $c)) | length) of \($all_runs | map(select(.config == $c)) | length) runs: \($errors | map(select(.config == $c)) | .[0].msg // "?" | gsub("\\|"; "/") | .[0:200]) | | | | | | | |"
	   elif ($runs | any(.config == $c)) | not then empty
	   else ($runs | map(select(.config == $c))) as $cr
	   | (pcosts($c)) as $pc
	   | ($cr | map(. as $run | exact($totals | map(select(.config == $c and .round == $run.round)) | map(.line); $run.gt; $c)) | map(select(. != null))) as $ex
	   | (steady_ratios($c)) as $sr
	   | "| \(names[$c]) | \(if $c == "a" then "1 (baseline)" else ratios($c) | spread(3) end) | \(if $c == "a" then "" else "\($sr | spread(3)) n=\($sr | length)" end) | \(if $c == "a" then "-" else shares($c) | map(select(. != null) * 100) | spread(1) | . + " %" end) | \($cr | map(rate) | spread(0)) | \($pc | map(.add_ns) | spread(0)) | \($pc | map(.notify_ns) | spread(0)) | \($pc | map(.event_ns) | spread(0)) | \(if ($ex | length) == 0 then "-" else "\($ex | map(select(.)) | length)/\($ex | length)" end) |"
	   end),
	"",
	"Median (min..max) over the rounds. Throughput: completed / elapsed_s of the load generator, divided by the mean of the nearest (a) runs before and after it (at most one run away); steady rounds: those two (a) runs agree within 10 %, i.e. the host's load did not change much around the run. BPF share: the tracer's hook programs' run_time_ns over the CPU time of the vhost worker thread in the same run, a ratio of two times taken together, so host contention largely cancels; it leaves out the cost of the hooks themselves (trampoline, kprobe, return probe, bpf_stats), so it is a lower bound of the throughput cost when vhost is the bottleneck. BPF ns: run_time_ns / run_cnt with bpf_stats; an event is one traced call of __vhost_add_used_n or vhost_notify (entry + exit program). Counts exact: the tracer's used and signals equal the load generator's completed and interrupts; for (o), the tracer counted none of the load and its filter turned it away (filtered_out > 0).",
	"",
	(if ($progs | any(.config == "cmp")) then
	 "### BPF cost per event, all tracers attached at once (same moments, same noise)",
	 "",
	 "| tracer | BPF ns per add_used call | BPF ns per notify call | BPF ns per event | per event vs bpftrace |",
	 "|---|---|---|---|---|",
	 (["add_used_fexit", "add_used_kprobe", "bpftrace"][] as $w | cmp($w) as $cw
	  | (cmp("bpftrace")) as $bt
	  | "| \(if $w == "bpftrace" then "(e) bpftrace" else "vqtrace, add_used by \($w | sub("add_used_"; ""))\(if $w == $bprog then " (default)" else "" end)" end) | \($cw | map(.add_ns) | spread(0)) | \($cw | map(.notify_ns) | spread(0)) | \($cw | map(.event_ns) | spread(0)) | \($cw | map(.round as $r | .event_ns as $v | $bt | map(select(.round == $r)) | .[0].event_ns as $b | if $v and $b then $v / $b else null end) | spread(2)) |"),
	 "",
	 "The three tracers traced the same load in the same run (one extra run per round), so host contention hits them alike; the throughput table's per-configuration costs come from separate runs.",
	 "" else empty end),
	"### Per BPF program (separate runs)",
	"",
	"| configuration | program | type | ns per run | runs per s | insns (xlated/8) | jited bytes | helper call sites |",
	"|---|---|---|---|---|---|---|---|",
	(order[] as $c | ($progs | map(select(.config == $c))) as $cp | select($cp | length > 0)
	 | ($runs | map(select(.config == $c)) | map({key: (.round | tostring), value: .gt.elapsed_s}) | from_entries) as $el
	 | ($cp | map(.round as $r | .progs | labelled | .[] | . + {round: $r})) as $all_p
	 | ($all_p | map(.label) | unique)[] as $n
	 | ($all_p | map(select(.label == $n))) as $pp
	 | ($L | map(select(.type == "calls" and .config == $c and (.id as $id | $pp | any(.id == $id)))) | .[0].calls // {}) as $calls
	 | "| \(names[$c]) | \($n) | \($pp[0].type) | \($pp | map(select((.run_cnt // 0) > 0)) | map(.run_time_ns / .run_cnt) | spread(0)) | \($pp | map(select((.run_cnt // 0) > 0 and $el[.round | tostring] != null)) | map(.run_cnt / $el[.round | tostring]) | spread(0)) | \($pp[0].bytes_xlated / 8) | \($pp[0].bytes_jited) | \($calls | to_entries | sort_by(-.value) | map("\(.key | sub("^__"; "")) \(.value)") | join(", ")) |"),
	"",
	"Helper call sites are static (every path of the program, first-sight and error paths included), from `bpftool prog dump xlated`. Programs without runs per s did not run during the load (teardown, or run by vqtrace per interval).",
	"",
	"### vqtrace userspace and attach",
	"",
	"| measure | value |",
	"|---|---|",
	(if $cpu then
	 "| CPU of vqtrace -i 1 -p PID over \($cpu.seconds | f(1)) s with the load running (after attach) | \($cpu_frac | pct) of one CPU (\($cpu.cpu_ticks_end - $cpu.cpu_ticks_start) ticks at \($cpu.clk_tck)/s) |",
	 "| CPU of that vqtrace process in all, start-up and attach included | \(($cpu.cpu_ticks_end // 0) / $cpu.clk_tck | f(2)) s |",
	 "| peak RSS (VmHWM) of vqtrace -i 1 | \($cpu.hwm_kb / 1024 | f(1)) MiB (VmRSS at the end \($cpu.rss_kb / 1024 | f(1)) MiB) |"
	 else "| CPU / RSS run | not run |" end),
	(order[] as $c | select($c != "a" and ($runs | any(.config == $c))) | ($runs | map(select(.config == $c))) as $cr
	 | "| \(names[$c]): peak RSS; CPU of the whole run (start-up + \($runs[0].tx // "?") buffers) | \($cr | map(.hwm_kb) | map(select(. != null) / 1024) | spread(1)) MiB; \($cr | map(.cpu_ticks) | map(select(. != null) / 100) | spread(2)) s |"),
	"| vqtrace -v \"attached N hooks in X s\" (b) | \($att | spread(3)) s, \($runs | map(select(.config == "b")) | .[0].hooks // "?") hooks |",
	(["c", "d", "ff", "fk", "k", "kh"][] as $c | select($runs | any(.config == $c)) | "| same, \(names[$c]) | \($runs | map(select(.config == $c)) | map(.attach_s) | spread(3)) s |"),
	"| vqtrace start to that line (b): open, load, verify, attach | \($rdy | spread(2)) s |",
	"| bpftrace start to BEGIN (e) | \($runs | map(select(.config == "e")) | map(.ready_s) | spread(2)) s |",
	""] | join("\n")),
	targets: [
	 {t: "(b) throughput cost <= 2 % at per-entry interrupts", v: "\(ratios("b") | map((1 - .) * 100) | spread(1)) %; steady rounds \(steady_ratios("b") | map((1 - .) * 100) | spread(1)) % (n=\(steady_ratios("b") | length)); BPF alone \(shares("b") | map(select(. != null) * 100) | spread(1)) % of the worker's CPU", ok: ((shares("b") | map(select(. != null)) | med) as $sh
		# the BPF share is a lower bound of the cost: over 2 % decides alone
		| if $sh and $sh > 0.02 then false elif $bmed then (1 - $bmed) <= 0.02 else null end)},
	 {t: "(b) BPF cost per event < 1/3 of (e)'s (same-moment runs)", v: "\($cmp_b_vs_e | spread(2))x; separate runs \($sep_b_vs_e | spread(2))x", ok: (if ($cmp_b_vs_e | length) > 0 then ($cmp_b_vs_e | med) < (1 / 3) elif ($sep_b_vs_e | length) > 0 then ($sep_b_vs_e | med) < (1 / 3) else null end)},
	 {t: "userspace CPU < 1 % of one CPU at -i 1", v: ($cpu_frac | pct), ok: (if $cpu_frac then $cpu_frac < 0.01 else null end)},
	 {t: "peak RSS < 16 MiB at -i 1", v: "\(if $cpu then $cpu.hwm_kb / 1024 | f(1) else "-" end) MiB", ok: (if $cpu and $cpu.hwm_kb then $cpu.hwm_kb < 16384 else null end)},
	 {t: "attach < 1 s (the -v line; TCG)", v: "\($att | med | f(3)) s (start to attached: \($rdy | med | f(2)) s)", ok: (if ($att | map(select(. != null)) | length) > 0 then ($att | med) < 1 else null end)}
	]};

. as $all
| ($all | map(.kernel) | map(select(. != null)) | unique) as $ks
| [$ks[] as $k | kernel_report($k; $all)] as $reps
| ($all | map(select(.type == "bt_attach"))) as $bt
| if ($reps | length) == 0 then "no results" else
[
"# vqtrace overhead benchmark",
"",
"## Targets (TCG guest; see each kernel's section)",
"",
"| target | \($reps | map(.k) | join(" | ")) |",
"|---|\($reps | map("---|") | join(""))",
(range(0; $reps[0].targets | length) as $i
 | "| \($reps[0].targets[$i].t) | \($reps | map(.targets[$i] | "\(.v) \(.ok | verdict)") | join(" | ")) |"),
"",
(if ($bt | length) > 0 then
 "bpftrace 0.17 and the clone `vhost_notify.constprop.0` (no load, one second each):",
 "",
 "| probe spelling | \($reps | map(.k) | join(" | ")) |",
 "|---|\($reps | map("---|") | join(""))",
 ($bt | map(.probe) | unique[] as $p
  | "| `\($p)` | \($reps | map(.k as $k | $bt | map(select(.kernel == $k and .probe == $p)) | .[0] | if . == null then "-" elif .ok then "attaches (\(.msg | sub(" *$"; "")))" else "fails: \(.msg | .[0:60])" end) | join(" | ")) |"),
 "" else empty end),
($reps[] | .text)
] | join("\n") end
