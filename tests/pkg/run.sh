#!/usr/bin/env bash
# The Debian package test (make deb-check): the .deb that `make deb` built is
# unpacked with dpkg-deb -x, its /usr/sbin/vqtrace and unit are put into
# each test guest at the paths the package installs them to, and
# tests/pkg/guest.sh runs them there against vhost-loadgen: the installed
# binary, the unit's own command under the unit's restrictions, uid 1000
# with only the unit's capabilities, and one capability fewer (guest.sh says
# how). Expected counts come from the scenario (--tx 20000) and the load
# generator's ground truth; the system calls strace saw are judged against
# each seccomp-based hardening option of the unit.
# Usage: tests/pkg/run.sh DEB_DIR     Env: PKG_KERNELS ("6.1 6.12 7.3"),
# PKG_OUT (results dir, default results/pkg), VERBOSE=1 (every check).
# Ends with "deb: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
debdir=${1:?usage: tests/pkg/run.sh DEB_DIR}
out=${PKG_OUT:-$repo/results/pkg}
TX=20000	# guest.sh's --tx
pass=0 fail=0 k=host
ok() { pass=$((pass + 1)); [ -z "${VERBOSE:-}" ] || echo "ok   [$k] $*"; }
bad() { fail=$((fail + 1)); echo "FAIL [$k] $*"; }
check() { # label expected actual
	if [ "$2" = "$3" ]; then ok "$1 = $3"; else bad "$1: expected '$2', got '$3'"; fi
}
section() { # name: the lines between @@begin NAME and the next @@end
	awk -v n="$1" '$0 == "@@end" { on = 0 } on { print } $0 == "@@begin " n { on = 1 }' "$res"
}
for tool in jq dpkg-deb setpriv unshare strace; do
	command -v $tool >/dev/null || { echo "deb: $tool is missing (run tools/deps.sh)" >&2; exit 1; }
done
ver=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
deb=$debdir/vqtrace_${ver}_$(dpkg-architecture -qDEB_HOST_ARCH).deb
[ -f "$deb" ] || { echo "deb: no $deb (run make deb)" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/vqtrace-pkg.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
dpkg-deb -x "$deb" "$root"

# --- the package itself, on the host ----------------------------------------
if [ -f "$debdir/lintian.txt" ]; then
	check "lintian errors and warnings ($debdir/lintian.txt)" 0 "$(grep -c '^[EW]:' "$debdir/lintian.txt")"
else
	bad "no lintian report $debdir/lintian.txt"
fi
for f in usr/sbin/vqtrace usr/share/man/man8/vqtrace.8.gz lib/systemd/system/vqtrace.service \
	usr/share/doc/vqtrace/copyright; do
	[ -f "$root/$f" ] && ok "package ships /$f" || bad "package lacks /$f"
done
unit=$root/lib/systemd/system/vqtrace.service
check "unit ExecStart binary" /usr/sbin/vqtrace "$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")"
sed "s|^ExecStart=/usr/sbin/vqtrace|ExecStart=$root/usr/sbin/vqtrace|" "$unit" >"$work/vqtrace.service"
if v=$(MANPATH=$root/usr/share/man systemd-analyze verify "$work/vqtrace.service" 2>&1) && [ -z "$v" ]; then
	ok "systemd-analyze verify on the packaged unit"
else
	bad "systemd-analyze verify on the packaged unit: $v"
fi
man=$(zcat "$root/usr/share/man/man8/vqtrace.8.gz")
grep -qF "\"$("$root/usr/sbin/vqtrace" --version)\"" <<<"$man" && ok "packaged man page has the packaged binary's version" ||
	bad "packaged man page lacks '$("$root/usr/sbin/vqtrace" --version)'"
n=0 miss=
for o in $("$root/usr/sbin/vqtrace" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	n=$((n + 1))
	grep -qF -- "${o//-/\\-}" <<<"$man" || miss+=" $o"
done
check "packaged man page: long options of --help missing (of $n)" "" "$miss"
# dh_installsystemd --no-enable --no-start: postinst enables the unit only
# where the administrator had enabled it before (an upgrade), never starts it.
postinst=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./postinst 2>/dev/null)
if grep -q 'deb-systemd-helper' <<<"$postinst" && ! grep -q 'deb-systemd-invoke' <<<"$postinst" &&
	awk '/was-enabled/ { w = 1 } /deb-systemd-helper enable/ && !w { bad = 1 } END { exit bad }' <<<"$postinst"; then
	ok "postinst neither enables (unless enabled before) nor starts the unit"
else
	bad "postinst: want the unit neither enabled nor started"
