# Sourced by run_in_netns in a fresh netns: four readers check the format
# of every read while connections churn as fast as the guest allows, and
# (where it runs) a fifth samples with the reporter's bpf backend, every
# sample a whole JSON line.
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
bpf_reader() {
	n=0
	bad=0
	while [ ! -e $T/stop ]; do
		if out=$(tcpstat --backend bpf --family) && [ "$(echo "$out" | wc -l)" = 1 ] &&
		   echo "$out" | grep -q '^{"ESTABLISHED":[0-9]*,.*"ipv6":{.*}}$'; then
			n=$((n + 1))
		else
			bad=$((bad + 1))
		fi
	done
	echo "$n $bad" >$T/reader.bpf
}
[ -n "$BPF" ] && bpf_reader &
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
if [ -n "$BPF" ]; then
	set -- $(cat $T/reader.bpf)
	check "$1 bpf samples during churn, none failed ($2)" test "$1" -gt 0 -a "$2" -eq 0
fi
snapshot $T/s
check "after churn: data file equals /proc/net/tcp{,6}" same $T/s.data $T/s.kernel
if [ -n "$BPF" ]; then
	i=0
	while [ $i -lt 20 ]; do
		kernel_view >$T/b.a
		reporter_view --backend bpf >$T/b.bpf
		kernel_view >$T/b.kernel
		cmp -s $T/b.a $T/b.kernel && break
		i=$((i + 1))
	done
	check "after churn: reporter --backend bpf equals /proc/net/tcp{,6}" bpf_same $T/b.bpf $T/b.kernel
fi
