#!/bin/sh
# Guest side of tools/bench/run (busybox sh, inside tools/vm/run).
# Usage: sh /bench/guest.sh RUNS TX CPU_SECONDS "CONFIGS"
#   RUNS         alternating rounds over CONFIGS
#   TX           TX buffers per run; 0 = calibrate to about 2 s per run
#   CPU_SECONDS  length of the vqtrace -i 1 CPU/RSS run (0 = skip)
#   CONFIGS      a  no tracing                 b   vqtrace (default hooks)
#                c  vqtrace --hist             d   vqtrace --events
#                e  bpftrace (trace.bt)        ff  vqtrace --add-used-mode fentry (fexit)
#                fk vqtrace --add-used-mode kprobe
#                k  vqtrace --kicks            kh  vqtrace --kicks --hist
#                o  vqtrace -p of another, idle load generator: the load is
#                   another VM's, filtered out (the cost on untraced VMs)
#                cmp  vqtrace fentry, vqtrace kprobe and bpftrace at once, for
#                     per-event costs taken at the same moments (host noise)
# A round is "a X Y a Z W ..." over the traced configurations, then cmp; one
# more (a) closes the last round, so every traced run has a baseline next to
# it and the next one at most one run away.
# Results are JSON lines in /tmp/bench.jsonl, copied to /dev/ttyS1 at the
# end; progress goes to the console.
RUNS=${1:-5} TX=${2:-0} CPU_SECONDS=${3:-60} CONFIGS=${4:-a b c d e ff fk k kh o cmp}
LOAD="--event-every 1"	# an interrupt asked for every entry: the tracer's worst case
OUT=/tmp/bench.jsonl
T=/tmp/bench
mkdir -p $T
: >$OUT
seq=0

say() { echo "bench-guest: $*"; }
now() { read -r up _ </proc/uptime; echo "$up"; }
# Each result goes out at once (after its run), so a hung guest keeps the rest.
emit() { echo "$*" >>$OUT; echo "$*" >/dev/ttyS1; }
# Watchdogs for a tracer that never gets ready or never exits; killed after the run.
watchdog() { # seconds command...
	t=$1; shift
	(sleep "$t"; "$@") >/dev/null 2>&1 &
	wds="$wds $!"
}
has_opt() { vqtrace --help 2>&1 | grep -q -- "$1"; }
has_cfg() { case " $CONFIGS " in *" $1 "*) return 0 ;; esac; return 1; }

# A process's numbers, with builtins only (no fork while the load runs).
proc_cpu() { # pid -> utime+stime in clock ticks
	read -r _ _ _ _ _ _ _ _ _ _ _ _ _ ut st _ <"/proc/$1/stat" 2>/dev/null && echo $((ut + st))
}
proc_kb() { # pid field -> kB
	while read -r k v _; do [ "$k" = "$2:" ] && { echo "$v"; return; }; done <"/proc/$1/status" 2>/dev/null
}

