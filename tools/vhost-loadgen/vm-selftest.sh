#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Self-test of vhost-loadgen, run INSIDE the test VM (busybox sh, root):
#
#   tools/vm/run --kernel 6.12 --timeout 900 \
#       --add tools/vhost-loadgen/vm-selftest.sh:/vm-selftest.sh -- sh /vm-selftest.sh
#
# Every case checks the ground-truth JSON against what was asked for AND
# against the kernel's own view taken with tracefs kprobes:
#   interrupts == vhost_notify() returning true          (kretprobe)
#   kicks      == eventfd_write() calls by vhost-loadgen  (kprobe)
#   used_elems == sum of vhost_add_used_n() counts        (kprobe)
#   completed  == the same sum, or with IN_ORDER the sum of
#                 nheads[0..count-1] (buffers per element)
# (Linux 6.17+ has vhost_add_used_n(vq, heads, nheads, count): count is in
# %cx there, in %dx before.)
# The misbehaviour cases also check their JSON fields and what the kernel
# did after the checkpoint (vhost_notify() calls and results after N used
# entries, vhost_get_vq_desc() errors after an avail index jump).
# Prints one PASS/FAIL line per case; exit status 1 if any case failed.
# ONLY=mis runs just the misbehaviour cases, ONLY=inorder just the
# --in-order ones (on kernels before 6.17: that --in-order fails clearly).
# EXTRA="--in-order" appends those options to every case of the matrix
# (6.17+: every mode's expectations must hold with IN_ORDER too).

T=/sys/kernel/tracing
LG=${LG:-vhost-loadgen}
failed=0
cases=0

