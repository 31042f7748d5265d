#!/usr/bin/env bash
# Host tests of vqtrace's command line: bad input gives exactly one line on
# stderr and exit status 2; --help documents every counter. These need no
# kernel support, so they run on the development machine.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
vq=${VQTRACE:-$here/../../vqtrace}
pass=0 fail=0
# a file of this run's own: other checkouts run these tests at the same time
errf=$(mktemp "${TMPDIR:-/tmp}/vqcli.XXXXXX")
trap 'rm -f "$errf"' EXIT

expect_bad() { # args...: exit 2, one stderr line, nothing on stdout
	local out err rc
	out=$("$vq" "$@" 2>"$errf"); rc=$?
	err=$(cat "$errf")
	if [ $rc -eq 2 ] && [ -z "$out" ] && [ "$(wc -l <"$errf")" -eq 1 ] && [[ $err == vqtrace* ]]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: vqtrace $*: want exit 2 and one stderr line, got exit $rc, stderr: $err" >&2
	fi
}

expect_bad -i 0
expect_bad -i abc
expect_bad -i ''
expect_bad -d -1
expect_bad -d 0
expect_bad -p 0
expect_bad -p -5
expect_bad -p abc
expect_bad -p 1,,2
expect_bad -p 99999999
expect_bad -m 0
expect_bad -m 12x
expect_bad --add-used-mode magic
expect_bad --no-such-option
expect_bad -Z
expect_bad --
expect_bad stray-argument
expect_bad --descendants
expect_bad --no-wait
expect_bad --follow -- true
expect_bad -p 1 --follow --events
expect_bad -p 1 --follow --trigger all
expect_bad record -o /tmp/x.cap -p 1 --follow
expect_bad -p 1 -- true
expect_bad -i
expect_bad --prometheus 0
expect_bad --prometheus 70000
expect_bad --prometheus abc
expect_bad --prometheus 1.2.3:80
expect_bad --prometheus ''
expect_bad --prometheus localhost:9100
expect_bad --prometheus ::1:9100
expect_bad --prometheus '[::1]'
expect_bad --prometheus 127.0.0.1:
expect_bad --prometheus
expect_bad --prometheus 9100 --prom-by x
expect_bad --prometheus 9100 --prom-by ''
expect_bad --prometheus 9100 --prom-by PID
expect_bad --prometheus 9100 --prom-by
expect_bad --prom-by pid
expect_bad --prom-by vq -p 1
expect_bad --prometheus 9100 --prom-max-hist -1
expect_bad --prometheus 9100 --prom-max-hist 65537
expect_bad --prometheus 9100 --prom-max-hist abc
expect_bad --prometheus 9100 --prom-max-hist ''
expect_bad --prom-max-hist 5
# bounds and forms around the ones above
expect_bad -i 0.001
expect_bad -i nan
expect_bad -i inf
expect_bad -d nan
expect_bad -d inf
expect_bad -d abc
expect_bad -p 2147483648
expect_bad -p 1,
expect_bad -p ,1
expect_bad -m 1048577
expect_bad -m -1
expect_bad --stall-ms 0
expect_bad --hist-by foo
expect_bad --interval
expect_bad -i 1 -i
expect_bad -j --
expect_bad -T -q --
# vqtrace explain: the same contract, also for arguments holding a newline
expect_bad explain --event
expect_bad explain --bogus
expect_bad explain --new 70000
expect_bad explain --event 1 --event 2 --new 3 --old 1
expect_bad explain --packed
expect_bad explain --new $'1\n2'
expect_bad explain $'--js\non'

help=$("$vq" --help)
for word in adds used notifies signals suppressed wrap_checks invalidations \
	stale_signals event_read_errors last_used_idx signalled_used used_event \
	vq_map_full filtered_out notify_unknown_vq notify_arg1 notify_arg2 stash_full \
	retired_full; do
	if grep -qw "$word" <<<"$help"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: --help does not explain '$word'" >&2; fi
done
if [ "$("$vq" --help | awk '{ if (length($0) > 80) n++ } END { print n + 0 }')" -eq 0 ]; then
	pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: --help has lines over 80 columns" >&2; fi
if "$vq" --version | grep -q '^vqtrace [0-9]'; then pass=$((pass + 1)); else
	fail=$((fail + 1)); echo "FAIL: --version" >&2; fi

echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
