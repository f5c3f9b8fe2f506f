# Sourced in the initial netns: the all-namespaces view. Ten namespaces
# (every other one with a private established table) with different
# socket sets, built while a reader loops on the file and namespaces come
# and go; the host-side file must equal each namespace's own view.
T=/tmp/allns
mkdir -p $T
NSFILE=/proc/net/tcpstat_netns
check "all-netns file is root-only (0400)" test "$(stat -L -c %a $NSFILE)" = 400

# A reader that checks the shape of every read, and namespaces that come
# and go (empty, and with a few connections) while it reads.
allns_format_ok() {
	awk -v states="$STATES" '
	NR == 1 { ok = ($1 == "tcpstat" && $2 == "1" && NF == 3); next }
	NR == 2 { ok = ok && ($0 == "netns inode family " states); next }
	$0 == "end" { done = 1; next }
	{ if (done || NF != 14 || $1 != "netns" || ($3 != "ipv4" && $3 != "ipv6")) ok = 0 }
	END { exit !(ok && done) }' "$1"
}
(
	n=0 bad=0
	while [ ! -e $T/stop ]; do
		cat $NSFILE >$T/read.tmp && allns_format_ok $T/read.tmp || bad=$((bad + 1))
		n=$((n + 1))
	done
	echo "$n $bad" >$T/reader
) &
READER=$!
(
	n=0
	# At most a few per second: each one's teardown is asynchronous work
	# that a debug kernel does slowly.
	while [ ! -e $T/stop ]; do
		unshare -n true
		unshare -n sh -c 'ip link set lo up; sockfarm churn --seconds 1 --linger0 >/dev/null'
		n=$((n + 2))
		sleep 1
	done
	echo "$n" >$T/churned
) &
CHURNER=$!

i=1
while [ $i -le 10 ]; do
	mkdir -p $T/ns$i
	if [ -w /proc/sys/net/ipv4/tcp_child_ehash_entries ]; then
		echo $(((i % 2) * 16)) >/proc/sys/net/ipv4/tcp_child_ehash_entries
	fi
	# Odd ones build every state, even ones only connections. On a slow
	# (debug) kernel the ten take minutes to build, longer than TIME_WAIT
	# lives: then only connections, which hold still.
	if [ $((i % 2)) = 1 ] && [ "$TIME_SCALE" = 1 ]; then
		unshare -n sh /tests/netns-child.sh $T/ns$i $i $((i * 20)) &
	else
		unshare -n sh /tests/netns-child.sh $T/ns$i 0 $((i * 30)) &
	fi
	echo $! >$T/ns$i/sh
	# The table size is read when the namespace is made: wait for it
	# before the next one changes the sysctl.
	deadline 15
	while [ ! -e $T/ns$i/started ] && in_time; do usleep 50000; done
	i=$((i + 1))
done
[ -w /proc/sys/net/ipv4/tcp_child_ehash_entries ] && echo 0 >/proc/sys/net/ipv4/tcp_child_ehash_entries
ready=0
deadline 120
while in_time; do
	ready=$(ls $T/ns*/ready 2>/dev/null | wc -l)
	[ "$ready" -eq 10 ] && break
	[ "$(ls $T/ns*/error 2>/dev/null | wc -l)" -gt 0 ] && break
	usleep 100000
done
check "ten namespaces built their sockets ($(cat $T/ns*/error 2>/dev/null | head -n 1))" test "$ready" -eq 10

# Each namespace's rows in the host file equal its own data file (read
# around it, so both are taken at a quiescent moment) and what it built.
matched=0 built=0
for d in $T/ns*; do
	[ -e $d/ready ] || continue
	pid=$(cat $d/pid)
	ino=$(stat -L -c %i /proc/$pid/ns/net)
	echo $ino >$d/ino
	j=0
	while [ $j -lt 20 ]; do
		data_view /proc/$pid/net/tcpstat_data >$d/own.a
		sed -n "s/^netns $ino //p" $NSFILE >$d/host
		data_view /proc/$pid/net/tcpstat_data >$d/own
		cmp -s $d/own.a $d/own && break
		j=$((j + 1))
	done
	same $d/host $d/own && matched=$((matched + 1))
	same $d/host $d/expect.view && built=$((built + 1))
	if [ -r /proc/sys/net/ipv4/tcp_ehash_entries ]; then
		echo "$(nsenter -t $pid -n cat /proc/sys/net/ipv4/tcp_ehash_entries)" >$d/ehash
	fi
