#!/bin/sh
# Runs inside the test VM (busybox sh, root): every scenario of
# /robust/scenarios for this kernel, writing tagged raw outputs to $RESULTS
# (the rig's second serial port) for tests/robust/check.sh on the host.
# Needs bpftool in the guest (run.sh adds it). Usage: sh guest.sh [NAME]
RESULTS=${RESULTS:-/dev/ttyS1}
KERNEL=$(uname -r | cut -d. -f1,2)
ONLY=$1
VHOST_NET_KO=/lib/modules/$(uname -r)/kernel/drivers/vhost/vhost_net.ko
VHOST_KO=/lib/modules/$(uname -r)/kernel/drivers/vhost/vhost.ko
VHOST_VSOCK_KO=/lib/modules/$(uname -r)/kernel/drivers/vhost/vhost_vsock.ko
VHOST_SCSI_KO=/lib/modules/$(uname -r)/kernel/drivers/vhost/vhost_scsi.ko

# vqtrace's kernel objects: "progs maps links kprobes kprobe_events
# dynamic_events". Programs and maps are recognised by vqtrace's names;
# links, kprobes on vhost and tracefs probe definitions are counted whole
# (nothing else in the guest makes any).
objects() {
	p=$(bpftool prog show 2>/dev/null |
		grep -cE '^[0-9]+: .* name (add_used_|notify_k|dev_cleanup_k|refresh)')
	m=$(bpftool map show 2>/dev/null |
		grep -cE '^[0-9]+: .* name (vqs|retired_vqs|hists|ignored_vqs|targets|global|add_slots|notify_slots|vqtrace_[^ ]*)( |$)')
	l=$(bpftool link show 2>/dev/null | grep -cE '^[0-9]+: ')
	k=$(grep -c ' vhost' /sys/kernel/debug/kprobes/list 2>/dev/null)
	ke=$(grep -c . /sys/kernel/tracing/kprobe_events 2>/dev/null)
	de=0
	[ -f /sys/kernel/tracing/dynamic_events ] &&
		de=$(grep -c . /sys/kernel/tracing/dynamic_events 2>/dev/null)
	echo "${p:-0} ${m:-0} ${l:-0} ${k:-0} ${ke:-0} ${de:-0}"
}

now() { cut -d' ' -f1 /proc/uptime; }

# Frees are asynchronous (RCU, deferred work): poll for up to 5 s until
# the objects are back to $1. Prints the seconds it took, or "timeout".
wait_gone() {
	t0=$(now)
	while [ "$(objects)" != "$1" ]; do
		awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 5) }' &&
			{ echo timeout; return; }
		sleep 0.1
	done
	awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f\n", b - a }'
}

# vqtrace prints "tracing" on stderr once its hooks are attached.
wait_ready() {
	i=0
	while ! grep -q "vqtrace: tracing" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 600 ] && { echo "vqtrace did not attach in 60 s" >>"$1"; return 1; }
		sleep 0.1
	done
}

wait_file() { # the ground truth appears once the load has ended
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ $i -gt 1200 ] && return 1
		sleep 0.1
	done
}

wait_line() { # file pattern: up to 20 s for a line; prints 1 if it came, else 0
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 200 ] && { echo 0; return; }
		sleep 0.1
	done
	echo 1
}

exit_fact() { # fact pid: up to 20 s for pid (our child) to end on its own;
	# the fact is its exit status, or "hung" (then it is killed). Not in a
	# $(...): a subshell cannot wait for its parent's children.
	i=0
	while kill -0 "$2" 2>/dev/null && [ $i -le 200 ]; do
		[ "$(cut -d' ' -f3 /proc/$2/stat 2>/dev/null)" = Z ] && break
		i=$((i + 1))
		sleep 0.1
	done
	if [ $i -gt 200 ]; then
		kill -9 "$2"
		wait "$2"
		fact "$1" hung
		return
	fi
	wait "$2"
	fact "$1" $?
}

FACTS=/tmp/facts
fact() { echo "$1=$2" >>$FACTS; }

emit() { # name rc
	{
		echo "@@begin $1 rc=$2"
		for i in "" 2 3; do
			[ -f /tmp/vq$i ] && sed "s/^/@@vq$i /" /tmp/vq$i
			[ -f /tmp/err$i ] && sed "s/^/@@err$i /" /tmp/err$i
		done
		[ -f /tmp/gt ] && sed 's/^/@@gt /' /tmp/gt
		[ -f /tmp/errlg ] && sed 's/^/@@err /' /tmp/errlg
		[ -f $FACTS ] && sed 's/^/@@fact /' $FACTS
		echo "@@end $1"
	} >"$RESULTS"
}

