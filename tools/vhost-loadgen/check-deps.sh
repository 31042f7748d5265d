#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# check-deps.sh OBJ...: print the call graph between the objects ("a.o ->
# b.o": a.o uses a symbol b.o defines, from nm) and fail if it has a cycle.
# Run by `make -C tools/vhost-loadgen check-deps`.
set -e
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for o in "$@"; do
	nm --defined-only "$o" | awk -v o="$o" '$2 ~ /^[TDBRC]$/ { print $3, o }' >>"$tmp/def"
	nm --undefined-only "$o" | awk -v o="$o" '{ print $NF, o }' >>"$tmp/use"
done
sort -u "$tmp/def" >"$tmp/def.s"
sort -u "$tmp/use" >"$tmp/use.s"
join "$tmp/use.s" "$tmp/def.s" | awk '$2 != $3 { print $2, $3 }' | sort -u >"$tmp/edges"
awk '{ print "  " $1 " -> " $2 }' "$tmp/edges"
if ! tsort "$tmp/edges" >/dev/null 2>"$tmp/err" || [ -s "$tmp/err" ]; then
	sed 's/^/  /' "$tmp/err" >&2
	echo "check-deps: the call graph between the files has a cycle" >&2
	exit 1
fi
echo "check-deps: no cycle among $# objects"
