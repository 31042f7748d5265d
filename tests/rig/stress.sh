#!/bin/sh
# In the guest: for SECS seconds, switch hot tracepoints on and off (each
# switch makes the kernel patch its own code at sites both vCPUs run) while
# two busy loops keep both vCPUs executing. Prints "toggles N".
secs=${1:-30}
cd /sys/kernel/tracing || { echo "no tracefs" >&2; exit 1; }
(while :; do :; done) &
p1=$!
(yes | head -c 100000000000 >/dev/null) &
p2=$!
i=0
end=$(($(cut -d. -f1 /proc/uptime) + secs))
while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do
	for g in sched timer irq; do echo 1 >"events/$g/enable" || exit 1; done
	for g in sched timer irq; do echo 0 >"events/$g/enable" || exit 1; done
	i=$((i + 1))
done
kill $p1 $p2
echo "toggles $i"