# CPU ticks of the owner's vhost worker: a thread of it (vhost_task, 6.4+)
# or a kthread (6.1), named vhost-PID either way.
worker_cpu() { # owner-pid
	tot=0
	for d in /proc/$1/task/* /proc/[0-9]*; do
		read -r c <"$d/comm" 2>/dev/null || continue
		[ "$c" = "vhost-$1" ] || continue
		read -r _ _ _ _ _ _ _ _ _ _ _ _ _ ut st _ <"$d/stat" && tot=$((tot + ut + st))
	done
	echo $tot
}

# Reads a tracer's output from a FIFO, stamps each line with the uptime, and
# touches READY once the tracer says it is attached (or once it has gone).
stamp_lines() { # fifo log pattern ready-file
	while IFS= read -r l; do
		read -r up _ </proc/uptime
		echo "$up $l" >>"$2"
		case $l in *"$3"*) touch "$4" ;; esac
	done <"$1"
	touch "$4"
}

# Starts one tracer in the background: sets tpid, spid (and btpid for bpftrace).
start_tracer() { # name ready-file lg-pid
	rm -f "$2" $T/$1.fifo $T/$1.out $T/$1.log
	mkfifo $T/$1.fifo
	case $1 in
	e) bpftrace -B line -f json $T/trace.bt >$T/$1.fifo 2>&1 &
	   tpid=$! btpid=$!; stamp_lines $T/$1.fifo $T/$1.log READY "$2" & ;;
	*) vqtrace -v -T -j $(tracer_args "$1") -p "$3" >$T/$1.out 2>$T/$1.fifo &
	   tpid=$!; stamp_lines $T/$1.fifo $T/$1.log "attached " "$2" & ;;
	esac
	spid=$!
	# Not attached after 90 s: give up on it and let the load run untraced
	# (the tracer's status then marks the run as failed).
	watchdog 90 sh -c "[ -e $2 ] || { kill -KILL $tpid; touch $2; }"
}
tracer_args() {
	case $1 in
	c) echo --hist ;; d) echo --events ;;
	ff) echo --add-used-mode fentry ;; fk) echo --add-used-mode kprobe ;;
	k) echo --kicks ;; kh) echo --kicks --hist ;;
	esac
}

# Static helper-call sites of each loaded program, from the xlated code.
helper_calls() { # config progs-json
	sed 's/},{/}\n{/g' "$2" | sed -n 's/^.*"id":\([0-9]*\),"type":"[a-z_]*","name":"\([^"]*\)".*$/\1 \2/p' |
	while read -r id name; do
		bpftool prog dump xlated id "$id" 2>/dev/null | awk -v cfg="$1" -v id="$id" -v name="$name" '
			/ call / { s = $0; sub(/.* call /, "", s); sub(/[#+(].*/, "", s); n[s]++ }
			END { o = ""; for (k in n) o = o (o == "" ? "" : ",") "\"" k "\":" n[k]
			      printf "{\"type\":\"calls\",\"config\":\"%s\",\"id\":%s,\"prog\":\"%s\",\"calls\":{%s}}\n", cfg, id, name, o }'
	done | while IFS= read -r l; do emit "$l"; done
}

# One run of the load under one configuration.
run_one() { # config round
	cfg=$1 round=$2 tracers='' tpids='' spids='' btpid='' wds='' other=''
	seq=$((seq + 1))
	case $cfg in a) ;; cmp) tracers="ff fk e" ;; *) tracers=$cfg ;; esac
	rm -f /tmp/go $T/gt $T/progs
	mkfifo $T/gt
	# The load waits for /tmp/go; --hold keeps it (and so vqtrace -p) alive
	# after its JSON line while the BPF statistics are read.
	vhost-loadgen --tx "$TX" $LOAD --wait-file /tmp/go --gt $T/gt --hold 200 2>>$T/lg.err &
	lg=$!
	watchdog 300 sh -c "echo >$T/gt"	# a load that never starts must not hang us
	t0=$(now)
	if [ "$cfg" = cmp ]; then	# all three start together; the load waits for all
		for t in $tracers; do
			start_tracer "$t" $T/ready.$t "$lg"
			tpids="$tpids $tpid" spids="$spids $spid"
		done
		for t in $tracers; do
			while [ ! -e $T/ready.$t ]; do sleep 0.1; done
		done
		touch /tmp/go
	elif [ "$cfg" = o ]; then	# trace an idle owner; the load is not its
		vhost-loadgen --tx 1 --wait-file /tmp/never --gt /dev/null 2>>$T/lg.err &
		other=$!	# -p filters by pid: its name and device may come later
		start_tracer o /tmp/go "$other"
		tpids=$tpid spids=$spid
	elif [ -n "$tracers" ]; then
		start_tracer "$tracers" /tmp/go "$lg"
		tpids=$tpid spids=$spid
	else
		touch /tmp/go
	fi
	IFS= read -r gt <$T/gt	# blocks until the load has finished (no polling)
	rm -f $T/gt
	set -- $tpids
	cpu='' hwm=''
	kill -STOP "$lg" 2>/dev/null	# keep the owner (and its worker) alive while we look
	wcpu=$(worker_cpu "$lg")
	if [ -n "$tpids" ]; then
		[ $# = 1 ] && cpu=$(proc_cpu "$1") hwm=$(proc_kb "$1" VmHWM)
		bpftool -j prog show >$T/progs 2>/dev/null
		[ "$round" = 1 ] && [ "$cfg" != cmp ] && helper_calls "$cfg" $T/progs
		[ -n "$btpid" ] && kill -INT "$btpid"	# vqtrace -p ends with its owner
		[ -n "$other" ] && kill -TERM "$other"
		for p in $tpids; do watchdog 60 kill -KILL "$p"; done
	fi
	kill -CONT "$lg" 2>/dev/null
	wait "$lg"
	lrc=$?
	[ -n "$other" ] && wait "$other"
	trc=0
	for p in $tpids; do wait "$p" || trc=$?; done
	for p in $spids; do wait "$p"; done
	[ -n "$wds" ] && kill $wds 2>/dev/null
	line="{\"type\":\"run\",\"seq\":$seq,\"config\":\"$cfg\",\"round\":$round,\"tx\":$TX,\"loadgen_rc\":$lrc,\"tracer_rc\":$trc,\"worker_ticks\":${wcpu:-null}"
	if [ "$cfg" != cmp ] && [ -n "$tracers" ]; then
		pat="attached "; [ "$cfg" = e ] && pat=READY
		ready=$(awk -v t0="$t0" -v p="$pat" 'index($0, p) { printf "%.2f", $1 - t0; exit }' $T/$cfg.log)
		att=$(sed -n 's/.*attached \([0-9]*\) hooks in \([0-9.]*\) s.*/,"hooks":\1,"attach_s":\2/p' $T/$cfg.log)
		line="$line$att,\"ready_s\":${ready:-null},\"cpu_ticks\":${cpu:-null},\"hwm_kb\":${hwm:-null}"
	fi
	emit "$line,\"gt\":${gt:-null}}"
	[ -s $T/progs ] && emit "{\"type\":\"progs\",\"config\":\"$cfg\",\"round\":$round,\"progs\":$(cat $T/progs)}"
	# The tracers' own totals, to check that each counted what it measured.
	for t in $tracers; do
		if [ "$t" = e ]; then
			sed -n 's/^[0-9.]* \({"type": "map".*\)$/\1/p' $T/e.log
		else	# totals and probe lines only (--events prints every event too)
			grep -E '^\{"type": ?"(total|probe)"' $T/$t.out
		fi | while IFS= read -r l; do
			emit "{\"type\":\"totals\",\"config\":\"$cfg\",\"tracer\":\"$t\",\"round\":$round,\"line\":$l}"
		done
	done
	if [ "$lrc" != 0 ] || [ "$trc" != 0 ]; then
		say "$cfg round $round: loadgen status $lrc, tracer status $trc"
		for t in $tracers; do
			[ "$round" = 1 ] && { echo "--- $t"; cut -d' ' -f2- $T/$t.log | grep -v '^$' | tail -n 25; }
			msg=$(cut -d' ' -f2- $T/$t.log | grep -v '^$' | grep -v -- '-- END PROG LOAD LOG --' | tail -n 4 | tr '\n"\\\t' '    ' | cut -c1-400)
			emit "{\"type\":\"error\",\"config\":\"$cfg\",\"tracer\":\"$t\",\"round\":$round,\"msg\":\"$msg\"}"
		done
	fi
	say "$cfg round $round: $(echo "$gt" | sed -n 's/.*"elapsed_s":\([0-9.]*\).*/\1 s/p')${ready:+, tracer ready after $ready s}"
	ready=''
}

