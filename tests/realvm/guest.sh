#!/bin/sh
# Runs inside the test VM (busybox sh; tests/realvm/run.sh boots it): every
# scenario of /realvm/scenarios for this kernel. Each starts Debian's own
# qemu-system-x86_64 (TCG; no nested KVM) with a virtio-net-pci NIC on a tap
# with vhost=on and no disk: SeaBIOS boots the NIC's iPXE ROM, whose
# virtio-net driver is the guest driver vhost-net serves. On this side of
# the tap, busybox udhcpd gives iPXE an address and a boot file name
# (http://.../bootN.ipxe), busybox httpd serves that script and a file the
# script fetches. vqtrace runs as the README says:
#     vqtrace -j -T -p $(pidof qemu-system-x86_64)
# Ground truth comes from outside vqtrace: the tap's counters, iPXE's own
# ifstat on the inner serial console, QEMU's view of the rings after it
# stopped vhost (QMP x-query-virtio-queue-status: vhost's last_avail_idx via
# VHOST_GET_VRING_BASE, used->idx read from guest memory; avail->flags read
# with xp), and QEMU's trace events (vhost_dev_start/stop, virtqueue_flush).
# Tagged results go to $RESULTS (the rig's second serial port) for
# tests/realvm/check.sh. Every wait is bounded; a QEMU that outlives its
# scenario is killed.
RESULTS=${RESULTS:-/dev/ttyS1}
KERNEL=${REALVM_KERNEL:-$(uname -r | cut -d. -f1,2)}
ONLY=$1
ESC=$(printf '\033')
QEMU_LIMIT=420		# s: hard limit of one inner QEMU (busybox timeout -s KILL)
DONE_LIMIT=300		# s: iPXE must have finished its script by then
BACKEND=/machine/peripheral/nic0/virtio-backend
W=${REALVM_TMP:-/tmp}	# work files
HERE=$(cd "$(dirname "$0")" && pwd)	# scenarios

log() { echo "realvm[$KERNEL $(cut -d' ' -f1 /proc/uptime)]: $*"; }
now() { cut -d' ' -f1 /proc/uptime | cut -d. -f1; }

# wait_for SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds.
wait_for() {
	_n=$(($1 * 10))
	shift
	while ! "$@"; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || return 1
		sleep 0.1
	done
}

# --- one inner QEMU: n is its number (tap$n, 10.0.$n.0/24, fd n+4 for QMP) --
ipxe_script() { # n fetches reopen: the script iPXE chains to after DHCP
	half=$(($2 / 2))
	echo '#!ipxe'
	echo "echo REALVM-SCRIPT q$1"
	echo 'set i:int32 0'
	echo ':loop'
	echo "imgfetch --name blob http://10.0.$1.1/blob || goto fail"
	echo 'imgstat blob'
	echo 'imgfree blob'
	echo 'inc i'
	# reopen: ifclose resets the device (status 0: QEMU stops vhost), ifopen
	# sets the rings up again from index 0 (vhost starts again); the sleep
	# before lets TCP finish and iPXE reap every completion, so that the
	# ifstat there counts the first ring cycle whole.
	[ "$3" = 1 ] && echo "iseq \${i} $half && goto reopen ||"
	echo "iseq \${i} $2 || goto loop"
	echo 'goto done'
	echo ':reopen'
	echo 'sleep 2'
	echo 'ifstat net0'
	echo 'echo REALVM-CLOSE'
	echo 'ifclose net0'
	echo 'ifopen net0'
	echo 'dhcp net0 || goto fail'
	echo 'goto loop'
	echo ':done'
	# Quiet before the last ifstat: all of iPXE's frames are completed and
	# reaped, the TCP connections closed; nothing moves after it.
	echo 'sleep 2'
	echo 'ifstat net0'
	echo "echo REALVM-DONE q$1"
	echo 'prompt --timeout 600000 REALVM-WAIT ||'
	echo ':fail'
	echo "echo REALVM-FAIL q$1"
	echo 'prompt --timeout 600000 REALVM-WAIT ||'
}

