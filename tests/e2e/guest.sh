#!/bin/sh
# Runs inside the test VM (busybox sh): every scenario of /e2e/scenarios for
# this kernel under vqtrace, writing tagged raw outputs to $RESULTS (the
# rig's second serial port) for tests/e2e/check.sh on the host.
RESULTS=${RESULTS:-/dev/ttyS1}
KERNEL=$(uname -r | cut -d. -f1,2)
ONLY=$*	# scenario names (E2E_ONLY), or empty for all

emit() { # name rc: the tagged outputs of one scenario
	{
		echo "@@begin $1 rc=$2"
		sed 's/^/@@vq /' /tmp/vq
		[ -f /tmp/gt ] && sed 's/^/@@gt /' /tmp/gt
		[ -f /tmp/rep ] && sed 's/^/@@rep /' /tmp/rep
		[ -f /tmp/trig ] && sed 's/^/@@trig /' /tmp/trig
		sed 's/^/@@err /' /tmp/err
		echo "@@end $1"
	} >"$RESULTS"
}

run_cmd() { # name args...: vqtrace $VQOPTS -- vhost-loadgen args
	name=$1; shift
	vqtrace -j -T $VQOPTS -- vhost-loadgen --gt /tmp/gt "$@" >/tmp/vq 2>/tmp/err
	emit "$name" $?
}

# Event lines -> one {"type":"evcount"} per pid and queue direction (the
# events themselves are too many for the serial port); other lines pass.
evcount() {
	awk '/"type":"event"/ {
		match($0, /"pid":[0-9]+/); pid = substr($0, RSTART + 6, RLENGTH - 6)
		match($0, /"dir":"[^"]*"/); dir = substr($0, RSTART + 7, RLENGTH - 8)
		match($0, /"gap":[0-9]+/); gap = substr($0, RSTART + 6, RLENGTH - 6)
		k = pid " " dir; keys[k] = 1; gaps[k] += gap
		if ($0 ~ /"event":"add_used"/) add[k]++; else notify[k]++
		next
	}
	{ print }
	END { for (k in keys) { split(k, a, " ")
		printf "{\"type\":\"evcount\",\"pid\":%s,\"dir\":\"%s\",\"add_used\":%d,\"notify\":%d,\"gaps\":%d}\n",
			a[1], a[2], add[k], notify[k], gaps[k] } }'
}

run_ev() { # name args...: vqtrace --events $VQOPTS -- vhost-loadgen args
	name=$1; shift
	vqtrace -j -T --events $VQOPTS -- vhost-loadgen --gt /tmp/gt "$@" >/tmp/vqraw 2>/tmp/err
	rc=$?
	evcount </tmp/vqraw >/tmp/vq
	rm -f /tmp/vqraw
	emit "$name" $rc
}

# Like run_ev, but vqtrace is stopped (SIGSTOP) for the whole load: the
# kernel keeps producing events into a ring nobody drains, so a small ring
# must lose events however fast the host is.
run_evstop() { # name args...
	name=$1; shift
	rm -f /tmp/go /tmp/gt
	vqtrace -j -T --events $VQOPTS -- vhost-loadgen --gt /tmp/gt --wait-file /tmp/go "$@" \
		>/tmp/vqraw 2>/tmp/err &
	v=$!
	i=0	# the command runs (as vhost-loadgen) only once every hook is attached
	until cat /proc/[0-9]*/comm 2>/dev/null | grep -qx vhost-loadgen || [ $i -ge 600 ]; do
		i=$((i + 1)); sleep 0.1
	done
	kill -STOP $v
	touch /tmp/go
	i=0
	until [ -s /tmp/gt ] || [ $i -ge 1200 ]; do i=$((i + 1)); sleep 0.1; done
	kill -CONT $v
	wait $v
	rc=$?
	evcount </tmp/vqraw >/tmp/vq
	rm -f /tmp/vqraw
	emit "$name" $rc
}

