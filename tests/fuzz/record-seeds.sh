#!/usr/bin/env bash
# Records the capture fuzzer's seeds (tests/fuzz/corpus/capture/) with the
# real vqtrace over the real vhost in a rig guest, so that the fuzzer starts
# from files the current format writer made. Run it again whenever the
# capture format changes (docs/capture-format.md), and commit the result.
# Usage: tests/fuzz/record-seeds.sh [KERNEL]   (default 6.12)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
kernel=${1:-6.12}
out=$here/corpus/capture
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

make -s -C "$repo" all loadgen
# name|vqtrace options|vhost-loadgen options: small loads, each a different
# part of the format (intervals, histograms, events lost or sampled, kprobe
# hooks, flags).
cat >"$work/seeds" <<'LIST'
tx300-every16|-i 0.2|--tx 300 --event-every 16
event-ahead-intervals|-i 0.2|--tx 400 --event-ahead 300
hist-2dev|--hist|--devices 2 --tx 300
kprobe-noevidx|--add-used-mode kprobe|--tx 200 --no-event-idx
ring4k-lost-nocall-hist|--hist --ringbuf-kb 4|--tx 600 --no-call
sample20-rx-intervals|--sample 20 -i 0.2|--rx 300
LIST
cat >"$work/guest.sh" <<'GUEST'
#!/bin/sh
while IFS='|' read -r name vqopts lgopts; do
	rm -f /tmp/cap
	# shellcheck disable=SC2086
	vqtrace record -q -o /tmp/cap $vqopts -- vhost-loadgen $lgopts >/dev/null 2>/tmp/err ||
		{ echo "@@fail $name"; cat /tmp/err; exit 1; }
	echo "@@seed $name"
	base64 /tmp/cap
	echo "@@end"
done </seeds >/dev/ttyS1
GUEST
"$repo/tools/vm/run" --kernel "$kernel" --timeout 600 --add "$work/seeds:/seeds" \
	--add "$work/guest.sh:/guest.sh" --results "$work/results" -- sh /guest.sh >"$work/console" ||
	{ tail -n 30 "$work/console" >&2; cat "$work/results" >&2 2>/dev/null; exit 1; }
tr -d '\r' <"$work/results" | awk -v dir="$work" -v k="$kernel" '
	/^@@seed / { f = dir "/" k "-" $2 ".b64"; next }
	/^@@end/ { f = ""; next }
	f { print > f }'
rm -f "$out"/*.cap
for b in "$work"/*.b64; do
	base64 -d <"$b" >"$out/$(basename "$b" .b64).cap"
	echo "seed: $out/$(basename "$b" .b64).cap ($(stat -c %s "$out/$(basename "$b" .b64).cap") bytes)"
done
for f in "$out"/*.cap; do "$repo/vqtrace" report -q "$f" >/dev/null || { echo "unreadable: $f" >&2; exit 1; }; done
