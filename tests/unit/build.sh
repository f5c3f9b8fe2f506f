#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# build.sh - the first steps of a new user: user/Makefile stops at the
# first library pkg-config cannot find, with one line naming the Debian
# package to install (never a compiler error after pkg-config noise), and
# README.md lists every build dependency in the command that installs
# them. Runs make -n only: nothing is built.
#
# kselftest style: one "ok N - ..." / "not ok N - ..." line per check,
# exit 0 when all pass, 1 otherwise.
#
#   sh tests/unit/build.sh

set -u
unset MAKEFLAGS MFLAGS MAKELEVEL

TOP=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/tcpstat-build.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# shellcheck source=tests/unit/lib.sh
. "$TOP/tests/unit/lib.sh"

real_pc=$(command -v pkg-config)
if [ -z "$real_pc" ]; then
	echo "1..0 # SKIP no pkg-config here"
	exit 4
fi

# fake_pc MISSING...: a pkg-config that does not know the MISSING packages
fake_pc() {
	{
		echo '#!/bin/sh'
		echo 'for a in "$@"; do case $a in'
		for p in "$@"; do echo "$p) exit 1 ;;"; done
		echo 'esac; done'
		echo "exec $real_pc \"\$@\""
	} >"$tmp/pkg-config"
	chmod +x "$tmp/pkg-config"
}

# make_stops DESC GOAL WANT MISSING...: make -n GOAL stops, with exactly
# one line of its own on stderr, naming WANT
make_stops() {
	desc=$1 goal=$2 want=$3
	shift 3
	fake_pc "$@"
	make -n -C "$TOP/user" PKG_CONFIG="$tmp/pkg-config" $goal >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "$want" "$tmp/err" &&
	   ! grep -q 'cc \|json\.h' "$tmp/out"; then
		ok "$desc"
	else
		not_ok "$desc" "status $rc" "$(cat "$tmp/err")"
	fi
}

make_stops "no json-c: make stops, one line naming libjson-c-dev" tcpstat \
	'json-c not found by .*: install the Debian package libjson-c-dev (apt-get install libjson-c-dev)' json-c
make_stops "no libmnl: one line naming libmnl-dev" "" \
	'libmnl not found .*install the Debian package libmnl-dev' libmnl
make_stops "neither: the first one only" tcpstat 'json-c not found' json-c libmnl
make_stops "no cmocka: make unit names libcmocka-dev" unit \
	'cmocka not found .*install the Debian package libcmocka-dev' cmocka
make_stops "no libbpf: one line naming libbpf-dev" tcpstat \
	'libbpf not found .*install the Debian package libbpf-dev' libbpf
fake_pc
for tool in BPFTOOL:bpftool LLVM_STRIP:llvm CLANG:clang; do
	make -n -C "$TOP/user" PKG_CONFIG="$tmp/pkg-config" "${tool%%:*}=$tmp/no-such-tool" tcpstat \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	   grep -q "no-such-tool not found: install the Debian package ${tool#*:} " "$tmp/err"; then
		ok "no ${tool#*:}: one line naming it"
	else
		not_ok "no ${tool#*:}: one line naming it" "status $rc" "$(cat "$tmp/err")"
	fi
done
make -n -C "$TOP/user" PKG_CONFIG="$tmp/no-such-pkg-config" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
   grep -q 'not found: install the Debian package pkg-config' "$tmp/err"; then
	ok "no pkg-config: one line naming the Debian package pkg-config"
else
	not_ok "no pkg-config: one line" "status $rc" "$(cat "$tmp/err")"
fi
make -n -C "$TOP/user" PKG_CONFIG="$tmp/no-such-pkg-config" clean >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ]; then
	ok "make clean needs no library"
else
	not_ok "make clean needs no library" "status $rc" "$(cat "$tmp/err")"
fi

# README: one command installs what building and testing the reporter needs
cmd=$(grep -E '^ *(sudo )?apt-get install' "$TOP/README.md" | head -n 1)
missing=
for pkg in $(sed -n 's/^DEB_[a-z-]* *:= *//p' "$TOP/user/Makefile") make gcc pkg-config; do
	case " $cmd " in
	*" $pkg "*) ;;
	*) missing="$missing $pkg" ;;
	esac
done
if [ -n "$cmd" ] && [ -z "$missing" ]; then
	ok "README's install command lists every build dependency"
else
	not_ok "README's install command lists every build dependency" "command: $cmd" "missing:$missing"
fi

finish build