run_rec() { # name args...: vqtrace record $VQOPTS -- vhost-loadgen args, then report
	name=$1; shift
	rm -f /tmp/cap
	vqtrace record -o /tmp/cap -j $VQOPTS -- vhost-loadgen --gt /tmp/gt "$@" >/tmp/vq 2>/tmp/err
	rc=$?
	ropts=
	case " $VQOPTS " in *" --hist "*) ropts=--hist ;; esac
	vqtrace report -q --json $ropts /tmp/cap >/tmp/rep 2>>/tmp/err || rc=98
	vqtrace report -q --json --events /tmp/cap 2>>/tmp/err | evcount | grep '"type":"evcount"' >>/tmp/rep
	# A real capture cut short: refused with one line and status 2.
	head -c $(($(wc -c </tmp/cap) / 2)) /tmp/cap >/tmp/cap.cut
	vqtrace report /tmp/cap.cut >/dev/null 2>/tmp/cut.err
	cr=$?
	echo "{\"type\":\"cut\",\"rc\":$cr,\"lines\":$(wc -l </tmp/cut.err),\"msg\":\"$(head -c 200 /tmp/cut.err | tr -d '\n"\\')\"}" >>/tmp/rep
	emit "$name" $rc
}

wait_ready() { # vqtrace prints "tracing" on stderr once its hooks are attached
	i=0
	while ! grep -q "vqtrace: tracing" /tmp/err 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 600 ] && return 1
		sleep 0.1
	done
}

run_pid() { # name args...: loadgens A and B, vqtrace -p A
	name=$1; shift
	rm -f /tmp/go
	vhost-loadgen --gt /tmp/gt --wait-file /tmp/go "$@" >/dev/null 2>/tmp/errA &
	a=$!
	vhost-loadgen --gt /tmp/gtB --wait-file /tmp/go "$@" >/dev/null 2>/tmp/errB &
	b=$!
	vqtrace -j -T $VQOPTS -p $a >/tmp/vq 2>/tmp/err &
	v=$!
	wait_ready || echo "vqtrace did not attach in 60 s" >>/tmp/err
	touch /tmp/go
	wait $a; ra=$?
	wait $b; rb=$?
	wait $v; rv=$?
	cat /tmp/errA /tmp/errB >>/tmp/err
	# B's ground truth is shown to the checker as "other": it must not appear.
	sed 's/^{/{"other":true,/' /tmp/gtB >>/tmp/gt
	[ $ra -eq 0 ] && [ $rb -eq 0 ] && rc=$rv || rc=99
	emit "$name" $rc
}

# vhost-scsi: a configfs target (scsi-target.sh) for the scenario's run:
# vhost-loadgen --scsi attaches to its WWPN.
SCSI_WWPN=naa.5001405000000001
run_scsi() { # name backstore args...: target up, run_cmd --scsi WWPN args, target down
	name=$1 bs=$2; shift 2
	if ! sh /e2e/scsi-target.sh up $SCSI_WWPN 4096 $bs >/tmp/tgt 2>&1; then
		: >/tmp/vq
		sed 's/^/scsi-target.sh up: /' /tmp/tgt >/tmp/err
		emit "$name" 97
	else
		run_cmd "$name" --scsi $SCSI_WWPN "$@"
	fi
	sh /e2e/scsi-target.sh down $SCSI_WWPN >/tmp/tgt 2>&1 ||
		sed 's/^/e2e: scsi-target.sh down: /' /tmp/tgt
}

grep -v '^#' /e2e/scenarios | while IFS='|' read -r name kernels how vqopts args; do
	name=$(echo $name)
	[ -n "$name" ] || continue
	case " ${ONLY:-$name} " in *" $name "*) ;; *) continue ;; esac
	case " $kernels " in *" $KERNEL "*) ;; *) continue ;; esac
	VQOPTS=$(echo $vqopts)
	[ "$VQOPTS" = - ] && VQOPTS=
	rm -f /tmp/gt /tmp/gtB /tmp/vq /tmp/err /tmp/rep /tmp/trig
	echo "e2e[$KERNEL]: $name: vqtrace $VQOPTS -- vhost-loadgen$args"
	case $(echo $how) in
	cmd) run_cmd "$name" $args ;;
	pid) run_pid "$name" $args ;;
	ev) run_ev "$name" $args ;;
	evstop) run_evstop "$name" $args ;;
	rec) run_rec "$name" $args ;;
	scsi) run_scsi "$name" rd $args ;;
	scsidm) run_scsi "$name" dm $args ;;
	notramp) # the kernel refuses the trampoline (no such target)
		VQTRACE_TEST_TRAMPOLINE_TARGET=vqtrace_no_such_function run_cmd "$name" $args ;;
	esac
done
echo "@@done" >"$RESULTS"
