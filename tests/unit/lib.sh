# SPDX-License-Identifier: GPL-2.0
# tests/unit/lib.sh - kselftest-style helpers for the POSIX sh tests of
# tests/unit (cli.sh, build.sh); tests/host/lib.bash is their bash twin.
#
#   ok DESC / not_ok DESC [DETAIL...]
#   finish NAME     print the plan and a summary, exit 0 or 1

n=0
failed=0
echo "TAP version 13"

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for line in "$@"; do
		echo "#   $line"
	done
}

finish() {
	echo "1..$n"
	echo "$1: $((n - failed)) passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