# vqtrace -i 1 for CPU_SECONDS with the load running: its own CPU and memory.
cpu_run() {
	rm -f /tmp/go $T/gt
	mkfifo $T/gt
	vhost-loadgen --tx 4000000000 --seconds "$CPU_SECONDS" $LOAD --wait-file /tmp/go --gt $T/gt --hold 200 2>>$T/lg.err &
	lg=$!
	rm -f $T/i1.fifo $T/i1.log
	mkfifo $T/i1.fifo
	vqtrace -v -i 1 -p "$lg" >/dev/null 2>$T/i1.fifo &
	tpid=$!
	stamp_lines $T/i1.fifo $T/i1.log "attached " /tmp/go &
	spid=$!
	while [ ! -e /tmp/go ]; do sleep 0.1; done
	t1=$(now) c1=$(proc_cpu "$tpid")
	IFS= read -r gt <$T/gt
	kill -STOP "$lg"
	t2=$(now) c2=$(proc_cpu "$tpid") hwm=$(proc_kb "$tpid" VmHWM) rss=$(proc_kb "$tpid" VmRSS)
	kill -CONT "$lg"
	wait "$lg"; wait "$tpid"; wait "$spid"
	emit "{\"type\":\"cpu\",\"seconds\":$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }'),\"cpu_ticks_start\":${c1:-null},\"cpu_ticks_end\":${c2:-null},\"clk_tck\":$(getconf CLK_TCK 2>/dev/null || echo 100),\"hwm_kb\":${hwm:-null},\"rss_kb\":${rss:-null},\"gt\":${gt:-null}}"
	say "cpu run: vqtrace used $c1 -> $c2 ticks over $((${t2%.*} - ${t1%.*})) s, VmHWM $hwm kB"
}

