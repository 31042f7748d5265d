#!/usr/bin/env bash
# The packaged unit under a real systemd (make systemd-check): Debian's
# systemd (the host's release, fetched with apt-get download, never
# installed, cached in $VQTRACE_CACHE/debs like the rig's kernels) is PID 1
# of the 7.3 test guest. Its root is the rig's busybox initramfs plus a tar
# assembled here: systemd, systemctl, journald, systemd-shutdown, exactly
# the shared libraries they load (their DT_NEEDED closure, glibc included)
# and the files of the .deb that `make deb` built. tests/pkg/systemd-init.sh
# (rdinit=) unpacks it and execs systemd; vqtrace-check.service runs
# tests/pkg/systemd-guest.sh, which enables and starts vqtrace.service with
# systemctl, loads it with vhost-loadgen --tx $TX, scrapes /metrics, reads
# the service's process in /proc, kills it with SIGKILL, waits for
# Restart=on-failure and stops it; then systemd powers the guest off. The
# checks are made here, on what the guest reported.
# Usage: tests/pkg/systemd.sh DEB_DIR   Env: SD_OUT (results dir, default
# results/systemd), SD_KERNEL (7.3), SD_TIMEOUT (guest seconds, 600).
# Prints every check ("ok ..." or "FAIL ..."), the wall times, and ends
# with "systemd: N passed, M failed" (exit status 1 on any failure).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../../tools/vm/kernels.conf
. "$repo/tools/vm/kernels.conf"	# VQTRACE_CACHE
debdir=${1:?usage: tests/pkg/systemd.sh DEB_DIR}
out=${SD_OUT:-$repo/results/systemd}
kernel=${SD_KERNEL:-7.3}
TX=3000	# systemd-guest.sh's --tx
t_start=$EPOCHREALTIME
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { # label expected actual
	if [ "$2" = "$3" ]; then ok "$1 = $3"; else bad "$1: expected '$2', got '$3'"; fi
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
finish() {
	echo "systemd: wall time: fetch and assemble $prep_s s, boot to the check $boot_s s, guest $guest_s s, whole script $(secs "$t_start" "$EPOCHREALTIME") s${waited:+ ($(secs "$t_start" "$EPOCHREALTIME" | awk -v w="$waited" '{ printf "%.1f", $1 - w }') s without the $waited s of waiting for another guest)}"
	echo "systemd: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}
prep_s=- boot_s=- guest_s=- waited=
section() { # name: the lines between @@begin NAME and the next @@end
	awk -v n="$1" '$0 == "@@end" { on = 0 } on { print } $0 == "@@begin " n { on = 1 }' "$res"
}
kv() { # section key: KEY=VALUE lines of a section
	section "$1" | sed -n "s/^$2=//p" | head -n 1
}
for tool in jq dpkg-deb readelf apt-get tar; do
	command -v $tool >/dev/null || { echo "systemd: $tool is missing (run tools/deps.sh)" >&2; exit 1; }
done
ver=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
deb=$debdir/vqtrace_${ver}_$(dpkg-architecture -qDEB_HOST_ARCH).deb
[ -f "$deb" ] || { echo "systemd: no $deb (run make deb)" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/vqtrace-systemd.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- Debian's systemd and the libraries it loads -------------------------------
# systemd and libsystemd-shared, then one package per shared library in the
# DT_NEEDED closure of the programs below (libsystemd-core and
# libsystemd-shared pull in most; libgcrypt20 libgpg-error0, libpam0g
# libaudit1 libcap-ng0, libselinux1 libpcre2-8-0). The closure is computed
# again below: a library no package here holds, or a package holding no
# library of it, is a FAIL (the list must be exactly what systemd needs).
SD_PKGS="systemd libsystemd-shared libc6 libacl1 libapparmor1 libaudit1 libblkid1 libcap-ng0
libcap2 libcrypt1 libgcrypt20 libgpg-error0 libip4tc2 libkmod2 liblz4-1 liblzma5 libmount1
libpam0g libpcre2-8-0 libseccomp2 libselinux1 libssl3 libzstd1"
# What runs in the guest: PID 1, its shutdown, the journal, the clients.
SD_PROGS="lib/systemd/systemd lib/systemd/systemd-shutdown lib/systemd/systemd-journald
bin/systemctl bin/journalctl"
debs=$VQTRACE_CACHE/debs
mkdir -p "$debs"
pk=$work/pkgs
mkdir -p "$pk"
total=0
for p in $SD_PKGS; do
	f=$(find "$debs" -maxdepth 1 -name "${p}_*_amd64.deb" | sort -V | tail -n 1)
	if [ -z "$f" ]; then
		echo "systemd: downloading $p" >&2
		(cd "$debs" && apt-get -q -o APT::Sandbox::User=root download "$p" >"$work/apt.log" 2>&1) ||
			{ bad "apt-get download $p: $(grep -m1 '^[EW]:' "$work/apt.log")"; finish; }
		f=$(find "$debs" -maxdepth 1 -name "${p}_*_amd64.deb" | sort -V | tail -n 1)
	fi
	[ -n "$f" ] || { bad "apt-get download $p left no ${p}_*_amd64.deb in $debs"; finish; }
	sz=$(stat -c %s "$f")
	total=$((total + sz))
	echo "systemd: package $(basename "$f") ($((sz / 1024)) KiB)"
	dpkg-deb -x "$f" "$pk/$p" || { bad "dpkg-deb -x $f"; finish; }
done
echo "systemd: $(wc -w <<<"$SD_PKGS") packages, $((total / 1024)) KiB"

# Every file of every package in one tree, to resolve sonames in; each
# library found is put into the guest's root at its packaged path.
all=$work/all
mkdir -p "$all"
for p in $SD_PKGS; do cp -a "$pk/$p/." "$all/"; done
sd=$work/sdroot
mkdir -p "$sd"
# the paths the loader (no ld.so.cache in the guest) and RUNPATH search
libdirs="lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu/systemd lib64"
resolve() { # path relative to the tree -> the file it names, its symlinks
	# followed inside the tree (an absolute link names the tree's root, never
	# the host's)
	local p=$1 t n=0
	while [ -L "$all/$p" ] && ((n++ < 20)); do
		t=$(readlink "$all/$p")
		case $t in /*) p=${t#/} ;; *) p=$(dirname "$p")/$t ;; esac
	done
	printf '%s\n' "$p"
}
put() { # path relative to the tree: its file copied into the root at that path
	local r
	r=$(resolve "$1")
	[ -f "$all/$r" ] || return 1
	mkdir -p "$sd/$(dirname "$1")" && cp "$all/$r" "$sd/$1"
}
queue=() seen=" " missing=
for f in $SD_PROGS; do
	put "$f" && queue+=("$(resolve "$f")") || bad "the systemd package lacks /$f"
done
interp=$(readelf -l "$all/lib/systemd/systemd" | sed -n 's/.*Requesting program interpreter: \/\(.*\)]/\1/p')
put "$interp" || bad "no program interpreter /$interp"
while ((${#queue[@]})); do
	f=${queue[0]} queue=("${queue[@]:1}")
	for so in $(readelf -d "$all/$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		case $seen in *" $so "*) continue ;; esac
		seen+="$so "
		hit=
		for d in $libdirs; do
			[ -f "$all/$(resolve "$d/$so")" ] && { hit=$d/$so; break; }
		done
		if [ -z "$hit" ]; then missing+=" $so (of /$f)"; continue; fi
		put "$hit" && queue+=("$(resolve "$hit")")
	done
done
check "shared libraries of $(wc -w <<<"$SD_PROGS") systemd programs that no fetched package holds" "" "$missing"
# minimal: each package puts at least one needed file into the root
unused=
for p in $SD_PKGS; do
	used=
	while IFS= read -r f; do
		[ -f "$sd/$f" ] && { used=1; break; }
	done < <(cd "$pk/$p" && find . \( -type f -o -type l \) | sed 's|^\./||')
	[ -n "$used" ] || unused+=" $p"
done
check "fetched packages that hold no file systemd loads" "" "$unused"
# The unit files systemd itself needs (targets, slices, shutdown) without
# the package's .wants links, which pull in programs not in this root;
# the journal is kept (its sockets and service).
u=lib/systemd/system
mkdir -p "$sd/$u" "$sd/$u/sockets.target.wants" "$sd/$u/sysinit.target.wants"
find "$pk/systemd/$u" -maxdepth 1 \( -type f -o -type l \) -exec cp -a {} "$sd/$u/" \;
for s in systemd-journald.socket systemd-journald-dev-log.socket; do
	ln -s "../$s" "$sd/$u/sockets.target.wants/$s"
done
ln -s ../systemd-journald.service "$sd/$u/sysinit.target.wants/systemd-journald.service"
# the package vqtrace: every file at the path the .deb installs it to
dpkg-deb -x "$deb" "$sd" || { bad "dpkg-deb -x $deb"; finish; }
unit=$sd/lib/systemd/system/vqtrace.service
[ -f "$unit" ] && [ -x "$sd/usr/sbin/vqtrace" ] && ok "the .deb installs /usr/sbin/vqtrace and /lib/systemd/system/vqtrace.service" ||
	bad "the .deb lacks /usr/sbin/vqtrace or /lib/systemd/system/vqtrace.service"
hash=$(sha256sum "$sd/usr/sbin/vqtrace" | cut -d' ' -f1)
# the check itself, started at boot
mkdir -p "$sd/etc/systemd/system/multi-user.target.wants" "$sd/lib/systemd/system-shutdown"
ln -sf /lib/systemd/system/multi-user.target "$sd/etc/systemd/system/default.target"
cat >"$sd/etc/systemd/system/vqtrace-check.service" <<'EOF'
[Unit]
Description=vqtrace check under systemd (tests/pkg/systemd-guest.sh)
After=basic.target

[Service]
Type=exec
ExecStart=/bin/sh /sdinit run
StandardOutput=journal+console
StandardError=journal+console
EOF
ln -s ../vqtrace-check.service "$sd/etc/systemd/system/multi-user.target.wants/vqtrace-check.service"
printf '#!/bin/sh\nexec /bin/sh /sdinit shutdown "$@"\n' >"$sd/lib/systemd/system-shutdown/vqtrace-exit"
chmod 755 "$sd/lib/systemd/system-shutdown/vqtrace-exit"
printf 'PRETTY_NAME="vqtrace test guest"\nID=vqtrace-vm\n' >"$sd/etc/os-release"
# A machine id: without one systemd takes the boot for the first and
# applies the presets, which with no preset file enable every unit it has
# (networkd, debug-shell, vqtrace itself, ...).
echo 7671747261636573797374656d640a01 >"$sd/etc/machine-id"
chmod 755 "$sd"
tar -C "$sd" --owner=0 --group=0 -cf "$work/sdroot.tar" . || { bad "tar of the systemd root"; finish; }
echo "systemd: guest root $(($(stat -c %s "$work/sdroot.tar") / 1024)) KiB ($(find "$sd" -type f | wc -l) files)"

# --- the guest --------------------------------------------------------------------
res=$out/$kernel.results
con=$out/$kernel.console
echo "systemd: booting Debian $kernel with systemd as PID 1..." >&2
t_boot=$EPOCHREALTIME t_up=
prep_s=$(secs "$t_start" "$t_boot")
rc=0
{
	VQTRACE_VM_HOST_TOOLS='' VQTRACE_VM_APPEND="rdinit=/sdinit ${VQTRACE_VM_APPEND:-}" \
		"$repo/tools/vm/run" --kernel "$kernel" --timeout "${SD_TIMEOUT:-600}" --results "$res" \
		--add "$work/sdroot.tar:/sdroot.tar" --add "$here/systemd-init.sh:/sdinit" \
		--add "$here/systemd-guest.sh:/pkg/systemd-guest.sh" \
		-- sh /pkg/systemd-guest.sh 2>&1
	echo "@@rc=$?"
} | while IFS= read -r line; do
	case $line in
	"@@rc="*) echo "${line#@@rc=}" >"$work/rc" ;;
	*"sdcheck: systemd is up"*) echo "$EPOCHREALTIME" >"$work/t_up" ;;&
	*) printf '%s\n' "$line" ;;
	esac
done >"$con"
t_end=$EPOCHREALTIME
rc=$(cat "$work/rc" 2>/dev/null || echo none)
waited=$(sed -n 's/^vm\/run: waited \([0-9]*\) s for the other guest$/\1/p' "$con" | head -n 1)
# from tools/vm/run's start (initramfs, QEMU, kernel, sdinit, systemd) to the
# check's first line, without the wait for another agent's guest
t_boot=$(awk -v t="$t_boot" -v w="${waited:-0}" 'BEGIN { printf "%.6f", t + w }')
guest_s=$(secs "$t_boot" "$t_end")
[ -f "$work/t_up" ] && boot_s=$(secs "$t_boot" "$(cat "$work/t_up")")
[ -z "$waited" ] || echo "systemd: waited $waited s for another guest (not counted)" >&2
echo "systemd: guest finished in $guest_s s (status $rc); console: $con" >&2
check "guest exit status (printed by the system-shutdown hook: systemd powered off)" 0 "$rc"
tr -d '\r' <"$res" >"$res.tmp" 2>/dev/null && mv "$res.tmp" "$res"
if grep -q '^@@done' "$res" 2>/dev/null; then
	ok "guest check finished"
else
	bad "the guest did not finish (see $con)"
	tail -n 25 "$con" | sed 's/^/    [console] /'
fi

# --- checks on what the guest saw ---------------------------------------------
v=$(section kver)
[[ $v == "$kernel".* ]] && ok "guest kernel $v" || bad "guest kernel: want $kernel.*, got '$v'"
check "PID 1" "systemd /lib/systemd/systemd" "$(section pid1)"
sdv=$(dpkg-deb -f "$(find "$debs" -maxdepth 1 -name 'systemd_*_amd64.deb' | sort -V | tail -n 1)" Version)
v=$(section sdver)
[[ $v == "systemd ${sdv%%[.-]*} (${sdv})" ]] && ok "systemctl --version: $v" || bad "systemctl --version: want 'systemd ${sdv%%[.-]*} ($sdv)', got '$v'"
check "the guest ran the packaged binary (sha256)" "$hash" "$(section hash)"
us=$(kv manager UserspaceTimestampMonotonic) fin=$(kv manager FinishTimestampMonotonic)
if [[ $us =~ ^[0-9]+$ && $fin =~ ^[0-9]+$ && $fin -gt 0 ]]; then
	echo "systemd: in the guest: systemd started $(awk -v u="$us" 'BEGIN { printf "%.1f", u / 1e6 }') s after the kernel," \
		"reached its default target $(awk -v u="$us" -v f="$fin" 'BEGIN { printf "%.1f", (f - u) / 1e6 }') s later; the check began at uptime $(section uptime-start) s," \
		"ended at $(section uptime-end) s"
	ok "systemd reached its default target (startup finished)"
else
	bad "systemd's startup did not finish: $(section manager | tr '\n' ' ')"
fi
check "systemctl enable vqtrace" rc=0 "$(section enable | grep '^rc=')"
check "systemctl is-enabled vqtrace" enabled "$(kv enable is-enabled)"
check "systemctl start vqtrace" rc=0 "$(section start | grep '^rc=')"
v=$(section metrics-up)
[ -n "$v" ] && ok "/metrics answers $v s after systemctl start" || bad "/metrics never answered after systemctl start"
check "unit file systemd loaded" /lib/systemd/system/vqtrace.service "$(kv show-started FragmentPath)"
check "after start: ActiveState" active "$(kv show-started ActiveState)"
check "after start: SubState" running "$(kv show-started SubState)"
check "after start: NRestarts" 0 "$(kv show-started NRestarts)"
mp=$(kv show-started MainPID)
[[ $mp =~ ^[1-9][0-9]*$ ]] && ok "after start: MainPID $mp" || bad "after start: MainPID '$mp'"
# The capabilities the unit names, as bits (the kernel's numbering)
want=0
for c in $(sed -n 's/^CapabilityBoundingSet=//p' "$unit"); do
	case $c in CAP_SYS_ADMIN) want=$((want | 1 << 21)) ;; CAP_SYSLOG) want=$((want | 1 << 34)) ;;
	*) bad "no bit known for $c" ;; esac
done
want=$(printf '%016x' $want)
proc_checks() { # section label
	check "$2: the service's process runs /usr/sbin/vqtrace" /usr/sbin/vqtrace "$(kv "$1" exe)"
	check "$2: uid (no User=: root)" "0	0	0	0" "$(section "$1" | sed -n 's/^Uid:[[:space:]]*//p')"
	for f in CapEff CapPrm CapBnd CapAmb; do
		check "$2: $f == the unit's CapabilityBoundingSet ($(sed -n 's/^CapabilityBoundingSet=//p' "$unit"))" \
			"$want" "$(section "$1" | sed -n "s/^$f:[[:space:]]*//p")"
	done
	check "$2: NoNewPrivs (NoNewPrivileges=yes)" 1 "$(section "$1" | sed -n 's/^NoNewPrivs:[[:space:]]*//p')"
	check "$2: Seccomp filter mode (SystemCallArchitectures, RestrictNamespaces, ...)" 2 \
		"$(section "$1" | sed -n 's/^Seccomp:[[:space:]]*//p')"
	check "$2: a mount namespace of its own" yes "$(kv "$1" own_mntns)"
	v=$(kv "$1" root_opts)
	[[ ,$v, == *,ro,* ]] && ok "$2: / read-only in its namespace (ProtectSystem=strict): $v" ||
		bad "$2: / not read-only in its namespace: '$v'"
	v=$(kv "$1" tmp_root)
	[[ $v == /tmp/systemd-private-*-vqtrace.service-*/tmp ]] && ok "$2: /tmp of its own (PrivateTmp): $v" ||
		bad "$2: /tmp not private (PrivateTmp): its /tmp mount is of '$v'"
}
proc_checks proc-started "started"

# exact counts: the unit's /metrics against the loadgen's ground truth
check "loadgen exit status" rc=0 "$(section loadgen-rc | head -n 1)"
line=$(section gt | grep '^{' | head -n 1)
section metrics-load >"$work/m1"
if [ -n "$line" ]; then
	jqc() { jq -r "$@" <<<"$line" 2>/dev/null; }
	lpid=$(jqc .pid)
	check "loadgen TX completed (its --tx)" "$TX" "$(jqc '[.queues[] | select(.dir == "tx") | .completed] | add')"
	sum=$(grep -F "vqtrace_used_total{pid=\"$lpid\"," "$work/m1" | grep -F 'dir="tx"' | awk '{ s += $NF } END { print s + 0 }')
	check "/metrics: vqtrace_used_total summed over the loadgen's TX rows" "$TX" "$sum"
	n=0
	while IFS=$'\t' read -r dev q dir completed interrupts; do
		n=$((n + 1))
		lbl="pid=\"$lpid\",dev=\"net$dev\",queue=\"$q\",dir=\"$dir\""
		check "/metrics: net$dev $q:$dir vqtrace_used_total == loadgen completed" "$completed" \
			"$(grep -F "vqtrace_used_total{$lbl" "$work/m1" | awk '{ print $NF }')"
		check "/metrics: net$dev $q:$dir vqtrace_signals_total == loadgen interrupts" "$interrupts" \
			"$(grep -F "vqtrace_signals_total{$lbl" "$work/m1" | awk '{ print $NF }')"
	done < <(jqc '.queues[] | select(.completed > 0) | [.dev, .queue, .dir, .completed, .interrupts] | @tsv')
	[ "$n" -gt 0 ] && ok "/metrics: $n queue(s) with traffic compared" || bad "ground truth names no queue with traffic"
else
	bad "no ground truth from the loadgen: $(section loadgen-rc | tr '\n' ' ')"
fi
check "/metrics after the load: vqtrace_complete" 1 "$(awk '/^vqtrace_complete / { print $2 }' "$work/m1")"
check "after the load: ActiveState" active "$(kv show-loaded ActiveState)"
v=$(kv show-loaded MainPID)
[[ -n $mp && $v == "$mp" ]] && ok "after the load: same MainPID $v" || bad "after the load: MainPID '$v' (was '$mp')"

# SIGKILL and Restart=on-failure
check "systemctl kill -s KILL vqtrace" rc=0 "$(section kill | grep '^rc=')"
v=$(section restart-time)
[ -n "$v" ] && ok "restarted after SIGKILL, /metrics answers again $v s after the kill (RestartSec=10s)" ||
	bad "/metrics did not answer again after SIGKILL"
check "after SIGKILL: ActiveState" active "$(kv show-restarted ActiveState)"
check "after SIGKILL: NRestarts" 1 "$(kv show-restarted NRestarts)"
mp2=$(kv show-restarted MainPID)
[[ $mp2 =~ ^[1-9][0-9]*$ && $mp2 != "$mp" ]] && ok "after SIGKILL: a new MainPID $mp2 (was $mp)" ||
	bad "after SIGKILL: MainPID '$mp2' (was $mp)"
section metrics-restarted >"$work/m2"
check "/metrics after the restart: vqtrace_complete" 1 "$(awk '/^vqtrace_complete / { print $2 }' "$work/m2")"
proc_checks proc-restarted "restarted"

# stop
check "systemctl stop vqtrace" rc=0 "$(section stop | grep '^rc=')"
check "after stop: ActiveState" inactive "$(kv show-stopped ActiveState)"
check "after stop: Result" success "$(kv show-stopped Result)"
check "after stop: main process status (SIGTERM: clean exit)" "exited 0" \
	"$(kv show-stopped ExecMainCode | sed 's/^1$/exited/') $(kv show-stopped ExecMainStatus)"
# an empty list only counts when the guest sent one
grep -qx '@@begin failed' "$res" 2>/dev/null && check "failed units" "" "$(section failed)" ||
	bad "failed units: the guest did not list them"
if [ "$fail" -gt 0 ]; then
	echo "systemd: the unit's journal in the guest:"
	section journal | tail -n 30 | sed 's/^/    [journal] /'
fi
finish
