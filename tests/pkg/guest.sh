#!/bin/sh
# Runs inside the test VM (busybox sh) for tests/pkg/run.sh: the vqtrace the
# Debian package installed (/usr/sbin/vqtrace, from dpkg-deb -x on the host;
# the rig's own /usr/bin/vqtrace is never run here) against vhost-loadgen:
#   plain    /usr/sbin/vqtrace -j -T -- vhost-loadgen ...
#   service  the packaged unit's ExecStart, under the unit's restrictions
#            applied by hand (the guest has no systemd): a private mount
#            namespace with / read-only (ProtectSystem=strict), /root and
#            /home inaccessible (ProtectHome), a new /tmp (PrivateTmp),
#            /lib/modules hidden (ProtectKernelModules), cgroups read-only
#            (ProtectControlGroups), no_new_privs, the unit's
#            CapabilityBoundingSet; every system call the seccomp-based
#            options would judge is recorded by strace for the host to check;
#            its /metrics is scraped after the load
#   nonroot  uid 1000 with exactly the unit's capabilities as ambient ones
#   paranoid1  uid 1000 with CAP_SYS_ADMIN only, perf_event_paranoid=1
#   minus-C  the same without capability C: must fail with one line naming
#            C; and with VQTRACE_TEST_SKIP_PRIV_CHECK=1 must still fail (C
#            is really needed, not only asked for)
#   bpf-perfmon  CAP_BPF and CAP_PERFMON instead of CAP_SYS_ADMIN: the same
#   nowait   uid 1000, -p PID --no-wait of root's loadgen: one line naming
#            CAP_SYS_PTRACE, exit 1
# Outputs go to $RESULTS (the rig's second serial port), tagged
#   @@begin NAME ... @@end NAME
RESULTS=${RESULTS:-/dev/ttyS1}
VQ=/usr/sbin/vqtrace
UNIT=/lib/systemd/system/vqtrace.service
UL=/opt/ul
TX=20000

# Sections are gathered in a file and sent in one write at the end: under
# a loaded host (three TCG guests) the serial port once lost the end of a
# section written by itself.
OUT=/tmp/pkg.results
: >$OUT
emit() { # name file...
	{
		echo "@@begin $1"
		shift
		cat "$@" 2>/dev/null
		echo "@@end"
	} >>$OUT
}
note() { echo "pkg-guest: $*"; }
# Waits (up to 20 s) for vqtrace's "tracing vhost" line in $1 while pid $2 lives.
wait_attached() {
	i=0
	until grep -q 'tracing vhost' "$1" 2>/dev/null; do
		kill -0 "$2" 2>/dev/null || return 1
		i=$((i + 1))
		[ $i -ge 200 ] && return 1
		sleep 0.1
	done
}

# wait for pid $1, killing it (and saying so) after $2 s: never hang the guest
bounded_wait() {
	( sleep "$2"; kill -0 "$1" 2>/dev/null && echo "pkg-guest: pid $1 still running after $2 s: killed" && kill -KILL "$1" ) &
	w=$!
	wait "$1"
	r=$?
	kill "$w" 2>/dev/null
	return $r
}
child_named() { # ppid comm: the pids of ppid's children called comm
	for d in /proc/[0-9]*; do
		[ "$(cat "$d/comm" 2>/dev/null)" = "$2" ] || continue
		[ "$(cut -d' ' -f4 "$d/stat" 2>/dev/null)" = "$1" ] && echo "${d#/proc/}"
	done
}

sha256sum $VQ | cut -d' ' -f1 >/tmp/hash
emit hash /tmp/hash
uname -r >/tmp/kver
emit kver /tmp/kver

# --- plain: the installed binary, as the README runs it -------------------
rm -f /tmp/gt
$VQ -j -T -- vhost-loadgen --tx $TX --event-every 1 --gt /tmp/gt >/tmp/plain.out 2>/tmp/plain.err
echo "rc=$?" >/tmp/plain.rc
emit plain-rc /tmp/plain.rc
emit plain-out /tmp/plain.out
emit plain-err /tmp/plain.err
emit plain-gt /tmp/gt