start_qemu() { # n kind(plain|mq): a paused QEMU (-S) whose tap is up
	n=$1
	rm -f $W/q$n.*
	mkfifo $W/q$n.qmp.in $W/q$n.qmp.out
	cat $W/q$n.qmp.out >$W/q$n.qmp.log &
	echo $! >$W/q$n.catpid
	# Read-write: opening a FIFO so never blocks, even with QEMU gone.
	eval "exec $((n + 4))<>$W/q$n.qmp.in"
	nd='' dv=''
	if [ "$2" = mq ]; then nd=,queues=2 dv=,mq=on,vectors=6; fi
	# No romfile=: QEMU patches the PCI ids of its default ROM
	# (efi-virtio.rom) only; SeaBIOS does not run a ROM given by name,
	# whose ids do not match. graphics=off and no VGA: SeaBIOS's serial
	# console carries iPXE's output to the serial file.
	timeout -s KILL $QEMU_LIMIT qemu-system-x86_64 -accel tcg,tb-size=64 -m 32 \
		-nodefaults -display none -no-reboot -machine graphics=off -S \
		-serial file:$W/q$n.serial -qmp pipe:$W/q$n.qmp \
		-netdev tap,id=n0,ifname=tap$n,script=no,downscript=no,vhost=on$nd \
		-device virtio-net-pci,netdev=n0,id=nic0,bootindex=1,mac=52:54:00:12:34:0$n$dv \
		-trace vhost_dev_start -trace vhost_dev_stop -trace virtio_set_status \
		-trace virtqueue_flush -D $W/q$n.trace >$W/q$n.out 2>&1 &
	echo $! >$W/q$n.pid
	echo "{\"type\":\"qemu\",\"qemu\":$n,\"kind\":\"$2\"}" >>$W/gt
	# The QMP greeting: QEMU has created tap$n and opened /dev/vhost-net.
	wait_for 60 eval "grep -q '\"QMP\"' $W/q$n.qmp.log || ! alive $n"
	if ! grep -q '"QMP"' $W/q$n.qmp.log; then
		log "q$n: no QMP greeting (its stderr goes with the results)"
		return 1
	fi
	qmp $n '{"execute":"qmp_capabilities"}' || return 1
	# The tap exists now (QEMU made it; it goes when QEMU exits). IPv6 off
	# before it is up, so that this side sends nothing unasked.
	echo 1 >/proc/sys/net/ipv6/conf/tap$n/disable_ipv6
	ip addr add 10.0.$n.1/24 dev tap$n && ip link set tap$n up || return 1
	cat >$W/udhcpd$n.conf <<-EOF
		start 10.0.$n.10
		end 10.0.$n.20
		interface tap$n
		lease_file $W/udhcpd$n.leases
		pidfile $W/udhcpd$n.pid
		siaddr 10.0.$n.1
		boot_file http://10.0.$n.1/boot$n.ipxe
		opt subnet 255.255.255.0
		opt lease 3600
	EOF
	: >$W/udhcpd$n.leases
	udhcpd -f $W/udhcpd$n.conf >$W/udhcpd$n.log 2>&1 &
	echo $! >$W/q$n.dhcppid
	tapstats $n start
}

alive() { kill -0 "$(cat $W/q$1.pid 2>/dev/null)" 2>/dev/null; }

qmp() { # n json: send one QMP command, wait (<= 30 s) for its answer
	alive $1 || { log "q$1: not running: no $2"; return 1; }
	_c=$(grep -c -E '"return"|"error"' $W/q$1.qmp.log)
	eval "echo '$2' >&$(($1 + 4))"
	wait_for 30 qmp_answered $1 $_c || { log "q$1: no QMP answer to $2"; return 1; }
}
qmp_answered() { [ "$(grep -c -E '"return"|"error"' $W/q$1.qmp.log)" -gt "$2" ] || ! alive $1; }

tapstats() { # n when: the tap's counters as a ground-truth line
	s=/sys/class/net/tap$1/statistics
	line="{\"type\":\"tap\",\"qemu\":$1,\"at\":\"$2\""
	for c in rx_packets tx_packets rx_dropped tx_dropped rx_errors tx_errors; do
		line="$line,\"$c\":$(cat $s/$c)"
	done
	echo "$line}" >>$W/gt
}

# True once QEMU n's serial console shows the pattern, or QEMU has gone
# (the checks then say what is missing).
serial_has() { grep -q -E "$2" $W/q$1.serial 2>/dev/null || ! alive $1; }

# QEMU's own view of the rings, with the VM stopped (so vhost is stopped:
# QEMU has asked vhost for each ring's last_avail_idx with
# VHOST_GET_VRING_BASE and re-read used->idx from guest memory).
ring_view() { # n nqueues
	for q in $(seq 0 $(($2 - 1))); do
		qmp $1 "{\"execute\":\"x-query-virtio-queue-status\",\"arguments\":{\"path\":\"$BACKEND\",\"queue\":$q},\"id\":\"queue-$q\"}"
		avail=$(grep "\"queue-$q\"" $W/q$1.qmp.log | grep -o '"vring-avail": [0-9]*' | grep -o '[0-9]*$')
		# avail->flags and avail->idx as the driver wrote them (guest memory).
		[ -n "$avail" ] && [ "$avail" != 0 ] &&
			qmp $1 "{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"xp /2hx $avail\"},\"id\":\"avail-$q\"}"
	done
	qmp $1 "{\"execute\":\"x-query-virtio-status\",\"arguments\":{\"path\":\"$BACKEND\"},\"id\":\"status\"}"
}

