#!/bin/sh
# iterskip.sh - reproduce the kernel's TCP socket iterator skip that the
# bpf backend's comparisons tolerate (tests/vm/lib.sh, bpf_same; README,
# Backends). Not part of make check: it shows the kernel's bug, not ours.
#
# On a kernel whose iterator resumes with tcp_seek_last_pos() (5.15 to
# 6.11 without the resume by socket cookie: bookworm's 6.1), a walk that
# leaves the listening table with nothing more in it falls through to the
# established table with offset -1 and skips the namespace's first
# non-empty established bucket. With no listener at all that bucket is
# skipped whenever it is bucket 0. So: a fresh namespace, 400 connections
# (800 sockets in 512 buckets: bucket 0 holds some in about 4 of 5
# namespaces), the listener killed (ss -K), then bpf against
# /proc/net/tcp. On an affected kernel some namespace must come out
# short; on any other, every one exact.
#
#   scripts/vm-run.sh --kernel bookworm:amd64 --ko build/ko/bookworm-amd64/tcpstat.ko \
#       --run iterskip.sh --append thash_entries=512
. /tests/lib.sh
T=/tmp/iterskip
mkdir -p $T

if ! why=$(bpf_why_not); then
	echo "1..0 # SKIP the bpf backend cannot run here: $why"
	exit 4
fi
affected=no
bpf_iter_skips && affected=yes
diag "kernel $(sed -n 's/^Linux version \([^ ]*\).*/\1/p' /proc/version): tcp_seek_last_pos() resume expected: $affected"

short=0 exact=0 i=0
while [ $i -lt 8 ]; do
	i=$((i + 1))
	unshare -n sh -c '
		ip link set lo up
		. /tests/lib.sh
		T=$0
		farm_start $T/f fill --conns 400 --family 4 || exit 2
		ss -K state listening >/dev/null 2>&1
		[ -z "$(ss -Htln)" ] || { farm_stop $FARM_PID; exit 3; }
		kernel_view >$T/k.a
		reporter_view --backend bpf >$T/b
		kernel_view >$T/k
		farm_stop $FARM_PID
		cmp -s $T/k.a $T/k || exit 3
		cmp -s $T/b $T/k && exit 0
		diag "bpf: $(tr "\n" "|" <$T/b) kernel: $(tr "\n" "|" <$T/k)"
		exit 1' $T
	case $? in
	0) exact=$((exact + 1)) ;;
	1) short=$((short + 1)) ;;
	*) diag "namespace $i: not set up (sockfarm, ss -K or a moving table)" ;;
	esac
done
diag "namespaces without listeners: $exact exact, $short where bpf differs"
if [ $affected = yes ]; then
	check "the iterator skips bucket 0 in some namespace without listeners ($short of 8)" \
		test "$short" -gt 0
else
	check "the iterator is exact in every namespace without listeners ($exact of 8)" \
		test "$exact" -eq 8
fi
done_testing
