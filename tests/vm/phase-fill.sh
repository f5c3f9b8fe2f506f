# Sourced by run_in_netns in a fresh netns that shares the global
# established table: 3000 connections (6000 sockets, ~12 per bucket of a
# 512-bucket table) plus the full set of states. A walk that missed a
# bucket, the last one included, would miss sockets.
# On a slowed (debug) kernel filling takes minutes, longer than TIME_WAIT
# and FIN_WAIT2 last, so there only the connections (which hold still) are
# built; the every-state farm has its own phase.
T=/tmp/fill
mkdir -p $T
if [ "$TIME_SCALE" = 1 ]; then
	farm_start $T/farm build --family both --scale 3
	rc=$?
	what="3000 connections and every state"
else
	zero_view >$T/farm.view
	FARM_PID=
	rc=0
	what="3000 connections"
fi
if [ $rc = 0 ]; then
	F1=$FARM_PID
	if farm_start $T/fill fill --conns 3000 --family both; then
		F2=$FARM_PID
		view_add $T/fill.view $T/farm.view >$T/all.view
		check "$what: kernel view reaches them" wait_kernel_view $T/all.view 30
		snapshot $T/s
		check "3000 connections: data file equals the sockets built" same $T/s.data $T/all.view
		check "3000 connections: data file equals /proc/net/tcp{,6}" same $T/s.data $T/s.kernel
		if [ -n "$BPF" ]; then
			reporter_view --backend bpf >$T/s.bpf
			check "3000 connections: reporter --backend bpf equals the sockets built" bpf_same $T/s.bpf $T/all.view
		fi
		view_total <$T/all.view >$T/all.total
		check "3000 connections: /proc/tcpstat equals the sockets built" same $T/s.human $T/all.total
		farm_stop $F2
	else
		check "sockfarm fill ($(cat $T/fill.err))" false
	fi
	[ -n "$F1" ] && farm_stop $F1
else
	check "sockfarm build ($(cat $T/farm.err))" false
fi