stop_qemu() { # n: stop, record QEMU's and the tap's view, quit
	n=$1
	qmp $n '{"execute":"stop"}'
	ring_view $n 2
	[ -e /sys/class/net/tap$n ] && tapstats $n stop
	qmp $n '{"execute":"quit"}'
	wait_for 30 eval "! alive $n" || { log "q$n: still running after quit: killed"; kill -9 "$(cat $W/q$n.pid)"; }
}

collect_qemu() { # n: everything QEMU n said, as tagged lines in $W/more
	n=$1
	# shellcheck disable=SC2046 # one pid per word
	kill $(cat $W/q$n.dhcppid $W/q$n.catpid 2>/dev/null) 2>/dev/null
	# QMP answers we asked for by id.
	tr -d '\r' <$W/q$n.qmp.log | grep '"id"' |
		sed "s/^/@@gt {\"type\":\"qmp\",\"qemu\":$n,\"reply\":/; s/\$/}/" >>$W/more
	# QEMU's trace events, counted; the status writes in order.
	awk -v n=$n '{ c[$1]++ }
		$1 == "virtio_set_status" { st = st (st == "" ? "" : ",") $NF }
		$1 == "virtqueue_flush" { fl += $NF }
		END { printf "@@gt {\"type\":\"trace\",\"qemu\":%d,\"vhost_dev_start\":%d,\"vhost_dev_stop\":%d,\"virtqueue_flush\":%d,\"flushed\":%d,\"status\":[%s]}\n",
			n, c["vhost_dev_start"], c["vhost_dev_stop"], c["virtqueue_flush"], fl, st }' $W/q$n.trace >>$W/more
	# The inner serial console (iPXE), without its escape sequences.
	touch $W/q$n.serial
	tr -d '\r' <$W/q$n.serial | sed "s/$ESC\[[0-9;?]*[a-zA-Z]//g; s/$ESC//g" |
		grep -v '^ *$' | sed "s/^/@@ser $n /" >>$W/more
	sed "s/^/@@err q$n: /" $W/q$n.out >>$W/more
}

emit() { # name rc
	{
		echo "@@begin $1 rc=$2"
		sed 's/^/@@vq /' $W/vq
		sed 's/^/@@gt /' $W/gt
		cat $W/more
		sed 's/^/@@err /' $W/err
		echo "@@end $1"
	} >>"$RESULTS"
}

