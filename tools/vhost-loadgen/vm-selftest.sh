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
# Prints one PASS/FAIL line per case; exit status 1 if any case failed.

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
echo 16384 >$T/buffer_size_kb
echo 1 >$T/events/kprobes/enable

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
	if [ $bad = 0 ]; then
		echo "PASS $name (interrupts $irq = kernel $k_irq, kicks $kicks = kernel $k_kicks, used $done_n = kernel $k_used)"
	else
		echo "FAIL $name"
		failed=$((failed + 1))
	fi
}

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

echo 0 >$T/events/kprobes/enable
echo >$T/kprobe_events
echo "SUMMARY $kver: $((cases - failed))/$cases passed"
[ $failed = 0 ]