kver=$(uname -r)
major=${kver%%.*}
rest=${kver#*.}
minor=${rest%%[!0-9]*}
# vhost_net offers VIRTIO_F_IN_ORDER and vhost_add_used_n() has nheads from 6.17
if [ "$major" -gt 6 ] || { [ "$major" = 6 ] && [ "$minor" -ge 17 ]; }; then
	in_order_kernel=1
else
	in_order_kernel=0
fi

notify=$(grep -o '^vhost_notify[^ ]*' $T/available_filter_functions | head -n 1)
[ -n "$notify" ] || { echo "FATAL: vhost_notify not in available_filter_functions"; exit 1; }

echo 0 >$T/tracing_on
echo >$T/kprobe_events
echo "r:lg_vn $notify ret=\$retval:u8" >>$T/kprobe_events || exit 1
echo 'p:lg_ew eventfd_write' >>$T/kprobe_events || exit 1
if [ $in_order_kernel = 1 ]; then
	# nheads[] (u16) per used element; a probe array holds at most 64, and
	# vhost_net's RX flushes at 65 elements, so element 65 comes on its own
	echo 'p:lg_au vhost_add_used_n count=%cx:u32 nh=+0(%dx):u16[64] nh64=+128(%dx):u16' \
		>>$T/kprobe_events || exit 1
else
	echo 'p:lg_au vhost_add_used_n count=%dx:u32' >>$T/kprobe_events || exit 1
fi
# enabled only by the cases that need it (one event per descriptor)
# vhost_net fetches with vhost_get_vq_desc_n() where it exists (7.3: none
# of its calls go through vhost_get_vq_desc())
get_desc=vhost_get_vq_desc
grep -q '^vhost_get_vq_desc_n ' $T/available_filter_functions && get_desc=vhost_get_vq_desc_n
echo "r:lg_gd $get_desc ret=\$retval:s32" >>$T/kprobe_events || exit 1
echo 16384 >$T/buffer_size_kb
echo 1 >$T/events/kprobes/enable
echo 0 >$T/events/kprobes/lg_gd/enable

# sum FIELD DIR FILE: sum of "FIELD":N over queue objects of direction DIR
# (DIR "any": all queues) in every JSON line of FILE.
sum() {
	tr '{' '\n' <"$3" | grep '"dir"' |
		{ if [ "$2" = any ]; then cat; else grep "\"dir\":\"$2\""; fi; } |
		sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" | awk '{s += $1} END {print s + 0}'
}

# queues FILE: "dir completed used_elems interrupts" per queue object
queues() {
	tr '{' '\n' <"$1" | grep '"dir"' | awk '
		function f(k,  m) {
			if (!match($0, "\"" k "\":\"?[a-z0-9]*")) return "?"
			m = substr($0, RSTART, RLENGTH); sub(/.*:"?/, "", m); return m
		}
		{ print f("dir"), f("completed"), f("used_elems"), f("interrupts") }'
}

# awk: bufs(LINE, IO) = the buffers one lg_au event stands for: its count,
# or with IN_ORDER (IO "true") the sum of nheads[0..count-1] (-1 if count
# is over the 65 the probe holds)
bufs_awk='
function bufs(line, io,  c, v, i, s) {
	match(line, /count=[0-9]+/); c = substr(line, RSTART + 6, RLENGTH - 6) + 0
	if (io != "true") return c
	if (c > 65) return -1
	match(line, /nh=\{[^}]*\}/); split(substr(line, RSTART + 4, RLENGTH - 5), v, ",")
	for (i = 1; i <= c && i <= 64; i++) s += v[i]
	if (c == 65) { match(line, /nh64=[0-9]+/); s += substr(line, RSTART + 5, RLENGTH - 5) }
	return s + 0
}'

# kernel_bufs FILE: buffers the lg_au events in FILE stand for with IN_ORDER
# (-1: a count over 65)
kernel_bufs() {
	grep 'lg_au:' "$1" | awk "$bufs_awk"'
		{ b = bufs($0, "true"); if (b < 0) over = 1; else s += b }
		END { print over ? -1 : s + 0 }'
}

check() { # DESCRIPTION ACTUAL EXPECTED
	if [ "$2" != "$3" ]; then
		echo "    mismatch: $1: got $2, want $3"
		bad=1
	fi
}

# run NAME WANT_TX WANT_RX IRQ_RULE(zero|pos|any) WANT_LINES -- ARGS...
run() {
	name=$1 want_tx=$2 want_rx=$3 irq_rule=$4 want_lines=$5
	shift 6
	# shellcheck disable=SC2086 # EXTRA: options, split on purpose
	set -- "$@" $EXTRA
	case " $* " in *" --in-order "*) io=true ;; *) io=false ;; esac
	cases=$((cases + 1))
	bad=0
	echo >$T/trace
	echo 1 >$T/tracing_on
	t0=$(date +%s)
	"$LG" "$@" >/tmp/gt.json 2>/tmp/gt.err
	rc=$?
	t1=$(date +%s)
	echo 0 >$T/tracing_on
	cat $T/trace >/tmp/trace.txt

	echo "--- $name: $LG $*  (rc $rc, ~$((t1 - t0)) s wall)"
	cat /tmp/gt.json
	sed 's/^/    stderr: /' /tmp/gt.err
	check "exit status" "$rc" 0
	check "JSON lines" "$(grep -c '^{"pid":' /tmp/gt.json)" "$want_lines"
	check "tx completed" "$(sum completed tx /tmp/gt.json)" "$want_tx"
	check "rx completed" "$(sum completed rx /tmp/gt.json)" "$want_rx"
	check "extra" "$(sum extra any /tmp/gt.json)" 0

	irq=$(sum interrupts any /tmp/gt.json)
	kicks=$(sum kicks any /tmp/gt.json)
	done_n=$(($(sum completed tx /tmp/gt.json) + $(sum completed rx /tmp/gt.json)))
	case $irq_rule in
	zero) check "interrupts" "$irq" 0 ;;
	pos) [ "$irq" -gt 0 ] || { echo "    mismatch: interrupts: got 0, want > 0"; bad=1; } ;;
	esac

	lost=$(cat $T/per_cpu/cpu*/stats | awk '/^overrun:/ {s += $2} END {print s + 0}')
	check "trace overruns" "$lost" 0
	k_irq=$(grep -c 'lg_vn:.* ret=1' /tmp/trace.txt)
	k_kicks=$(grep 'lg_ew:' /tmp/trace.txt | grep -c 'vhost-loadgen-')
	k_elems=$(grep 'lg_au:' /tmp/trace.txt | sed -n 's/.*count=\([0-9]*\).*/\1/p' |
		awk '{s += $1} END {print s + 0}')
	if [ $io = true ]; then k_used=$(kernel_bufs /tmp/trace.txt); else k_used=$k_elems; fi
	elems=$(sum used_elems any /tmp/gt.json)
	check "interrupts vs kernel vhost_notify()==true" "$irq" "$k_irq"
	check "kicks vs kernel eventfd_write()" "$kicks" "$k_kicks"
	check "completed vs kernel vhost_add_used_n() buffers" "$done_n" "$k_used"
	check "used_elems vs kernel vhost_add_used_n() elements" "$elems" "$k_elems"
	check "\"in_order\":$io lines" "$(grep -c "\"in_order\":$io," /tmp/gt.json)" "$want_lines"
	[ $io = true ] || check "used_elems == completed (no IN_ORDER)" "$elems" "$done_n"
	[ -z "$post" ] || $post
	if [ $bad = 0 ]; then
		echo "PASS $name (interrupts $irq = kernel $k_irq, kicks $kicks = kernel $k_kicks, used $done_n = kernel $k_used, elements $elems = kernel $k_elems)"
	else
		echo "FAIL $name"
		failed=$((failed + 1))
	fi
}