# --- service: the unit's command under the unit's restrictions ------------
exec_line=$(sed -n 's/^ExecStart=//p' $UNIT)
caps=$(sed -n 's/^CapabilityBoundingSet=//p' $UNIT)
bset=-all
for c in $caps; do bset="$bset,+$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')"; done
port=$(echo "$exec_line" | sed -n 's/.*--prometheus [^ ]*:\([0-9]*\).*/\1/p')
printf 'exec=%s\nbset=%s\nport=%s\n' "$exec_line" "$bset" "$port" >/tmp/svc.cfg
emit service-cfg /tmp/svc.cfg
mkdir -p /home
cat >/tmp/svc.sh <<EOS
set -e
mount -t tmpfs -o mode=0000 tmpfs /root
mount -t tmpfs -o mode=0000 tmpfs /home
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o ro,mode=0000 tmpfs /lib/modules
if grep -q ' /sys/fs/cgroup ' /proc/mounts; then mount -o remount,bind,ro /sys/fs/cgroup; fi
mount -o remount,bind,ro /
exec $UL/setpriv --no-new-privs --bounding-set=$bset --inh-caps=-all -- \
	$UL/strace -f -qq -o /proc/self/fd/3 -e signal=none \
	-e trace=socket,socketpair,mmap,mprotect,pkey_mprotect,shmat,personality,unshare,clone,clone3,setns,sched_setscheduler,sched_setattr,chmod,fchmod,fchmodat,open,openat,openat2,creat,mkdir,mkdirat,unlink,unlinkat,rename,renameat,renameat2,init_module,finit_module,delete_module,clock_settime,clock_adjtime,adjtimex,settimeofday,sethostname,setdomainname,syslog,mount,umount2,setuid,setgid,capset,prctl \
	$exec_line
EOS
# stdout/stderr/strace log are opened here, outside the namespace's new /tmp
$UL/unshare -m sh /tmp/svc.sh >/tmp/svc.out 2>/tmp/svc.err 3>/tmp/svc.strace &
S=$!
# -q says nothing when attached; /metrics answers 503 until the first
# snapshot, which is published once every hook is attached.
i=0
svc_up=
while kill -0 $S 2>/dev/null && [ $i -lt 300 ]; do
	wget -q -O /dev/null "http://127.0.0.1:$port/metrics" 2>/dev/null && { svc_up=1; break; }
	i=$((i + 1))
	sleep 0.1
done
# strace -o FILE PROG blocks fatal signals (its -I3): signals go to vqtrace
stop_service() {
	v=$(child_named $S vqtrace)
	if [ -n "$v" ]; then kill -TERM "$v"; else note "service: no vqtrace under strace"; kill -KILL $S; fi
}
if [ -n "$svc_up" ]; then
	rm -f /tmp/gt
	vhost-loadgen --tx $TX --event-every 1 --gt /tmp/gt >/dev/null 2>/tmp/lg.err
	# the unit refreshes /metrics every 5 s (-i 5): wait for the run's totals
	pid=$(sed -n 's/^{"pid":\([0-9]*\).*/\1/p' /tmp/gt)
	i=0
	while :; do
		wget -q -O /tmp/svc.metrics "http://127.0.0.1:$port/metrics" 2>/dev/null
		grep -q "^vqtrace_used_total{pid=\"$pid\",dev=\"net0\",queue=\"1\".* $TX\$" /tmp/svc.metrics && break
		i=$((i + 1))
		[ $i -ge 40 ] && { note "service: no final totals in /metrics after 20 s"; break; }
		sleep 0.5
	done
	# systemctl stop: SIGTERM to vqtrace (strace then exits with its status)
	stop_service
else
	note "service: vqtrace did not attach"
	rm -f /tmp/gt
	stop_service 2>/dev/null
fi
bounded_wait $S 30
echo "rc=$?" >/tmp/svc.rc
emit service-rc /tmp/svc.rc
emit service-err /tmp/svc.err
emit service-metrics /tmp/svc.metrics
emit service-gt /tmp/gt
# only the system calls the checker judges (strace prints every call asked for)
emit service-strace /tmp/svc.strace

# --- nonroot: uid 1000 with exactly the unit's capabilities ---------------
capl=$(echo "$bset" | sed 's/^-all,//')
asuser() { # capability list (+a,+b or empty) then the command
	as_caps=$1; shift
	if [ -n "$as_caps" ]; then
		$UL/setpriv --reuid=1000 --regid=1000 --clear-groups --bounding-set=-all,$as_caps \
			--inh-caps=-all,$as_caps --ambient-caps=-all,$as_caps -- "$@"
	else
		$UL/setpriv --reuid=1000 --regid=1000 --clear-groups --bounding-set=-all \
			--inh-caps=-all -- "$@"
	fi
}
# in the background: the subshell becomes setpriv, then vqtrace, so that $!
# is vqtrace's pid (an async subshell would ignore SIGINT and keep it)
asuser_bg() {
	bg_caps=$1; shift
	exec $UL/setpriv --reuid=1000 --regid=1000 --clear-groups --bounding-set=-all,$bg_caps \
		--inh-caps=-all,$bg_caps --ambient-caps=-all,$bg_caps -- "$@"
}
asuser "$capl" sh -c 'grep ^Cap /proc/self/status; id -u' >/tmp/nr.caps 2>&1
emit nonroot-caps /tmp/nr.caps
# uid 1000 with capabilities $2 traces every VM while a loadgen runs; its
# outputs as sections $1-rc, $1-out, $1-err, $1-gt
run_as_user() {
	asuser_bg "$2" $VQ -j -T >/tmp/nr.out 2>/tmp/nr.err &
	V=$!
	rm -f /tmp/gt
	if wait_attached /tmp/nr.err $V; then
		vhost-loadgen --tx $TX --event-every 1 --gt /tmp/gt >/dev/null 2>/tmp/lg.err
		sleep 1
	fi
	kill -TERM $V 2>/dev/null
	bounded_wait $V 30
	echo "rc=$?" >/tmp/nr.rc
	emit "$1-rc" /tmp/nr.rc
	emit "$1-out" /tmp/nr.out
	emit "$1-err" /tmp/nr.err
	emit "$1-gt" /tmp/gt
}
run_as_user nonroot "$capl"

