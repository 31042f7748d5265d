#!/usr/bin/env bash
# The real-QEMU suite (issue #13): boots each Debian kernel once under QEMU
# (tools/vm/run) and, inside, runs Debian's own qemu-system-x86_64 (TCG)
# with a vhost-net NIC driven by iPXE's virtio-net driver; vqtrace runs as
# the README says (-p $(pidof qemu-system-x86_64)) and its totals are checked
# against ground truth from outside it (tests/realvm/expect.jq says which
# relations are exact and why). Needs ./vqtrace and the load generator built
# (make realvm does that) and the host's qemu-system-x86, seabios and
# ipxe-qemu packages (tools/deps.sh), whose files are copied into the guest.
# Env: REALVM_KERNELS ("6.1 6.12 7.3"), REALVM_ONLY (scenario names), REALVM_OUT
# (results dir), REALVM_TIMEOUT (s per boot, 900).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../vm-suite.sh
. "$here/../vm-suite.sh"

die() { echo "realvm: $*" >&2; exit 1; }
qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
qemu=$(readlink -f "$qemu")
# What this QEMU loads at run time besides its shared libraries (which
# tools/vm/run copies by itself): the TCG accelerator, built as a module in
# Debian (without it: "could not load module for type 'tcg-accel-ops'"),
# SeaBIOS, the vapic option ROM of the pc machine, and the NIC's iPXE ROM.
# The guest keeps the host's paths, and QEMU finds its data relative to its
# binary ("-L help" lists the directories: ../share/qemu, ../share/seabios,
# ../lib/ipxe/qemu).
accel=$(ls /usr/lib/*/qemu/accel-tcg-x86_64.so 2>/dev/null | head -n 1) ||
	true
[ -n "$accel" ] || die "QEMU's TCG module accel-tcg-x86_64.so not found (package qemu-system-common)"
adds=(--add "$here:/realvm" --add "$qemu:/usr/bin/qemu-system-x86_64" --add "$accel")
mapfile -t datadirs < <("$qemu" -L help)
# linuxboot_dma.bin: the option ROM that boots -kernel (the Linux guest).
for f in bios-256k.bin kvmvapic.bin efi-virtio.rom linuxboot_dma.bin; do
	found=
	for d in "${datadirs[@]}"; do
		if [ -f "$d/$f" ]; then found=$(readlink -f "$d")/$f; break; fi
	done
	[ -n "$found" ] || die "$f not in QEMU's data directories (${datadirs[*]}); packages seabios, qemu-system-data, ipxe-qemu"
	adds+=(--add "$found")
done

# Built here, for the guest: vhostspy (QEMU's own view of the rings and the
# interrupts it read, LD_PRELOADed) and the Linux guest (kernel + initramfs).
build=$repo/.output/realvm
mkdir -p "$build"
${CC:-cc} -O2 -Wall -Wextra -shared -fPIC -o "$build/vhostspy.so" "$here/vhostspy.c" -ldl ||
	die "cannot build vhostspy.so"
"$here/inner-image.sh" "$build/inner" || die "cannot build the Linux guest"
adds+=(--add "$build/vhostspy.so:/opt/realvm/vhostspy.so" --add "$build/inner:/opt/realvm/inner")

vm_suite realvm "${REALVM_KERNELS:-6.1 6.12 7.3}" "${REALVM_TIMEOUT:-900}" "${REALVM_OUT:-$repo/results/realvm}" \
	"${REALVM_ONLY:-}" "$here/check.sh" /realvm/guest.sh "${adds[@]}"