# after_n N RET: vhost_notify() returns (RET 0, 1 or "any") seen after the
# device had used more than N buffers (one active queue per case)
after_n() {
	awk -v n="$1" -v want="$2" -v io="$io" "$bufs_awk"'
		/ lg_au:/ { c += bufs($0, io) }
		/ lg_vn:/ { if (c > n && (want == "any" || $0 ~ ("ret=" want "$"))) k++ }
		END { print k + 0 }' /tmp/trace.txt
}

# --freeze-event-after N: used_event stays E = N + K - 1; after the freeze
# vhost_notify() is true once per used index = E (mod 2^16) below the target
post_freeze() {
	check "event_frozen_at" "$(sum event_frozen_at any /tmp/gt.json)" "$f_ev"
	check "consumed_at_freeze" "$(sum consumed_at_freeze any /tmp/gt.json)" "$f_n"
	check "vhost_notify()==true after the freeze" "$(after_n "$f_n" 1)" "$f_irq"
}
# --event-ahead D > ring: only the first vhost_notify() of a queue is true
post_ahead() {
	check "interrupts (first notify per queue only)" "$(sum interrupts any /tmp/gt.json)" "$a_irq"
}
# --avail-jump-after N: vhost_get_vq_desc(_n)() fails once per device, nothing more is used
post_jump() {
	check "avail_jumped_to" "$(sum avail_jumped_to tx /tmp/gt.json)" "$j_to"
	check "$get_desc() < 0" "$(grep -c 'lg_gd:.* ret=-' /tmp/trace.txt)" "$j_err"
}
# --no-call-after N: no vhost_notify() at all after N used entries
post_nocall() {
	check "call_off_at" "$(sum call_off_at any /tmp/gt.json)" "$c_n"
	check "vhost_notify() calls after call off" "$(after_n "$c_n" any)" 0
	check "vhost_notify() calls before call off > 0" "$(after_n -1 any | awk '{print ($1 > 0)}')" 1
}

