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
ONLY=$*	# scenario names (REALVM_ONLY), or empty for all
ESC=$(printf '\033')
QEMU_LIMIT=600		# s: hard limit of one inner QEMU (busybox timeout -s KILL)
PROM_PORT=9464		# vqtrace --prometheus in the follow scenarios
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
	if [ "$driver" = linux ]; then
		# Debian's kernel and its virtio_net (tests/realvm/inner-init),
		# two CPUs so that it runs two queue pairs on an mq NIC; no NIC
		# ROM (the kernel is booted by QEMU's linuxboot ROM).
		# -cx16: the nested TCG mis-ran the kernel's early cmpxchg16b
		# (SLUB's per-CPU fast path): double faults at boot, one boot
		# in about three, with MTTCG and without; without CX16 the
		# kernel takes its locked path.
		boot="-m 256 -smp 2 -cpu qemu64,-cx16 -accel tcg,thread=single,tb-size=256 -kernel /opt/realvm/inner/vmlinuz -initrd /opt/realvm/inner/initrd"
		boot="$boot -append 'console=ttyS0 loglevel=5 ipv6.disable=1 panic=-1 realvm.n=$n realvm.size=$size realvm.reloads=$reloads realvm.hostmac=$(hostmac $n)'"
		rom=,romfile=
	else
		# No romfile=: QEMU patches the PCI ids of its default ROM
		# (efi-virtio.rom) only; SeaBIOS does not run a ROM given by name,
		# whose ids do not match. graphics=off and no VGA: SeaBIOS's serial
		# console carries iPXE's output to the serial file.
		boot="-m 32 -accel tcg,tb-size=64" rom=,bootindex=1
	fi
	# vhostspy (LD_PRELOAD) writes QEMU's own view of each vhost ring to
	# $W/q$n.spy when QEMU exits: ring bases and the interrupts it read.
	eval "timeout -s KILL $QEMU_LIMIT env LD_PRELOAD=/opt/realvm/vhostspy.so VHOSTSPY_OUT=$W/q$n.spy \
		qemu-system-x86_64 $boot \
		-nodefaults -display none -no-reboot -machine graphics=off -S \
		-serial file:$W/q$n.serial -qmp pipe:$W/q$n.qmp \
		-netdev tap,id=n0,ifname=tap$n,script=no,downscript=no,vhost=on$nd \
		-device virtio-net-pci,netdev=n0,id=nic0$rom,mac=$(guestmac $n)$dv \
		-trace vhost_dev_start -trace vhost_dev_stop -trace virtio_set_status \
		-trace virtqueue_flush -D $W/q$n.trace >$W/q$n.out 2>&1 &"
	echo $! >$W/q$n.pid
	echo "{\"type\":\"qemu\",\"qemu\":$n,\"kind\":\"$2\",\"driver\":\"$driver\"}" >>$W/gt
	# The QMP greeting: QEMU has created tap$n and opened /dev/vhost-net.
	wait_for 60 eval "grep -q '\"QMP\"' $W/q$n.qmp.log || ! alive $n"
	if ! grep -q '"QMP"' $W/q$n.qmp.log; then
		log "q$n: no QMP greeting (its stderr goes with the results)"
		return 1
	fi
	qmp $n '{"execute":"qmp_capabilities"}' || return 1
	# The tap exists now (QEMU made it; it goes when QEMU exits). IPv6 off
	# before it is up, so that this side sends nothing unasked; fixed
	# addresses both ways (no ARP that could come after the last counts).
	echo 1 >/proc/sys/net/ipv6/conf/tap$n/disable_ipv6
	ip link set tap$n address "$(hostmac $n)" &&
		ip addr add 10.0.$n.1/24 dev tap$n && ip link set tap$n up || return 1
	[ "$driver" = linux ] &&
		{ arp -i tap$n -s 10.0.$n.2 "$(guestmac $n)" || return 1; }
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
guestmac() { echo "52:54:00:12:34:0$1"; }
hostmac() { echo "02:00:00:00:01:0$1"; }

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
	# vhostspy's lines (written when QEMU exited).
	[ -f $W/q$n.spy ] && sed "s/^{/@@gt {\"qemu\":$n,/" $W/q$n.spy >>$W/more
}

