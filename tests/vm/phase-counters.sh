# Sourced by run_in_netns in a fresh netns: the kernel's own gauges of the
# namespace against the sockets built on purpose and the module's counts,
# a cross-check of both (docs/reliability.md, "The kernel's own counters"):
#   - Tcp: CurrEstab (/proc/net/snmp) = ESTABLISHED + CLOSE_WAIT, on a
#     kernel with commit a46d0ea5c942 ("tcp: count CLOSE-WAIT sockets for
#     TCP_MIB_CURRESTAB"); before it, ESTABLISHED only;
#   - TCP: tw (/proc/net/sockstat) = the TIME_WAIT minisocks built,
#     whatever their substate: the module's TIME_WAIT plus the FIN_WAIT2
#     minisocks;
# and the reporter's --counters (kmod backend) equals the files' values.
# The minisocks live 60 s from the end of the build: everything here is
# read right after it.
T=/tmp/counters
mkdir -p $T

# The running kernel's upstream version "X.Y.Z": Debian names it in
# /proc/version ("... Debian 6.1.176-1 (...)"; its uname -r is the ABI
# name, 6.1.0-50-amd64), other kernels in uname -r.
kernel_upstream() {
	v=$(sed -n 's/.*) #[^(]* Debian \([0-9][0-9.]*[0-9]\).*/\1/p' /proc/version)
	[ -n "$v" ] || v=$(uname -r | sed -n 's/^\([0-9][0-9.]*[0-9]\).*/\1/p')
	echo "$v"
}

# Does kernel X.Y.Z count CLOSE_WAIT sockets in CurrEstab? Mainline from
# 6.10 (a46d0ea5c942), and the stable backports of June-July 2024: 6.9.6,
# 6.6.35, 6.1.95, 5.15.162, 5.10.221. Prints the first release of the
# series with the fix ("" when the series never got it).
currestab_fixed_in() {
	set -- $(echo "$1" | tr . ' ')
	case $1.$2 in
	6.9) echo 6.9.6 ;;
	6.6) echo 6.6.35 ;;
	6.1) echo 6.1.95 ;;
	5.15) echo 5.15.162 ;;
	5.10) echo 5.10.221 ;;
	*) if [ "$1" -gt 6 ] || { [ "$1" -eq 6 ] && [ "$2" -ge 10 ]; }; then echo 6.10; fi ;;
	esac
}

# version_ge A B: is version A (X.Y[.Z]) at least B?
vnum() { echo "$1" | awk -F. '{ print $1 * 1000000 + $2 * 1000 + $3 }'; }
version_ge() { [ "$(vnum "$1")" -ge "$(vnum "$2")" ]; }

# "CurrEstab <n> tw <n>" of this namespace, found by column name; fails
# if a file or a field is missing.
kernel_gauges() {
	awk '$1 == "Tcp:" && !h { for (i = 2; i <= NF; i++) col[i] = $i; h = 1; next }
	$1 == "Tcp:" { for (i = 2; i <= NF; i++) if (col[i] == "CurrEstab") e = $i }
	$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") tw = $(i + 1) }
	END { if (e == "" || tw == "") exit 1; print "CurrEstab", e, "tw", tw }' \
		/proc/net/snmp /proc/net/sockstat
}

# The TIME_WAIT minisocks in the kernel's own table, by substate: rows of
# /proc/net/tcp{,6} with the timewait timer (timer_active 3, which only
# minisocks have). "<TIME_WAIT> <FIN_WAIT2>".
kernel_minisocks() {
	awk 'FNR > 1 && $6 ~ /^03:/ { if ($4 == "06") t++; else if ($4 == "05") f++ }
	END { print t + 0, f + 0 }' /proc/net/tcp /proc/net/tcp6
}

# Sum of one state's column (2 = ESTABLISHED ... 12 = CLOSING) of a view.
col_sum() { awk -v c="$1" '{ s += $c } END { print s + 0 }' "$2"; }

