# Sourced by run_in_netns in a fresh netns: four readers check the format
# of every read while connections churn as fast as the guest allows.
T=/tmp/churn
mkdir -p $T
reader() {
	n=0
	bad=0
	while [ ! -e $T/stop ]; do
		human_format_ok /proc/tcpstat || bad=$((bad + 1))
		data_format_ok /proc/net/tcpstat_data || bad=$((bad + 1))
		n=$((n + 1))
	done
	echo "$n $bad" >$T/reader.$1
}
for r in 1 2 3 4; do reader $r & done
sockfarm churn --seconds 10 --family both >$T/churn.out 2>$T/churn.err
touch $T/stop
wait
check "churn ran ($(cat $T/churn.out))" grep -q '^churned [1-9]' $T/churn.out
reads=0 bad=0
for r in 1 2 3 4; do
	set -- $(cat $T/reader.$r)
	reads=$((reads + $1)) bad=$((bad + $2))
done
check "$reads reads during churn, all well-formed" test "$reads" -gt 0 -a "$bad" -eq 0
snapshot $T/s
check "after churn: data file equals /proc/net/tcp{,6}" same $T/s.data $T/s.kernel