emit() { # name rc
	# A Linux guest whose kernel panicked before its driver said anything:
	# held back once for a second run (main).
	INNER_PANIC=
	if [ "$driver" = linux ] && [ -z "$RETRIED" ] && grep -q 'Kernel panic' $W/q*.serial 2>/dev/null &&
		! grep -q 'REALVM-FEATURES' $W/q*.serial 2>/dev/null; then
		INNER_PANIC=1 RETRIED=1
		sed 's/^/realvm: first run: /' $W/q*.serial | grep -E 'panic|fault|RIP' | head -5
		return
	fi
	RETRIED=
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
# The QEMUs of a scenario run at once (HOW pidof) or one after the other
# (HOW follow: the next starts when the previous has quit).
traffic_done() { # n: wait until QEMU n's guest has finished its work
	left=$((DONE_LIMIT - ($(now) - start)))
	[ $left -gt 0 ] || left=1
	wait_for $left serial_has $1 'REALVM-(DONE|FAIL)' || log "q$1: the guest did not finish in $DONE_LIMIT s"
}

finish_qemu() { # n: its last ground truth, then it quits
	if [ "$driver" = linux ]; then
		# The guest has given its last counts and powers off 3 s later:
		# the tap goes with QEMU, so read it now (nothing moves any more).
		[ -e /sys/class/net/tap$1 ] && tapstats $1 stop
		wait_for 60 eval "! alive $1" || { log "q$1: the guest did not power off"; stop_qemu $1; }
	else
		stop_qemu $1
	fi
}

scrape() { # label: vqtrace's /metrics, tagged
	wget -q -O $W/metrics "http://127.0.0.1:$PROM_PORT/metrics" 2>>$W/err || log "scrape $1 failed"
	grep '^vqtrace_' $W/metrics | sed "s/^/@@prom $1 /" >>$W/more
}

run_scenario() { # name how vqopts settings...
	name=$1 how=$2 vqopts=$3
	shift 3
	nics=plain fetches=4 size=131072 reopen=0 pause=0 loadgen=0 driver=ipxe reloads=0
	for kv in "$@"; do
		case $kv in
		nics=* | fetches=* | size=* | reopen=* | pause=* | loadgen=* | driver=* | reloads=*)
			eval "${kv%%=*}=\${kv#*=}" ;;
		*) log "unknown setting $kv" ;;
		esac
	done
	DONE_LIMIT=300		# s: the guest must have finished its work by then
	[ "$driver" = linux ] && DONE_LIMIT=480
	rm -f $W/vq $W/gt $W/more $W/err $W/gtL
	: >$W/vq; : >$W/gt; : >$W/more; : >$W/err
	# Its content does not matter (nothing compresses it); not from
	# /dev/urandom (see main).
	head -c "$size" /dev/zero >$W/www/blob
	echo "{\"type\":\"settings\",\"how\":\"$how\",\"nics\":\"$nics\",\"fetches\":$fetches,\"size\":$size,\"reopen\":$reopen,\"pause\":$pause,\"loadgen\":$loadgen,\"driver\":\"$driver\",\"reloads\":$reloads}" >>$W/gt
	rc=0 ns=
	n=0
	for kind in $(echo "$nics" | tr ',' ' '); do
		n=$((n + 1))
		ns="$ns $n"
		ipxe_script $n "$fetches" "$reopen" >$W/www/boot$n.ipxe
		# follow: only the first now, the others one after the other.
		[ "$how" = follow ] && [ $n -gt 1 ] && continue
		start_qemu $n "$kind" || rc=97
	done
	# The headline command, literally: $(pidof ...) unquoted, one word per pid.
	# shellcheck disable=SC2046
	vqtrace -j -T $vqopts -p $(pidof qemu-system-x86_64) >$W/vq 2>>$W/err &
	v=$!
	for p in $(pidof qemu-system-x86_64); do
		echo "{\"type\":\"pid\",\"pid\":$p}" >>$W/gt
	done
	wait_for 60 eval "grep -q 'vqtrace: tracing' $W/err || ! kill -0 $v 2>/dev/null"
	grep -q "vqtrace: tracing" $W/err || { log "vqtrace did not attach"; rc=96; }
	start=$(now)
	if [ "$how" = follow ]; then
		# One QEMU after the other, each let go at once: vqtrace
		# (--follow) must count the next one from its first used entry
		# (the kernel takes it by name and start time).
		for n in $ns; do
			[ $n -gt 1 ] && { start_qemu $n "$(echo "$nics" | cut -d, -f$n)" || rc=97; }
			echo "{\"type\":\"qemu_pid\",\"qemu\":$n,\"pid\":$(cat $W/q$n.pid)}" >>$W/gt
			qmp $n '{"execute":"cont"}'
			start=$(now)
			traffic_done $n
			finish_qemu $n
			collect_qemu $n
			# Prometheus: totals since start, after an interval's refresh.
			sleep 2.5
			scrape "after-q$n"
		done
		log "$name: vqtrace stopped (SIGINT) after the last QEMU"
		kill -INT $v
	else
		for n in $ns; do echo "{\"type\":\"qemu_pid\",\"qemu\":$n,\"pid\":$(cat $W/q$n.pid)}" >>$W/gt; done
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
		for n in $ns; do traffic_done $n; done
		log "$name: guests done after $(($(now) - start)) s"
		for n in $ns; do finish_qemu $n; done
		for n in $ns; do collect_qemu $n; done
	fi
	# -p ends the run (with totals) when every traced process has exited.
	if ! wait_for 30 eval "! kill -0 $v 2>/dev/null"; then
		log "vqtrace still running 30 s after the QEMUs quit: SIGINT"
		kill -INT $v
		wait_for 10 eval "! kill -0 $v 2>/dev/null" || kill -9 $v
	fi
	wait $v
	vrc=$?
	[ $rc -eq 0 ] && rc=$vrc
	emit "$name" $rc
}

