#!/usr/bin/env bash
# `make demo`: boots Debian's 6.12 kernel with vhost under QEMU and shows
# vqtrace's live table over the load generator: two vhost-net devices, one
# asking for an interrupt every 16 used entries, the other every entry.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kernel=${DEMO_KERNEL:-6.12}
echo "demo: booting Debian $kernel with vhost_net under QEMU (TCG, about 10 s)..." >&2
exec "$here/vm/run" --kernel "$kernel" --timeout 300 -- sh -c '
	echo "demo: vhost-loadgen drives two vhost-net devices (interrupt every 16, and every 1)"
	vhost-loadgen --tx 600000 --event-every 16 --gt /tmp/a.json &
	a=$!
	vhost-loadgen --tx 300000 --event-every 1 --gt /tmp/b.json &
	echo "demo: vqtrace -i 2 (one table every 2 s, Ctrl-C would stop it)"
	vqtrace -i 2 -d 16
	wait
	echo "demo: the load generators own counts (ground truth):"
	cat /tmp/a.json /tmp/b.json
'