mis_cases() {
	post=post_freeze f_n=1000 f_ev=1000 f_irq=3
	run freeze        140000 0 pos 1 -- --tx 140000 --freeze-event-after 1000
	post=post_freeze f_n=2000 f_ev=2063 f_irq=1
	run freeze-rx-k64 0 5000 pos 1 -- --rx 5000 --freeze-event-after 2000 --event-every 64
	post=post_freeze f_n=300 f_ev=1300 f_irq=1
	run freeze-ahead  20000 0 pos 1 -- --tx 20000 --freeze-event-after 300 --event-ahead 1000
	post=post_ahead a_irq=1
	run ahead         20000 0 pos 1 -- --tx 20000 --event-ahead 1000
	post=post_ahead a_irq=2
	run ahead-txrx    5000 5000 pos 1 -- --tx 5000 --rx 5000 --event-ahead 600
	echo 1 >$T/events/kprobes/lg_gd/enable
	post=post_jump j_to=3263 j_err=1
	run jump          3000 0 any 1 -- --tx 5000 --avail-jump-after 3000
	post=post_jump j_to=2142 j_err=2
	run jump-dev2-rx  2000 4000 any 1 -- --devices 2 --ring 64 --rx 2000 --avail-jump-after 1000
	echo 0 >$T/events/kprobes/lg_gd/enable
	post=post_nocall c_n=5000
	run no-call-after 20000 0 pos 1 -- --tx 20000 --no-call-after 5000
	post=
}

# --in-order (6.17+). vhost_net's TX completes up to VHOST_NET_BATCH = 64
# buffers per flush and, with IN_ORDER, writes ONE used element per flush
# (nheads[0] = the batch); its RX writes one element per packet, nheads =
# the packet's buffers, 1 without MRG_RXBUF (we do not negotiate it).
# io_tx / io_rx, per queue of that direction:
#   batched   ceil(completed / 64) <= used_elems < completed (the first
#             submission puts the whole ring up at once, so vhost sees more
#             than one buffer and batches them)
#   each      used_elems == completed
#   N         used_elems == N
#   -         no check
# io_irq: total interrupts (-: no check beyond the kernel's count).
post_inorder() {
	queues /tmp/gt.json >/tmp/q.txt
	while read -r dir c e i; do
		eval "rule=\$io_$dir"
		case $rule in
		-) ;;
		batched)
			lo=$(((c + 63) / 64))
			if [ "$e" -lt "$lo" ] || [ "$e" -ge "$c" ]; then
				echo "    mismatch: $dir used_elems $e for $c buffers: want $lo <= elems < $c"
				bad=1
			fi ;;
		each) check "$dir used_elems (one per buffer)" "$e" "$c" ;;
		*) check "$dir used_elems" "$e" "$rule" ;;
		esac
	done </tmp/q.txt
	[ "$io_irq" = - ] || check "interrupts" "$(sum interrupts any /tmp/gt.json)" "$io_irq"
}
# --event-random: the driver's model of every vhost_notify() must hold
post_inorder_random() {
	post_inorder
	check "interrupts == interrupts_expected" "$(sum interrupts any /tmp/gt.json)" \
		"$(sum interrupts_expected any /tmp/gt.json)"
	check "event_writes == completed" "$(sum event_writes any /tmp/gt.json)" "$done_n"
}