done
check "host file rows equal each namespace's own tcpstat_data ($matched of 10)" test $matched -eq 10
check "host file rows equal the sockets each namespace built ($built of 10)" test $built -eq 10
if [ -r /proc/sys/net/ipv4/tcp_ehash_entries ]; then
	check "five of the namespaces have a private table" test "$(grep -l '^16$' $T/ns*/ehash | wc -l)" -eq 5
fi
# The reporter: --all-netns from the module (one walk) equals what bpf,
# netlink and procfs find by entering each namespace (rows of the ten;
# others come and go). Each is read between two reads of the module that
# agree, so minisocks that expire meanwhile make no difference.
cat $T/ns*/ino | sed 's/.*/netns="&"/' >$T/ino.pat
allns_rows() {
	tcpstat --all-netns --backend $1 --format prometheus | grep -Ff $T/ino.pat | sort
}
for b in netlink procfs $BPF; do
	j=0
	while [ $j -lt 10 ]; do
		allns_rows kmod >$T/rep.kmod.a
		allns_rows $b >$T/rep.$b
		allns_rows kmod >$T/rep.kmod
		cmp -s $T/rep.kmod.a $T/rep.kmod && cmp -s $T/rep.kmod $T/rep.$b && break
		j=$((j + 1))
	done
	check "reporter --all-netns: $(wc -l <$T/rep.kmod) series of the ten, kmod = $b" same $T/rep.kmod $T/rep.$b
done
check "reporter --all-netns: 220 series for ten namespaces" test "$(wc -l <$T/rep.kmod)" -eq 220
check "an unprivileged user can run commands here" test "$(su -s /bin/sh nobody -c 'id -u')" = 65534
su -s /bin/sh nobody -c "cat $NSFILE" >$T/nobody.out 2>$T/nobody.err
check "a non-root reader is refused (permission denied)" \
	sh -c "test ! -s $T/nobody.out && grep -q 'Permission denied' $T/nobody.err"
check "a non-root reader can read its own counts" su -s /bin/sh nobody -c 'cat /proc/tcpstat >/dev/null'
check "a reader in a child namespace does not see the file" sh -c "! unshare -n cat $NSFILE >/dev/null 2>&1"

# Destroy them. Their processes exit and every full socket is reset; what
# may stay is TIME_WAIT and FIN_WAIT2 minisocks (on kernels where they
# hold their namespace, it lives on until they expire): anything else in
# their rows must go. A request sock (SYN_RECV) whose listener closed goes
# when a packet for it comes or at its next timer, which backs off up to
# TCP_RTO_MAX (120 s): once, on 6.1, 143 of the TCP_DEFER_ACCEPT requests
# sockfarm build holds were still there 30 s after their listener closed.
# So the rows have that long to empty, plus margin.
for d in $T/ns*; do touch $d/release; done
for d in $T/ns*; do wait "$(cat $d/sh)"; done
cat $T/ns*/ino 2>/dev/null | sed 's/^/netns /; s/$/ /' >$T/inodes
# A namespace's inode number is reused once it is freed, and the churner
# keeps creating namespaces: rows under a number that a live process's
# namespace has are that new namespace's, not a leftover. The live numbers
# are listed before and after the read, so a namespace the churner makes
# while the file is read is known too.
live_inodes() {
	for p in /proc/[0-9]*/ns/net; do stat -L -c 'netns %i ' "$p" 2>/dev/null; done
}
only_minisocks() {
	live_inodes >$T/live
	cat $NSFILE >$T/nsfile
	live_inodes >>$T/live
	sort -u -o $T/live $T/live
	grep -vFf $T/live $T/inodes >$T/gone || true
	: >$T/left
	[ -s $T/gone ] && grep -Ff $T/gone $T/nsfile >$T/left
	awk '{ for (i = 4; i <= 14; i++) if (i != 8 && i != 9 && $i != 0) bad = 1 } END { exit bad }' $T/left
}
left=1 t0=$(uptime_s)
deadline 130
while in_time; do
	only_minisocks && { left=0; break; }
	usleep 200000
done
check "destroyed namespaces leave at most their minisocks in the host file" test $left -eq 0
took=$(($(uptime_s) - t0))
[ $took -gt 30 ] && diag "their rows took $took s to empty"
sed 's/^/# left: /' $T/left
touch $T/stop
wait $READER $CHURNER
set -- $(cat $T/reader)
check "$1 reads of the host file while namespaces came and went, all well-formed" test "$1" -gt 0 -a "$2" -eq 0
diag "namespaces created meanwhile by the churner: $(cat $T/churned)"
