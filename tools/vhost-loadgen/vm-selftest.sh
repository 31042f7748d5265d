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
#   completed  == sum of vhost_add_used_n() counts        (kprobe)
# The misbehaviour cases also check their JSON fields and what the kernel
# did after the checkpoint (vhost_notify() calls and results after N used
# entries, vhost_get_vq_desc() errors after an avail index jump).
# Prints one PASS/FAIL line per case; exit status 1 if any case failed.
# ONLY=mis runs just the misbehaviour cases.

T=/sys/kernel/tracing
LG=${LG:-vhost-loadgen}
failed=0
cases=0

kver=$(uname -r)
major=${kver%%.*}
rest=${kver#*.}
minor=${rest%%[!0-9]*}

notify=$(grep -o '^vhost_notify[^ ]*' $T/available_filter_functions | head -n 1)
[ -n "$notify" ] || { echo "FATAL: vhost_notify not in available_filter_functions"; exit 1; }

echo 0 >$T/tracing_on
echo >$T/kprobe_events
echo "r:lg_vn $notify ret=\$retval:u8" >>$T/kprobe_events || exit 1
echo 'p:lg_ew eventfd_write' >>$T/kprobe_events || exit 1
echo 'p:lg_au vhost_add_used_n count=%dx:u32' >>$T/kprobe_events || exit 1
# enabled only by the cases that need it (one event per descriptor)
echo 'r:lg_gd vhost_get_vq_desc ret=$retval:s32' >>$T/kprobe_events || exit 1
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
	k_used=$(grep 'lg_au:' /tmp/trace.txt | sed -n 's/.*count=\([0-9]*\).*/\1/p' |
		awk '{s += $1} END {print s + 0}')
	check "interrupts vs kernel vhost_notify()==true" "$irq" "$k_irq"
	check "kicks vs kernel eventfd_write()" "$kicks" "$k_kicks"
	check "completed vs kernel vhost_add_used_n()" "$done_n" "$k_used"
	[ -z "$post" ] || $post
	if [ $bad = 0 ]; then
		echo "PASS $name (interrupts $irq = kernel $k_irq, kicks $kicks = kernel $k_kicks, used $done_n = kernel $k_used)"
	else
		echo "FAIL $name"
		failed=$((failed + 1))
	fi
}

# after_n N RET: vhost_notify() returns (RET 0, 1 or "any") seen after the
# device had added more than N used entries (one active queue per case)
after_n() {
	awk -v n="$1" -v want="$2" '
		/ lg_au:/ { match($0, /count=[0-9]+/); c += substr($0, RSTART + 6, RLENGTH - 6) }
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
# --avail-jump-after N: vhost_get_vq_desc() fails once per device, nothing more is used
post_jump() {
	check "avail_jumped_to" "$(sum avail_jumped_to tx /tmp/gt.json)" "$j_to"
	check "vhost_get_vq_desc() < 0" "$(grep -c 'lg_gd:.* ret=-' /tmp/trace.txt)" "$j_err"
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

post=
if [ "$ONLY" = mis ]; then
	mis_cases
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

fi # ONLY

echo 0 >$T/events/kprobes/enable
echo >$T/kprobe_events
echo "SUMMARY $kver: $((cases - failed))/$cases passed"
[ $failed = 0 ]