inorder_cases() {
	post=post_inorder io_irq=-
	io_tx=batched io_rx=-
	run io-tx           10000 0 pos  1 -- --in-order --tx 10000
	io_tx=- io_rx=each
	run io-rx           0 5000 pos   1 -- --in-order --rx 5000
	io_tx=batched io_rx=each
	run io-txrx-ev16    10000 10000 pos 1 -- --in-order --tx 10000 --rx 10000 --event-every 16
	# --ring B --batch B: B buffers go up at once, and only when all B before
	# have completed, so vhost sees each group whole: one element per group
	# (B <= 64 divides vhost's 256-packet weight, so no group is split)
	io_tx=100 io_rx=-
	run io-batch64      6400 0 pos   1 -- --in-order --ring 64 --batch 64 --tx 6400
	# groups of 16 at used indexes [16g, 16g + 16) while used_event is
	# 16g + 31 or later (written after group g - 1 completed, before group g
	# went up): no group holds it, only the first notify (forced, as
	# signalled_used_valid is false after SET_BACKEND) signals
	io_tx=200 io_rx=- io_irq=1
	run io-b16-ev32     3200 0 pos   1 -- --in-order --ring 16 --batch 16 --tx 3200 --event-every 32
	io_irq=-
	io_tx=batched io_rx=-
	run io-tx-nocall    140000 0 zero 1 -- --in-order --tx 140000 --no-call
	run io-tx-toggle    72000 0 pos  1 -- --in-order --tx 72000 --call-toggle 1000:70000:1000
	# the tap detached and re-attached mid-run: vhost re-reads used->idx
	run io-tx-reset     6000 0 pos   1 -- --in-order --tx 6000 --call-toggle 2000:2000:2000 --reset-backend
	io_tx=- io_rx=each
	run io-rx-toggle    0 9000 any   1 -- --in-order --rx 9000 --call-toggle 3000:3000:3000
	run io-rx-nocall    0 4000 zero  1 -- --in-order --rx 4000 --no-call
	io_tx=batched io_rx=each
	run io-kthread      5000 2000 pos 1 -- --in-order --kthread --tx 5000 --rx 2000
	run io-dev2-procs2  12000 4000 pos 2 -- --in-order --devices 2 --procs 2 --tx 3000 --rx 1000
	# one entry at a time: one element per buffer
	post=post_inorder_random io_tx=each io_rx=each
	run io-random       600 200 pos  1 -- --in-order --tx 600 --rx 200 --event-random 7
	post=
}

# Before 6.17: --in-order must fail at once, exit 1, one line on stderr
# naming bit 35 and the kernel's features (which lack bit 35 and have
# VERSION_1, bit 32: the real feature word, not a made-up one).
inorder_unsupported() {
	cases=$((cases + 1))
	"$LG" --in-order --tx 10 >/tmp/io.out 2>/tmp/io.err
	rc=$?
	echo "--- in-order-unsupported: $LG --in-order --tx 10  (rc $rc)"
	sed 's/^/    stderr: /' /tmp/io.err
	feat=$(sed -n 's/.*VHOST_GET_FEATURES on Linux [^ ]* gives \(0x[0-9a-f]*\).*/\1/p' /tmp/io.err)
	if [ $rc = 1 ] && [ ! -s /tmp/io.out ] && [ "$(wc -l </tmp/io.err)" = 1 ] &&
		grep -q 'VIRTIO_F_IN_ORDER (feature bit 35)' /tmp/io.err &&
		grep -qF "Linux $kver " /tmp/io.err && [ -n "$feat" ] &&
		[ $(((feat >> 35) & 1)) = 0 ] && [ $(((feat >> 32) & 1)) = 1 ]; then
		echo "PASS in-order-unsupported (exit 1, features $feat on $kver)"
	else
		echo "FAIL in-order-unsupported (rc $rc, features '${feat}')"
		failed=$((failed + 1))
	fi
}

inorder() {
	if [ $in_order_kernel = 1 ]; then inorder_cases; else inorder_unsupported; fi
}

post=
if [ "$ONLY" = mis ]; then
	mis_cases
elif [ "$ONLY" = inorder ]; then
	inorder
else