fi
file -b "$root/usr/sbin/vqtrace" | grep -q 'ELF 64-bit LSB executable, x86-64.*statically linked' &&
	ok "installed binary: static x86-64 (SystemCallArchitectures=native)" ||
	bad "installed binary: $(file -b "$root/usr/sbin/vqtrace")"
# Every hardening option of the unit is one this test applies or checks:
known="NoNewPrivileges ProtectSystem ProtectHome PrivateTmp PrivateDevices ProtectKernelModules
ProtectControlGroups ProtectClock ProtectHostname RestrictNamespaces RestrictRealtime RestrictSUIDSGID
LockPersonality MemoryDenyWriteExecute RemoveIPC SystemCallArchitectures RestrictAddressFamilies UMask
CapabilityBoundingSet AmbientCapabilities"
unknown=$(sed -n 's/^\([A-Za-z]*\)=.*/\1/p' "$unit" | grep -vxE 'Description|Documentation|After|Type|ExecStart|Restart|RestartSec|SuccessExitStatus|WantedBy' |
	grep -vxF -f <(tr ' ' '\n' <<<"$known") | tr '\n' ' ')
check "unit options this test does not cover" "" "$unknown"
hash=$(sha256sum "$root/usr/sbin/vqtrace" | cut -d' ' -f1)

