#!/usr/bin/env bash
# Builds the Linux guest that the real-QEMU suite boots inside the test VM
# (the "linux" driver of tests/realvm/guest.sh): Debian's own 6.12 kernel
# (the rig's cached package, virtio and virtio_pci built in) with an
# initramfs of busybox, virtio_net and its two dependencies from the same
# package, and tests/realvm/inner-init as /init.
# Usage: tests/realvm/inner-image.sh OUTDIR   -> OUTDIR/vmlinuz, OUTDIR/initrd
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:?usage: inner-image.sh OUTDIR}
die() { echo "inner-image: $*" >&2; exit 1; }
# shellcheck source=../../tools/vm/kernels.conf
. "$repo/tools/vm/kernels.conf"
VQTRACE_FETCH_QUIET=1 "$repo/tools/vm/fetch-kernels" 6.12 >&2
cache=${VQTRACE_CACHE:-$HOME/.cache/vqtrace}
kdir=$cache/kernels/6.12
kver=$(cat "$kdir/kver")
deb=$(ls "$cache/debs/${KERNEL_6_12}"_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "no ${KERNEL_6_12} package in $cache/debs (tools/vm/fetch-kernels 6.12)"
bb=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
file -L "$bb" 2>/dev/null | grep -q 'statically linked' || ldd "$bb" 2>&1 | grep -q 'not a dynamic' ||
	die "$bb is not statically linked (apt-get install busybox-static)"
# virtio_net's dependencies, from depmod's own list (the rig's cache).
mods=$(grep "^kernel/drivers/net/virtio_net.ko" "$kdir/modules.dep" | tr -d ':')
[ -n "$mods" ] || die "virtio_net not in $kdir/modules.dep"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/bin" "$tmp/root/lib/modules" "$tmp/x"
paths=()
for m in $mods; do paths+=("./lib/modules/$kver/$m" "./usr/lib/modules/$kver/$m"); done
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" --wildcards "${paths[@]}" 2>/dev/null || true
# Load order: dependencies first (modules.dep lists the module, then its
# dependencies, each of which depends on the later ones).
order=
for m in $mods; do order="$m $order"; done
for m in $order; do
	f=$(find "$tmp/x" -path "*/$m" | head -n 1)
	[ -n "$f" ] || die "$m not in $deb"
	n=$(basename "$m"); n=${n%.xz}
	case $f in *.xz) xz -dc "$f" >"$tmp/root/lib/modules/$n" ;; *) cp "$f" "$tmp/root/lib/modules/$n" ;; esac
	echo "$n" >>"$tmp/root/lib/modules/load"
done
cp "$bb" "$tmp/root/bin/busybox"
cp "$here/inner-init" "$tmp/root/init"
chmod 755 "$tmp/root/init"
mkdir -p "$out"
(cd "$tmp/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initrd.tmp"
mv "$out/initrd.tmp" "$out/initrd"
cp "$kdir/vmlinuz" "$out/vmlinuz"
echo "inner-image: $kver, $(tr '\n' ' ' <"$tmp/root/lib/modules/load")-> $out" >&2
