#!/bin/sh
# Runs inside the test VM (busybox sh) for tests/prom/live.sh: a real
# Prometheus server scrapes `vqtrace --prometheus 9100` while vhost-loadgen
# runs under it; the server's answers, a raw scrape and the loadgen's ground
# truth go to $RESULTS (the rig's second serial port), tagged
#   @@begin NAME ... @@end NAME
# for the host to compare. Only loopback traffic: Prometheus listens on
# 127.0.0.1:9090 and scrapes 127.0.0.1:9100.
RESULTS=${RESULTS:-/dev/ttyS1}
D=$(dirname "$0")
LG_ARGS=${LG_ARGS:---tx 5000000 --seconds 6 --event-every 4}

emit() { # name file
	{
		echo "@@begin $1"
		cat "$2" 2>/dev/null
		echo
		echo "@@end $1"
	} >"$RESULTS"
}
note() { echo "prom-guest: $*"; }
get() { # url file: the body (any status) into file, the status line's code echoed
	rm -f "$2"
	wget -q -O "$2" "$1" 2>/tmp/wget.err && { echo 200; return; }
	sed -n 's/.*HTTP\/1\.[01] \([0-9][0-9][0-9]\).*/\1/p' /tmp/wget.err | head -n 1
}
# Prometheus' timestamp of the last sample of vqtrace_up (whole seconds)
last_scrape() {
	wget -q -O - 'http://127.0.0.1:9090/api/v1/query?query=timestamp(vqtrace_up)' 2>/dev/null |
		sed -n 's/.*"value":\[[0-9.]*,"\([0-9]*\).*/\1/p'
}

# Count the BPF programs' run time (vqtrace_bpf_*); off by default.
echo 1 >/proc/sys/kernel/bpf_stats_enabled

mkdir -p /tmp/prom
prometheus --config.file="$D/prometheus.yml" --storage.tsdb.path=/tmp/prom/data \
	--web.listen-address=127.0.0.1:9090 >/tmp/prom/log 2>&1 &
P=$!
i=0
until wget -q -O /dev/null http://127.0.0.1:9090/-/ready 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 600 ] && { note "prometheus not ready after 60 s"; break; }
	sleep 0.1
done
note "prometheus ready after $i polls"

# A port that is taken (Prometheus' own): one line, exit 1.
vqtrace -q --prometheus 9090 -d 1 >/tmp/bind.out 2>/tmp/bind.err
echo "rc=$? lines=$(wc -l </tmp/bind.err)" >/tmp/bind
cat /tmp/bind.err >>/tmp/bind
emit bind /tmp/bind

rm -f /tmp/gt
# shellcheck disable=SC2086
vqtrace -q -i 1 --hist --kicks --prometheus 9100 -- vhost-loadgen $LG_ARGS --hold 12000 --gt /tmp/gt \
	>/tmp/vq.out 2>/tmp/vq.err &
V=$!
i=0
until [ -s /tmp/gt ]; do
	i=$((i + 1))
	[ $i -gt 1200 ] && { note "no ground truth after 120 s"; break; }
	sleep 0.1
done
# The loadgen's counts are final once /tmp/gt is written (after its flush
# barrier). vqtrace's snapshot is at most one interval (1 s) older than
# that; wait for a scrape that began at least 3 s after it.
t0=$(date +%s)
i=0
while :; do
	ts=$(last_scrape)
	[ -n "$ts" ] && [ "$ts" -ge $((t0 + 3)) ] && break
	i=$((i + 1))
	[ $i -gt 200 ] && { note "no scrape after the run within 20 s (last: $ts, t0 $t0)"; break; }
	sleep 0.1
done
note "ground truth at $t0, scrape at $ts"

emit gt /tmp/gt
for m in vqtrace_used_total vqtrace_signals_total vqtrace_notifies_total \
	vqtrace_suppressed_total vqtrace_bpf_runs_total vqtrace_up; do
	get "http://127.0.0.1:9090/api/v1/query?query=$m" /tmp/q >/dev/null
	emit "query $m" /tmp/q
done
# every sample stored so far: the snapshot moved during the run
get 'http://127.0.0.1:9090/api/v1/query?query=vqtrace_used_total%5B2m%5D' /tmp/q >/dev/null
emit "samples vqtrace_used_total" /tmp/q
get http://127.0.0.1:9090/api/v1/targets /tmp/q >/dev/null
emit targets /tmp/q

# A raw scrape, for promtool on the host, and the endpoint's other answers.
code=$(get http://127.0.0.1:9100/metrics /tmp/metrics)
echo "$code" >/tmp/code
emit metrics-code /tmp/code
emit metrics /tmp/metrics
code=$(get http://127.0.0.1:9100/ /tmp/other)
echo "$code" >/tmp/code
emit other-code /tmp/code

# Every PromQL expression and variable query of the Grafana dashboard
# (variables filled in by the host; one URL-encoded API path per line) on
# the real server and data.
n=0
if [ -f "$D/dash.urls" ]; then
	while read -r q; do
		n=$((n + 1))
		get "http://127.0.0.1:9090$q" /tmp/q >/dev/null
		emit "dash $n" /tmp/q
	done <"$D/dash.urls"
fi

wait $V
echo "rc=$?" >/tmp/vqrc
emit vqtrace-rc /tmp/vqrc
emit vqtrace-err /tmp/vq.err

# An IPv6 address with -T (the endpoint only), stopped by SIGINT: the
# server thread must stop and vqtrace exit 0 promptly.
vqtrace -q -T --prometheus '[::1]:9101' >/tmp/v6.out 2>/tmp/v6.err &
V=$!
i=0
until [ "$(get 'http://[::1]:9101/metrics' /tmp/v6.metrics)" = 200 ]; do
	i=$((i + 1))
	[ $i -gt 300 ] && break
	sleep 0.1
done
grep '^vqtrace_up ' /tmp/v6.metrics >/tmp/v6
t1=$(date +%s)
kill -INT $V
wait $V
echo "rc=$? secs=$(($(date +%s) - t1))" >>/tmp/v6
emit ipv6 /tmp/v6

kill $P 2>/dev/null
wait $P 2>/dev/null
echo "@@done" >"$RESULTS"
