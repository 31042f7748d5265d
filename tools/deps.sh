#!/usr/bin/env bash
# Install every Debian package vqtrace needs to build, test and demo.
# Called by `make deps` (and so by `make check`/`make demo`); safe to re-run.
set -euo pipefail

# help2man: `make install` and the Debian package render vqtrace(8) from --help
BUILD_PKGS="clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libjansson-dev libevent-dev make gcc pkg-config help2man"
# seabios, ipxe-qemu: firmware of the QEMU that tests/realvm runs inside the test guests
TEST_PKGS="libcmocka-dev jq qemu-system-x86 busybox-static cpio kmod xz-utils debian-archive-keyring prometheus libclang-rt-14-dev seabios ipxe-qemu"
# make install-check and make deb-check (tests/pkg): systemd-analyze verify,
# groff and man on the man page, file; dpkg-buildpackage and debhelper build
# the .deb, lintian checks it; util-linux's setpriv and unshare and strace go
# into the test guests to run the unit's restrictions there.
TEST_PKGS="$TEST_PKGS systemd groff-base man-db file dpkg-dev debhelper lintian util-linux strace"

missing=()
pkgs="$BUILD_PKGS"
[ -n "${VQTRACE_DEPS_BUILD_ONLY:-}" ] || pkgs="$pkgs $TEST_PKGS"
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run 'sudo make deps' (or apt-get install them)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
