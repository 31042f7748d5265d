#!/usr/bin/env bash
# The robustness scenarios are checked by the shared suite checker, with the
# kernel-log scenario "final" that every boot ends with.
# Usage: tests/robust/check.sh KERNEL RESULTS_FILE  (CHECK_ONLY or ROBUST_ONLY=NAME
# for one)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHECK_ONLY=${CHECK_ONLY:-${ROBUST_ONLY:-}} exec "$here/../e2e/check.sh" --suite "$here" --also final "$@"
