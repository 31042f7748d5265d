#!/bin/sh
# Guest side of tools/bench/scale (see there): one run of vqtrace over
# PROCS x DEVICES load-generator vhost-net devices (2 vqs each), with or
# without --hist, as on a hypervisor: the devices exist first, then
# `vqtrace -p $(pidof ...)` attaches, then the load runs LOAD seconds
# (an interrupt decision per entry), then the devices stay, idle, for the
# idle window. Every figure goes out as one JSON line on /dev/ttyS1:
#   attach   what vqtrace -v said ("attached N hooks in S s"), and the
#            seconds from its start to that line (ready_s)
#   progs    bpftool -j prog show 3 s into the load and 1 s before its end
#            (run_time_ns, run_cnt): the difference is the steady state,
#            with every vq's first call (its entry created) left out
#   busy     vqtrace's CPU ticks between those two snapshots
#   load     the load generator's ground truth, one line per process
#   idle     vqtrace's CPU ticks over WINDOW seconds at -i 1 with the vqs
#            live and idle and no scrape; VmRSS and VmHWM after a scrape
#   scrape   that scrape: vqtrace's own render time (-v), bytes, samples,
#            seconds (uptime before and after,
#            10 ms resolution), vqtrace_used_total summed, dropped series;
#            and a second scrape at once (nothing to render: the transfer)
#   probe    vqtrace's own probe line at exit (complete, the misses)
#   rc       vqtrace's exit status
# Usage (in the guest): sh scale-guest.sh PROCS DEVICES HIST(0|1) LOAD WINDOW
R=/dev/ttyS1
P=$1 D=$2 HIST=$3 LOAD=$4 WIN=$5
T=/tmp/scale; rm -rf $T; mkdir -p $T
up() { cut -d' ' -f1 /proc/uptime; }
ticks() { read -r _ _ _ _ _ _ _ _ _ _ _ _ _ ut st _ <"/proc/$1/stat" && echo $((ut + st)); }
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
diff_s() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
emit() { echo "$*" >$R; }
tag="\"procs\":$P,\"devices\":$D,\"vqs\":$((P * D * 2)),\"hist\":$HIST"
tck=$(getconf CLK_TCK 2>/dev/null || echo 100)

sysctl -qw kernel.bpf_stats_enabled=1 2>/dev/null || echo 1 >/proc/sys/kernel/bpf_stats_enabled
vhost-loadgen --procs "$P" --devices "$D" --tx 4000000000 --seconds "$LOAD" --event-every 1 \
	--wait-file $T/go --hold $(( (WIN + 15) * 1000 )) --gt $T/gt 2>$T/lg.err &
want=$P; [ "$P" -gt 1 ] && want=$((P + 1))	# --procs > 1 forks P owners
i=0
until [ "$(pidof vhost-loadgen | wc -w)" -ge $want ] || [ $i -ge 600 ]; do i=$((i + 1)); sleep 0.1; done
sleep 2	# the devices set up
opt=; [ "$HIST" = 1 ] && opt=--hist
t0=$(up)
vqtrace -v -q -T -j -i 1 $opt --prometheus 9101 -p $(pidof vhost-loadgen) >$T/vq.out 2>$T/vq.err &
V=$!
i=0
until grep -q "attached " $T/vq.err 2>/dev/null || [ $i -ge 3000 ]; do i=$((i + 1)); sleep 0.1; done
ta=$(up)
att=$(sed -n 's/.*attached \([0-9]*\) hooks in \([0-9.]*\) s.*/"hooks":\1,"attach_s":\2/p' $T/vq.err | head -n 1)
emit "{\"type\":\"attach\",$tag,${att:-\"hooks\":null},\"ready_s\":$(diff_s "$t0" "$ta")}"
touch $T/go
sleep 3
c1=$(ticks $V) b1=$(up)
emit "{\"type\":\"progs\",\"at\":1,$tag,\"progs\":$(bpftool -j prog show 2>/dev/null || echo null)}"
sleep $((LOAD - 4))
emit "{\"type\":\"progs\",\"at\":2,$tag,\"progs\":$(bpftool -j prog show 2>/dev/null || echo null)}"
c2=$(ticks $V) b2=$(up)
emit "{\"type\":\"busy\",$tag,\"seconds\":$(diff_s "$b1" "$b2"),\"ticks\":$((c2 - c1)),\"clk_tck\":$tck}"
i=0
until [ "$(grep -c '^{' $T/gt 2>/dev/null)" = "$P" ] || [ $i -ge 3000 ]; do i=$((i + 1)); sleep 0.1; done
while IFS= read -r l; do emit "{\"type\":\"load\",$tag,\"gt\":$l}"; done <$T/gt
sleep 2
c1=$(ticks $V) w1=$(up)
sleep "$WIN"
c2=$(ticks $V) w2=$(up)
s0=$(up)
wget -q -O $T/m http://127.0.0.1:9101/metrics
s1=$(up)
emit "{\"type\":\"idle\",$tag,\"seconds\":$(diff_s "$w1" "$w2"),\"ticks\":$((c2 - c1)),\"clk_tck\":$tck,\"rss_kb\":$(kb $V VmRSS),\"hwm_kb\":$(kb $V VmHWM)}"
s2=$(up)
wget -q -O $T/m2 http://127.0.0.1:9101/metrics
s3=$(up)
used=$(grep '^vqtrace_used_total{' $T/m | awk '{ s += $NF } END { printf "%d", s }')
drop=$(awk '/^vqtrace_prom_hist_series_dropped / { print $2 }' $T/m)
ms=$(sed -n 's|.*/metrics: rendered [0-9]* bytes in \([0-9.]*\) ms.*|\1|p' $T/vq.err | tail -n 1)
emit "{\"type\":\"scrape\",$tag,\"render_ms\":${ms:-null},\"bytes\":$(wc -c <$T/m),\"samples\":$(grep -vc '^#' $T/m),\"seconds\":$(diff_s "$s0" "$s1"),\"again_seconds\":$(diff_s "$s2" "$s3"),\"used_total\":${used:-0},\"hist_series_dropped\":${drop:-null}}"
wait $V
rc=$?
probe=$(grep -E '^\{"type": ?"probe"' $T/vq.out | tail -n 1)
emit "{\"type\":\"probe\",$tag,\"probe\":${probe:-null}}"
emit "{\"type\":\"rc\",$tag,\"rc\":$rc,\"stderr\":\"$(grep -v 'attached\|^vqtrace: [a-z_]*: ' $T/vq.err | tail -n 3 | tr '\n"\\\t' '    ' | cut -c1-300)\"}"
wait