sysctl -qw kernel.bpf_stats_enabled=1 2>/dev/null || echo 1 >/proc/sys/kernel/bpf_stats_enabled
notify=$(awk '$3 ~ /^vhost_notify(\.|$)/ { print $3; exit }' /proc/kallsyms)
sed "s/@NOTIFY@/${notify:-vhost_notify}/g" /bench/trace.bt >$T/trace.bt
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
# A fixed CPU-bound job (the host runs the same busybox): how much slower is this guest?
u1=$(now); head -c 16777216 /dev/zero | sha256sum >/dev/null; u2=$(now)
emit "{\"type\":\"boot\",\"uname\":\"$(uname -r)\",\"nproc\":$(nproc),\"clocksource\":\"$cs\",\"sha256_16m_s\":$(awk -v a="$u1" -v b="$u2" 'BEGIN { printf "%.2f", b - a }'),\"notify_symbol\":\"$notify\",\"vqtrace_version\":\"$(vqtrace -V 2>&1 | head -n 1)\",\"has_hist\":$(has_opt --hist && echo true || echo false),\"has_events\":$(has_opt --events && echo true || echo false),\"has_add_used_mode\":$(has_opt --add-used-mode && echo true || echo false)}"
say "kernel $(uname -r), clocksource $cs, vhost_notify is $notify"

# bpftrace and the clone: which spellings attach (no load; one second each).
if has_cfg e || has_cfg cmp; then
	i=0	# two at a time (two vCPUs)
	for p in "kprobe:$notify" "kprobe:\"$notify\"" "kprobe:vhost:$notify" "kprobe:vhost_notify*"; do
		i=$((i + 1))
		(
		o=$(timeout 60 bpftrace -e "$p { @n = count(); } interval:s:1 { exit(); }" 2>&1)
		case $o in *ERROR* | *rror* | *"not traceable"*) ok=false ;; *"Attaching"*) ok=true ;; *) ok=false ;; esac
		msg=$(echo "$o" | grep -v '^$' | grep -v '^ *~' | grep -v '^@n' | head -n 2 | tr '\n"\\\t' '    ' | cut -c1-160)
		echo "{\"type\":\"bt_attach\",\"probe\":\"$(echo "$p" | sed 's/"/\\"/g')\",\"ok\":$ok,\"msg\":\"$msg\"}" >$T/bt.$i
		) &
		[ $((i % 2)) = 0 ] && wait
	done
	wait
	for f in $T/bt.*; do emit "$(cat "$f")"; done
fi

# Calibrate N: a warm-up run of 300000 buffers, then N for about 2 s.
if [ "$TX" = 0 ]; then
	w=$(vhost-loadgen --tx 300000 $LOAD 2>/dev/null | sed -n 's/.*"elapsed_s":\([0-9.]*\).*/\1/p')
	TX=$(awk -v e="$w" 'BEGIN { n = e > 0 ? 300000 * 2.0 / e : 600000; printf "%d", int(n / 10000 + 1) * 10000 }')
	emit "{\"type\":\"calibrate\",\"warmup_tx\":300000,\"warmup_s\":${w:-null},\"tx\":$TX}"
	say "warm-up: 300000 buffers in $w s -> $TX buffers per run"
fi

drop() { CONFIGS=$(echo " $CONFIGS " | sed "s/ $1 / /"); }
has_opt --hist || drop c
has_opt --events || drop d
has_opt --kicks || { drop k; drop kh; }
has_opt --add-used-mode || { drop ff; drop fk; drop cmp; }
say "configurations: $CONFIGS; $RUNS rounds"
r=1
while [ "$r" -le "$RUNS" ]; do
	n=0
	for c in $CONFIGS; do
		case $c in a | cmp) continue ;; esac
		# (f) fentry is (b) itself when vqtrace picks that mode (fexit) by default.
		if [ "$c" = ff ] && grep -q '"add_used_hook":"fexit' $T/b.out 2>/dev/null; then
			[ "$r" = 1 ] && emit '{"type":"note","ff_is_b":true}'
			continue
		fi
		# A baseline before every second traced run: each traced run has
		# an (a) next to it on one side and at most one run away on the other.
		[ $((n % 2)) = 0 ] && has_cfg a && run_one a "$r"
		run_one "$c" "$r"
		n=$((n + 1))
	done
	has_cfg cmp && run_one cmp "$r"
	r=$((r + 1))
done
has_cfg a && run_one a "$RUNS"
[ "$CPU_SECONDS" -gt 0 ] && cpu_run

say "done"
