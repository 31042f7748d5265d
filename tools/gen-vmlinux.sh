#!/usr/bin/env bash
# Regenerates vmlinux/<arch>/vmlinux.h from a Debian kernel package's BTF.
# Not part of the build: the headers are committed (CO-RE makes one header
# good for every kernel). Usage: tools/gen-vmlinux.sh x86|arm64
#
# The BTF comes from Debian's linux-image package of the pinned 6.1 kernel
# (tools/vm/kernels.conf): arm64's vmlinuz is an uncompressed Image that
# embeds the .BTF section as-is; x86's bzImage is compressed, so for x86 the
# running host kernel's /sys/kernel/btf/vmlinux is used when it is there.
# Fetching the arm64 package needs `dpkg --add-architecture arm64` and an
# `apt-get update` first (done here, with a message, when missing).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
arch=${1:-}
bpftool=$(command -v bpftool || echo /usr/sbin/bpftool)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

u32() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }

# Finds the raw BTF blob (magic 0xeB9F, version 1, a 24-byte header) in a
# kernel image and copies it out.
extract_btf() { # image out
	local off hdr tlen soff slen size total
	total=$(stat -c %s "$1")
	for off in $(LC_ALL=C grep -obUaP '\x9f\xeb\x01\x00\x18\x00\x00\x00' "$1" | cut -d: -f1); do
		hdr=$(u32 "$1" $((off + 4)))
		tlen=$(u32 "$1" $((off + 12)))
		soff=$(u32 "$1" $((off + 16)))
		slen=$(u32 "$1" $((off + 20)))
		size=$((hdr + soff + slen))
		[ "$hdr" -eq 24 ] && [ "$tlen" -gt 100000 ] && [ $((off + size)) -le "$total" ] || continue
		dd if="$1" of="$2" bs=1M iflag=skip_bytes,count_bytes skip="$off" count="$size" status=none
		return 0
	done
	echo "gen-vmlinux: no BTF blob found in $1" >&2
	return 1
}

case $arch in
x86)
	[ -r /sys/kernel/btf/vmlinux ] || { echo "gen-vmlinux: no /sys/kernel/btf/vmlinux on this host" >&2; exit 1; }
	cp /sys/kernel/btf/vmlinux "$tmp/vmlinux.btf"
	ver=$(uname -r | awk -F. '{ printf "%d%02d", $1, $2 }')
	;;
arm64)
	. "$repo/tools/vm/kernels.conf"
	pkg=${KERNEL_6_1/amd64/arm64}
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		echo "gen-vmlinux: adding the arm64 architecture to apt to download $pkg" >&2
		dpkg --add-architecture arm64
		apt-get update -qq
	fi
	(cd "$tmp" && apt-get download "$pkg:arm64" >/dev/null)
	dpkg-deb -x "$tmp"/*.deb "$tmp/x"
	extract_btf "$tmp"/x/boot/vmlinuz-* "$tmp/vmlinux.btf"
	ver=601
	;;
*)
	echo "usage: tools/gen-vmlinux.sh x86|arm64" >&2
	exit 2
	;;
esac
out=$repo/vmlinux/$arch
mkdir -p "$out"
"$bpftool" btf dump file "$tmp/vmlinux.btf" format c >"$out/vmlinux_$ver.h"
ln -sf "vmlinux_$ver.h" "$out/vmlinux.h"
echo "gen-vmlinux: wrote $out/vmlinux_$ver.h ($(wc -l <"$out/vmlinux_$ver.h") lines)" >&2
