#!/bin/sh
# `make demo`: what an operator sees on a machine with tcpstat loaded.
. /tests/lib.sh
T=/tmp/demo
mkdir -p $T
show() {
	echo "\$ $*"
	"$@"
	echo
}
show insmod /tcpstat.ko
echo "# opening connections in every TCP state that holds still (IPv4 and IPv6)..."
farm_start $T/farm build --family both || { echo "sockfarm failed"; exit 1; }
FARM=$FARM_PID
wait_kernel_view $T/farm.view
echo
show cat /proc/tcpstat
show cat /proc/net/tcpstat_data
if command -v tcpstat >/dev/null; then
	show tcpstat
	show tcpstat --family --meta --tag role=demo
	echo "\$ tcpstat --format prometheus | head -n 6"
	tcpstat --format prometheus | head -n 6
	echo
	show tcpstat --format influx
	show tcpstat --interval 1 --count 3 --meta
fi
echo "# the kernel's own view, from the st column of /proc/net/tcp and tcp6:"
kernel_view
echo
snapshot $T/s
check "/proc/tcpstat equals /proc/net/tcp + /proc/net/tcp6" same $T/s.data $T/s.kernel
check "and equals the sockets the demo opened" same $T/s.data $T/farm.view
farm_stop $FARM
echo

echo "# services, in a namespace of their own: an SO_REUSEPORT pair and an IPv6"
echo "# listener on one port, a database with half-open connections, a listener"
echo "# whose accept queue is over its limit:"
mkdir -p $T/svc
cat >$T/svc.sh <<'EOS'
. /tests/lib.sh
ip link set lo up
farm_start /tmp/demo/svc/farm services || exit 1
echo "\$ cat /proc/net/tcpstat_ports"
cat /proc/net/tcpstat_ports
echo
if command -v tcpstat >/dev/null; then
	echo "\$ tcpstat --ports"
	tcpstat --ports
	echo
	echo "\$ tcpstat --ports --format prometheus | grep -E '^tcpstat_(listen|listeners)'"
	tcpstat --ports --format prometheus | grep -E '^tcpstat_(listen|listeners)'
	echo
fi
module_ports_view >/tmp/demo/svc/m.ports
kernel_ports_view >/tmp/demo/svc/k.ports
farm_stop $FARM_PID
EOS
unshare -n sh $T/svc.sh
check "the per-port view equals /proc/net/tcp and ss -ltn" same $T/svc/m.ports $T/svc/k.ports

echo "# every namespace from the host (two namespaces, containers-to-be):"
for i in 1 2; do
	mkdir -p $T/ns$i
	unshare -n sh /tests/netns-child.sh $T/ns$i 0 $((i * 25)) >/dev/null 2>&1 &
done
deadline 60
while [ "$(ls $T/ns*/ready 2>/dev/null | wc -l)" -lt 2 ] && in_time; do usleep 100000; done
show cat /proc/net/tcpstat_netns
if command -v tcpstat >/dev/null; then
	show tcpstat --all-netns
fi
check "two namespaces listed" test "$(grep -c ' ipv4 ' /proc/net/tcpstat_netns)" -ge 2
for i in 1 2; do touch $T/ns$i/release; done
wait
done_testing
