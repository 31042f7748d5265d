#!/bin/sh
# Guest side of tests/pkg/systemd.sh (make systemd-check), busybox sh, in
# three roles picked by the first argument:
#   (none)    the kernel's rdinit=/sdinit: PID 1 for a moment. Unpacks the
#             systemd root (/sdroot.tar: Debian's systemd, its libraries
#             and the packaged vqtrace, assembled on the host), loads the
#             rig's modules (busybox insmod, as tools/vm/init does) and
#             execs /lib/systemd/systemd, which becomes the real PID 1.
#   run       ExecStart of vqtrace-check.service (multi-user.target wants
#             it): runs the rig's command (/etc/vqtrace/cmd) and powers
#             off through systemd (systemctl poweroff), keeping its status.
#   shutdown  /lib/systemd/system-shutdown/vqtrace-exit: systemd-shutdown
#             runs it right before the power-off system call; it prints the
#             rig's exit marker with the command's status, so the status
#             only reaches tools/vm/run when systemd really shut down.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
nonce=$(cat /etc/vqtrace/nonce 2>/dev/null)
RC=/etc/vqtrace/rc	# the rootfs: systemd-shutdown never unmounts it

case ${1:-init} in
run)
	echo "VQTRACE-CMD-START-$nonce" >/dev/console
	cd / && sh -c "$(cat /etc/vqtrace/cmd)" </dev/null
	echo $? >$RC.tmp && mv $RC.tmp $RC
	sync
	exec systemctl poweroff --no-block
	;;
shutdown)
	# argv[1] is the verb systemd-shutdown carries out (poweroff here)
	[ -f $RC ] && echo "VQTRACE-EXIT-$nonce=$(cat $RC)" >/dev/console
	exit 0
	;;
esac

# --- PID 1 until systemd takes over ----------------------------------------
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/null >/dev/console 2>&1
fail() {
	echo "sdinit: setup failed: $*"
	echo "VQTRACE-SETUP-FAILED-$nonce: $*"
	sync
	poweroff -f
	sleep 10
}
mount -t proc proc /proc || fail "mount /proc"
mount -t sysfs sysfs /sys || fail "mount /sys"
# systemd mounts these only through mount units (which run /bin/mount, not
# in this root); vqtrace finds its tracepoints there
mount -t tracefs tracefs /sys/kernel/tracing || fail "mount tracefs"
mount -t debugfs debugfs /sys/kernel/debug || fail "mount debugfs"
tar -xf /sdroot.tar -C / || fail "unpack /sdroot.tar"
rm -f /sdroot.tar
kver=$(uname -r)
while read -r m; do
	[ -n "$m" ] || continue
	insmod "/lib/modules/$kver/$m" || fail "insmod $m"
done </etc/vqtrace/modules.load
[ -c /dev/ttyS1 ] || fail "/dev/ttyS1 missing"
stty -F /dev/ttyS1 raw -echo 115200 || fail "stty /dev/ttyS1"
[ -x /lib/systemd/systemd ] || fail "no /lib/systemd/systemd in /sdroot.tar"
# no /etc/initrd-release: systemd runs as the system's init, not an initrd's
export SYSTEMD_IN_INITRD=0
exec /lib/systemd/systemd
fail "exec /lib/systemd/systemd"