# Nothing of vqtrace's may be left once its instances exited.
leak_facts() {
	fact cleanup_s "$(wait_gone "$BASE")"
	fact after "$(objects)"
}

# name pid args...: load B (A's ARGS with --tx 2000 --rx 200), then SIGINT
# to vqtrace `pid`, its exit status, the leak facts and the results.
end_with_load_b() {
	name=$1 v=$2
	shift 2
	vhost-loadgen --gt /tmp/gt "$@" --tx 2000 --rx 200 >/dev/null 2>>/tmp/errlg
	fact load_b_rc $?
	kill -INT $v
	wait $v
	rc=$?
	leak_facts
	emit "$name" $rc
}

start_load() { # args...: a load generator held until /tmp/go exists
	rm -f /tmp/go /tmp/stop
	vhost-loadgen --gt /tmp/gt --wait-file /tmp/go "$@" >/dev/null 2>/tmp/errlg &
	LG=$!
	# Until the forked shell has exec'd, the pid is named 'sh': a
	# vqtrace -p started before then would take that name to --follow.
	i=0
	while [ "$(cat /proc/$LG/comm 2>/dev/null)" != vhost-loadgen ] && [ $i -lt 500 ]; do
		i=$((i + 1)); sleep 0.01
	done
}

# --- one function per HOW -------------------------------------------------

run_stop() { # name args...: Y gets SIGKILL, then X SIGTERM, mid-load
	name=$1; shift
	start_load "$@"
	vqtrace -j -T $VQOPTS >/tmp/vq 2>/tmp/err &
	x=$!
	vqtrace -j -i 0.2 $VQOPTS >/tmp/vq2 2>/tmp/err2 &
	y=$!
	wait_ready /tmp/err
	wait_ready /tmp/err2
	touch /tmp/go
	sleep 0.8
	d=$(objects)
	fact during "$d"
	kill -9 $y
	wait $y
	fact y_rc $?
	# Y's half of the objects goes; X's stay (both load the same set).
	half=$(echo "$BASE $d" | awk '{ for (i = 1; i <= 6; i++) printf "%s%d", (i > 1 ? " " : ""), $i + ($(i + 6) - $i) / 2 }')
	fact half "$half"
	fact y_cleanup_s "$(wait_gone "$half")"
	fact after_kill "$(objects)"
	kill -TERM $x
	wait $x
	rc=$?
	leak_facts
	touch /tmp/stop # only now: the load must outlive X, however slow the guest
	wait $LG
	fact loadgen_rc $?
	# Y's last line may have been cut by the kill.
	sed -i '$d' /tmp/vq2
	emit "$name" $rc
}

run_signals() { # name args...: SIGINT to X with the devices open, SIGTERM to Y after
	name=$1; shift
	start_load "$@"
	vqtrace -j -T $VQOPTS >/tmp/vq 2>/tmp/err &
	x=$!
	vqtrace -j -T $VQOPTS >/tmp/vq2 2>/tmp/err2 &
	y=$!
	wait_ready /tmp/err
	wait_ready /tmp/err2
	touch /tmp/go
	wait_file /tmp/gt
	kill -INT $x
	wait $x
	rc=$?
	fact loadgen_alive_after_x "$(kill -0 $LG 2>/dev/null && echo 1 || echo 0)"
	wait $LG
	fact loadgen_rc $?
	kill -TERM $y
	wait $y
	fact rc2 $?
	leak_facts
	emit "$name" $rc
}

run_cmd() { # name args...
	name=$1; shift
	vqtrace -j $VQOPTS -- vhost-loadgen --gt /tmp/gt "$@" >/tmp/vq 2>/tmp/err
	rc=$?
	leak_facts
	emit "$name" $rc
}

run_rmmod() { # name args...
	name=$1; shift
	vqtrace -j -T $VQOPTS >/tmp/vq 2>/tmp/err &
	v=$!
	wait_ready /tmp/err
	vhost-loadgen --gt /tmp/gt "$@" >/dev/null 2>>/tmp/errlg
	fact load_a_rc $?
	rmmod vhost_net
	fact rmmod_rc $?
	fact vhost_net_loaded_after_rmmod "$(grep -c '^vhost_net ' /proc/modules)"
	fact said_unloaded "$(wait_line /tmp/err 'vhost_net was unloaded; tracing goes on')"
	fact alive_after_rmmod "$(kill -0 $v 2>/dev/null && echo 1 || echo 0)"
	insmod $VHOST_NET_KO
	fact insmod_rc $?
	fact said_loaded "$(wait_line /tmp/err 'vhost_net was loaded; tracing goes on')"
	end_with_load_b "$name" $v "$@"
}

