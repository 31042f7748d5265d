#!/usr/bin/env bash
# Builds the Debian package from a clean copy of this tree:
#   tools/build-deb.sh OUTDIR      (make deb: OUTDIR = .output/deb)
# Copies the tracked and new (not ignored) files into OUTDIR/src/vqtrace-VER,
# runs `dpkg-buildpackage -b -us -uc` there, moves the .deb, .buildinfo and
# .changes to OUTDIR, runs lintian on the .changes (OUTDIR/lintian.txt) and
# prints the .deb's path last. The build's own log is OUTDIR/build.log.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:?usage: tools/build-deb.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
for tool in dpkg-buildpackage dh; do
	command -v $tool >/dev/null || { echo "deb: $tool is missing (run tools/deps.sh)" >&2; exit 1; }
done
ver=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
src=$out/src/vqtrace-$ver
rm -rf "$out/src" "$out"/*.deb "$out"/*.ddeb "$out"/*.changes "$out"/*.buildinfo
mkdir -p "$src"
if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$repo" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -xf - -C "$src"
else
	tar -C "$repo" --exclude=./.output --exclude=./vqtrace --exclude=./results --exclude=./.cache -cf - . |
		tar -xf - -C "$src"
fi
echo "deb: building vqtrace $ver ($arch) in $src (log: $out/build.log)" >&2
start=$(date +%s)
if ! (cd "$src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
fi
mv "$out/src"/*.deb "$out/src"/*.buildinfo "$out/src"/*.changes "$out/"
mv "$out/src"/*.ddeb "$out/" 2>/dev/null || true
echo "deb: built in $(($(date +%s) - start)) s" >&2
changes=$(ls "$out"/vqtrace_"$ver"_"$arch".changes)
if command -v lintian >/dev/null; then
	# --fail-on error: warnings are explained in debian/README.source
	if lintian --info --display-info --pedantic --fail-on error "$changes" >"$out/lintian.txt" 2>&1; then
		echo "deb: lintian: $(grep -c '^[EW]:' "$out/lintian.txt") errors and warnings, $(grep -c '^[IP]:' "$out/lintian.txt") info and pedantic tags ($out/lintian.txt)" >&2
	else
		cat "$out/lintian.txt" >&2
		echo "deb: lintian found errors" >&2
		exit 1
	fi
fi
ls "$out"/vqtrace_"$ver"_"$arch".deb