# --- main --------------------------------------------------------------------
# Under QEMU before 8.1 the TCG rig can crash when the kernel patches its own
# text while the other vCPU runs that code (an int3 oops; tools/vm/qemu.conf:
# the rig now boots with a QEMU that has the fix, and this stays for a
# VQTRACE_VM_QEMU without it). Every boot makes
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
mkdir -p $W/www/cgi-bin
# The Linux guest's uploads: read the body whole, answer a line.
printf '#!/bin/sh\nhead -c "${CONTENT_LENGTH:-0}" >/dev/null\nprintf "Content-Type: text/plain\\r\\n\\r\\nok\\n"\n' >$W/www/cgi-bin/sink
chmod 755 $W/www/cgi-bin/sink
httpd -p 80 -h $W/www || log "httpd failed"
grep -v '^#' "$HERE/scenarios" | while IFS='|' read -r name kernels how vqopts settings; do
	name=$(echo $name)
	[ -n "$name" ] || continue
	case " ${ONLY:-$name} " in *" $name "*) ;; *) continue ;; esac
	case " $kernels " in *" $KERNEL "*) ;; *) continue ;; esac
	vqopts=$(echo $vqopts)
	[ "$vqopts" = - ] && vqopts=
	how=$(echo $how)
	case $how in pidof | follow) ;; *) log "$name: unknown HOW '$how'"; continue ;; esac
	log "$name: $(echo $settings)"
	# stdin: not the scenario list this loop reads
	run_scenario "$name" "$how" "$vqopts" $settings </dev/null
	if [ -n "$INNER_PANIC" ]; then
		# The Linux guest's kernel died before its driver ran (no ring was
		# ever set up): the scenario is run again, once, from scratch.
		log "$name: the Linux guest's kernel panicked while booting: run again"
		run_scenario "$name" "$how" "$vqopts" $settings </dev/null
	fi
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