# --- one scenario ------------------------------------------------------------
run_scenario() { # name vqopts settings...
	name=$1 vqopts=$2
	shift 2
	nics=plain fetches=4 size=131072 reopen=0 pause=0 loadgen=0
	for kv in "$@"; do
		case $kv in
		nics=* | fetches=* | size=* | reopen=* | pause=* | loadgen=*) eval "${kv%%=*}=\${kv#*=}" ;;
		*) log "unknown setting $kv" ;;
		esac
	done
	rm -f $W/vq $W/gt $W/more $W/err $W/gtL
	: >$W/vq; : >$W/gt; : >$W/more; : >$W/err
	# Its content does not matter (nothing compresses it); not from
	# /dev/urandom (see main).
	head -c "$size" /dev/zero >$W/www/blob
	echo "{\"type\":\"settings\",\"nics\":\"$nics\",\"fetches\":$fetches,\"size\":$size,\"reopen\":$reopen,\"pause\":$pause,\"loadgen\":$loadgen}" >>$W/gt
	rc=0 ns=
	n=0
	for kind in $(echo "$nics" | tr ',' ' '); do
		n=$((n + 1))
		ns="$ns $n"
		ipxe_script $n "$fetches" "$reopen" >$W/www/boot$n.ipxe
		start_qemu $n "$kind" || rc=97
	done
	# The headline command, literally: $(pidof ...) unquoted, one word per pid.
	# shellcheck disable=SC2046
	vqtrace -j -T $vqopts -p $(pidof qemu-system-x86_64) >$W/vq 2>>$W/err &
	v=$!
	for p in $(pidof qemu-system-x86_64); do
		echo "{\"type\":\"pid\",\"pid\":$p}" >>$W/gt
	done
	for n in $ns; do echo "{\"type\":\"qemu_pid\",\"qemu\":$n,\"pid\":$(cat $W/q$n.pid)}" >>$W/gt; done
	wait_for 60 eval "grep -q 'vqtrace: tracing' $W/err || ! kill -0 $v 2>/dev/null"
	grep -q "vqtrace: tracing" $W/err || { log "vqtrace did not attach"; rc=96; }
	start=$(now)
	for n in $ns; do qmp $n '{"execute":"cont"}'; done
	if [ "$loadgen" -gt 0 ]; then
		# Another vhost owner that is not a QEMU, busy while they run.
		vhost-loadgen --gt $W/gtL --tx "$loadgen" --event-every 16 >/dev/null 2>>$W/err
		sed 's/^{/{"other":true,/' $W/gtL >>$W/gt
	fi
	if [ "$pause" = 1 ]; then
		# vhost stopped and started again on the same rings, mid-transfer.
		for n in $ns; do
			wait_for $DONE_LIMIT serial_has $n 'blob : ' || continue
			qmp $n '{"execute":"stop"}'
			# Only QEMU can read the tap between these two (vhost is
			# stopped): a lower bound of the frames it took (expect.jq).
			tapstats $n pause-stop
			sleep 1
			tapstats $n pause-cont
			qmp $n '{"execute":"cont"}'
		done
	fi
	for n in $ns; do
		left=$((DONE_LIMIT - ($(now) - start)))
		[ $left -gt 0 ] || left=1
		wait_for $left serial_has $n 'REALVM-(DONE|FAIL)' || log "q$n: iPXE did not finish in $DONE_LIMIT s"
	done
	log "$name: iPXE done after $(($(now) - start)) s"
	for n in $ns; do stop_qemu $n; done
	# -p ends the run (with totals) when every traced process has exited.
	if ! wait_for 30 eval "! kill -0 $v 2>/dev/null"; then
		log "vqtrace still running 30 s after the QEMUs quit: SIGINT"
		kill -INT $v
		wait_for 10 eval "! kill -0 $v 2>/dev/null" || kill -9 $v
	fi
	wait $v
	vrc=$?
	[ $rc -eq 0 ] && rc=$vrc
	for n in $ns; do collect_qemu $n; done
	emit "$name" $rc
}

# --- main --------------------------------------------------------------------
# The TCG rig can crash when the kernel patches its own text while the other
# vCPU runs that code (an int3 oops; tests/robust/run.sh). Every boot makes
# one such patch, the crng_is_ready static key, when the RNG is first
# seeded, which on this CPU model (no RDRAND) comes at some random moment,
# often minutes in: a read of /dev/urandom right then oopsed in
# urandom_read_iter (6.12), and QEMU asks the RNG at its start. So seed it
# now, while nothing else runs: a read of /dev/random blocks until the
# kernel has made the entropy (jitter), then the key flips from a workqueue.
t0=$(now)
timeout 120 head -c 1 /dev/random >/dev/null || log "/dev/random: no entropy in 120 s"
t=0
until dmesg | grep -q 'crng init done' || [ $t -ge 100 ]; do t=$((t + 1)); sleep 0.1; done
sleep 1
log "RNG seeded in $(($(now) - t0)) s ($(dmesg | grep -c 'crng init done') 'crng init done' in the kernel log)"
mkdir -p $W/www
httpd -p 80 -h $W/www || log "httpd failed"
grep -v '^#' "$HERE/scenarios" | while IFS='|' read -r name kernels how vqopts settings; do
	name=$(echo $name)
	[ -n "$name" ] || continue
	[ -z "$ONLY" ] || [ "$ONLY" = "$name" ] || continue
	case " $kernels " in *" $KERNEL "*) ;; *) continue ;; esac
	vqopts=$(echo $vqopts)
	[ "$vqopts" = - ] && vqopts=
	[ "$(echo $how)" = pidof ] || { log "$name: unknown HOW '$how'"; continue; }
	log "$name: $(echo $settings)"
	# stdin: not the scenario list this loop reads
	run_scenario "$name" "$vqopts" $settings </dev/null
done
log "all scenarios done"
# After every scenario: the kernel logged no BUG, WARNING, Oops or trace.
PROBLEMS='BUG:|WARNING:|Oops:|general protection fault|Call Trace:|kernel NULL pointer|RIP: |blocked for more than'
{
	echo "@@begin final rc=0"
	echo "@@gt {\"type\":\"kernel_log\",\"problems\":$(dmesg | grep -cE "$PROBLEMS")}"
	dmesg | grep -E "$PROBLEMS" | sed 's/^/@@err /'
	echo "@@end final"
	echo "@@done"
} >>"$RESULTS"
