#!/usr/bin/env bash
# Robustness suite in the real-kernel rig: one VM boot per kernel runs every
# scenario of tests/robust/scenarios (guest.sh), then check.sh compares the
# results with what the definitions imply. Needs ./vqtrace, the load
# generator and bpftool on the host (copied into the guest with its
# libraries). Prints "robust: N passed, M failed" last.
# Env: ROBUST_KERNELS ("6.1 6.12 7.3"), ROBUST_ONLY (one scenario), ROBUST_OUT
# (results dir, default results/robust), ROBUST_TIMEOUT (per boot, 600 s).
set -euo pipefail
# Two vCPUs, so that vqtrace attaches and detaches while vhost runs the
# patched functions on the other vCPU. Under QEMU 7.2 this once crashed the
# 6.12 guest (an int3 oops at __vhost_add_used_n+1 during ftrace's
# patching), so the suite ran on one vCPU: QEMU's TCG race, fixed in 8.1,
# which the rig's QEMU has (tools/vm/qemu.conf). ROBUST_SMP=1 for one.
export VQTRACE_VM_SMP=${ROBUST_SMP:-2}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
bpftool=${BPFTOOL:-$(command -v bpftool || echo /usr/sbin/bpftool)}
[ -x "$bpftool" ] || { echo "robust: bpftool not found (apt-get install bpftool)" >&2; exit 1; }
# shellcheck source=../vm-suite.sh
. "$here/../vm-suite.sh"
vm_suite robust "${ROBUST_KERNELS:-6.1 6.12 7.3}" "${ROBUST_TIMEOUT:-600}" "${ROBUST_OUT:-$repo/results/robust}" \
	"${ROBUST_ONLY:-}" "$here/check.sh" /robust/guest.sh \
	--add "$bpftool:/usr/sbin/bpftool" --add "$here:/robust"