# CAP_SYSLOG is needless where kallsyms shows addresses to anyone:
# kernel.kptr_restrict=0 (as here) and kernel.perf_event_paranoid <= 1
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
echo 1 >/proc/sys/kernel/perf_event_paranoid
run_as_user paranoid1 +sys_admin
echo "$paranoid" >/proc/sys/kernel/perf_event_paranoid

# --- one capability fewer ---------------------------------------------------
for c in $caps; do
	lc=+$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')
	rest=$(echo ",$capl," | sed "s/,$lc,/,/; s/^,//; s/,\$//")
	asuser "$rest" $VQ -j -T -d 3 >/tmp/m.out 2>/tmp/m.err
	echo "rc=$?" >/tmp/m.rc
	emit "minus-$c-rc" /tmp/m.rc
	emit "minus-$c-err" /tmp/m.err
	# without preflight's check: the run itself must fail
	VQTRACE_TEST_SKIP_PRIV_CHECK=1 asuser "$rest" $VQ -j -T -d 3 >/tmp/m.out 2>/tmp/m.err
	echo "rc=$?" >/tmp/m.rc
	emit "skip-$c-rc" /tmp/m.rc
	emit "skip-$c-err" /tmp/m.err
done

# CAP_BPF and CAP_PERFMON do not stand in for CAP_SYS_ADMIN (listing BTF
# objects by id takes CAP_SYS_ADMIN itself)
case ",$capl," in *,+sys_admin,*)
	rest=$(echo ",$capl," | sed "s/,+sys_admin,/,/; s/^,//; s/,\$//"),+bpf,+perfmon
	asuser "${rest#,}" $VQ -j -T -d 3 >/tmp/m.out 2>/tmp/m.err
	echo "rc=$?" >/tmp/m.rc
	emit bpf-perfmon-rc /tmp/m.rc
	emit bpf-perfmon-err /tmp/m.err
	VQTRACE_TEST_SKIP_PRIV_CHECK=1 asuser "${rest#,}" $VQ -j -T -d 3 >/tmp/m.out 2>/tmp/m.err
	echo "rc=$?" >/tmp/m.rc
	emit skip-bpf-perfmon-rc /tmp/m.rc
	emit skip-bpf-perfmon-err /tmp/m.err
esac

# --- -p PID --no-wait of another user's process ----------------------------
rm -f /tmp/go
vhost-loadgen --tx 100 --wait-file /tmp/go --gt /tmp/gt2 >/dev/null 2>&1 &
L=$!
i=0
has_vhost() { # pid: one of its descriptors is /dev/vhost-net
	for f in /proc/"$1"/fd/*; do [ "$(readlink "$f")" = /dev/vhost-net ] && return 0; done
	return 1
}
until has_vhost $L || [ $i -ge 100 ]; do i=$((i + 1)); sleep 0.1; done
asuser "$capl" $VQ -p $L --no-wait -d 3 >/tmp/nw.out 2>/tmp/nw.err
echo "rc=$?" >/tmp/nw.rc
# which of the two it takes: each alone, then both
for extra in +sys_ptrace +dac_read_search +sys_ptrace,+dac_read_search; do
	asuser "$capl,$extra" $VQ -p $L --no-wait -d 2 >/tmp/m.out 2>/tmp/m.err
	echo "rc=$?" >/tmp/m.rc
	emit "nowait$extra-rc" /tmp/m.rc
	emit "nowait$extra-err" /tmp/m.err
done
touch /tmp/go
wait $L
emit nowait-rc /tmp/nw.rc
emit nowait-err /tmp/nw.err
echo "@@done" >>$OUT
cat $OUT >"$RESULTS"