# The seven --counters values from the files, by column name, in tcpstat's
# order; and the same from a JSON sample on stdin.
file_counters() {
	awk '($1 == "Tcp:" || $1 == "TcpExt:") {
		if (!(($1) in seen)) { seen[$1] = 1; for (i = 2; i <= NF; i++) name[$1, i] = $i; next }
		for (i = 2; i <= NF; i++) v[name[$1, i]] = $i
	}
	END { print v["ActiveOpens"], v["PassiveOpens"], v["AttemptFails"], v["EstabResets"],
		v["RetransSegs"], v["ListenOverflows"], v["ListenDrops"] }' /proc/net/snmp /proc/net/netstat
}
json_counters() {
	sed -n 's/.*"counters":{\([^}]*\)}.*/\1/p' | tr ',' '\n' | awk -F: '
	{ gsub(/"/, "", $1); v[$1] = $2 }
	END { print v["active_opens"], v["passive_opens"], v["attempt_fails"], v["estab_resets"],
		v["retrans_segs"], v["listen_overflows"], v["listen_drops"] }'
}

if farm_start $T/farm build --family both --timewait; then
	FARM=$FARM_PID
	check "counters: kernel view reaches the built set" wait_kernel_view $T/farm.view
	# At quiescence: the gauges read before and after the module's file
	# are the same (a SYN_SENT retry moves no gauge, but be sure).
	i=0
	while [ $i -lt 50 ]; do
		kernel_gauges >$T/g.a
		data_view >$T/q.data
		kernel_minisocks >$T/q.mini
		kernel_gauges >$T/g.b
		[ -s $T/g.a ] && cmp -s $T/g.a $T/g.b && break
		i=$((i + 1))
		usleep 100000
	done
	check "counters: CurrEstab and tw read, and held still ($(cat $T/g.b))" \
		sh -c "test -s $T/g.a && cmp -s $T/g.a $T/g.b"
	check "counters: the module's counts equal the sockets built" same $T/q.data $T/farm.view
	set -- $(cat $T/g.b)
	estab=$2 tw=$4
	e=$(col_sum 2 $T/q.data)
	cw=$(col_sum 9 $T/q.data)
	mtw=$(col_sum 7 $T/q.data)
	set -- $(sed -n 's/^timewait //p' $T/farm.out)
	built_tw=$(($1 + $2))
	kv=$(kernel_upstream)
	fixed=$(currestab_fixed_in "$kv")
	if [ -z "$kv" ]; then
		check "counters: the kernel's version from /proc/version or uname -r ($(cat /proc/version))" false
	elif [ -n "$fixed" ] && version_ge "$kv" "$fixed"; then
		check "counters: CurrEstab $estab = ESTABLISHED $e + CLOSE_WAIT $cw (kernel $kv counts CLOSE_WAIT, since $fixed)" \
			test "$estab" -eq $((e + cw)) -a "$cw" -gt 0
	else
		diag "kernel $kv predates the fix that counts CLOSE_WAIT in CurrEstab${fixed:+ ($fixed)}:"
		diag "CurrEstab is ESTABLISHED only here (docs/reliability.md, The kernel's own counters)"
		check "counters: CurrEstab $estab = ESTABLISHED $e, without CLOSE_WAIT $cw (kernel $kv: before the fix)" \
			test "$estab" -eq "$e" -a "$cw" -gt 0
	fi
	check "counters: sockstat tw $tw = the TIME_WAIT minisocks built ($built_tw)" test "$tw" -eq "$built_tw"
	set -- $(cat $T/q.mini)
	check "counters: sockstat tw $tw = the module's TIME_WAIT $mtw + the FIN_WAIT2 minisocks of /proc/net/tcp{,6} ($2)" \
		test "$tw" -eq $((mtw + $2)) -a "$1" -eq "$mtw" -a "$2" -gt 0

	# The reporter's --counters, kmod backend, in this namespace: the
	# files' values, read before and after it the same (a dropped SYN
	# sent again moves ListenDrops and RetransSegs: try again then).
	i=0
	while [ $i -lt 20 ]; do
		a=$(file_counters)
		got=$(tcpstat --backend kmod --counters --format json 2>$T/rep.err | json_counters)
		b=$(file_counters)
		[ "$a" = "$b" ] && break
		i=$((i + 1))
	done
	check "counters: reporter --backend kmod --counters equals /proc/net/snmp and netstat ($got)" \
		sh -c "test '$a' = '$b' && test '$got' = '$a' && test ! -s $T/rep.err"
	[ "$got" = "$a" ] || diag "files: $a; reporter: $got; $(cat $T/rep.err)"
	set -- $got
	check "counters: the build shows in them (active_opens $1, passive_opens $2, listen_overflows $6 > 0)" \
		test "${1:-0}" -gt 0 -a "${2:-0}" -gt 0 -a "${6:-0}" -gt 0
	farm_stop $FARM
else
	check "sockfarm build --timewait ($(cat $T/farm.err))" false
fi
