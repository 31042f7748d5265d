#!/usr/bin/env bash
# The real-QEMU scenarios are checked by the shared suite checker
# (tests/e2e/check.sh) with this directory's scenarios, parse.jq and
# expect.jq, plus "final" (the kernel log) that every boot ends with.
# Usage: tests/realvm/check.sh KERNEL RESULTS_FILE  (CHECK_ONLY or
# REALVM_ONLY=NAME for one scenario)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHECK_ONLY=${CHECK_ONLY:-${REALVM_ONLY:-}} exec "$here/../e2e/check.sh" --suite "$here" --also final "$@"
