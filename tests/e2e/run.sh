#!/usr/bin/env bash
# The real-kernel e2e suite: boots each Debian kernel under QEMU (tools/vm/run),
# runs every scenario there under vqtrace, and checks the totals against the
# load generator's ground truth (check.sh). Needs ./vqtrace and the load
# generator built (make e2e does that).
# Env: E2E_KERNELS ("6.1 6.12 7.3"), E2E_ONLY (scenario names, space-separated), E2E_OUT (results dir).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../vm-suite.sh
. "$here/../vm-suite.sh"
vm_suite e2e "${E2E_KERNELS:-6.1 6.12 7.3}" "${E2E_TIMEOUT:-900}" "${E2E_OUT:-$repo/results/e2e}" \
	"${E2E_ONLY:-}" "$here/check.sh" /e2e/guest.sh
