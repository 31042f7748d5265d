#!/bin/sh
# A vhost-scsi target through configfs, no targetcli (busybox sh, inside the
# test guest): a ramdisk backstore (rd_mcp, part of target_core_mod), the
# vhost fabric's WWPN with TPG 1, LUN 0 on the ramdisk, and the nexus.
# vhost-loadgen --scsi WWPN then drives it through /dev/vhost-scsi
# (VHOST_SCSI_SET_ENDPOINT); --scsi-hotplug links the same backstore,
# $t/core/rd_mcp_0/vqtrace, as LUN 1 and removes it again.
# With "dm", LUN 0 is an iblock backstore on the device-mapper device
# vqhold, a linear map over a loop device on /tmp/vqhold.img, that
# vhost-loadgen --scsi-hold vqhold:MS suspends to hold a command in the
# backend. (Not brd: vhost-loadgen puts a command's data in the descriptor
# of its header, at an offset no multiple of 512, which brd cannot copy;
# the loop device copies through the page cache, as rd_mcp does.)
# Usage: scsi-target.sh up WWPN PAGES [dm] | down WWPN
set -e
cfg=/sys/kernel/config
t=$cfg/target
rd=$t/core/rd_mcp_0/vqtrace
ib=$t/core/iblock_0/vqtrace
tpg=$t/vhost/$2/tpgt_1
case $1 in
up)
	grep -q " $cfg configfs" /proc/mounts || mount -t configfs none "$cfg"
	if [ "$4" = dm ]; then
		dd if=/dev/zero of=/tmp/vqhold.img bs=1M count=16 2>/dev/null
		loop=$(losetup -f)
		losetup "$loop" /tmp/vqhold.img
		node=$(vhost-loadgen --dm-linear "vqhold:$loop")
		bs=$ib
		mkdir -p "$bs"
		echo "udev_path=$node" >"$bs/control"
	else
		bs=$rd
		mkdir -p "$bs"
		echo "rd_pages=$3" >"$bs/control"
	fi
	echo 1 >"$bs/enable"
	mkdir -p "$tpg/lun/lun_0"
	ln -s "$bs" "$tpg/lun/lun_0/port0"
	echo "naa.5001405ffff00001" >"$tpg/nexus"
	;;
down)	# the LUN goes first: the nexus cannot go while a port is linked
	rm -f "$tpg/lun/lun_0/port0"
	rmdir "$tpg/lun/lun_0"
	echo NULL >"$tpg/nexus"
	rmdir "$tpg" "$t/vhost/$2"
	if [ -d "$ib" ]; then
		rmdir "$ib" "$t/core/iblock_0"
		vhost-loadgen --dm-remove vqhold
		losetup -d "$(losetup -a | grep vqhold.img | cut -d: -f1)"
		rm -f /tmp/vqhold.img
	else
		rmdir "$rd" "$t/core/rd_mcp_0"
	fi
	;;
*) echo "usage: $0 up WWPN PAGES [dm] | down WWPN" >&2; exit 2 ;;
esac
