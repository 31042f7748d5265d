#!/bin/sh
# Runs inside the guest for tests/pkg/systemd.sh (make systemd-check), from
# vqtrace-check.service, with Debian's systemd as PID 1: the packaged unit
# (/lib/systemd/system/vqtrace.service, /usr/sbin/vqtrace) is enabled and
# started by systemctl, loaded with vhost-loadgen, its /metrics scraped, its
# process inspected in /proc (capabilities, no_new_privs, mount namespace),
# killed with SIGKILL (Restart=on-failure must bring it back) and stopped.
# Nothing is judged here: every observation goes to the host as a section
#   @@begin NAME ... @@end
# on $RESULTS (the rig's second serial port), written in one go at the end.
RESULTS=${RESULTS:-/dev/ttyS1}
TX=${TX:-3000}
UNIT=/lib/systemd/system/vqtrace.service
OUT=/tmp/sdcheck.results
: >$OUT
note() { echo "sdcheck: $*"; }
emit() { # name file...
	{
		echo "@@begin $1"
		shift
		cat "$@" 2>/dev/null
		echo "@@end"
	} >>$OUT
}
emitv() { # name value
	printf '%s\n' "$2" >/tmp/v
	emit "$1" /tmp/v
}
up() { cut -d' ' -f1 /proc/uptime; }
note "systemd is up, check starts at uptime $(up) s"
emitv uptime-start "$(up)"
emitv kver "$(uname -r)"
emitv pid1 "$(cat /proc/1/comm) $(readlink /proc/1/exe)"
emitv sdver "$(systemctl --version | head -n 1)"
# the manager's own boot timestamps (microseconds of CLOCK_MONOTONIC)
systemctl show -p UserspaceTimestampMonotonic -p FinishTimestampMonotonic -p SystemState >/tmp/mgr 2>&1
emit manager /tmp/mgr
emitv hash "$(sha256sum /usr/sbin/vqtrace | cut -d' ' -f1)"
port=$(sed -n 's/^ExecStart=.*--prometheus [^ ]*:\([0-9]*\).*/\1/p' $UNIT)
url=http://127.0.0.1:$port/metrics
emitv port "$port"

show() { # name: the unit's state as systemd sees it
	systemctl show vqtrace -p ActiveState -p SubState -p MainPID -p NRestarts -p Result \
		-p ExecMainCode -p ExecMainStatus -p FragmentPath >/tmp/show 2>&1
	emit "$1" /tmp/show
}
prop() { systemctl show vqtrace -p "$1" --value 2>/dev/null; }
# metrics_up SECONDS: until /metrics answers 200 (503 before the first snapshot)
metrics_up() {
	i=0
	while [ $i -lt $(($1 * 5)) ]; do
		wget -q -O /tmp/m "$url" 2>/dev/null && return 0
		i=$((i + 1))
		sleep 0.2
	done
	return 1
}
inspect() { # name pid: what the kernel says about the service's process
	{
		echo "exe=$(readlink /proc/$2/exe)"
		grep -E '^(Uid|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/$2/status
		[ "$(readlink /proc/$2/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] && echo "own_mntns=yes" || echo "own_mntns=no"
		# in its namespace: the mount options of / (ProtectSystem) and what is
		# mounted on /tmp (PrivateTmp: a directory under the host's /tmp)
		awk '$5 == "/" { print "root_opts=" $6 } $5 == "/tmp" { print "tmp_root=" $4 }' /proc/$2/mountinfo
	} >/tmp/insp 2>&1
	emit "$1" /tmp/insp
}

# --- enable and start -------------------------------------------------------
systemctl enable vqtrace >/tmp/en.out 2>&1
echo "rc=$?" >>/tmp/en.out
echo "is-enabled=$(systemctl is-enabled vqtrace 2>&1)" >>/tmp/en.out
emit enable /tmp/en.out
t0=$(up)
systemctl start vqtrace >/tmp/st.out 2>&1
echo "rc=$?" >>/tmp/st.out
emit start /tmp/st.out
if metrics_up 120; then
	note "vqtrace serves $url $(echo "$(up) $t0" | awk '{ printf "%.1f", $1 - $2 }') s after systemctl start"
	emitv metrics-up "$(echo "$(up) $t0" | awk '{ printf "%.1f", $1 - $2 }')"
else
	note "vqtrace does not serve $url 120 s after systemctl start"
fi
show show-started
pid=$(prop MainPID)
inspect proc-started "$pid"

# --- load, then the unit's /metrics ------------------------------------------
rm -f /tmp/gt
vhost-loadgen --tx "$TX" --event-every 1 --gt /tmp/gt >/tmp/lg.out 2>/tmp/lg.err
echo "rc=$?" >/tmp/lg.rc
emit loadgen-rc /tmp/lg.rc /tmp/lg.err
emit gt /tmp/gt
lpid=$(sed -n 's/^{"pid":\([0-9]*\).*/\1/p' /tmp/gt)
# /metrics renders on scrape; the final totals may lag the loadgen's exit
i=0
while :; do
	wget -q -O /tmp/m1 "$url" 2>/dev/null
	n=$(grep -F "vqtrace_used_total{pid=\"$lpid\"," /tmp/m1 | grep -F 'dir="tx"' |
		awk '{ s += $NF } END { print s + 0 }')
	[ "$n" = "$TX" ] && break
	i=$((i + 1))
	[ $i -ge 60 ] && { note "/metrics: TX used total $n, not $TX, after 30 s"; break; }
	sleep 0.5
done
emit metrics-load /tmp/m1
show show-loaded

# --- SIGKILL: Restart=on-failure brings it back ------------------------------
systemctl kill -s KILL vqtrace >/tmp/k.out 2>&1
echo "rc=$?" >>/tmp/k.out
emit kill /tmp/k.out
t0=$(up)
i=0
while :; do
	p=$(prop MainPID)
	[ "$(prop ActiveState)" = active ] && [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$pid" ] && break
	i=$((i + 1))
	[ $i -ge 300 ] && { note "vqtrace not back 60 s after SIGKILL"; break; }
	sleep 0.2
done
if metrics_up 120; then
	emitv restart-time "$(echo "$(up) $t0" | awk '{ printf "%.1f", $1 - $2 }')"
	cp /tmp/m /tmp/m2
else
	: >/tmp/m2
fi
emit metrics-restarted /tmp/m2
show show-restarted
inspect proc-restarted "$(prop MainPID)"

# --- stop ---------------------------------------------------------------------
systemctl stop vqtrace >/tmp/sp.out 2>&1
echo "rc=$?" >>/tmp/sp.out
emit stop /tmp/sp.out
show show-stopped
journalctl -u vqtrace --no-pager -o short-monotonic >/tmp/j 2>&1
emit journal /tmp/j
systemctl list-units --failed --plain --no-legend >/tmp/failed 2>&1
emit failed /tmp/failed
emitv uptime-end "$(up)"
echo "@@done" >>$OUT
cat $OUT >"$RESULTS"
note "check done at uptime $(up) s; powering off through systemd"
