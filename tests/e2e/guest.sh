#!/bin/sh
# Runs inside the test VM (busybox sh): every scenario of /e2e/scenarios for
# this kernel under vqtrace, writing tagged raw outputs to $RESULTS (the
# rig's second serial port) for tests/e2e/check.sh on the host.
RESULTS=${RESULTS:-/dev/ttyS1}
KERNEL=$(uname -r | cut -d. -f1,2)
ONLY=$1

emit() { # name rc: the tagged outputs of one scenario
	{
		echo "@@begin $1 rc=$2"
		sed 's/^/@@vq /' /tmp/vq
		[ -f /tmp/gt ] && sed 's/^/@@gt /' /tmp/gt
		sed 's/^/@@err /' /tmp/err
		echo "@@end $1"
	} >"$RESULTS"
}

run_cmd() { # name args...: vqtrace $VQOPTS -- vhost-loadgen args
	name=$1; shift
	vqtrace -j -T $VQOPTS -- vhost-loadgen --gt /tmp/gt "$@" >/tmp/vq 2>/tmp/err
	emit "$name" $?
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

grep -v '^#' /e2e/scenarios | while IFS='|' read -r name kernels how vqopts args; do
	name=$(echo $name)
	[ -n "$name" ] || continue
	[ -z "$ONLY" ] || [ "$ONLY" = "$name" ] || continue
	case " $kernels " in *" $KERNEL "*) ;; *) continue ;; esac
	VQOPTS=$(echo $vqopts)
	[ "$VQOPTS" = - ] && VQOPTS=
	rm -f /tmp/gt /tmp/gtB /tmp/vq /tmp/err
	echo "e2e[$KERNEL]: $name: vqtrace $VQOPTS -- vhost-loadgen$args"
	case $(echo $how) in
	cmd) run_cmd "$name" $args ;;
	pid) run_pid "$name" $args ;;
	esac
done
echo "@@done" >"$RESULTS"
