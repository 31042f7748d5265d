#!/usr/bin/env bash
# Host test of `make install` / `make uninstall` (no kernel support needed):
# a staging DESTDIR with the default PREFIX and with PREFIX=/usr, the files
# and modes installed, the unit's ExecStart naming the installed binary, the
# man page against the binary's own --help (every option, every counter),
# groff without warnings, `systemd-analyze verify` on the installed unit,
# and an uninstall that leaves no file behind.
# Ends with "install: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
pass=0 fail=0
ok() { pass=$((pass + 1)); [ -z "${VERBOSE:-}" ] || echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { # label expected actual
	if [ "$2" = "$3" ]; then ok "$1 = $3"; else bad "$1: expected '$2', got '$3'"; fi
}
for tool in help2man systemd-analyze groff; do
	command -v $tool >/dev/null || { echo "install: $tool is missing (run tools/deps.sh)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/vqtrace-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

for prefix in /usr/local /usr; do
	d=$work/root$prefix
	if ! out=$(make -s -C "$repo" install DESTDIR="$d" PREFIX="$prefix" 2>&1); then
		bad "make install PREFIX=$prefix: $(tail -n 3 <<<"$out")"
		continue
	fi
	want=$(printf '%s\n' "sbin/vqtrace 755" "share/man/man8/vqtrace.8 644" \
		"lib/systemd/system/vqtrace.service 644" | sort)
	got=$(cd "$d$prefix" && find . -type f -printf '%P %m\n' | sort)
	check "PREFIX=$prefix: files and modes installed" "$want" "$got"
	bin=$d$prefix/sbin/vqtrace
	if cmp -s "$bin" "$repo/.output/vqtrace"; then ok "installed binary is the build's"; else
		bad "PREFIX=$prefix: installed binary differs from .output/vqtrace"; fi
	if file -b "$bin" | grep -q 'statically linked'; then ok "installed binary is static"; else
		bad "PREFIX=$prefix: installed binary is not statically linked: $(file -b "$bin")"; fi
	unit=$d$prefix/lib/systemd/system/vqtrace.service
	exec=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
	check "PREFIX=$prefix: unit ExecStart binary" "$prefix/sbin/vqtrace" "$exec"
	check "PREFIX=$prefix: no @placeholder@ left in the unit" 0 "$(grep -c '@[A-Z]*@' "$unit")"
	# The options ExecStart passes must be ones the binary accepts: parse
	# them with the installed binary (-h after them prints help, exit 0,
	# only if everything before it parsed).
	args=$(sed -n 's/^ExecStart=[^ ]* //p' "$unit")
	# shellcheck disable=SC2086
	if "$bin" $args --help >/dev/null 2>"$work/err"; then ok "unit's options parse"; else
		bad "PREFIX=$prefix: the unit's options do not parse: $(cat "$work/err")"; fi

	# systemd-analyze verify resolves ExecStart on this machine's root: give
	# it a copy whose ExecStart is the staged binary.
	sed "s|^ExecStart=$prefix/sbin/vqtrace|ExecStart=$bin|" "$unit" >"$work/vqtrace.service"
	if out=$(MANPATH=$d$prefix/share/man systemd-analyze verify "$work/vqtrace.service" 2>&1) && [ -z "$out" ]; then
		ok "systemd-analyze verify"
	else
		bad "PREFIX=$prefix: systemd-analyze verify: $out"
	fi
	# The hardening as systemd itself reads it (offline: no running systemd).
	if sec=$(systemd-analyze security --offline=true "$work/vqtrace.service" 2>&1); then
		score=$(sed -n 's/.*Overall exposure level for vqtrace.service: \([0-9.]*\).*/\1/p' <<<"$sec")
		[ -n "$score" ] && ok "systemd-analyze security: exposure $score" ||
			bad "systemd-analyze security gave no score: $(tail -n 2 <<<"$sec")"
	else
		bad "systemd-analyze security --offline: $(tail -n 2 <<<"$sec")"
	fi
	# Every capability the unit keeps is one vqtrace --help names as needed.
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
	check "CapabilityBoundingSet == AmbientCapabilities" "$caps" "$(sed -n 's/^AmbientCapabilities=//p' "$unit")"
	for c in $caps; do
		if "$bin" --help | grep -qw "$c"; then ok "--help names $c"; else bad "--help does not name $c, which the unit grants"; fi
	done

	man=$d$prefix/share/man/man8/vqtrace.8
	if warn=$(groff -man -ww -z "$man" 2>&1) && [ -z "$warn" ]; then ok "groff -ww on vqtrace.8"; else
		bad "PREFIX=$prefix: groff warnings: $warn"; fi
	check "man page .TH" 'VQTRACE 8' "$(sed -n 's/^\.TH "*\([A-Z]*\)"* "*\([0-9]\)"*.*/\1 \2/p' "$man")"
	text=$(MANWIDTH=200 man -l "$man" 2>/dev/null)
	grep -q "vqtrace $("$bin" --version | cut -d' ' -f2)" <<<"$text" && ok "man page has the version" ||
		bad "man page lacks the version $("$bin" --version)"
	# every long option and every word --help defines as a field or counter
	n=0 miss=
	for o in $("$bin" --help | grep -o -- '--[a-z][a-z-]*' | sort -u) \
		$("$bin" --help | sed -n 's/^  \([a-z_][a-z_0-9]*\)  .*/\1/p; s/^  \([a-z_][a-z_0-9]*\)$/\1/p' | sort -u); do
		n=$((n + 1))
		grep -qF -- "$o" <<<"$text" || miss+=" $o"
	done
	if [ -z "$miss" ] && [ "$n" -gt 40 ]; then ok "man page has all $n options and fields of --help"; else
		bad "PREFIX=$prefix: man page lacks$miss (of $n)"; fi
	if out=$(make -s -C "$repo" uninstall DESTDIR="$d" PREFIX="$prefix" 2>&1); then
		check "PREFIX=$prefix: files left after uninstall" "" "$(find "$d" -type f)"
	else
		bad "make uninstall PREFIX=$prefix: $out"
	fi
done
# Changing the --help text changes the man page: the page is made from it.
if grep -q '^\.TH' "$repo/.output/vqtrace.8" && [ "$repo/.output/vqtrace.8" -nt "$repo/.output/vqtrace" ]; then
	ok "vqtrace.8 is newer than the binary it was made from"
else
	bad ".output/vqtrace.8 is older than .output/vqtrace"
fi
echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
