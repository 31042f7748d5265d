#!/bin/sh
# Guest side of a one-off scale run (not part of make check):
#   tools/vm/run --kernel 6.12 --timeout 400 --mem 2048 --results scale.txt \
#       --add tools/bench/prom-scale-guest.sh:/scale.sh -- sh /scale.sh
# 16 processes x 32 vhost-net devices (1024 vqs, 512 of them with TX
# traffic) under vqtrace -q -i 2 --hist --prometheus: the load generator's
# TX total, one scrape's size and time, vqtrace_prom_hist_series_dropped,
# vqtrace's peak RSS and CPU ticks. Results (README, "Series per VM") on
# the second serial port.
R=/dev/ttyS1
P=16 D=32 TX=200
rm -f /tmp/gt
start=$(date +%s)
vqtrace -q -i 2 --hist --prometheus 9101 -- vhost-loadgen --procs $P --devices $D --tx $TX --hold 15000 --gt /tmp/gt >/tmp/vq.out 2>/tmp/vq.err &
V=$!
i=0
until [ "$(grep -c '^{' /tmp/gt 2>/dev/null)" = "$P" ] || [ $i -ge 900 ]; do i=$((i + 1)); sleep 0.2; done
echo "gt lines $(grep -c '^{' /tmp/gt 2>/dev/null) after $(( $(date +%s) - start )) s" >$R
sleep 5
t0=$(cut -d' ' -f1 /proc/uptime)
wget -q -O /tmp/m http://127.0.0.1:9101/metrics
t1=$(cut -d' ' -f1 /proc/uptime)
echo "scrape: $(wc -c </tmp/m) bytes, $(grep -vc '^#' /tmp/m) samples, $t0 -> $t1 s" >$R
grep '^vqtrace_prom_hist_series_dropped' /tmp/m >$R
echo "used_total rows $(grep -c '^vqtrace_used_total{' /tmp/m) sum $(grep '^vqtrace_used_total{' /tmp/m | awk '{s+=$NF} END {print s}')" >$R
echo "entries_per_add_count rows $(grep -c '^vqtrace_entries_per_add_count{' /tmp/m)" >$R
grep '^VmHWM\|^VmRSS' /proc/$V/status >$R
cat /proc/$V/stat | awk '{print "utime", $14, "stime", $15}' >$R
wait $V
echo "rc=$?" >$R
head -c 600 /tmp/vq.err >$R
echo "@@done" >$R
