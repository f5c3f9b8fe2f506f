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
farm_stop $FARM_PID
done_testing
