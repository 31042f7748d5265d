# Checks for one parsed robustness scenario -> [{check, expected, actual}].
# Expected values come from the scenario's definition (tests/robust/scenarios)
# and from the load generator's own counts, never from an earlier run.

def c($what; $exp; $act): {check: $what, expected: $exp, actual: $act};
def rows($vq): [$vq[] | objects | select(.type == "total")];
def totals: rows(.vq);
def probe: ([.vq[] | objects | select(.type == "probe")] | .[0]) // {};
def probe2: ([.vq2[] | objects | select(.type == "probe")] | .[0]) // {};
def f($k): .facts[$k];
# "progs maps links kprobes kprobe_events dynamic_events" -> numbers
def objs($k): (.facts[$k] // "" | tostring | split(" ") | map(tonumber? // null));
def kinds: ["programs", "maps", "links", "kprobes on vhost", "kprobe_events lines", "dynamic_events lines"];
# A flag's count summed over rows.
def flag($rows; $f): [$rows[] | .flags[]? | select(.flag == $f) | .count] | add // 0;
def flags_raised($rows): [$rows[] | .flags[]?.flag] | unique;
def rsum($rows; $pid; $dir; f): [$rows[] | select(.pid == $pid and .dir == $dir) | f] | add // 0;
def rall($rows; $dir; f): [$rows[] | select(.dir == $dir) | f] | add // 0;
def gq_of($gts): [$gts[] | objects | .pid as $p | .queues[]? | . + {pid: $p}];
def gqueues: gq_of(.gt);
def gsum($pid; $dir; f): [gqueues[] | select(.pid == $pid and .dir == $dir) | f] | add // 0;
def gall($dir; f): [gqueues[] | select(.dir == $dir) | f] | add // 0;
def gq($dir): [gqueues[] | select(.dir == $dir)];
# Is every element of $a (with repeats) in $b? (multiset inclusion)
def submultiset($a; $b):
  reduce $a[] as $x ({left: $b, ok: true};
    if .ok and (.left | index([$x])) != null
    then .left |= del(.[index([$x])]) else .ok = false end) | .ok;

# Nothing vqtrace made is left once its instances exited (freeing may
# take a moment).
def leak_checks:
  (objs("base")) as $b | (objs("after")) as $a
  | [ c("kernel objects freed within 5 s of exit"; true; (f("cleanup_s") != "timeout")) ]
  + [ range(0; 6) as $i | c("left behind after exit: \(kinds[$i])"; $b[$i]; $a[$i]) ];

# One instance's rows against the load generator lines $gts, per process
# and direction.
def exact_of($rows; $gts; $lbl):
  [ (gq_of($gts) | map(.pid) | unique)[] as $pid | ("rx", "tx") as $d |
      c("\($lbl)pid \($pid) \($d): used == loadgen completed"; [gq_of($gts)[] | select(.pid == $pid and .dir == $d) | .completed] | add // 0; rsum($rows; $pid; $d; .used)),
      c("\($lbl)pid \($pid) \($d): signals == loadgen interrupts"; [gq_of($gts)[] | select(.pid == $pid and .dir == $d) | .interrupts] | add // 0; rsum($rows; $pid; $d; .signals)),
      c("\($lbl)pid \($pid) \($d): notifies == signals + suppressed";
        rsum($rows; $pid; $d; .signals) + rsum($rows; $pid; $d; .suppressed); rsum($rows; $pid; $d; .notifies)) ]
  + [ c("\($lbl)lost_notify + spurious_notify"; 0; ([$rows[] | .lost_notify + .spurious_notify] | add // 0)) ];
def exact($rows; $lbl):
  exact_of($rows; .gt; $lbl)
  + [ c("\($lbl)reported only load-generator pids"; []; ([$rows[].pid] - (gqueues | map(.pid)) | unique)) ];
def probe_clean($p; $lbl):
  [ c("\($lbl)probe: vqs lost to a full map"; 0; $p.vq_map_full),
    c("\($lbl)probe: notifies of unseen vqs"; 0; $p.notify_unknown_vq),
    c("\($lbl)probe: entry state lost"; 0; $p.stash_full),
    c("\($lbl)probe: retired counts lost"; 0; $p.retired_full) ];
def no_add_errors($rows; $lbl): [c("\($lbl)add_errors"; 0; ([$rows[].add_errors] | add // 0))];
def common:
  [ c("exit status"; 0; .rc),
    c("unparsable output lines"; 0; ([.vq[], .gt[]] | map(select(objects | has("unparsed"))) | length)),
    c("ground truth present"; true; (.gt | length) > 0) ];

# [used, signals] per row and [completed, interrupts] per loadgen queue,
# sorted, for one pid and direction (all pids with $pid null).
def row_pairs($rows; $pid; $dir):
  [$rows[] | select(.dir == $dir and ($pid == null or .pid == $pid)) | [.used, .signals]] | sort;
def gt_pairs($pid; $dir):
  [gqueues[] | select(.dir == $dir and ($pid == null or .pid == $pid)) | [.completed, .interrupts]] | sort;

# --- the hostile loads (scenario "hostile"), one ground-truth line each ---
def of_pid($rows; $g): [$rows[] | select(.pid == $g.pid)];
def q($g; $dir): [$g.queues[] | select(.dir == $dir)][0] // {};

# A random used_event before each entry (seed 7), entries one at a time:
# one add_used and one vhost_notify per entry, each reading the value
# written for it, so the load generator knows how many notifies saw
# used_event more than a ring ahead and how many signalled.
def evrandom($r; $g; $l):
  [ ("rx", "tx") as $d | q($g; $d) as $q | [$r[] | select(.dir == $d)] as $dr |
    c("\($l)\($d): one notify per entry"; $q.completed; rall($r; $d; .notifies)),
    c("\($l)\($d): flag EVENT_AHEAD == notifies that saw used_event > ring ahead"; $q.event_ahead_expected; flag($dr; "EVENT_AHEAD")),
    c("\($l)\($d): loadgen model of vhost_notify == interrupts it saw"; $q.interrupts_expected; $q.interrupts),
    c("\($l)\($d): signals == modelled interrupts"; $q.interrupts_expected; rall($r; $d; .signals)),
    c("\($l)\($d): a value written per entry"; $q.completed; $q.event_writes),
    c("\($l)\($d): model_races (nothing rewritten under vhost)"; 0; rall($r; $d; .model_races)),
    c("\($l)\($d): event_read_errors"; 0; rall($r; $d; .event_read_errors)) ]
  + [ c("\($l)tx used"; 600; rall($r; "tx"; .used)),
      c("\($l)rx used"; 200; rall($r; "rx"; .used) - q($g; "rx").extra),
      c("\($l)flags raised"; ["EVENT_AHEAD"]; flags_raised($r)) ] + no_add_errors($r; $l);
# Without EVENT_IDX vhost reads avail->flags at every notify; 0xfffe has
# NO_INTERRUPT clear: every notify signals.
def fg_noevidx($r; $g; $l):
  [ c("\($l)tx used"; 3000; rall($r; "tx"; .used)),
    c("\($l)loadgen avail_flags"; 65534; q($g; "tx").avail_flags),
    c("\($l)vqtrace read avail_flags"; [65534]; [$r[] | select(.dir == "tx") | .avail_flags]),
    c("\($l)suppressed"; 0; rall($r; "tx"; .suppressed)),
    c("\($l)some notifies"; true; rall($r; "tx"; .notifies) > 0),
    c("\($l)event_read_errors"; 0; rall($r; "tx"; .event_read_errors)),
    c("\($l)flags raised"; []; flags_raised($r)) ] + no_add_errors($r; $l);
# 0xffff: NO_INTERRUPT set among the garbage: every notify suppressed.
def fg_noint($r; $g; $l):
  [ c("\($l)tx used"; 3000; rall($r; "tx"; .used)),
    c("\($l)loadgen avail_flags"; 65535; q($g; "tx").avail_flags),
    c("\($l)vqtrace read avail_flags"; [65535]; [$r[] | select(.dir == "tx") | .avail_flags]),
    c("\($l)signals"; 0; rall($r; "tx"; .signals)),
    c("\($l)loadgen interrupts"; 0; q($g; "tx").interrupts),
    c("\($l)some notifies"; true; rall($r; "tx"; .notifies) > 0),
    c("\($l)flags raised"; []; flags_raised($r)) ] + no_add_errors($r; $l);
# With EVENT_IDX vhost ignores avail->flags: the garbage changes nothing.
def fg_evidx($r; $g; $l):
  [ c("\($l)tx used"; 3000; rall($r; "tx"; .used)),
    c("\($l)loadgen avail_flags"; 65534; q($g; "tx").avail_flags),
    c("\($l)stale_signals (the first after setup)"; 1; rall($r; "tx"; .stale_signals)),
    c("\($l)flags raised"; []; flags_raised($r)) ] + no_add_errors($r; $l);
# After 2000 entries the TX ring goes PROT_NONE in three steps, one buffer
# made available before each: (1) used_event's page: vhost publishes the
# buffer, its notify cannot read used_event; (2) the used ring too: vhost
# fetches the buffer, publishing it fails, the notify cannot read
# used_event; (3) the descriptors and avail ring too: vhost cannot fetch.
# The loadgen observes completions, interrupts and vhost's last_avail_idx;
# each entry vhost fetched after the fault had one add_used (failing iff it
# did not complete) and one notify.
def unmap($r; $g; $l):
  q($g; "tx") as $q
  | [ c("\($l)loadgen unmap_at"; 2000; $q.unmap_at),
      c("\($l)loadgen unmap_submitted"; 3; $q.unmap_submitted),
      c("\($l)completed (2000 + step 1)"; 2001; $q.completed),
      c("\($l)vhost fetched (2000 + steps 1, 2)"; 2002; $q.avail_consumed),
      c("\($l)add_errors == fetched - completed"; $q.avail_consumed - $q.completed; rall($r; "tx"; .add_errors)),
      c("\($l)add_errors (step 2)"; 1; rall($r; "tx"; .add_errors)),
      c("\($l)event_read_errors == fetched after the fault"; $q.avail_consumed - $q.unmap_at; rall($r; "tx"; .event_read_errors)),
      c("\($l)event_read_errors (steps 1, 2)"; 2; rall($r; "tx"; .event_read_errors)),
      c("\($l)rx untouched"; 0; rall($r; "rx"; .used)) ];
def hostile_instance($rows; $gts; $lbl):
  exact_of($rows; $gts; $lbl)
  + evrandom(of_pid($rows; $gts[0]); $gts[0]; "\($lbl)evrandom: ")
  + fg_noevidx(of_pid($rows; $gts[1]); $gts[1]; "\($lbl)fg-noevidx: ")
  + fg_noint(of_pid($rows; $gts[2]); $gts[2]; "\($lbl)fg-noint: ")
  + fg_evidx(of_pid($rows; $gts[3]); $gts[3]; "\($lbl)fg-evidx: ")
  + unmap(of_pid($rows; $gts[4]); $gts[4]; "\($lbl)unmap: ");

def specific:
  if .name == "stop" or .name == "stop-kprobe" then
    # Y: SIGKILL 0.8 s into the load: no handler runs; the kernel frees
    # its objects once its last fd is gone. X: SIGTERM right after: it
    # detaches under load and prints what it saw, a prefix of the run.
    (objs("base")) as $b | (objs("during")) as $d | (objs("half")) as $h | (objs("after_kill")) as $k
    | [.vq2[] | objects | select(.type == "interval")] as $yi
    | [ c("X exit status (SIGTERM)"; 0; .rc),
        c("Y died of SIGKILL"; 137; f("y_rc")),
        c("load generator unaffected (exit 0)"; 0; f("loadgen_rc")),
        c("ground truth present"; 1; (.gt | length)),
        c("Y was tracing before the kill (interval tx used > 0)"; true; rall($yi; "tx"; .used) > 0),
        c("Y's intervals are a prefix of the load"; true; rall($yi; "tx"; .used) <= gall("tx"; .completed)),
        c("X: one tx total row"; 1; ([totals[] | select(.dir == "tx")] | length)),
        c("X: tx used > 0"; true; rall(totals; "tx"; .used) > 0),
        c("X: tx used <= loadgen completed (a prefix)"; true; rall(totals; "tx"; .used) <= gall("tx"; .completed)),
        c("X: the load went on after the detach"; true; gall("tx"; .completed) > rall(totals; "tx"; .used)),
        c("X: tx signals <= loadgen interrupts"; true; rall(totals; "tx"; .signals) <= gall("tx"; .interrupts)),
        c("X: tx notifies == signals + suppressed"; rall(totals; "tx"; .signals) + rall(totals; "tx"; .suppressed); rall(totals; "tx"; .notifies)),
        c("Y's objects freed within 5 s of the kill"; true; (f("y_cleanup_s") != "timeout")) ]
    + [ range(0; 4) as $i | c("while attached: both instances' \(kinds[$i]) present"; true; ($d[$i] > $b[$i])) ]
    + [ range(0; 6) as $i | c("after Y's kill: X's \(kinds[$i]) only (half)"; $h[$i]; $k[$i]) ]
    + probe_clean(probe; "X: ") + leak_checks
  elif .name == "signals" then
    # X: SIGINT after the load, its devices still open (--hold 1500); Y:
    # SIGTERM after the load generator exited. Both exact.
    (rows(.vq2)) as $y
    | common + exact(totals; "X: ") + exact($y; "Y: ") + probe_clean(probe; "X: ") + probe_clean(probe2; "Y: ")
    + no_add_errors(totals; "X: ") + no_add_errors($y; "Y: ") + leak_checks
    + [ c("Y exit status"; 0; f("rc2")),
        c("load generator still held its devices when X had exited"; 1; f("loadgen_alive_after_x")),
        c("load generator exit"; 0; f("loadgen_rc")),
        c("X: total rows (1 device x 2 queues)"; 2; (totals | length)),
        c("Y: total rows"; 2; ($y | length)),
        c("X: rows retired (devices still open)"; [false]; ([totals[].retired] | unique)),
        c("Y: rows retired (devices released)"; [true]; ([$y[].retired] | unique)),
        c("X: tx used"; 20000; rall(totals; "tx"; .used)),
        c("X: rx used"; 2000; rall(totals; "rx"; .used) - gall("rx"; .extra)),
        c("Y: tx used"; 20000; rall($y; "tx"; .used)),
        c("Y: rx used"; 2000; rall($y; "rx"; .used) - gall("rx"; .extra)) ]
  elif .name == "rounds" then
    # 4 rounds of 3000 TX + 300 RX in one process, devices closed and
    # reopened in between: one row per round and queue, each with exactly
    # one round's counts, matched against the rounds' own ground truth.
    common + exact(totals; "") + probe_clean(probe; "") + no_add_errors(totals; "") + leak_checks
    + [ c("ground-truth rounds"; [1, 2, 3, 4]; [.gt[] | .round]),
        c("tx rows (one per round)"; 4; ([totals[] | select(.dir == "tx")] | length)),
        c("rx rows (one per round)"; 4; ([totals[] | select(.dir == "rx")] | length)),
        c("every tx row holds one round (3000)"; [3000]; ([totals[] | select(.dir == "tx") | .used] | unique)),
        c("every rx row holds one round (300)"; [300]; ([totals[] | select(.dir == "rx") | .used] | unique)),
        c("tx rows [used, signals] == rounds [completed, interrupts]"; gt_pairs(null; "tx"); row_pairs(totals; null; "tx")),
        c("rx rows [used, signals] == rounds [completed, interrupts]"; gt_pairs(null; "rx"); row_pairs(totals; null; "rx")),
        c("every row retired"; [true]; ([totals[].retired] | unique)),
        c("vq addresses reused across rounds (the identity case ran)"; true;
          (([totals[] | select(.dir == "tx") | .vq] | unique | length) < 4)) ]
  elif .name == "churn" then
    # -m 2 holds one device's two vqs at a time; 6 rounds open, use and
    # close a device each. Retired vqs must leave the map at teardown, or
    # the second device (at a new address) would find it full.
    common + exact(totals; "") + probe_clean(probe; "") + no_add_errors(totals; "") + leak_checks
    + [ c("ground-truth rounds"; [1, 2, 3, 4, 5, 6]; [.gt[] | .round]),
        c("tx rows (one per round)"; 6; ([totals[] | select(.dir == "tx")] | length)),
        c("rx rows (one per round)"; 6; ([totals[] | select(.dir == "rx")] | length)),
        c("every tx row holds one round (1000)"; [1000]; ([totals[] | select(.dir == "tx") | .used] | unique)),
        c("every rx row holds one round (100)"; [100]; ([totals[] | select(.dir == "rx") | .used] | unique)),
        c("every row retired"; [true]; ([totals[].retired] | unique)) ]
  elif .name == "rmmod" then
    # vhost_net unloaded under a running vqtrace (which hooks vhost) and
    # loaded again: load A (5000/500) and load B (2000/200) exactly, and
    # B's queues still named (vhost_net's symbols moved).
    (.gt[0].pid) as $a | (.gt[1].pid) as $b
    | common + exact(totals; "") + probe_clean(probe; "") + no_add_errors(totals; "") + leak_checks
    + [ c("load A exit"; 0; f("load_a_rc")),
        c("rmmod vhost_net"; 0; f("rmmod_rc")),
        c("vhost_net gone after rmmod"; 0; f("vhost_net_loaded_after_rmmod")),
        c("vqtrace said vhost_net was unloaded"; 1; f("said_unloaded")),
        c("vqtrace alive after rmmod"; 1; f("alive_after_rmmod")),
        c("vqtrace said vhost_net was loaded"; 1; f("said_loaded")),
        c("insmod vhost_net"; 0; f("insmod_rc")),
        c("load B exit"; 0; f("load_b_rc")),
        c("two loads"; 2; (.gt | length)),
        c("A tx used"; 5000; rsum(totals; $a; "tx"; .used)),
        c("A rx used"; 500; rsum(totals; $a; "rx"; .used) - gsum($a; "rx"; .extra)),
        c("B tx used"; 2000; rsum(totals; $b; "tx"; .used)),
        c("B rx used"; 200; rsum(totals; $b; "rx"; .used) - gsum($b; "rx"; .extra)),
        c("rows per load (2 queues each)"; [2]; ([totals[] | .pid] | group_by(.) | map(length) | unique)),
        c("every row's queue role known"; [["net", "rx"], ["net", "tx"]]; ([totals[] | [(.dev | sub("[0-9]+$"; "")), .dir]] | unique)),
        c("every row retired"; [true]; ([totals[].retired] | unique)) ]
  elif .name == "follow" then
    # X follows the name: B (started after X, loading at once while A
    # waits) exactly from its first buffer, and A; never C (same name,
    # started before X). Y (no --follow) ends with A. Then --no-wait.
    (.gt[0].pid) as $a | (.gt[1].pid) as $b | (rows(.vq2)) as $y | f("c_pid") as $c
    | common + exact(totals; "X: ") + probe_clean(probe; "X: ") + no_add_errors(totals; "X: ") + leak_checks
    + exact_of($y; [.gt[0]]; "Y: ") + probe_clean(probe2; "Y: ")
    + [ c("load A exit"; 0; f("load_a_rc")),
        c("load B exit"; 0; f("load_b_rc")),
        c("load C exit"; 0; f("load_c_rc")),
        c("two traced loads"; 2; (.gt | length)),
        c("Y ended by itself when A exited (status 0)"; 0; f("y_rc")),
        c("Y: rows only of A"; [$a]; ([$y[].pid] | unique)),
        c("X said it waits for a new 'vhost-loadgen'"; 1; f("x_waiting")),
        c("X alive after A exited"; 1; f("x_alive_after_a")),
        c("X said it traces B"; 1; f("x_took_b")),
        c("X: rows of A and B"; ([$a, $b] | sort); ([totals[].pid] | unique)),
        c("X: nothing of C"; 0; ([totals[] | select(.pid == $c)] | length)),
        c("X: A tx used"; 3000; rsum(totals; $a; "tx"; .used)),
        c("X: A rx used"; 300; rsum(totals; $a; "rx"; .used) - gsum($a; "rx"; .extra)),
        c("X: B tx used"; 2000; rsum(totals; $b; "tx"; .used)),
        c("X: B rx used"; 200; rsum(totals; $b; "rx"; .used) - gsum($b; "rx"; .extra)),
        c("--no-wait: exit status 1"; 1; f("nowait_rc")),
        c("--no-wait: one line on stderr"; 1; f("nowait_lines")),
        c("--no-wait: says the pid holds no vhost device"; 1; f("nowait_said")),
        c("without --no-wait: exit status (-d 1)"; 0; f("wait_rc")),
        c("without --no-wait: says it waits"; 1; f("wait_said")) ]
  elif .name == "reload" then
    # kprobe hooks let vhost itself be unloaded under vqtrace. X (--follow)
    # counts A, waits, attaches again and counts B; Y ends after A.
    (.gt[0].pid) as $a | (.gt[1].pid) as $b | (rows(.vq2)) as $y
    | common + exact(totals; "X: ") + probe_clean(probe; "X: ") + no_add_errors(totals; "X: ") + leak_checks
    + exact_of($y; [.gt[0]]; "Y: ") + probe_clean(probe2; "Y: ")
    + [ c("load A exit"; 0; f("load_a_rc")),
        c("rmmod vhost_net"; 0; f("rmmod_net_rc")),
        c("rmmod vhost (kprobes do not pin it)"; 0; f("rmmod_vhost_rc")),
        c("vhost gone"; 0; f("vhost_gone")),
        c("Y ended by itself (status 0)"; 0; f("y_rc")),
        c("Y said the vhost module was unloaded"; 1; ([.err2[] | select(test("vhost module was unloaded"))] | length)),
        c("X said it waits for vhost"; 1; f("x_waiting")),
        c("insmod vhost"; 0; f("insmod_vhost_rc")),
        c("insmod vhost_net"; 0; f("insmod_net_rc")),
        c("X attached again"; 1; f("x_back")),
        c("load B exit"; 0; f("load_b_rc")),
        c("two loads"; 2; (.gt | length)),
        c("X: rows per load (2 queues each)"; [2]; ([totals[] | .pid] | group_by(.) | map(length) | unique)),
        c("X: A tx used"; 3000; rsum(totals; $a; "tx"; .used)),
        c("X: B tx used"; 2000; rsum(totals; $b; "tx"; .used)),
        c("X: every row retired"; [true]; ([totals[].retired] | unique)),
        c("Y: rows only of A"; [$a]; ([$y[].pid] | unique)) ]
  elif .name == "scale" then
    # 8 processes x 8 devices x 2 queues = 128 vqs, 200 entries each.
    # A traces all 128 exactly; B (-m 100) traces 100 of them exactly and
    # counts 128 - 100 = 28 as lost, once each; C (-m 100, table) says so
    # on stderr.
    (rows(.vq2)) as $b
    | common + exact(totals; "A: ") + probe_clean(probe; "A: ") + no_add_errors(totals; "A: ") + leak_checks
    + [ c("processes"; 8; (.gt | length)),
        c("loadgen queues"; 128; (gqueues | length)),
        c("A: rows (every vq)"; 128; (totals | length)),
        c("A: rows per process"; [16]; ([totals[] | .pid] | group_by(.) | map(length) | unique)),
        c("A: every row used == 200"; [200]; ([totals[] | .used] | unique)) ]
    + [ (gqueues | map(.pid) | unique)[] as $pid | ("rx", "tx") as $d |
        c("A: pid \($pid) \($d): rows [used, signals] == queues [completed, interrupts]"; gt_pairs($pid; $d); row_pairs(totals; $pid; $d)) ]
    # B and C missed 28 vqs: their counts are incomplete, exit status 3.
    + [ c("B exit status (incomplete)"; 3; f("rc2")), c("C exit status (incomplete)"; 3; f("rc3")),
        c("B: rows (the map's 100)"; 100; ($b | length)),
        c("B: probe vq_map_full (128 - 100)"; 28; probe2.vq_map_full),
        c("B: probe max_vqs"; 100; probe2.max_vqs),
        c("B: probe notifies of unseen vqs"; 0; probe2.notify_unknown_vq),
        c("B: probe entry state lost"; 0; probe2.stash_full),
        c("B: every row used == 200"; [200]; ([$b[] | .used] | unique)),
        c("C: says so on stderr"; true; (.err3 | any(test("^vqtrace: 28 virtqueues were NOT counted")))) ]
    + [ (gqueues | map(.pid) | unique)[] as $pid | ("rx", "tx") as $d |
        c("B: pid \($pid) \($d): every row is one of its queues [used, signals]"; true;
          submultiset(row_pairs($b; $pid; $d); gt_pairs($pid; $d))) ]
  elif .name == "reuse" then
    # U, another owner with 8 vqs (more than -m 2 remembers as ignored),
    # runs and exits; S's load then allocates devices where U's were: a
    # hint left from U must not make S's vqs look ignored.
    common + leak_checks
    + [ c("U exit status"; 0; f("u_rc")),
        c("probe: U's vqs turned away by the filter"; true; (probe.filtered_out // 0) > 0),
        c("probe: vqs lost to a full map"; 0; probe.vq_map_full),
        c("probe: entry state lost"; 0; probe.stash_full),
        c("rows: S's rx and tx"; 2; (totals | length)) ]
    + exact(totals; "")
  elif .name == "hostile" then
    # Five hostile loads one after the other (scenarios file), watched by
    # A (fexit) and B (kprobe on __vhost_add_used_n) at once.
    (rows(.vq2)) as $b
    | common + leak_checks
    + [ c("B exit status"; 0; f("rc2")),
        c("loads"; 5; (.gt | length)),
        # 7.3: the whole vhost_add_used_n (6.17+ in-order path), with
        # kprobes as it preempts kernel code (src/hooks.c, src/preempt.h).
        c("A: add_used hook"; if $kernel == "7.3" then "kprobe:vhost_add_used_n" else "fexit:__vhost_add_used_n" end; probe.add_used_hook),
        c("B: add_used hook"; if $kernel == "7.3" then "kprobe:vhost_add_used_n" else "kprobe:__vhost_add_used_n" end; probe2.add_used_hook) ]
    + probe_clean(probe; "A: ") + probe_clean(probe2; "B: ")
    + hostile_instance(totals; .gt; "A: ") + hostile_instance($b; .gt; "B: ")
  elif .name == "final" then
    # After every scenario: nothing of vqtrace's anywhere, and the kernel
    # logged no BUG, WARNING, Oops or trace.
    leak_checks[1:] + [c("kernel log: BUG/WARNING/Oops/trace lines"; 0; f("kernel_problems"))]
  else [c("known scenario"; true; false)] end;

# On a kernel that preempts kernel code the kernel may skip a run of
# vqtrace's programs (bpf/core_fixes.bpf.h Q11; rare, and not in our
# control). Then the instance must say so and its counts may only fall
# short of the truth, never exceed it; nothing may leak either way.
def skipped_runs:
  [ c("kernel skipped runs: the probe says incomplete"; false; probe.complete),
    c("kernel skipped runs: stderr says why"; true;
      [.err[]?, .err2[]? | strings | test("runs skipped by the kernel|return probes did not run|return_misses")] | any) ]
  + [ (gqueues | map(.pid) | unique)[] as $pid | ("rx", "tx") as $d |
      c("kernel skipped runs: pid \($pid) \($d): used <= loadgen completed"; true;
        rsum(totals; $pid; $d; .used) <= gsum($pid; $d; .completed)) ]
  + leak_checks;

if .name != "final" and (probe.hook_misses // 0) + (probe2.hook_misses // 0)
   + (probe.return_misses // 0) + (probe2.return_misses // 0) > 0
then skipped_runs else specific end