run_follow() { # name args...: X (-p A --follow) and Y (-p A) over loads B then A
	name=$1; shift
	# C: the same name, started before vqtrace, runs along with B:
	# --follow must not take it.
	rm -f /tmp/goc
	vhost-loadgen --tx 3000 --wait-file /tmp/goc --gt /tmp/gtc >/dev/null 2>/dev/null &
	c=$!
	start_load "$@"
	a=$LG
	vqtrace -j -T -p $a --follow $VQOPTS >/tmp/vq 2>/tmp/err &
	x=$!
	vqtrace -j -T -p $a $VQOPTS >/tmp/vq2 2>/tmp/err2 &
	y=$!
	wait_ready /tmp/err
	wait_ready /tmp/err2
	# B: the same name, started after X, loads at once while A still
	# waits: X must count it from its first buffer (the kernel takes it
	# by name and start time; X says so within an interval).
	rm -f /tmp/gtb
	vhost-loadgen --gt /tmp/gtb "$@" --tx 2000 --rx 200 >/dev/null 2>>/tmp/errlg &
	b=$!
	wait $b
	fact load_b_rc $?
	fact x_took_b "$(wait_line /tmp/err "follow: trac[a-z]* pid $b ")"
	touch /tmp/go /tmp/goc
	wait $a
	fact load_a_rc $?
	cat /tmp/gtb >>/tmp/gt	# A first, then B
	exit_fact y_rc $y
	fact x_waiting "$(wait_line /tmp/err "waiting for a new process named 'vhost-loadgen'")"
	fact x_alive_after_a "$(kill -0 $x 2>/dev/null && echo 1 || echo 0)"
	wait $c
	fact load_c_rc $?
	kill -INT $x
	wait $x
	rc=$?
	fact c_pid $c
	# -p of a process without a vhost device: --no-wait ends at once
	# with one line; without it vqtrace says so and traces on.
	sleep 30 &
	s=$!
	vqtrace -p $s --no-wait >/dev/null 2>/tmp/nowait
	fact nowait_rc $?
	fact nowait_lines "$(grep -c . /tmp/nowait)"
	fact nowait_said "$(grep -c 'holds no vhost device' /tmp/nowait)"
	vqtrace -p $s -d 1 -T >/dev/null 2>/tmp/wait
	fact wait_rc $?
	fact wait_said "$(grep -c 'holds no vhost device yet.*waiting' /tmp/wait)"
	kill $s
	leak_facts
	emit "$name" $rc
}

run_reload() { # name args...: X (--follow) and Y trace while vhost is unloaded and loaded again
	name=$1; shift
	vqtrace -j -T --follow $VQOPTS >/tmp/vq 2>/tmp/err &
	x=$!
	vqtrace -j -T $VQOPTS >/tmp/vq2 2>/tmp/err2 &
	y=$!
	wait_ready /tmp/err
	wait_ready /tmp/err2
	vhost-loadgen --gt /tmp/gt "$@" >/dev/null 2>>/tmp/errlg
	fact load_a_rc $?
	rmmod vhost_net
	fact rmmod_net_rc $?
	rmmod vhost_vsock
	# vhost_scsi (loaded by the rig when the kernel has it) holds vhost too
	scsi=$(grep -c '^vhost_scsi ' /proc/modules)
	[ "$scsi" = 0 ] || rmmod vhost_scsi
	rmmod vhost
	fact rmmod_vhost_rc $?
	fact vhost_gone "$(grep -c '^vhost ' /proc/modules)"
	exit_fact y_rc $y
	fact x_waiting "$(wait_line /tmp/err 'waiting for it to be loaded again')"
	insmod $VHOST_KO
	fact insmod_vhost_rc $?
	insmod $VHOST_NET_KO
	fact insmod_net_rc $?
	insmod $VHOST_VSOCK_KO
	[ "$scsi" = 0 ] || insmod $VHOST_SCSI_KO
	fact x_back "$(wait_line /tmp/err 'vhost is loaded again')"
	end_with_load_b "$name" $x "$@"
}

run_trio() { # name args...: full JSON, -m 100 JSON and -m 100 table on one load
	name=$1; shift
	start_load "$@"
	vqtrace -j -T $VQOPTS >/tmp/vq 2>/tmp/err &
	a=$!
	vqtrace -j -T -m 100 $VQOPTS >/tmp/vq2 2>/tmp/err2 &
	b=$!
	vqtrace -T -m 100 $VQOPTS >/tmp/vq3 2>/tmp/err3 &
	c=$!
	wait_ready /tmp/err
	wait_ready /tmp/err2
	wait_ready /tmp/err3
	touch /tmp/go
	wait $LG
	fact loadgen_rc $?
	kill -INT $a $b $c
	wait $a
	rc=$?
	wait $b
	fact rc2 $?
	wait $c
	fact rc3 $?
	leak_facts
	emit "$name" $rc
}

