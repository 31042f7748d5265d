#!/bin/sh
# A vhost-scsi target through configfs, no targetcli (busybox sh, inside the
# test guest): a ramdisk backstore (rd_mcp, part of target_core_mod), the
# vhost fabric's WWPN with TPG 1, LUN 0 on the ramdisk, and the nexus.
# vhost-loadgen --scsi-wwpn WWPN then drives it through /dev/vhost-scsi
# (VHOST_SCSI_SET_ENDPOINT). Usage: scsi-target.sh up WWPN PAGES | down WWPN
set -e
cfg=/sys/kernel/config
t=$cfg/target
case $1 in
up)
	wwpn=$2 pages=$3
	grep -q " $cfg configfs" /proc/mounts || mount -t configfs none $cfg
	mkdir -p $t/core/rd_mcp_0/vqtrace
	echo "rd_pages=$pages" >$t/core/rd_mcp_0/vqtrace/control
	echo 1 >$t/core/rd_mcp_0/vqtrace/enable
	mkdir -p $t/vhost/$wwpn/tpgt_1/lun/lun_0
	ln -s $t/core/rd_mcp_0/vqtrace $t/vhost/$wwpn/tpgt_1/lun/lun_0/port0
	echo "naa.5001405ffff00001" >$t/vhost/$wwpn/tpgt_1/nexus
	;;
down)
	wwpn=$2	# the LUN goes first: the nexus cannot go while a port is linked
	rm -f $t/vhost/$wwpn/tpgt_1/lun/lun_0/port0
	rmdir $t/vhost/$wwpn/tpgt_1/lun/lun_0
	echo NULL >$t/vhost/$wwpn/tpgt_1/nexus
	rmdir $t/vhost/$wwpn/tpgt_1 $t/vhost/$wwpn
	rmdir $t/core/rd_mcp_0/vqtrace $t/core/rd_mcp_0
	;;
*) echo "usage: $0 up WWPN PAGES | down WWPN" >&2; exit 2 ;;
esac
