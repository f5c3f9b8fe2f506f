#!/bin/sh
# One stress reader (stress.sh): reads the files of its namespace until
# $T/stop exists, checks the shape of every read, and writes
# "<reads> <malformed>" to $T/reads/<id>.res. A read may fail while the
# module is unloaded; it must never return something malformed.
. /tests/lib.sh
id=$1 T=$2
n=0 bad=0
# The first malformed read is kept in $T/reads/<id>.bad for the log.
malformed() {
	bad=$((bad + 1))
	[ -e $T/reads/$id.bad ] || { echo "== $1:"; cat $T/reads/$id.out; } >$T/reads/$id.bad
}
while [ ! -e $T/stop ]; do
	for f in /proc/tcpstat /proc/net/tcpstat_data /proc/net/tcpstat_ports; do
		cat $f >$T/reads/$id.out 2>/dev/null || continue
		case $f in
		/proc/tcpstat) human_format_ok $T/reads/$id.out || malformed $f ;;
		*data) data_format_ok $T/reads/$id.out || malformed $f ;;
		*ports) tail -n 1 $T/reads/$id.out | grep -qx end || malformed $f ;;
		esac
		n=$((n + 1))
	done
	if [ $((id % 4)) = 0 ] && cat /proc/net/tcpstat_netns >$T/reads/$id.out 2>/dev/null; then
		tail -n 1 $T/reads/$id.out | grep -qx end || malformed /proc/net/tcpstat_netns
		n=$((n + 1))
	fi
done
echo "$n $bad" >$T/reads/$id.res