run_seq2() { # name args...: loads separated by ';' under one shell
	name=$1; shift
	rm -f /tmp/go
	{
		echo 'while [ ! -f /tmp/go ]; do sleep 0.05; done'
		echo "$*" | tr ';' '\n' | while read -r a; do
			echo "vhost-loadgen --gt /tmp/gt $a >/dev/null 2>>/tmp/errlg || echo \"load '$a' failed: \$?\" >>/tmp/errlg"
		done
	} >/tmp/seq.sh
	sh /tmp/seq.sh &
	sq=$!
	vqtrace -j -T $VQOPTS -p $sq --descendants >/tmp/vq 2>/tmp/err &
	a=$!
	vqtrace -j -T $VQOPTS --add-used-mode kprobe -p $sq --descendants >/tmp/vq2 2>/tmp/err2 &
	b=$!
	wait_ready /tmp/err
	wait_ready /tmp/err2
	touch /tmp/go
	wait $sq
	wait $a
	rc=$?
	wait $b
	fact rc2 $?
	leak_facts
	emit "$name" $rc
}

run_reuse() { # name args...: U (ARGS) runs and exits, then S's own load
	name=$1; shift
	rm -f /tmp/go
	printf '%s\n' 'while [ ! -f /tmp/go ]; do sleep 0.05; done' \
		'vhost-loadgen --gt /tmp/gt --tx 2000 --rx 200 >/dev/null 2>>/tmp/errlg' >/tmp/seq.sh
	sh /tmp/seq.sh &
	sq=$!
	vqtrace -j -T $VQOPTS -p $sq --descendants >/tmp/vq 2>/tmp/err &
	a=$!
	wait_ready /tmp/err
	vhost-loadgen --gt /tmp/gtu "$@" >/dev/null 2>>/tmp/errlg
	fact u_rc $?
	touch /tmp/go
	wait $sq
	wait $a
	rc=$?
	leak_facts
	emit "$name" $rc
}

# --- main -----------------------------------------------------------------

# Right after boot under TCG the crng may not be ready yet, and the first
# read of /dev/urandom (jansson seeds its hash tables from it in vqtrace's
# first JSON object) then spins for seconds in try_to_generate_entropy.
# Wait for it here, so that no scenario's timing includes it.
dd if=/dev/urandom of=/dev/null bs=1 count=1 2>/dev/null

BASE=$(objects)
echo "robust[$KERNEL]: objects before anything: $BASE"
grep -v '^#' /robust/scenarios | while IFS='|' read -r name kernels how vqopts args; do
	name=$(echo $name)
	[ -n "$name" ] || continue
	[ -z "$ONLY" ] || [ "$ONLY" = "$name" ] || continue
	case " $kernels " in *" $KERNEL "*) ;; *) continue ;; esac
	VQOPTS=$(echo $vqopts)
	[ "$VQOPTS" = - ] && VQOPTS=
	rm -f /tmp/gt /tmp/vq* /tmp/err* $FACTS
	fact base "$BASE"
	t0=$(now)
	echo "robust[$KERNEL]: $name: $(echo $how) vqtrace $VQOPTS / vhost-loadgen$args"
	case $(echo $how) in
	stop) run_stop "$name" $args ;;
	signals) run_signals "$name" $args ;;
	cmd) run_cmd "$name" $args ;;
	rmmod) run_rmmod "$name" $args ;;
	follow) run_follow "$name" $args ;;
	reuse) run_reuse "$name" $args ;;
	reload) run_reload "$name" $args ;;
	trio) run_trio "$name" $args ;;
	seq2) run_seq2 "$name" $args ;;
	*) echo "unknown HOW '$how'" >/tmp/err; emit "$name" 99 ;;
	esac
	echo "robust[$KERNEL]: $name took $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s"
done

# The kernel survived all of it, and nothing of vqtrace's is left.
rm -f /tmp/gt /tmp/vq* /tmp/err* $FACTS
fact base "$BASE"
fact after "$(objects)"
PROBLEMS='BUG:|WARNING:|Oops:|general protection fault|Call Trace:|kernel NULL pointer|RIP: |blocked for more than'
fact kernel_problems "$(dmesg | grep -cE "$PROBLEMS")"
dmesg | grep -E "$PROBLEMS" >/tmp/err
emit final 0
echo "@@done" >"$RESULTS"
