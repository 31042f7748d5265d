# Checks for one parsed real-QEMU scenario -> [{check, expected, actual}].
# Every expected value comes from outside vqtrace: the tap's counters, iPXE's
# own ifstat, QEMU's view of the rings and its trace events, the scenario's
# settings. $kernel is check.sh's KERNEL argument.
#
# Why the relations below are EXACT for these runs (each is also checked):
# - The driver (iPXE 1.0.0+git-20190125, Debian's ipxe-qemu) acks only
#   VIRTIO_F_VERSION_1 and VIRTIO_NET_F_MAC (QEMU's x-query-virtio-status):
#   no MRG_RXBUF, so every received frame fills exactly one RX buffer and
#   vqtrace's RX `used` (buffers) counts frames; every TX frame is one
#   descriptor chain, one used entry. No EVENT_IDX, no NOTIFY_ON_EMPTY: vhost
#   decides each interrupt from avail->flags alone.
# - vhost is the only party that moves frames between the rings and the tap
#   while the NIC runs: QEMU's userspace datapath completed nothing
#   (virtqueue_flush trace events: 0), and QEMU polls the tap only while
#   vhost is stopped (vhost_net_start turns its read poll off). A frame
#   QEMU reads then while the NIC cannot take it (driver not DRIVER_OK, VM
#   stopped) is queued, and purged when vhost starts (virtio_net_vhost_status),
#   so it is counted by the tap and by no ring. The tap is QEMU's own
#   (created by it, counters from 0) and this side sends nothing unasked
#   (IPv6 off on the tap): nothing reaches the tap before the driver's first
#   DHCP request, nor while iPXE has its NIC closed after 2 s of quiet. So:
#     tap rx_packets (frames written into the tap) == vqtrace TX used
#     tap tx_packets (frames read from the tap, counted at the read)
#                                                 == vqtrace RX used
#   given no tap drops or errors (checked: a truncated or dropped frame
#   would break the equality, and so would be seen). Across a QMP pause
#   mid-transfer the second is only a bound (see the check).
# - iPXE counts a frame in ifstat when it reaps its used entry (TX) or
#   takes it from the RX ring; its script sleeps 2 s before the last ifstat
#   so that every completion is reaped and TCP has closed, and nothing moves
#   after it: TX + TXE == TX used, RX + RXE == RX used.
# - QEMU stops vhost before it answers (QMP stop): last_avail_idx is vhost's
#   own (VHOST_GET_VRING_BASE) and used->idx is re-read from guest memory.
#   vhost's last_used_idx is what it last wrote to used->idx, so vqtrace's
#   last_used_idx == QEMU's used-idx always; and over one ring life from
#   index 0 (fewer than 65536 entries) vqtrace's used == used-idx.
#   vhost-net keeps no buffer in flight across a stop: last-avail-idx ==
#   used-idx.
# Only where a relation cannot be exact is it a bound (said at the check).

