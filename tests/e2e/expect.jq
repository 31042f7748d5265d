# Checks for one parsed scenario -> [{check, expected, actual}].
# Expected values come from the scenario's definition (tests/e2e/scenarios),
# never from an earlier run. "mine" is the ground truth of the traced
# process(es); "other" is a process that ran at the same time untraced.

def totals: [.vq[] | select(.type == "total")];
def probe: ([.vq[] | select(.type == "probe")] | .[0]) // {};
def mine: [.gt[] | select(.other != true)];
def others: [.gt[] | select(.other == true)];
def vsum($pid; $dir; f): [totals[] | select(.pid == $pid and .dir == $dir) | f] | add // 0;
def vall($dir; f): [totals[] | select(.dir == $dir) | f] | add // 0;
def gsum($g; $dir; f): [$g.queues[] | select(.dir == $dir) | f] | add // 0;
def gall($dir; f): [mine[] | .queues[] | select(.dir == $dir) | f] | add // 0;
def c($what; $exp; $act): {check: $what, expected: $exp, actual: $act};
# A flag's count (events or episodes since start) summed over the totals.
def flag($f): [totals[] | .flags[]? | select(.flag == $f) | .count] | add // 0;
def flags_raised: [totals[] | .flags[]?.flag] | unique;

# The kick side (--kicks). Kicks: every write to a kick eventfd wakes
# vq->poll once; vqtrace has rows for the queues vhost published entries
# on (their kicks before the first one included), so those queues' kicks.
# Per row: a kicked queue's handler ran, a re-check is an enable that
# returned true, every handler hooked. Without --kicks nothing of it was
# counted, and every output must say so: null, not 0.
def kick_side:
  if probe.kick_side then
    [ mine[] as $g | ([$g.queues[].dir] | unique)[] as $d |
      c("pid \($g.pid) \($d): kicks == loadgen kicks (queues that completed)";
        [$g.queues[] | select(.dir == $d and .completed > 0) | .kicks] | add // 0;
        vsum($g.pid; $d; .kicks)),
      # vhost_net busy-polls only with a busyloop timeout set.
      (if ($g.busyloop_us // 0) == 0 then
         c("pid \($g.pid) \($d): no busy polls without a busyloop timeout"; 0; vsum($g.pid; $d; .busy_polls))
       else empty end) ]
    + [ c("probe: every kick-side function hooked"; 0; probe.kick_unhooked) ]
    + [ totals[] |
        c("\(.dev) \(.dir): handler hooked"; true; .handler_hooked),
        c("\(.dev) \(.dir): handler ran if kicked"; true; .kicks == 0 or .handler_runs > 0),
        c("\(.dev) \(.dir): enable_rechecks <= notify_enables"; true; .enable_rechecks <= .notify_enables),
        c("\(.dev) \(.dir): kick state shown"; ["boolean", "number"]; [(.kick_armed | type), (.kick_armed_avail | type)]) ]
  else
    [ c("no --kicks: kick-side counters and state null in every row"; [null];
        [totals[] | .kicks, .handler_runs, .notify_disables, .notify_enables, .enable_rechecks, .busy_polls,
                    .kick_armed, .kick_armed_avail] | unique) ]
  end;

# What must hold in every scenario: vqtrace against the load generator's own
# counts, per traced process and queue direction.
def generic:
  [ c("exit status"; 0; .rc),
    c("unparsable output lines"; 0; ([.vq[], .gt[]] | map(select(has("unparsed"))) | length)),
    c("ground-truth lines present"; true; (mine | length) > 0),
    c("vqtrace reported only traced pids"; []; ([totals[].pid] - [mine[].pid] | unique)),
    c("probe: vqs lost to a full map"; 0; probe.vq_map_full),
    c("probe: notifies of unseen vqs"; 0; probe.notify_unknown_vq),
    c("probe: entry state lost"; 0; probe.stash_full),
    c("probe: counts complete"; true; probe.complete),
    c("probe: no unhooked path"; 0; probe.unhooked_path),
    # The clone vhost_notify.constprop.0 (6.1, 6.12) or .isra.0 (7.3) takes
    # the vq first: each vq with notifies is counted once in argument 1,
    # none in argument 2.
    c("probe: vqs found in notify argument 1"; ([totals[] | select(.notifies > 0)] | length); probe.notify_arg1),
    c("probe: vqs found in notify argument 2"; 0; probe.notify_arg2) ]
  + [ mine[] as $g | ([$g.queues[].dir] | unique)[] as $d |
      c("pid \($g.pid) \($d): used == loadgen completed"; gsum($g; $d; .completed); vsum($g.pid; $d; .used)),
      c("pid \($g.pid) \($d): signals == loadgen interrupts"; gsum($g; $d; .interrupts); vsum($g.pid; $d; .signals)),
      c("pid \($g.pid) \($d): used_elems == loadgen used elements"; gsum($g; $d; .used_elems); vsum($g.pid; $d; .used_elems)),
      c("pid \($g.pid) \($d): notifies == signals + suppressed";
        vsum($g.pid; $d; .signals) + vsum($g.pid; $d; .suppressed); vsum($g.pid; $d; .notifies)),
      c("pid \($g.pid) \($d): no add_used errors"; 0; vsum($g.pid; $d; .add_errors)) ]
  + kick_side
  # Each row names the tap of its device, read in the kernel from the
  # backend; the load generator's taps have one queue: queue pair 0.
  + [ mine[] as $g |
      c("pid \($g.pid): taps named == the load generator's taps (queues that completed)";
        [$g.queues[] | select(.completed > 0) | .tap] | unique;
        [totals[] | select(.pid == $g.pid and .used > 0) | .tap] | unique) ]
  # (vhost-vsock rows have no tap: their backend is no socket)
  + [ c("queue pair of every row with a tap";
        if ([mine[] | select((.kind // "net") == "net")] | length) > 0 then [0] else [] end;
        [totals[] | select(.tap != null) | .qp] | unique) ]
  # On an EVENT_IDX ring vhost signals without looking at used_event once
  # after each ring setup (the setup clears signalled_used_valid) and once
  # after each invalidation, so per vq that notified:
  + [ totals[] | select(.event_idx and .notifies > 0) |
      c("\(.dev) \(.dir): stale_signals == ring_setups + invalidations"; .ring_setups + .invalidations; .stale_signals) ]
  # The kernel's decisions agree with the virtio rules in every scenario.
  + [ c("lost_notify (kernel suppressed, rules say notify)"; 0; vall("tx"; .lost_notify) + vall("rx"; .lost_notify)),
      c("spurious_notify (kernel notified, rules say suppress)"; 0; vall("tx"; .spurious_notify) + vall("rx"; .spurious_notify)) ];

# With --hist: each histogram's sample count follows from the counters by
# definition, per vq: one entries_per_add sample per successful add (and
# they sum to used), one used_per_signal sample per signal, one signal_gap
# per signal after the first, one guest_lag per notify that read used_event
# (EVENT_IDX rings only).
def hcount($row; $h): [$row.hist[$h][]?[2]] | add // 0;
# The handler-run histograms (--kicks --hist): a run's return adds one
# handler_run and one used_per_run sample (a run whose vq never got an
# entry, as an RX kick before the first packet, adds none). Entries vhost
# publishes outside a kick handler (vhost-net's socket polls, vhost-scsi's
# completion work) are in no run. A kick_to_signal sample needs a timed
# kick (its kick_wait sample) and an interrupt in the run it woke.
def run_hists($r):
  [ c("\($r.dev) \($r.dir): handler_run samples == used_per_run samples";
      hcount($r; "handler_run_ns"); hcount($r; "used_per_run")),
    c("\($r.dev) \($r.dir): used_per_run samples <= handler_runs";
      true; hcount($r; "used_per_run") <= $r.handler_runs),
    c("\($r.dev) \($r.dir): used_per_run sums to at most used";
      true; ($r.hist_sum.used_per_run // 0) <= $r.used),
    c("\($r.dev) \($r.dir): kick_to_signal samples <= signals and <= kick_wait samples";
      true; hcount($r; "kick_to_signal_ns") <= ([$r.signals, hcount($r; "kick_wait_ns")] | min)) ];
def hists:
  if ([totals[] | has("hist")] | all) and (totals | length) > 0 then
    [ totals[] as $r |
      c("\($r.dev) \($r.dir): entries_per_add samples == adds"; $r.adds - $r.add_errors; hcount($r; "entries_per_add")),
      c("\($r.dev) \($r.dir): entries_per_add sums to used"; $r.used; $r.hist_sum.entries_per_add),
      c("\($r.dev) \($r.dir): used_per_signal samples == signals"; $r.signals; hcount($r; "used_per_signal")),
      c("\($r.dev) \($r.dir): signal_gap samples == signals - 1"; ([$r.signals - 1, 0] | max); hcount($r; "signal_gap_ns")),
      c("\($r.dev) \($r.dir): guest_lag samples == EVENT_IDX notifies read";
        (if $r.event_idx then $r.notifies - $r.event_read_errors else 0 end); hcount($r; "guest_lag")),
      # one kick_wait sample per handler run that found a kick of the
      # traced vq waiting (kicks before its first used entry have none)
      c("\($r.dev) \($r.dir): kick_wait samples <= kicks and <= handler_runs";
        true; hcount($r; "kick_wait_ns") <= ([$r.kicks // 0, $r.handler_runs // 0] | min)) ]
    + ([totals[] | select(.kicks != null) | run_hists(.)] | add // [])
    + (if probe.kick_side then [c("probe: every kick handler run timed (run_misses)"; 0; probe.run_misses)] else [] end)
  else [] end;

# The verdicts vqtrace -j printed for stalled queues (one per flag raised
# that names a stage), as {flag, stage, dir}.
def verdicts: [.vq[] | select(.type == "verdict") | {flag, stage, dir}];

# Normal scenarios raise no flag at all.
def no_flags: [c("flags raised"; []; flags_raised), c("verdicts"; []; verdicts)];

# Per scenario, from its definition.
# vhost_notify exists only as a compiler clone, whose name depends on the
# kernel build: .constprop.0 in Debian's 6.1 and 6.12, .isra.0 in 7.3 (its
# kallsyms; the vq is still the first argument). $kernel is check.sh's
# KERNEL argument.
def notify_symbol:
  {"6.1": "vhost_notify.constprop.0", "6.12": "vhost_notify.constprop.0",
   "7.3": "vhost_notify.isra.0"}[$kernel] // "unknown kernel \($kernel)";
# Which hooks ran: the kprobe variants must really have used kprobes.
# 7.3's vhost_add_used_n takes nheads (the 6.17+ in-order path), so vqtrace
# hooks that whole call there (src/hooks.c); and 7.3 preempts kernel code
# (PREEMPT_LAZY, debugfs sched/preempt says "(lazy)"), so by default with
# kprobes, not the preemptible trampolines (src/preempt.h). 6.1 and 6.12
# ("(voluntary)") get the fexit on __vhost_add_used_n. "-fn" scenarios force
# the fentry+fexit pair on 7.3, "-kp" ones kprobes.
def hooks:
  ($kernel == "7.3") as $io
  | if (.name | endswith("-fn")) then
      [c("add_used hook"; "fentry+fexit:vhost_add_used_n"; probe.add_used_hook)]
    elif (.name | endswith("-kp")) or .name == "notramp" or $io then
      [c("add_used hook"; if $io then "kprobe:vhost_add_used_n" else "kprobe:__vhost_add_used_n" end; probe.add_used_hook)]
    else
      [c("add_used hook"; "fexit:__vhost_add_used_n"; probe.add_used_hook)]
    end
  + [c("notify hook"; "kprobe:\(notify_symbol)"; probe.notify_hook)];

# Events (--events, --trigger, record): every counted call is exactly one
# of delivered, lost to a full ring buffer, or sampled out; a loss is said.
def evsum: ([.vq[] | select(.type == "events")] | .[0]) // null;
def calls: vall("tx"; .adds + .notifies) + vall("rx"; .adds + .notifies);
def events:
  if evsum == null then [] else
    [ c("events: delivered == emitted by the kernel"; evsum.emitted; evsum.events),
      c("events: delivered + lost + sampled_out == adds + notifies"; calls;
        evsum.events + evsum.lost + evsum.sampled_out),
      c("events: a loss is said on stderr (and only then)"; evsum.lost > 0; [.err[] | test("LOST")] | any) ]
  end;
# --events without loss or sampling: the stream holds every call, by type,
# per process and queue (counted in the guest: tests/e2e/guest.sh evcount).
def ecount($p; $d): ([.vq[] | select(.type == "evcount" and .pid == $p and .dir == $d)] | .[0])
  // {add_used: 0, notify: 0, gaps: 0};
def events_exact:
  . as $s
  | [ c("events: none lost"; 0; evsum.lost), c("events: none sampled out"; 0; evsum.sampled_out) ]
  + ([totals[] | {pid, dir}] | unique | map(. as $k | $s |
      [ c("pid \($k.pid) \($k.dir): add_used events == adds"; vsum($k.pid; $k.dir; .adds); ecount($k.pid; $k.dir).add_used),
        c("pid \($k.pid) \($k.dir): notify events == notifies"; vsum($k.pid; $k.dir; .notifies); ecount($k.pid; $k.dir).notify),
        c("pid \($k.pid) \($k.dir): no call missing in the stream"; 0; ecount($k.pid; $k.dir).gaps) ]) | add // []);
# vqtrace record, then report: the report prints the live run's totals,
# probe counters and event counts, all fields but the time of printing.
def rtotals: [.rep[] | select(.type == "total")];
def rows(f): [f | del(.ts)] | sort_by(.pid, .dev, .queue);
def rec_checks:
  [ c("report: total rows == the live run's"; rows(totals[]); rows(rtotals[])),
    c("report: probe == the live run's"; probe | del(.ts); ([.rep[] | select(.type == "probe")] | .[0] // {}) | del(.ts)),
    c("report: events line == the live run's"; evsum; [.rep[] | select(.type == "events")] | .[0]),
    c("report --events: add_used events == recorded"; evsum.add_used; [.rep[] | select(.type == "evcount") | .add_used] | add),
    c("report --events: notify events == recorded"; evsum.notify; [.rep[] | select(.type == "evcount") | .notify] | add),
    c("report of a cut capture: exit 2, one line"; [{rc: 2, lines: 1}]; [.rep[] | select(.type == "cut") | {rc, lines}]),
    c("report of a cut capture: says truncated"; [true]; [.rep[] | select(.type == "cut") | .msg | test("^vqtrace report: /tmp/cap.cut: truncated")]) ]
  + [ mine[] as $g | ("rx", "tx") as $d |
      c("report: pid \($g.pid) \($d): used == loadgen completed"; gsum($g; $d; .completed);
        [rtotals[] | select(.pid == $g.pid and .dir == $d) | .used] | add // 0),
      c("report: pid \($g.pid) \($d): signals == loadgen interrupts"; gsum($g; $d; .interrupts);
        [rtotals[] | select(.pid == $g.pid and .dir == $d) | .signals] | add // 0) ];
# --trigger: one dump of the vq that raised $flag, noticed by an event (the
# dump then ends with it, --keep events long) or at an interval's read.
def dumps: [.trig[] | select(.type == "trigger")];
def dumped: [.trig[] | select(.type == "event")];
def trigger_checks($flag; $by; $keep):
  [ c("trigger: dumps"; [$flag]; [dumps[].flag]),
    c("trigger: noticed by"; [$by]; [dumps[].by]),
    c("trigger: the dump holds the events its header says"; [dumped | length]; [dumps[].events]),
    c("trigger: at most --keep events"; true; (dumped | length) <= $keep),
    c("trigger: unparsable dump lines"; 0; [.trig[] | select(has("unparsed"))] | length) ]
  + if $by == "event" then
      [ c("trigger: --keep events before the raise"; $keep; dumped | length),
        c("trigger: the last event raised it"; true; dumped | last | .flags | index($flag) != null),
        c("trigger: ...and is the one the header names"; dumps[0].seq; dumped | last | .seq) ]
    else [] end;

# In-order rings: vhost_net's TX completes its buffers in batches, one used
# element each; its RX writes one element per buffer (7.3).
def in_order:
  if (.name | startswith("io-")) then
    [ c("negotiated IN_ORDER"; [true]; [mine[].in_order] | unique),
      c("tx: fewer used elements than entries (batched)"; true;
        vall("tx"; .used) == 0 or vall("tx"; .used_elems) < vall("tx"; .used)),
      c("rx: one used element per entry"; vall("rx"; .used); vall("rx"; .used_elems)) ]
  else [] end;

# The add_used hook forced to __vhost_add_used_n on an in-order ring: no
# entry is seen, every notify is of an unseen vq, and vqtrace says the counts
# are incomplete, in JSON, on stderr and in its exit status.
def unhooked:
  [ c("exit status (incomplete)"; 3; .rc),
    c("probe: counts complete"; false; probe.complete),
    c("probe: unhooked_path"; 1; probe.unhooked_path),
    c("probe: notifies of unseen vqs (one per loadgen interrupt decision)"; true; probe.notify_unknown_vq > 0),
    c("probe: says why"; true; probe.incomplete | test("unhooked_path 1")),
    c("no rows: nothing was seen"; 0; totals | length),
    c("loadgen completed its load"; 3000; gall("tx"; .completed)),
    c("stderr: warned at start"; true; [.err[] | test("does not see this kernel's in-order path")] | any),
    c("stderr: INCOMPLETE said"; true; [.err[] | test("INCOMPLETE")] | any) ];

# Runs the kernel skipped: programs (hook_misses) or kprobed calls' returns
# (return_misses).
def skips: (probe.hook_misses // 0) + (probe.return_misses // 0);

# Four busy queues (two processes, two devices each) with the preemptible
# fentry+fexit pair forced on 7.3: the kernel may skip a run of a program
# whose earlier run on that CPU was preempted. Whether it happens depends on
# scheduling, but what vqtrace says must be true either way: exact and
# complete, or incomplete with the skips counted, exit status 3, fewer
# entries than the load generator completed, and no flag raised from the
# stale state a skipped call leaves.
def multi_fn:
  (mine | map(.queues[] | select(.dir == "tx") | .completed) | add) as $done
  | if probe.complete then
      [ c("complete: exit status"; 0; .rc), c("complete: tx used"; $done; vall("tx"; .used)),
        c("complete: no hook misses"; 0; probe.hook_misses) ]
    else
      [ c("incomplete: exit status"; 3; .rc),
        c("incomplete: the misses said"; true; skips > 0 and (probe.incomplete | test("hook_misses|return_misses"))),
        c("incomplete: fewer entries than completed"; true; vall("tx"; .used) < $done),
        c("incomplete: said on stderr"; true; [.err[] | test("INCOMPLETE")] | any) ]
    end
  + [ c("tx vqs"; 4; [totals[] | select(.dir == "tx")] | length),
      c("flags raised"; []; flags_raised),
      c("lost_notify"; 0; vall("tx"; .lost_notify)),
      c("notify argument 1 per vq"; 4; probe.notify_arg1) ];

# virtio-vsock (vhost-loadgen --vsock): one stream per device between the
# load generator's guest CID and an AF_VSOCK listener of the guest kernel,
# --send bytes guest -> host, --recv bytes back, then the host closes and
# the guest answers RST. What each scenario asks for (tests/e2e/scenarios):
def vsock_def:
  { "vsock":         {send: 2097152, recv: 2097152, pkt: 1024, devices: 1, procs: 1},
    "vsock-kp":      {send: 1048576, recv: 1048576, pkt: 1024, devices: 1, procs: 1},
    "vsock-noevidx": {send: 524288,  recv: 524288,  pkt: 1024, devices: 1, procs: 1},
    "vsock-multi":   {send: 262144,  recv: 524288,  pkt: 4000, devices: 2, procs: 2},
    "vsock-pid":     {send: 262144,  recv: 262144,  pkt: 1024, devices: 1, procs: 1},
    "vsock-kthread": {send: 262144,  recv: 262144,  pkt: 1024, devices: 1, procs: 1},
    "vsockhold":     {send: 65536,   recv: 65536,   pkt: 1024, devices: 1, procs: 1, dead: 256, held_ms: 2000} }[.name];
def vsock_checks:
  vsock_def as $d
  | ($d.devices * $d.procs) as $n
  | [mine[].vsock[]] as $v
  | [ c("ground truth of a vsock driver"; ["vsock"]; [mine[].kind] | unique),
      c("vsock devices"; $n; $v | length),
      # The stream itself, checked byte by byte on both sides.
      c("guest sent --send bytes"; [range($n) | $d.send]; [$v[].sent]),
      c("host peer read them"; [range($n) | $d.send]; [$v[].peer_got]),
      c("host peer: bytes not matching the pattern"; 0; [$v[].peer_bad] | add),
      c("host peer wrote --recv bytes"; [range($n) | $d.recv]; [$v[].peer_sent]),
      c("guest received them"; [range($n) | $d.recv]; [$v[].got]),
      c("guest: bytes not matching the pattern"; 0; [$v[].got_bad] | add),
      c("host peer exit status"; [range($n) | 0]; [$v[].peer_status]),
      # --vsock-hold-rx: a TX ring's worth (256) of REQUESTs to a port
      # nobody listens on, one RST back for each; otherwise none.
      c("REQUESTs to the dead port"; [range($n) | $d.dead // 0]; [$v[].dead_requests]),
      c("rx packets of another stream (the RSTs for them)"; ($d.dead // 0) * $n; [$v[].foreign] | add),
      # The packets the guest put on TX: one REQUEST, ceil(send / pkt) RW
      # (sent only whole, when the host's credit allows), one RST.
      c("tx REQUEST packets"; $n; gall("tx"; .pkts.request)),
      c("tx RW packets"; $n * ((($d.send + $d.pkt - 1) / $d.pkt) | floor); gall("tx"; .pkts.rw)),
      c("tx RST packets"; $n; gall("tx"; .pkts.rst)),
      c("rx RESPONSE packets"; $n; gall("rx"; .pkts.response)),
      c("rx SHUTDOWN packets"; $n; gall("rx"; .pkts.shutdown)),
      c("rx RW bytes"; $n * $d.recv; gall("rx"; .bytes)),
      # vqtrace's used entries are those packets (vhost splits a host packet
      # over several 4 KiB rx buffers: each piece is a packet on the ring).
      c("tx used == packets the guest sent"; gall("tx"; .pkts | add) + ($d.dead // 0) * $n; vall("tx"; .used)),
      c("rx used == packets the guest received"; gall("rx"; .pkts | add) + ($d.dead // 0) * $n; vall("rx"; .used)),
      # DEV and Q: the device kind from the kick handler, numbered per
      # owner, each with queue 0 rx and 1 tx; vhost_vsock has no event vq
      # (the kernel refused a third vring), so no evt row.
      c("rows: vsock devices, queue 0 rx and 1 tx each";
        [mine[] as $g | range($d.devices) as $i | ({pid: $g.pid, dev: "vsock\($i)", q: "0:rx"}, {pid: $g.pid, dev: "vsock\($i)", q: "1:tx"})] | sort;
        [totals[] | {pid, dev, q: "\(.queue):\(.dir)"}] | sort),
      c("the kernel refused an event vring (ENOBUFS: vhost_vsock has 2 vqs)"; ["ENOBUFS"]; [$v[].evt_vring] | unique),
      c("ring setups per vq"; [1]; [totals[].ring_setups] | unique),
      c("tap of vsock rows"; [null]; [totals[].tap] | unique) ]
  + if .name == "vsock-noevidx" then
      # No EVENT_IDX, avail flags clear: every notify signals.
      [ c("event_idx off"; [false]; [totals[].event_idx] | unique),
        c("suppressed"; 0; vall("tx"; .suppressed) + vall("rx"; .suppressed)),
        c("stale_signals"; 0; vall("tx"; .stale_signals) + vall("rx"; .stale_signals)) ]
    else
      [ c("event_idx on"; [true]; [totals[].event_idx] | unique),
        c("stale_signals: the first after each ring setup"; 2 * $n; vall("tx"; .stale_signals) + vall("rx"; .stale_signals)) ]
    end
  + if .name == "vsock-pid" or .name == "vsock-kthread" then
      [ c("B carried its stream too"; $d.recv; [others[].vsock[].got] | add // 0),
        ([others[].pid] as $b | c("B's pid absent"; []; [totals[] | select(.pid as $p | $b | index($p))])) ]
      + if .name == "vsock-kthread" then [c("kthread mode"; [true, true]; [.gt[].kthread])] else [] end
    else [] end
  # vsockhold: vhost_vsock stopped serving TX with 256 replies waiting for
  # RX buffers, before it looked at the stream's REQUEST (its own avail
  # index says nothing waits: the guest's says one does), for 2 s with
  # --stall-ms 300: one USE_STALL on the TX ring, its verdict, nothing else.
  + if $d.held_ms then
      [ c("the driver held TX for (ms)"; [$d.held_ms]; [$v[].held_rx_ms]),
        c("flags raised"; ["USE_STALL"]; flags_raised),
        c("USE_STALL episodes"; 1; flag("USE_STALL")),
        c("verdicts"; [{flag: "USE_STALL", stage: "vhost did not use the buffers", dir: "tx"}]; verdicts),
        # the dead port's REQUESTs, then the stream's: vhost took the first
        # ones only (its avail_idx), the guest's index has one more
        c("USE_STALL verdict: guest's and vhost's avail index"; [{guest_avail: ($d.dead + 1), avail_idx: $d.dead}];
          [.vq[] | select(.type == "verdict") | {guest_avail, avail_idx}]),
        c("no guest memory read failed"; 0; probe.guest_read_errors) ]
    else no_flags end;

# virtio-scsi (vhost-loadgen --scsi, HOW scsi): one device on a configfs
# target; AN_QUERY on the control queue (0), nothing on the event queue (1:
# no buffers, no hotplug), TEST UNIT READY on request queue 2 until GOOD,
# then --cmds WRITEs and as many READs of 4 KiB on every request queue.
def scsi_def:
  { "scsi":         {queues: 1, cmds: 512},
    "scsi-multi":   {queues: 4, cmds: 128},
    "scsi-kp":      {queues: 1, cmds: 256},
    "scsi-noevidx": {queues: 1, cmds: 256},
    "scsi-hotplug": {queues: 1, cmds: 64, hotplug: true},
    "scsihold":     {queues: 1, cmds: 64, held_ms: 2000} }[.name];
def scsi_checks:
  scsi_def as $d
  | [mine[].queues[]] as $q
  | [$q[] | select(.dir == "io")] as $io
  | ([$q[] | select(.queue == 2) | .cmds.tur] | add // 0) as $tur
  | [ c("ground truth of a scsi driver"; ["scsi"]; [mine[].kind] | unique),
      c("queues: 0 ctl, 1 evt, then the request queues";
        ["0:ctl", "1:evt"] + [range($d.queues) | "\(. + 2):io"]; [$q[] | "\(.queue):\(.dir)"]),
      c("ctl: one AN_QUERY, answered OK"; [{an_query: 1, good: 1}]; [$q[] | select(.dir == "ctl") | {an_query: .cmds.an_query, good}]),
      # With --scsi-hotplug LUN 1 is plugged and unplugged: vhost-scsi sends
      # VIRTIO_SCSI_T_TRANSPORT_RESET (1), reason RESCAN (1) then REMOVED
      # (2), for LUN 1; without it, no event buffers and nothing used.
      c("evt: used entries"; [if $d.hotplug then 2 else 0 end]; [$q[] | select(.dir == "evt") | .completed]),
      c("evt: the events"; if $d.hotplug then [{event: 1, reason: 1, lun: 1}, {event: 1, reason: 2, lun: 1}] else [] end;
        [mine[].scsi.events[]?]),
      c("TEST UNIT READY: GOOD within 8 tries"; true; $tur >= 1 and $tur <= 8),
      c("only the TEST UNIT READYs before the GOOD one failed"; $tur - 1; [$q[].bad] | add),
      c("WRITEs per request queue"; [range($d.queues) | $d.cmds]; [$io[].cmds.write]),
      c("READs per request queue"; [range($d.queues) | $d.cmds]; [$io[].cmds.read]),
      c("bytes written per request queue"; [range($d.queues) | $d.cmds * 4096]; [$io[].written]),
      c("bytes read back per request queue"; [range($d.queues) | $d.cmds * 4096]; [$io[].read]),
      c("bytes read back that differ from those written"; 0; [$io[].mismatch] | add),
      c("completed == commands (events on evt), per queue";
        ([mine[].scsi.events_seen] | add) as $ev | [$q[] | if .dir == "evt" then $ev else .cmds | add end];
        [$q[].completed]),
      # DEV and Q: one scsi device, a row per queue that used entries, named
      # by its kick handler (ctl, io); the event queue used none: no row.
      c("rows: scsi0, the queues that completed commands";
        [$q[] | select(.completed > 0) | {dev: "scsi0", q: "\(.queue):\(.dir)"}];
        [totals[] | {dev, q: "\(.queue):\(.dir)"}] | sort_by(.q | split(":")[0] | tonumber)) ]
  # vqtrace against the driver queue by queue (one device: the queue index
  # names the vq).
  + (totals as $t | [ $q[] | select(.completed > 0) | . as $g | [$t[] | select(.queue == $g.queue)] as $r |
      c("queue \($g.queue) \($g.dir): used == completed"; $g.completed; [$r[].used] | add),
      c("queue \($g.queue) \($g.dir): signals == interrupts"; $g.interrupts; [$r[].signals] | add) ])
  # The control answer and each event go out with vhost_add_used_and_signal:
  # one vhost_notify each, a count the driver knows.
  + [ c("ctl: notifies == control requests"; [$q[] | select(.dir == "ctl") | .cmds.an_query] | add;
        [totals[] | select(.dir == "ctl") | .notifies] | add // 0),
      c("evt: notifies == events"; [mine[].scsi.events_seen] | add;
        [totals[] | select(.dir == "evt") | .notifies] | add // 0) ]
  + [ c("ring setups per vq"; [1]; [totals[].ring_setups] | unique) ]
  + if .name == "scsi-noevidx" then
      [ c("event_idx off"; [false]; [totals[].event_idx] | unique),
        c("suppressed"; 0; [totals[].suppressed] | add) ]
    else
      [ c("event_idx on"; [true]; [totals[].event_idx] | unique) ]
    end
  # scsihold: one WRITE held 2 s in the suspended backend (--stall-ms 300):
  # vhost took it and used it late, with no kick owed or waiting: one
  # USE_STALL on the request queue, its verdict, and nothing else.
  + if $d.held_ms then
      [ c("the driver held a WRITE in the backend for (ms), per queue";
          [$q[] | if .dir == "io" then $d.held_ms else 0 end]; [$q[].held_ms]),
        c("flags raised"; ["USE_STALL"]; flags_raised),
        c("USE_STALL episodes"; 1; flag("USE_STALL")),
        c("USE_STALL on the request queue"; ["io"]; [totals[] | select(any(.flags[]?; .flag == "USE_STALL")) | .dir] | unique),
        c("verdicts"; [{flag: "USE_STALL", stage: "vhost did not use the buffers", dir: "io"}]; verdicts),
        # The request queue's buffers when the WRITE was held: the TEST
        # UNIT READYs, the first half of the WRITEs, and the held one.
        c("USE_STALL verdict: the guest's avail index";
          [$tur + $d.cmds / 2 + 1]; [.vq[] | select(.type == "verdict") | .guest_avail]) ]
    else no_flags end;

def specific:
  (.name |= sub("^io-"; "") | .name |= sub("-fn$"; "")) |
  if (.name | startswith("vsock")) then vsock_checks
  elif (.name | startswith("scsi")) then scsi_checks
  elif .name == "events" then
    [ c("tx used"; 10000; vall("tx"; .used)) ] + events_exact + no_flags
  elif .name == "events-kp" then
    [ c("tx used"; 12000; vall("tx"; .used)), c("tx vqs"; 4; [totals[] | select(.dir == "tx")] | length) ]
    + events_exact + no_flags
  elif .name == "evtiny" then
    # 4 KiB hold about 40 events, and vqtrace is stopped for the whole load
    # (evstop) while it makes over 3000: some must be lost, and said,
    # in-stream too.
    [ c("tx used"; 100000; vall("tx"; .used)),
      c("events: some lost to the 4 KiB ring"; true; evsum.lost > 0),
      c("events: in-stream loss marks add up"; evsum.lost; [.vq[] | select(.type == "events_lost") | .lost] | add // 0),
      c("events: stream gaps <= lost"; true; ([.vq[] | select(.type == "evcount") | .gaps] | add // 0) <= evsum.lost),
      c("events: none sampled out"; 0; evsum.sampled_out) ]
  elif .name == "rec-sample" then
    [ c("tx used"; 20000; vall("tx"; .used)),
      c("events: sampled out (1 in 50 kept)"; true; evsum.sampled_out > evsum.events) ] + rec_checks + no_flags
  elif .name == "zerorings" then
    # The driver zeroes its rings before it closes the device: the index
    # read at teardown is 0, which is no overrun.
    [ c("tx used"; 3000; vall("tx"; .used)), c("flag AVAIL_OVERRUN"; 0; flag("AVAIL_OVERRUN")) ]
    + no_flags
  elif .name == "notramp" then
    [ c("stderr: the fallback said"; true; [.err[] | test("trampoline failed on this kernel, falling back")] | any),
      c("tx used"; 10000; vall("tx"; .used)), c("stale_signals"; 1; vall("tx"; .stale_signals)) ] + no_flags
  elif .name == "every1" or .name == "every16" or .name == "every16-kp" then
    # 10000 TX buffers with interrupts requested: no wrap (< 65536 between
    # notifies), and exactly one forced signal, the first after ring setup.
    [ c("tx used"; 10000; vall("tx"; .used)),
      c("loadgen completed"; 10000; gall("tx"; .completed)),
      c("wrap_checks"; 0; vall("tx"; .wrap_checks)),
      c("invalidations"; 0; vall("tx"; .invalidations)),
      c("stale_signals (the first signal after setup)"; 1; vall("tx"; .stale_signals)),
      c("some interrupts"; true; gall("tx"; .interrupts) > 0) ] + no_flags
  elif .name == "starve" or .name == "starve-nohist" then
    # The first kick waits out the 2 s starvation; --stall-ms 300: one
    # WORKER_STALL episode on the TX queue, nothing else.
    [ c("loadgen starved the worker for (ms)"; [2000]; [mine[].starve_ms] | unique),
      c("tx used"; 3000; vall("tx"; .used)),
      c("flags raised"; ["WORKER_STALL"]; flags_raised),
      c("WORKER_STALL episodes"; 1; flag("WORKER_STALL")),
      c("verdicts"; [{flag: "WORKER_STALL", stage: "the worker did not run", dir: "tx"}]; verdicts) ]
    + if .name == "starve" then
        [ c("kick_wait: the longest wait's bucket (ns)"; [1073741825, 2147483648];
            [totals[] | select(.dir == "tx") | .hist.kick_wait_ns[-1][0:2]] | .[0]),
          # The starved kick's run finds 1500 buffers and the guest's
          # used_event 16 ahead: it interrupts, at least the wait after
          # the kick.
          c("kick_to_signal: the starved kick's run interrupted (longest sample > 1.07 s)"; true;
            [totals[] | select(.dir == "tx") | .hist.kick_to_signal_ns[-1][0]] | .[0] >= 1073741825) ]
      else [] end
  elif .name == "skipkick" or .name == "skipkick-noevidx" then
    # One required kick withheld for 2 s while vhost waits for it
    # (--stall-ms 300): one KICK_MISSED on the TX queue, nothing else.
    [ c("loadgen withheld required kicks"; 1; gall("tx"; .kicks_skipped)),
      c("event_idx"; [.name == "skipkick"]; [totals[].event_idx] | unique),
      c("tx used"; 3000; vall("tx"; .used)),
      c("flags raised"; ["KICK_MISSED"]; flags_raised),
      c("KICK_MISSED episodes"; 1; flag("KICK_MISSED")),
      c("verdicts"; [{flag: "KICK_MISSED", stage: "the guest did not kick", dir: "tx"}]; verdicts),
      # vhost asked for a kick with the first half (1500) done; the guest
      # then published a ring's worth (256) without it
      c("KICK_MISSED verdict: vhost's kick_armed_avail and the guest's index";
        [{kick_armed_avail: 1500, guest_avail: 1756}];
        [.vq[] | select(.type == "verdict") | {kick_armed_avail, guest_avail}]),
      c("probe: guest reads failed"; 0; probe.guest_read_errors) ]
  elif .name == "busypoll" or .name == "busypoll-noevidx" then
    # vhost-net busy-polls the TX ring before it waits for the next kick,
    # which the generic checks count exactly all the same.
    (if .name == "busypoll" then 10000 else 5000 end) as $n
    | [ c("tx used"; $n; vall("tx"; .used)),
        c("event_idx"; [.name == "busypoll"]; [totals[].event_idx] | unique),
        c("busy polls on tx"; true; vall("tx"; .busy_polls) > 0) ] + no_flags
  elif .name == "rx" then
    [ c("rx used"; 3000; vall("rx"; .used) - gall("rx"; .extra)),
      c("loadgen completed"; 3000; gall("rx"; .completed) - gall("rx"; .extra)),
      c("stale_signals"; 1; vall("rx"; .stale_signals)),
      c("wrap_checks"; 0; vall("rx"; .wrap_checks)) ] + no_flags
  elif .name == "nocall" then
    # No call eventfd: vhost never asks; signalled_used stays 0 while
    # last_used_idx crosses 65536 and 131072: floor(140000 / 65536) = 2.
    [ c("tx used"; 140000; vall("tx"; .used)),
      c("notifies"; 0; vall("tx"; .notifies)),
      c("signals"; 0; vall("tx"; .signals)),
      c("loadgen interrupts"; 0; gall("tx"; .interrupts)),
      c("wrap_checks"; 2; vall("tx"; .wrap_checks)),
      c("invalidations (valid was never true)"; 0; vall("tx"; .invalidations)),
      # Both wrap checks hit a signalled_used that was never valid (no
      # notify ever ran: a polling driver): counted, but no incident. The
      # distance passes 32768 at 32768 and 98304, but an invalid
      # signalled_used is not looked at: no NEAR_WRAP.
      c("wrap_checks_invalid (no notify since setup)"; 0; vall("tx"; .wrap_checks_invalid)),
      c("flag WRAP_CHECK"; 0; flag("WRAP_CHECK")),
      c("flag WRAP_INVALIDATED"; 0; flag("WRAP_INVALIDATED")),
      c("flag NEAR_WRAP (episodes)"; 0; flag("NEAR_WRAP")),
      c("flags raised"; []; flags_raised) ]
  elif .name == "wrap2" then
    # On 1000 / off 140000 / on 1000: signalled_used ~1000 is valid when
    # the call eventfd goes; the silent entries cross it + 65536 (the wrap
    # check invalidates it: WRAP_INVALIDATED) and it + 131072 (the check
    # holds again with it invalid and a notify run since the setup:
    # WRAP_CHECK). The first signal after the call returns is forced.
    [ c("tx used"; 142000; vall("tx"; .used)),
      c("ring_setups"; 1; vall("tx"; .ring_setups)),
      c("wrap_checks"; 2; vall("tx"; .wrap_checks)),
      c("invalidations"; 1; vall("tx"; .invalidations)),
      c("wrap_checks_invalid"; 1; vall("tx"; .wrap_checks_invalid)),
      c("stale_signals"; 2; vall("tx"; .stale_signals)),
      c("flag WRAP_INVALIDATED"; 1; flag("WRAP_INVALIDATED")),
      c("flag WRAP_CHECK"; 1; flag("WRAP_CHECK")),
      c("flag STALE_SIGNALLED"; 1; flag("STALE_SIGNALLED")),
      c("flag NEAR_WRAP (episodes)"; 1; flag("NEAR_WRAP")),
      c("flags raised"; ["NEAR_WRAP", "STALE_SIGNALLED", "WRAP_CHECK", "WRAP_INVALIDATED"]; flags_raised) ]
  elif .name == "toggle" or .name == "toggle-kp" or .name == "rec-toggle" then
    # On 1000 / off 70000 / on 1000: the 70000 silent entries cross
    # signalled_used + 65536 once, invalidating it once; two forced signals:
    # the first after setup, the first after the call eventfd returns.
    [ c("tx used"; 72000; vall("tx"; .used)),
      c("ring_setups"; 1; vall("tx"; .ring_setups)),
      c("wrap_checks"; 1; vall("tx"; .wrap_checks)),
      c("invalidations"; 1; vall("tx"; .invalidations)),
      c("stale_signals"; 2; vall("tx"; .stale_signals)),
      # signalled_used ~1000 while 70000 entries go by unsignalled: the
      # distance passes 32768 once, the wrap check then invalidates once,
      # and the second forced signal is the flagged one.
      c("flag WRAP_INVALIDATED"; 1; flag("WRAP_INVALIDATED")),
      c("flag WRAP_CHECK"; 0; flag("WRAP_CHECK")),
      c("flag STALE_SIGNALLED"; 1; flag("STALE_SIGNALLED")),
      c("flag NEAR_WRAP (episodes)"; 1; flag("NEAR_WRAP")),
      c("flags raised"; ["NEAR_WRAP", "STALE_SIGNALLED", "WRAP_INVALIDATED"]; flags_raised) ]
    + if .name == "rec-toggle" then rec_checks + trigger_checks("WRAP_INVALIDATED"; "event"; 64)
      else [] end
  elif .name == "reset" or .name == "reset-kp" then
    # On 1000 / off 65535 / on 1000, the tap detached and re-attached as
    # the call eventfd comes back: vhost_vq_init_access clears
    # signalled_used_valid there, behind the hot hooks. The silent entries
    # stop one short of signalled_used + 65536, so the wrap check holds on
    # the very next call, with valid already false: a wrap check, no
    # invalidation, and no WRAP_CHECK (no notify ran since that setup: the
    # state every ring starts in). Without an entry program the fexit hook
    # gets this right only by following vhost_vq_init_access. The second
    # stale signal follows that ring setup: expected, so no STALE_SIGNALLED.
    [ c("tx used"; 67535; vall("tx"; .used)),
      c("loadgen backend resets (tx)"; 1; gall("tx"; .backend_resets // 0)),
      c("ring_setups (the first, and the re-attach)"; 2; vall("tx"; .ring_setups)),
      c("wrap_checks"; 1; vall("tx"; .wrap_checks)),
      c("invalidations"; 0; vall("tx"; .invalidations)),
      c("stale_signals"; 2; vall("tx"; .stale_signals)),
      c("wrap_checks_invalid (no notify since the re-attach)"; 0; vall("tx"; .wrap_checks_invalid)),
      c("flag WRAP_CHECK"; 0; flag("WRAP_CHECK")),
      c("flag WRAP_INVALIDATED"; 0; flag("WRAP_INVALIDATED")),
      c("flag STALE_SIGNALLED"; 0; flag("STALE_SIGNALLED")),
      c("flag NEAR_WRAP (episodes)"; 1; flag("NEAR_WRAP")),
      c("flags raised"; ["NEAR_WRAP"]; flags_raised) ]
  elif .name == "noint" then
    # No EVENT_IDX and VRING_AVAIL_F_NO_INTERRUPT: every notify suppressed;
    # signalled_used_valid is never consulted.
    [ c("tx used"; 5000; vall("tx"; .used)),
      c("signals"; 0; vall("tx"; .signals)),
      c("loadgen interrupts"; 0; gall("tx"; .interrupts)),
      c("some notifies"; true; vall("tx"; .notifies) > 0),
      c("stale_signals"; 0; vall("tx"; .stale_signals)),
      c("event_idx off"; [false]; [totals[] | select(.dir == "tx") | .event_idx] | unique) ] + no_flags
  elif .name == "noevidx" then
    # No EVENT_IDX, flags clear: every notify signals.
    [ c("tx used"; 5000; vall("tx"; .used)),
      c("suppressed"; 0; vall("tx"; .suppressed)),
      c("stale_signals"; 0; vall("tx"; .stale_signals)),
      c("some signals"; true; vall("tx"; .signals) > 0) ] + no_flags
  elif .name == "multi" then
    # 2 processes x 2 devices x 3000 TX buffers, each device its own vq.
    [ c("processes"; 2; mine | length),
      c("tx used"; 12000; vall("tx"; .used)),
      c("tx vqs"; 4; [totals[] | select(.dir == "tx")] | length),
      c("devices per pid"; [2, 2]; [totals[] | select(.dir == "tx")] | group_by(.pid) | map(map(.dev) | unique | length)),
      c("stale_signals (one per tx vq)"; 4; vall("tx"; .stale_signals)) ] + no_flags
  elif .name == "pidfilter" or .name == "pidkthread" then
    # A and B run the same load at the same time; vqtrace -p A.
    [ c("tx used of A"; 3000; vall("tx"; .used)),
      c("B did its work too"; 3000; [others[] | .queues[] | select(.dir == "tx") | .completed] | add // 0),
      ([others[].pid] as $b | c("B's pid absent"; []; [totals[] | select(.pid as $p | $b | index($p))])) ]
    + (if .name == "pidkthread" then [c("kthread mode"; [true, true]; [.gt[].kthread])] else [] end)
    + no_flags
  elif .name == "freeze" or .name == "napi" or .name == "freeze-paused" then
    # The guest stops re-arming at entry 1000 (used_event stays 1000) while
    # 19000 more entries go by: the kernel sees one episode of a stale
    # used_event (event_stale). That alone is a polling guest (napi); the
    # flag needs the guest to stop adding buffers too, for --stall-ms, with
    # entries unsignalled: freeze idles 2 s, its device running, before
    # closing it. freeze-paused stops the device for those 2 s instead (no
    # backend: a paused VM), and nobody is at fault.
    [ c("tx used"; 20000; vall("tx"; .used)),
      c("loadgen froze used_event at"; [1000]; [mine[] | .queues[] | select(.dir == "tx") | .event_frozen_at]),
      c("event_stale episodes (the kernel's evidence)"; 1; vall("tx"; .event_stale)) ]
    + if .name == "freeze" then
        [ c("flag EVENT_STALE (episodes)"; 1; flag("EVENT_STALE")),
          c("flags raised"; ["EVENT_STALE"]; flags_raised),
          c("verdicts"; [{flag: "EVENT_STALE", stage: "the guest stopped consuming", dir: "tx"}]; verdicts) ]
      else no_flags end
  elif .name == "ahead" then
    # used_event is always 1000 - 256 .. 1000 ahead of last_used_idx, more
    # than the ring: every notify sees it, and only the forced first one
    # signals.
    [ c("tx used"; 5000; vall("tx"; .used)),
      c("flag EVENT_AHEAD == notifies"; vall("tx"; .notifies); flag("EVENT_AHEAD")),
      c("signals (the forced first)"; 1; vall("tx"; .signals)),
      c("flags raised"; ["EVENT_AHEAD"]; flags_raised) ]
  elif .name == "overrun" then
    # After 3000 entries the guest moves avail->idx 256 + 7 past the ring;
    # vhost refuses it and stops, and the device's teardown shows it.
    [ c("tx used"; 3000; vall("tx"; .used)),
      c("loadgen jumped avail to 3000 + 256 + 7"; [3263]; [mine[] | .queues[] | select(.dir == "tx") | .avail_jumped_to]),
      c("flag AVAIL_OVERRUN (episodes)"; 1; flag("AVAIL_OVERRUN")),
      c("flags raised"; ["AVAIL_OVERRUN"]; flags_raised) ]
  elif .name == "stall" or .name == "trigger-stall" then
    # No call eventfd for 2 s while the guest asks for an interrupt at every
    # entry: one stall episode from 100 ms on that never ends (the wrap
    # flags depend on how many entries TCG manages in 2 s: not checked).
    [ c("flag NO_SIGNAL_STALL (episodes)"; 1; flag("NO_SIGNAL_STALL")),
      c("verdicts"; [{flag: "NO_SIGNAL_STALL", stage: "vhost suppressed the interrupt", dir: "tx"}]; verdicts),
      c("signals"; 0; vall("tx"; .signals)) ]
    + if .name == "trigger-stall" then trigger_checks("NO_SIGNAL_STALL"; "interval"; 16) else [] end
  else [c("known scenario"; true; false)] end;

# On a kernel that preempts kernel code the kernel may skip a run of
# vqtrace's programs (bpf/core_fixes.bpf.h Q11; rare, and not in our
# control). Then vqtrace must say so, and its counts may only fall short of
# the truth, never exceed it.
# A kernel that skipped program runs (hook_misses) or returns of kprobed
# calls (return_misses) must make vqtrace say its counts are incomplete,
# and what it counted can only fall short of the load.
def skipped_runs:
  [ c("kernel skipped runs: exit status 3 (incomplete)"; 3; .rc),
    c("kernel skipped runs: the probe says incomplete"; false; probe.complete),
    c("kernel skipped runs: stderr says why"; true;
      [.err[] | test("runs skipped by the kernel|return probes did not run|return_misses")] | any) ]
  + [ mine[] as $g | ([$g.queues[].dir] | unique)[] as $d |
      c("kernel skipped runs: pid \($g.pid) \($d): used <= loadgen completed"; true;
        vsum($g.pid; $d; .used) <= gsum($g; $d; .completed)) ];

if .name == "io-unhooked" then unhooked + hooks[1:]
elif .name != "multi-fn" and skips > 0 then skipped_runs + hooks
elif .name == "multi-fn" then multi_fn + hooks
else generic + hooks + hists + events + in_order + specific end