# --- in the guests ------------------------------------------------------------
jqc() { jq -r "$@" 2>/dev/null; }
for k in ${PKG_KERNELS:-6.1 6.12 7.3}; do
	res=$out/$k.results
	echo "deb[$k]: booting Debian $k with the packaged vqtrace..." >&2
	start=$(date +%s)
	rc=0
	"$repo/tools/vm/run" --kernel "$k" --timeout 300 --results "$res" \
		--add "$root/usr/sbin/vqtrace:/usr/sbin/vqtrace" \
		--add "$unit:/lib/systemd/system/vqtrace.service" \
		--add "$(command -v setpriv):/opt/ul/setpriv" --add "$(command -v unshare):/opt/ul/unshare" \
		--add "$(command -v strace):/opt/ul/strace" --add "$here/guest.sh:/pkg/guest.sh" \
		-- sh /pkg/guest.sh >"$out/$k.console" 2>&1 || rc=$?
	waited=$(sed -n 's/^vm\/run: waited \([0-9]*\) s for the other guest$/\1/p' "$out/$k.console" | head -n1)
	echo "deb[$k]: guest finished in $(($(date +%s) - start)) s (${waited:-0} s of it waiting for another guest; status $rc); console: $out/$k.console" >&2
	check "guest exit status" 0 "$rc"
	tr -d '\r' <"$res" >"$res.tmp" && mv "$res.tmp" "$res"
	grep -q '^@@done' "$res" && ok "guest script finished" || {
		bad "the guest did not finish (see $out/$k.console)"
		tail -n 20 "$out/$k.console" | sed "s/^/    [$k console] /"
	}
	check "the guest ran the packaged binary (sha256)" "$hash" "$(section hash)"
	kv=$(section kver)
	[[ $kv == "$k".* ]] && ok "guest kernel $kv" || bad "guest kernel: want $k.*, got '$kv'"

	# exact counts of a JSON run: totals (NDJSON) against the ground truth
	counts() { # label outfile gtfile
		local label=$1 o=$2 g=$3 line pid
		line=$(grep '^{' "$g" | head -n 1)
		[ -n "$line" ] || { bad "$label: no ground truth"; return; }
		check "$label: loadgen TX completed (the scenario's --tx)" "$TX" \
			"$(jqc '[.queues[] | select(.dir == "tx") | .completed] | add' <<<"$line")"
		pid=$(jqc .pid <<<"$line")
		while IFS=$'\t' read -r dev q dir completed interrupts; do
			sel=".type == \"total\" and .pid == $pid and .dev == \"net$dev\" and .queue == $q"
			check "$label: net$dev $q:$dir used == completed" "$completed" "$(jqc "select($sel) | .used" "$o")"
			check "$label: net$dev $q:$dir signals == interrupts" "$interrupts" "$(jqc "select($sel) | .signals" "$o")"
			check "$label: net$dev $q:$dir notifies == signals + suppressed" \
				"$(jqc "select($sel) | .signals + .suppressed" "$o")" "$(jqc "select($sel) | .notifies" "$o")"
		done < <(jqc '.queues[] | select(.completed > 0) | [.dev, .queue, .dir, .completed, .interrupts] | @tsv' <<<"$line")
		check "$label: counts complete" true "$(jqc 'select(.type == "probe") | .complete' "$o")"
	}
	section plain-out >"$work/o" && section plain-gt >"$work/g"
	check "plain: exit status" rc=0 "$(section plain-rc)"
	counts plain "$work/o" "$work/g"

	# the unit's command under its restrictions
	cfg=$(section service-cfg)
	check "service: ran the unit's ExecStart" "exec=$(sed -n 's/^ExecStart=//p' "$unit")" "$(head -n 1 <<<"$cfg")"
	check "service: exit status after SIGTERM" rc=0 "$(section service-rc)"
	check "service: stderr (-q: nothing but the attach line)" "" \
		"$(section service-err | grep -v 'tracing vhost' | head -n 3)"
	section service-metrics >"$work/m"
	line=$(section service-gt | grep '^{' | head -n 1)
	if [ -n "$line" ]; then
		pid=$(jqc .pid <<<"$line")
		while IFS=$'\t' read -r dev q completed interrupts; do
			lbl="pid=\"$pid\",dev=\"net$dev\",queue=\"$q\","
			check "service /metrics: net$dev $q used_total == completed" "$completed" \
				"$(grep -F "vqtrace_used_total{$lbl" "$work/m" | awk '{ print $NF }')"
			check "service /metrics: net$dev $q signals_total == interrupts" "$interrupts" \
				"$(grep -F "vqtrace_signals_total{$lbl" "$work/m" | awk '{ print $NF }')"
		done < <(jqc '.queues[] | select(.completed > 0) | [.dev, .queue, .completed, .interrupts] | @tsv' <<<"$line")
		check "service: TX completed (the scenario's --tx)" "$TX" "$(jqc '[.queues[] | select(.dir == "tx") | .completed] | add' <<<"$line")"
	else
		bad "service: no ground truth (vqtrace did not attach? $(section service-err | head -n 2 | tr '\n' ' '))"
	fi
	check "service: vqtrace_complete" 1 "$(awk '/^vqtrace_complete / { print $2 }' "$work/m")"
	# What systemd's seccomp-based options would have refused, from strace:
	section service-strace >"$work/s"
	nsys=$(grep -c . "$work/s")
	[ "$nsys" -gt 20 ] && ok "strace recorded $nsys calls" || bad "strace recorded only $nsys calls"
	grep -q 'openat(.*"/sys/kernel/btf/vhost", O_RDONLY) = [0-9]' "$work/s" && ok "strace saw vqtrace open vhost's BTF" ||
		bad "strace did not see vqtrace open /sys/kernel/btf/vhost"
	judge() { # option, then an ERE of offending lines
		local hits
		hits=$(grep -E "$2" "$work/s" | head -n 3)
		check "$1: no offending system call" "" "$hits"
	}
	judge "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" 'socket(pair)?\((AF|PF)_([^IU]|I[^N]|U[^N])'
	judge "MemoryDenyWriteExecute" 'mmap\(.*PROT_WRITE\|PROT_EXEC|mmap\(.*PROT_EXEC\|PROT_WRITE|mprotect\(.*PROT_EXEC|shmat\('
	judge "RestrictNamespaces" '(unshare|setns)\(|clone3?\(.*CLONE_NEW'
	judge "LockPersonality" 'personality\((0x[0-9a-f]*[^f]|[0-9]+|PER_)'
	judge "RestrictRealtime" 'sched_set(scheduler|attr)\(.*(SCHED_FIFO|SCHED_RR|SCHED_DEADLINE)'
	judge "RestrictSUIDSGID" 'chmod(at)?\(.*S_IS[UG]ID'
	judge "ProtectKernelModules" '(init|finit|delete)_module\(|open(at)?\(.*"/(usr/)?lib/modules'
	judge "ProtectClock" '(clock_settime|clock_adjtime|adjtimex|settimeofday)\('
	judge "ProtectHostname" '(sethostname|setdomainname)\('
	judge "ProtectKernelLogs is unset, yet: no kernel log read" 'syslog\(|"/(proc|dev)/kmsg"'
	judge "PrivateDevices: no device but null/zero/full/random/urandom/tty" \
		'open(at)?\(.*"/dev/([^nzfrut]|n[^u]|z[^e]|f[^u]|r[^a]|u[^r]|t[^t])'
	judge "ProtectHome: nothing under /root or /home" 'open(at)?\(.*"/(root|home)/'
	judge "ProtectControlGroups: no cgroup written" 'open(at)?\(.*"/sys/fs/cgroup.*O_(WRONLY|RDWR)'
	judge "ProtectSystem=strict: no write refused" 'EROFS'
	judge "mounts or privilege changes" '(mount|umount2|setuid|setgid|capset)\('

	# uid 1000, exactly the unit's capabilities
	caps=$(section nonroot-caps)
	check "nonroot: uid" 1000 "$(tail -n 1 <<<"$caps")"
	want=0
	for c in $(sed -n 's/^CapabilityBoundingSet=//p' "$unit"); do
		case $c in CAP_SYS_ADMIN) want=$((want | 1 << 21)) ;; CAP_SYSLOG) want=$((want | 1 << 34)) ;;
		*) bad "nonroot: no bit known for $c" ;; esac
	done
	check "nonroot: effective capabilities == the unit's" "$(printf '%016x' $want)" \
		"$(sed -n 's/^CapEff:[[:space:]]*//p' <<<"$caps")"
	check "nonroot: exit status" rc=0 "$(section nonroot-rc)"
	section nonroot-out >"$work/o" && section nonroot-gt >"$work/g"
	counts nonroot "$work/o" "$work/g"
	check "CAP_SYS_ADMIN only, perf_event_paranoid=1: exit status" rc=0 "$(section paranoid1-rc)"
	section paranoid1-out >"$work/o" && section paranoid1-gt >"$work/g"
	counts "CAP_SYS_ADMIN only, perf_event_paranoid=1" "$work/o" "$work/g"
	check "CAP_SYS_ADMIN only, perf_event_paranoid=1: rows name the queue role" tx \
		"$(jqc 'select(.type == "total" and .queue == 1) | .dir' "$work/o" | sort -u)"
	for c in $(sed -n 's/^CapabilityBoundingSet=//p' "$unit"); do
		check "without $c: exit status" rc=1 "$(section "minus-$c-rc")"
		e=$(section "minus-$c-err")
		check "without $c: stderr lines" 1 "$(grep -c . <<<"$e")"
		[[ $e == "vqtrace: missing capability $c:"* ]] && ok "without $c: says so: $e" ||
			bad "without $c: want 'vqtrace: missing capability $c: ...', got '$e'"
		s=$(section "skip-$c-rc")
		[ -n "$s" ] && [ "$s" != rc=0 ] && ok "without $c and no preflight check: the run fails ($s: $(section "skip-$c-err" | grep -v '^libbpf' | tail -n 1))" ||
			bad "without $c and no preflight check: the run did not fail ($s): $c may not be needed"
	done
	if grep -q 'CAP_SYS_ADMIN' <<<"$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")"; then
		check "CAP_BPF+CAP_PERFMON instead of CAP_SYS_ADMIN: exit status" rc=1 "$(section bpf-perfmon-rc)"
		e=$(section bpf-perfmon-err)
		[[ $e == "vqtrace: missing capability CAP_SYS_ADMIN:"* && $(grep -c . <<<"$e") == 1 ]] &&
			ok "CAP_BPF+CAP_PERFMON instead of CAP_SYS_ADMIN: names CAP_SYS_ADMIN" ||
			bad "CAP_BPF+CAP_PERFMON instead of CAP_SYS_ADMIN: want one line naming CAP_SYS_ADMIN, got '$e'"
		s=$(section skip-bpf-perfmon-rc)
		[ -n "$s" ] && [ "$s" != rc=0 ] &&
			ok "CAP_BPF+CAP_PERFMON, no preflight check: the run fails ($s: $(section skip-bpf-perfmon-err | grep -v '^libbpf' | tail -n 1))" ||
			bad "CAP_BPF+CAP_PERFMON, no preflight check: the run did not fail ($s)"
	fi
	check "-p another user's pid --no-wait: exit status" rc=1 "$(section nowait-rc)"
	e=$(section nowait-err)
	[[ $e == "vqtrace: missing capability CAP_SYS_PTRACE or CAP_DAC_READ_SEARCH (another user's /proc/"*"/fd takes both)"* &&
		$(grep -c . <<<"$e") == 1 ]] && ok "--no-wait without CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH: one line naming them" ||
		bad "--no-wait without CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH: got '$e'"
	check "--no-wait with CAP_SYS_PTRACE alone: exit status" rc=1 "$(section nowait+sys_ptrace-rc)"
	check "--no-wait with CAP_DAC_READ_SEARCH alone: exit status" rc=1 "$(section nowait+dac_read_search-rc)"
	check "--no-wait with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH: exit status (the device is seen)" rc=0 \
		"$(section nowait+sys_ptrace,+dac_read_search-rc)"
	check "--no-wait with both: no missing-capability line" "" \
		"$(section nowait+sys_ptrace,+dac_read_search-err | grep 'missing\|cannot')"
done
k=all
echo "deb: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