def totals: [.vq[] | select(.type == "total")];
def probe: ([.vq[] | select(.type == "probe")] | .[0]) // {};
def c($what; $exp; $act): {check: $what, expected: $exp, actual: $act};
def settings: ([.gt[] | select(.type == "settings")] | .[0]) // {};
def qemus: [.gt[] | select(.type == "qemu")];
def qpid($n): ([.gt[] | select(.type == "qemu_pid" and .qemu == $n) | .pid] | .[0]) // -1;
def row($pid; $dir): ([totals[] | select(.pid == $pid and .dir == $dir)] | .[0]) // {};
def tap($n; $at): ([.gt[] | select(.type == "tap" and .qemu == $n and .at == $at)] | .[0]) // {};
def tapd($n; $k): (tap($n; "stop")[$k] // -1) - (tap($n; "start")[$k] // 0);
def reply($n; $id): ([.gt[] | select(.type == "qmp" and .qemu == $n and .reply.id == $id) | .reply] | .[0]) // {};
def trace($n): ([.gt[] | select(.type == "trace" and .qemu == $n)] | .[0]) // {};
def serial($n): [.ser[] | select(.qemu == $n) | .line];
# iPXE's ifstat lines "[Link:up, TX:60 TXE:0 RX:391 RXE:0]", in order.
def ifstats($lines): [$lines[] | capture("TX:(?<tx>[0-9]+) TXE:(?<txe>[0-9]+) RX:(?<rx>[0-9]+) RXE:(?<rxe>[0-9]+)")
  | map_values(tonumber)];
def names($l): [$l[]? | sub(":.*"; "")];
# avail->flags and avail->idx as read from guest memory with xp /2hx.
def avail($n; $q): (reply($n; "avail-\($q)").return // "")
  | (capture(": 0x(?<flags>[0-9a-f]+) 0x(?<idx>[0-9a-f]+)") // {flags: "?", idx: "?"});

# vhostspy (LD_PRELOAD in QEMU, tests/realvm/vhostspy.c): QEMU's own view
# of each vhost ring. set_base/get_base: the index QEMU gave vhost at each
# ring start and took back at each stop (VHOST_GET_VRING_BASE returns
# vhost's last_avail_idx; vhost-net keeps nothing in flight across a stop,
# so it is also the used index vhost had reached). signals: the sum of the
# values QEMU read from the ring's call eventfds (each eventfd_signal adds
# one) minus what QEMU wrote into them itself: the interrupts vhost sent.
def spies($n): [.gt[] | select(.type == "spy" and .qemu == $n)];
# Used entries per ring life (u16: each life has fewer than 65536).
def lives($s): [range(0; [($s.set_base | length), ($s.get_base | length)] | min) as $i
  | (($s.get_base[$i] - $s.set_base[$i]) % 65536 + 65536) % 65536];
def spy_row($pid; $s): ([totals[] | select(.pid == $pid and .tap == $s.tap and .qp == $s.qp and .queue == $s.vq)] | .[0]) // {};
def qdir($vq): if $vq == 0 then "rx" elif $vq == 1 then "tx" else "q\($vq)" end;
# The checks every ring QEMU started gets against vqtrace's row. vqtrace
# counts a ring's setups from its first used entry on: the slot is made
# then (that setup counted), and each later one (vhost_vq_init_access with
# a backend) adds one. Each life with used entries has at least one notify
# (every vhost-net path that adds used entries signals through
# vhost_notify), and its first is stale (signalled_used_valid is false
# after a setup): stale_signals == those lives + invalidations.
def spy_checks($n; $w; $pid):
  [ spies($n)[] as $s
    | lives($s) as $l
    | spy_row($pid; $s) as $r
    | ([$l | to_entries[] | select(.value > 0) | .key] | .[0]) as $first
    | "\($w) \($s.tap) qp \($s.qp) \($s.vq):\(qdir($s.vq))" as $rw
    | c("\($rw): QEMU: a stop for every start"; $s.set_base | length; $s.get_base | length),
      if $first == null then
        c("\($rw): no used entry in any life: no row"; {}; $r)
      else
        c("\($rw): used == sum over ring lives of (stop index - start index)"; $l | add; $r.used),
        c("\($rw): signals == interrupts QEMU read from the call eventfds"; $s.signals; $r.signals),
        # vqtrace attached before the guest ran (-S): every kick of the
        # ring, before its first used entry too, is a write QEMU made
        # (with --kicks; without it the count is null: not counted).
        c("\($rw): kicks == writes QEMU made to the kick eventfds";
          if probe.kick_side then $s.kicks else null end; $r.kicks),
        c("\($rw): last_used_idx == vhost's index at the last stop"; $s.get_base[-1]; $r.last_used_idx),
        c("\($rw): ring_setups == QEMU's ring starts from the first used entry on";
          ($l | length) - $first; $r.ring_setups),
        (if $r.event_idx then
           c("\($rw): stale_signals == lives with used entries (from the first) + invalidations";
             ([$l[$first:][] | select(. > 0)] | length) + ($r.invalidations // 0); $r.stale_signals)
         else
           c("\($rw): stale_signals (no EVENT_IDX)"; 0; $r.stale_signals)
         end),
        c("\($rw): queue direction"; qdir($s.vq); $r.dir)
      end ];

# vhost_notify exists only as a compiler clone (.constprop.0 in Debian's 6.1
# and 6.12, .isra.0 in 7.3); 7.3's vhost_add_used_n takes nheads and 7.3
# preempts kernel code, so vqtrace hooks that whole call with a kprobe
# there (as in tests/e2e/expect.jq).
def hooks:
  [ c("add_used hook";
      if $kernel == "7.3" then "kprobe:vhost_add_used_n" else "fexit:__vhost_add_used_n" end;
      probe.add_used_hook),
    c("notify hook";
      "kprobe:" + ({"6.1": "vhost_notify.constprop.0", "6.12": "vhost_notify.constprop.0",
                    "7.3": "vhost_notify.isra.0"}[$kernel] // "unknown kernel \($kernel)");
      probe.notify_hook) ];

# vqtrace as a whole: ran clean, complete, and only the QEMUs have rows.
def run_checks:
  ([.gt[] | select(.type == "pid") | .pid] | sort) as $pidof
  | ([.gt[] | select(.type == "qemu_pid") | .pid] | sort) as $qpids
  | [ c("exit status"; 0; .rc),
      c("unparsable output lines"; 0; ([.vq[], .gt[]] | map(select(has("unparsed"))) | length)),
      # follow: vqtrace starts with the first QEMU; --follow takes the next.
      c("pidof qemu-system-x86_64 named exactly the QEMUs started";
        if settings.how == "follow" then [qpid(1)] else $qpids end; $pidof),
      c("probe: counts complete"; true; probe.complete),
      c("probe: vqs lost to a full map"; 0; probe.vq_map_full),
      c("probe: notifies of unseen vqs"; 0; probe.notify_unknown_vq),
      c("probe: entry state lost"; 0; probe.stash_full),
      c("probe: no unhooked path"; 0; probe.unhooked_path),
      c("probe: no hook misses"; 0; probe.hook_misses),
      c("rows only for QEMU pids"; []; ([totals[].pid] | unique) - $qpids),
      # Item 5 of issue #13: a clean run of a real driver raises no flag.
      c("flags raised (any row)"; []; [totals[] | .flags[]?.flag] | unique),
      c("lost_notify (kernel suppressed, rules say notify)"; 0; [totals[].lost_notify] | add // 0),
      c("spurious_notify (kernel notified, rules say suppress)"; 0; [totals[].spurious_notify] | add // 0) ]
  + hooks;

# One QEMU: n, its ring cycles (1 + reopen + pause), its settings.
def qemu_checks($n; $kind; $s):
  qpid($n) as $pid
  | serial($n) as $ser
  | ifstats($ser) as $ifs
  | ($ifs | last // {}) as $fin
  | (1 + $s.reopen + $s.pause) as $cycles
  | reply($n; "status").return as $st
  | reply($n; "queue-0").return as $q0
  | reply($n; "queue-1").return as $q1
  | row($pid; "rx") as $rx
  | row($pid; "tx") as $tx
  | "q\($n) (\($kind), pid \($pid))" as $w
  | [ c("\($w): iPXE ran its script to the end"; [true, false];
        [($ser | any(test("^REALVM-DONE q\($n)"))), ($ser | any(test("^REALVM-FAIL")))]),
      c("\($w): iPXE fetched the \($s.size)-byte file \($s.fetches) times"; $s.fetches;
        [$ser[] | select(test("^blob : \($s.size) bytes"))] | length),
      # Rows: net, queue 0 rx and 1 tx of the NIC's first (only) queue pair.
      # With mq=on the driver does not ack VIRTIO_NET_F_MQ, so QEMU starts
      # vhost for one queue pair (virtio_net_vhost_status) and drops the
      # others from the device (num-vqs 3: rx0, tx0, ctrl); the second
      # pair's vhost device, opened at QEMU start, never gets a ring, never
      # adds a used entry or notifies: it has no row.
      c("\($w): rows"; [["net0", 0, "rx"], ["net0", 1, "tx"]];
        [totals[] | select(.pid == $pid) | [.dev, .queue, .dir]] | sort),
      # The tap QEMU was given (ifname=tap$n), read by vqtrace in the kernel
      # from the vq's backend; the one queue pair the driver runs is 0.
      c("\($w): rows name QEMU's tap and queue pair 0"; [["tap\($n)", 0], ["tap\($n)", 0]];
        [totals[] | select(.pid == $pid) | [.tap, .qp]]),
      c("\($w): QEMU: the driver acked VERSION_1 and MAC only"; [["VIRTIO_F_VERSION_1"], ["VIRTIO_NET_F_MAC"]];
        [names($st["guest-features"].transports), names($st["guest-features"]["dev-features"])]),
      c("\($w): QEMU: virtqueues (one pair + ctrl)"; 3; $st["num-vqs"]),
      # vhost gets the ring-relevant bits of what the driver acked.
      c("\($w): vqtrace: features (VERSION_1), no EVENT_IDX"; [["0x100000000", false], ["0x100000000", false]];
        [[$rx.features, $rx.event_idx], [$tx.features, $tx.event_idx]]),
      c("\($w): QEMU trace: vhost started/stopped once per ring cycle"; [$cycles, $cycles];
        [trace($n).vhost_dev_start, trace($n).vhost_dev_stop]),
      c("\($w): QEMU trace: its userspace datapath completed no buffer"; 0; trace($n).virtqueue_flush),
      c("\($w): tap: no drops or errors"; [0, 0, 0, 0];
        [tapd($n; "rx_dropped"), tapd($n; "tx_dropped"), tapd($n; "rx_errors"), tapd($n; "tx_errors")]),
      # The exact relations (header).
      c("\($w): tx used == tap rx_packets"; tapd($n; "rx_packets"); $tx.used),
      (if $s.pause == 0 then
         c("\($w): rx used == tap tx_packets"; tapd($n; "tx_packets"); $rx.used)
       else
         # Only a bound across a pause. While the VM is stopped vhost is
         # stopped and QEMU polls the tap again: a frame that arrives then
         # (mid-transfer: one vhost had prefetched and handed back, or a
         # TCP retransmission) is read by QEMU (counted in tx_packets),
         # queued because the NIC cannot receive, and purged when vhost
         # starts again (virtio_net_vhost_status purges the queues so that
         # QEMU never touches rings vhost owns). QEMU stops reading once one
         # frame is queued, so at most one per pause; no ring ever sees it.
         # At least the frames counted while we watched the pause are such.
         (if $rx.used == null then null else tapd($n; "tx_packets") - $rx.used end) as $lost
         | ((tap($n; "pause-cont").tx_packets // 0) - (tap($n; "pause-stop").tx_packets // 0)) as $seen
         | c("\($w): tap tx_packets - rx used (frames QEMU took while paused) in [\($seen), \($s.pause)]";
             true; $lost != null and $lost >= $seen and $lost <= $s.pause)
       end),
      c("\($w): tx used == iPXE TX + TXE"; ($fin.tx // -1) + ($fin.txe // 0); $tx.used),
      c("\($w): rx used == iPXE RX + RXE"; ($fin.rx // -1) + ($fin.rxe // 0); $rx.used),
      c("\($w): iPXE TXE, RXE"; [0, 0]; [$fin.txe, $fin.rxe]),
      c("\($w): rx last_used_idx == QEMU used-idx"; $q0["used-idx"]; $rx.last_used_idx),
      c("\($w): tx last_used_idx == QEMU used-idx"; $q1["used-idx"]; $tx.last_used_idx),
      c("\($w): QEMU: last-avail-idx (VHOST_GET_VRING_BASE) == used-idx"; [$q0["used-idx"], $q1["used-idx"]];
        [$q0["last-avail-idx"], $q1["last-avail-idx"]]),
      # Interrupts: without EVENT_IDX a device may interrupt only when
      # avail->flags lacks VRING_AVAIL_F_NO_INTERRUPT; iPXE polls and sets
      # it on both rings (read back from guest memory), so vhost must
      # suppress every notify: signals == 0 exactly, not just a bound.
      c("\($w): avail->flags in guest memory (NO_INTERRUPT)"; ["0001", "0001"]; [avail($n; 0).flags, avail($n; 1).flags]),
      c("\($w): signals (NO_INTERRUPT, no EVENT_IDX)"; [0, 0]; [$rx.signals, $tx.signals]),
      c("\($w): suppressed == notifies"; [$rx.notifies, $tx.notifies]; [$rx.suppressed, $tx.suppressed]),
      c("\($w): vhost asked (notifies > 0 on both)"; [true, true]; [$rx.notifies > 0, $tx.notifies > 0]) ]
  + if $s.reopen == 1 then
      # iPXE's counters run on across ifclose/ifopen; the ring restarts at
      # 0. The ifstat before REALVM-CLOSE (after 2 s of quiet) counts the
      # first ring life, QEMU's used-idx at the end the second (the pause,
      # if any, keeps a ring: vhost resumes at its index).
      ([$ser | to_entries[] | select(.value | test("^REALVM-CLOSE")) | .key] | .[0]) as $ci
      | (if $ci == null then {} else (ifstats($ser[:$ci]) | last // {}) end) as $c1
      | [ c("\($w): rx used == iPXE RX at close + QEMU used-idx"; ($c1.rx // -1) + ($c1.rxe // 0) + $q0["used-idx"]; $rx.used),
          c("\($w): tx used == iPXE TX at close + QEMU used-idx"; ($c1.tx // -1) + ($c1.txe // 0) + $q1["used-idx"]; $tx.used) ]
    else
      [ c("\($w): rx used == QEMU used-idx (one ring life from 0)"; $q0["used-idx"]; $rx.used),
        c("\($w): tx used == QEMU used-idx (one ring life from 0)"; $q1["used-idx"]; $tx.used) ]
    end
  + spy_checks($n; "q\($n) (\($kind), pid \(qpid($n)))"; qpid($n));

# A Linux guest (tests/realvm/inner-init): Debian's kernel and virtio_net.
# Exact, and why:
# - Every frame the driver sends is one skb, one descriptor chain, one used
#   entry, one write into the tap: its tx_packets (counted when it reaps the
#   completion; the 2 s of quiet before each count lets it reap them all)
#   == tap rx_packets == vqtrace's TX used, summed over the driver's lives
#   (its counters start again at each load).
# - Every frame read from the tap is written by vhost into the guest's RX
#   ring and counted by the driver: tap tx_packets == its rx_packets. Both
#   sides have fixed neighbour entries and no IPv6, and each round ends in
#   quiet, so nothing reaches the tap while vhost is stopped (QEMU would
#   take such a frame, as across a pause above).
# - With VIRTIO_NET_F_MRG_RXBUF a frame may fill several RX buffers:
#   vqtrace's RX used counts buffers, so against frames it is a bound only;
#   against QEMU's ring indexes (vhostspy) it is exact.
# - QEMU reads each call eventfd and raises the MSI-X vector once per read,
#   however many signals the read collected: the guest's interrupt counts
#   (/proc/interrupts, per queue) are at most vhost's signals.
# The ctrl queue (MQ, RX mode) is QEMU's own (virtqueue_flush counts it).
def bit($f; $b): ($f // "")[$b:$b + 1] == "1";
def linux_checks($n; $kind; $s):
  qpid($n) as $pid
  | serial($n) as $ser
  | [$ser[] | capture("^REALVM-STATS round=(?<r>[0-9]+) (?<kv>.*)$")
     | .kv | [splits(" ") | capture("(?<k>[a-z_0-9]+)=(?<v>[0-9]+)") | {(.k): (.v | tonumber)}] | add] as $st
  | ([$ser[] | capture("^REALVM-FEATURES (?<f>[01]+) queues=(?<q>[0-9]+)")] | .[0]) as $feat
  | (if $kind == "mq" then 2 else 1 end) as $qps
  | [totals[] | select(.pid == $pid)] as $rows
  | "q\($n) (linux, \($kind), pid \($pid))" as $w
  | def sum($k): [$st[][$k]] | add;
    def used($dir): [$rows[] | select(.dir == $dir) | .used] | add;
  [ c("\($w): the guest ran to the end"; [true, false];
      [($ser | any(test("^REALVM-DONE"))), ($ser | any(test("^REALVM-FAIL")))]),
    c("\($w): rounds counted (one per driver load)"; $s.reloads + 1; $st | length),
    c("\($w): driver: EVENT_IDX, MRG_RXBUF, MQ acked (virtio features 29, 15, 22)";
      [true, true, $kind == "mq"]; [bit($feat.f; 29), bit($feat.f; 15), bit($feat.f; 22)]),
    c("\($w): driver: queue pairs in use"; $qps; $feat.q | tonumber? // null),
    c("\($w): QEMU trace: vhost started/stopped per queue pair per driver load";
      [$qps * ($s.reloads + 1), $qps * ($s.reloads + 1)]; [trace($n).vhost_dev_start, trace($n).vhost_dev_stop]),
    c("\($w): QEMU started every ring once per driver load"; [range(0; 2 * $qps) | $s.reloads + 1];
      [spies($n)[] | .set_base | length]),
    c("\($w): rows: one per ring, named by QEMU's tap and queue pair";
      [range(0; $qps) as $q | range(0; 2) as $v | ["tap\($n)", $q, $v, qdir($v)]] | sort;
      [$rows[] | [.tap, .qp, .queue, .dir]] | sort),
    c("\($w): rows: EVENT_IDX on every ring"; [$rows[] | true]; [$rows[] | .event_idx]),
    c("\($w): tap: no drops or errors"; [0, 0, 0, 0];
      [tapd($n; "rx_dropped"), tapd($n; "tx_dropped"), tapd($n; "rx_errors"), tapd($n; "tx_errors")]),
    c("\($w): driver: no drops or errors"; [0, 0, 0, 0];
      [sum("rx_dropped"), sum("tx_dropped"), sum("rx_errors"), sum("tx_errors")]),
    c("\($w): driver tx_packets == tap rx_packets"; tapd($n; "rx_packets"); sum("tx_packets")),
    c("\($w): tx used == driver tx_packets"; sum("tx_packets"); used("tx")),
    c("\($w): driver rx_packets == tap tx_packets"; tapd($n; "tx_packets"); sum("rx_packets")),
    c("\($w): rx used (buffers) >= driver rx_packets (frames)"; true; (used("rx") // 0) >= (sum("rx_packets") // 1)),
    (range(0; $qps) as $q | (["input", "output"] | to_entries[]) as $e
      | ([$st[]["irq_\($e.value)\($q)"]] | add) as $irq
      | ([$rows[] | select(.qp == $q and .queue == $e.key) | .signals] | .[0]) as $sig
      | c("\($w): qp \($q) \(qdir($e.key)): guest interrupts in [1, vhost signals]"; true;
          $irq != null and $sig != null and $irq >= 1 and $irq <= $sig)) ]
  + spy_checks($n; $w; $pid);

# Another vhost owner (vhost-loadgen, not a QEMU) ran at the same time.
def other_checks($s):
  [.gt[] | select(.other == true)] as $o
  | if $s.loadgen > 0 then
      [ c("loadgen: completed its TX buffers"; $s.loadgen; [$o[].queues[] | select(.dir == "tx") | .completed] | add),
        c("loadgen: its pid has no row"; []; [totals[] | select(.pid as $p | [$o[].pid] | index($p))]),
        # The filter turns each of its vqs away once, at its first add_used.
        c("probe: vqs filtered out (the loadgen's busy queues)";
          [$o[].queues[] | select(.completed > 0)] | length; probe.filtered_out) ]
    else [] end;

# vqtrace --prometheus, scraped by guest.sh after each QEMU of a follow
# scenario quit (and an interval passed): the totals since start.
def samples($at): [.prom[] | select(.at == $at) | .line
  | capture("^(?<name>[a-z_]+)(\\{(?<l>[^}]*)\\})? (?<v>[^ ]+)$")
  | {name, v: (.v | tonumber), l: ([(.l // "") | scan("([a-z_]+)=\"([^\"]*)\"") | {(.[0]): .[1]}] | add // {})}];
def metric($at; $name; $pid; $dir): [samples($at)[] | select(.name == $name and .l.pid == "\($pid)" and .l.dir == $dir) | .v] | add;
def follow_checks:
  [qemus[].qemu] as $ns
  | [ ($ns[1:][] as $n | qpid($n) as $p | c("vqtrace said it follows q\($n)"; true;
        any(.err[]; test("--follow: tracing pid \($p) ")))) ]
  + [ $ns[] as $n | "after-q\($n)" as $at
      | c("prometheus after q\($n): scraped, vqtrace_complete 1"; [1];
          [samples($at)[] | select(.name == "vqtrace_complete") | .v]),
        ($ns[] as $m | qpid($m) as $p
          | if $m <= $n then
              c("prometheus after q\($n): q\($m) tx vqtrace_used_total == its tap rx_packets";
                tapd($m; "rx_packets"); metric($at; "vqtrace_used_total"; $p; "tx")),
              c("prometheus after q\($n): q\($m) rx vqtrace_used_total == its tap tx_packets";
                tapd($m; "tx_packets"); metric($at; "vqtrace_used_total"; $p; "rx")),
              c("prometheus after q\($n): q\($m) series carry its tap"; ["tap\($m)"];
                [samples($at)[] | select(.name == "vqtrace_used_total" and .l.pid == "\($p)") | .l.tap] | unique)
            else
              c("prometheus after q\($n): no series yet for q\($m)"; 0;
                [samples($at)[] | select(.l.pid == "\($p)")] | length)
            end) ];

if .name == "final" then
  [c("kernel log: BUG/WARNING/Oops/trace lines"; 0; ([.gt[] | select(.type == "kernel_log") | .problems] | .[0]))]
else
  settings as $s
  | run_checks
  + [c("QEMUs started"; $s.nics; qemus | map(.kind) | join(","))]
  + ([qemus[] as $q | if $q.driver == "linux" then linux_checks($q.qemu; $q.kind; $s)
                       else qemu_checks($q.qemu; $q.kind; $s) end] | add // [])
  + (if $s.how == "follow" then follow_checks else [] end)
  + other_checks($s)
end
