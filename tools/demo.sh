#!/usr/bin/env bash
# `make demo`: boots Debian's current kernel (7.3) with vhost under QEMU and
# shows vqtrace's live table over the load generator: two vhost-net devices,
# one on a VIRTIO_F_IN_ORDER ring asking for an interrupt every 64 used
# entries, the other asking for every entry, plus RX traffic, for 16
# seconds, with the kick side traced (--kicks). DEMO_KERNEL=6.1 or 6.12
# runs it there (without in-order).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kernel=${DEMO_KERNEL:-7.3}
inorder=
[ "$kernel" = 7.3 ] && inorder=--in-order
echo "demo: booting Debian $kernel with vhost_net under QEMU (TCG, about 10 s)..." >&2
exec "$here/vm/run" --kernel "$kernel" --timeout 300 -- sh -c '
	rm -f /tmp/go
	echo "demo: two vhost-loadgen processes: TX asking for an interrupt every 64 entries"
	echo "      ('"${inorder:-no in-order}"'); TX+RX asking for every entry. vqtrace --kicks"
	echo "      prints a table every 2 s, then the totals and the load generators own"
	echo "      counts (interrupts, kicks)."
	vhost-loadgen --tx 100000000 --event-every 64 '"$inorder"' --seconds 14 --wait-file /tmp/go --gt /tmp/a.json &
	vhost-loadgen --tx 100000000 --rx 100000000 --seconds 14 --wait-file /tmp/go --gt /tmp/b.json &
	# start the load once vqtrace has attached (it says "tracing")
	(i=0; until grep -q "vqtrace: tracing" /tmp/vq.err 2>/dev/null || [ $i -ge 300 ]; do
		i=$((i + 1)); sleep 0.1; done; touch /tmp/go) &
	vqtrace --kicks -i 2 -d 16 2>/tmp/vq.err
	cat /tmp/vq.err >&2
	wait
	echo "demo: the load generators own counts (ground truth) to compare with TOTAL:"
	cat /tmp/a.json /tmp/b.json
'