run tx-ev1        10000 0 pos  1 -- --tx 10000 --event-every 1
run tx-ev16       10000 0 pos  1 -- --tx 10000 --event-every 16
run rx            0 5000 pos   1 -- --rx 5000
run tx-nocall     140000 0 zero 1 -- --tx 140000 --no-call
run tx-toggle     72000 0 pos  1 -- --tx 72000 --call-toggle 1000:70000:1000
run tx-noint      5000 0 zero  1 -- --tx 5000 --no-event-idx --no-interrupt
run tx-noevidx    5000 0 pos   1 -- --tx 5000 --no-event-idx
run dev2-procs2   12000 0 pos  2 -- --devices 2 --procs 2 --tx 3000
run txrx          20000 20000 pos 1 -- --tx 20000 --rx 20000
run rx-toggle     0 9000 any   1 -- --rx 9000 --call-toggle 3000:3000:3000
run rx-nocall     0 4000 zero  1 -- --rx 4000 --no-call
run always-kick   3000 0 pos   1 -- --tx 3000 --always-kick
run batch7        3001 0 pos   1 -- --tx 3001 --batch 7 --event-every 5
run ring2         500 500 pos  1 -- --ring 2 --tx 500 --rx 500
run ring32768     70000 3000 pos 1 -- --ring 32768 --tx 70000 --rx 3000
run dev3-txrx     9000 9000 pos 1 -- --devices 3 --tx 3000 --rx 3000 --event-every 64
run rx-noevidx    0 3000 pos   1 -- --rx 3000 --no-event-idx --batch 32
mis_cases

# --gt FILE shared by several processes (stdout stays empty)
rm -f /tmp/shared.gt
cases=$((cases + 1))
if "$LG" --procs 3 --tx 1000 --gt /tmp/shared.gt 2>/dev/null >/tmp/gt.out &&
	[ ! -s /tmp/gt.out ] && [ "$(grep -c '^{"pid":' /tmp/shared.gt)" = 3 ] &&
	[ "$(sum completed tx /tmp/shared.gt)" = 3000 ]; then
	echo "PASS gt-file (3 lines appended)"
else
	echo "FAIL gt-file"; cat /tmp/shared.gt; failed=$((failed + 1))
fi

# --kthread: a [vhost-<pid>] kernel thread must exist while the device lives.
cases=$((cases + 1))
if [ "$major" -gt 6 ] || { [ "$major" = 6 ] && [ "$minor" -ge 12 ]; }; then
	"$LG" --kthread --tx 3000 --hold 2000 >/tmp/kt.json 2>/tmp/kt.err &
	lgpid=$!
	sleep 1
	ps >/tmp/ps.txt
	wait $lgpid
	rc=$?
	cat /tmp/kt.json /tmp/kt.err
	grep "vhost-$lgpid" /tmp/ps.txt
	if [ $rc = 0 ] && grep -q "\[vhost-$lgpid\]" /tmp/ps.txt &&
		grep -q '"kthread":true' /tmp/kt.json &&
		[ "$(sum completed tx /tmp/kt.json)" = 3000 ]; then
		echo "PASS kthread ([vhost-$lgpid] seen in ps)"
	else
		echo "FAIL kthread (rc $rc)"; failed=$((failed + 1))
	fi
	# default (vhost_task) for contrast: the worker is a thread, not a kthread
	"$LG" --tx 10 --hold 1500 >/dev/null 2>&1 &
	lgpid=$!
	sleep 1
	echo "default worker of pid $lgpid: $(ls /proc/$lgpid/task | tr '\n' ' ')" \
		"comm: $(cat /proc/$lgpid/task/*/comm | tr '\n' ' ')"
	wait $lgpid
else
	"$LG" --kthread --tx 10 >/tmp/kt.json 2>/tmp/kt.err
	rc=$?
	cat /tmp/kt.err
	if [ $rc = 1 ] && grep -q VHOST_SET_FORK_FROM_OWNER /tmp/kt.err; then
		echo "PASS kthread-unsupported (exit 1 with a clear error on $kver)"
	else
		echo "FAIL kthread-unsupported (rc $rc)"; failed=$((failed + 1))
	fi
fi

inorder

fi # ONLY

echo 0 >$T/events/kprobes/enable
echo >$T/kprobe_events
echo "SUMMARY $kver: $((cases - failed))/$cases passed"
[ $failed = 0 ]
