#!/bin/sh
# A vhost-scsi target through configfs, no targetcli (busybox sh, inside the
# test guest): a ramdisk backstore (rd_mcp, part of target_core_mod), the
# vhost fabric's WWPN with TPG 1, LUN 0 on the ramdisk, and the nexus.
# vhost-loadgen --scsi WWPN then drives it through /dev/vhost-scsi
# (VHOST_SCSI_SET_ENDPOINT); --scsi-hotplug links the same backstore,
# $t/core/rd_mcp_0/vqtrace, as LUN 1 and removes it again.
# Usage: scsi-target.sh up WWPN PAGES | down WWPN
set -e
cfg=/sys/kernel/config
t=$cfg/target
rd=$t/core/rd_mcp_0/vqtrace
tpg=$t/vhost/$2/tpgt_1
case $1 in
up)
	grep -q " $cfg configfs" /proc/mounts || mount -t configfs none "$cfg"
	mkdir -p "$rd"
	echo "rd_pages=$3" >"$rd/control"
	echo 1 >"$rd/enable"
	mkdir -p "$tpg/lun/lun_0"
	ln -s "$rd" "$tpg/lun/lun_0/port0"
	echo "naa.5001405ffff00001" >"$tpg/nexus"
	;;
down)	# the LUN goes first: the nexus cannot go while a port is linked
	rm -f "$tpg/lun/lun_0/port0"
	rmdir "$tpg/lun/lun_0"
	echo NULL >"$tpg/nexus"
	rmdir "$tpg" "$t/vhost/$2"
	rmdir "$rd" "$t/core/rd_mcp_0"
	;;
*) echo "usage: $0 up WWPN PAGES | down WWPN" >&2; exit 2 ;;
esac
