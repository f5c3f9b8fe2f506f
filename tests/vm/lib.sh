#!/bin/sh
# Shared helpers of the guest tests (busybox sh): kselftest-style output,
# one "ok N - what" or "not ok N - what" line per check.
TESTNUM=0
FAILED=0

# check <description> <command...>: run the command, report ok/not ok.
check() {
	desc=$1
	shift
	TESTNUM=$((TESTNUM + 1))
	if "$@"; then
		echo "ok $TESTNUM - $desc"
	else
		echo "not ok $TESTNUM - $desc"
		FAILED=$((FAILED + 1))
	fi
}

done_testing() {
	echo "# $TESTNUM checks, $FAILED failed"
	[ "$FAILED" -eq 0 ] && exit 0
	exit 1
}
