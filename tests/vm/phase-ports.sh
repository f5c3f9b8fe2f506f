# Sourced by run_in_netns in a fresh netns: the per-port view. Services
# with known figures (sockfarm services: an SO_REUSEPORT pair plus an IPv6
# listener on one port, request socks behind TCP_DEFER_ACCEPT, a listener
# whose accept queue is over its limit, TIME_WAIT on a service's port),
# then a hundred more listening ports so the module must grow its table.
T=/tmp/ports
mkdir -p $T
if farm_start $T/svc services; then
	SVC=$FARM_PID
	grep '^ports ' $T/svc.out | sort -n -k2 >$T/built.ports
	wait_kernel_view $T/svc.view
	module_ports_view >$T/module.ports
	check "ports: the module's rows equal the services built" same $T/module.ports $T/built.ports
	kernel_ports_view >$T/kernel.ports
	check "ports: the module's rows equal /proc/net/tcp{,6} and ss -ltn" same $T/module.ports $T/kernel.ports
	check "ports: the saturated listener shows queue 3 over limit 2" \
		grep -q '^ports [0-9]* 1 3 2 3 2 ' $T/module.ports
	# The reporter: the three backends agree on the per-port view (procfs
	# has no backlog: the kernel does not print it in /proc/net/tcp).
	tcpstat --ports --family | json_counts >$T/json.kmod
	tcpstat --ports --family --backend netlink | json_counts >$T/json.netlink
	check "reporter --ports: kmod and netlink print the same JSON" same $T/json.kmod $T/json.netlink
	if [ -n "$BPF" ]; then
		tcpstat --ports --family --backend bpf | json_counts >$T/json.bpf
		check "reporter --ports: kmod and bpf print the same JSON" same $T/json.kmod $T/json.bpf
	fi
	check "reporter --ports: the saturated port is marked" grep -q '"saturated":true' $T/json.kmod
	for b in kmod procfs; do
		tcpstat --ports --backend $b --format prometheus |
			grep -E '^tcpstat_(port_connections|listeners|listen_queue)\{' | sort >$T/prom.$b
	done
	check "reporter --ports: procfs agrees on every figure it has" same $T/prom.procfs $T/prom.kmod
	data_view /proc/net/tcpstat_ports >$T/ports.states
	check "ports: the states section equals the sockets built" same $T/ports.states $T/svc.view

	# The filter parameter: only the listed ports; bad lists refused.
	set -- $(awk '{ print $2 }' $T/built.ports)
	echo "$1,$3" >/sys/module/tcpstat/parameters/ports
	module_ports_view >$T/filtered.ports
	grep -E "^ports ($1|$3) " $T/built.ports >$T/want.ports
	check "ports=$1,$3: only those two ports" same $T/filtered.ports $T/want.ports
	check "ports parameter reads back sorted" test "$(cat /sys/module/tcpstat/parameters/ports)" = \
		"$(printf '%s\n%s\n' $1 $3 | sort -n | paste -sd,)"
	for bad in "80,abc" "0" "65536" "80,,81" "$(seq -s, 1 1025)"; do
		if echo "$bad" >/sys/module/tcpstat/parameters/ports 2>/dev/null; then
			check "ports=$(echo "$bad" | cut -c1-20) refused" false
		else
			check "ports=$(echo "$bad" | cut -c1-20) refused, previous list kept" \
				test "$(cat /sys/module/tcpstat/parameters/ports)" = \
				"$(printf '%s\n%s\n' $1 $3 | sort -n | paste -sd,)"
		fi
	done
	check "a refused list is explained in the kernel log" sh -c 'dmesg | grep -q "ports=80,abc refused: .abc. is not a port number"'
	echo "" >/sys/module/tcpstat/parameters/ports
	module_ports_view >$T/unfiltered.ports
	check "an empty list reports every port again" same $T/unfiltered.ports $T/built.ports

	# More listening ports than the module's first guess (64): after a
	# reload the guess is small, so the walk runs out of room once and
	# walks again with room for every port.
	if farm_start $T/many build --family both --scale 2; then
		MANY=$FARM_PID
		rmmod tcpstat && insmod /tcpstat.ko
		view_add $T/svc.view $T/many.view >$T/all.view
		wait_kernel_view $T/all.view
		module_ports_view >$T/module2.ports
		kernel_ports_view >$T/kernel2.ports
		check "ports: $(wc -l <$T/module2.ports) listening ports after a reload equal the kernel's view" \
			same $T/module2.ports $T/kernel2.ports
		check "ports: more than 64 listening ports (the first guess)" test "$(wc -l <$T/module2.ports)" -gt 64
		if [ -n "$BPF" ]; then
			tcpstat --ports --backend kmod | json_counts >$T/json2.kmod
			tcpstat --ports --backend bpf | json_counts >$T/json2.bpf
			check "reporter --ports: kmod and bpf agree on $(wc -l <$T/module2.ports) listening ports" \
				same $T/json2.kmod $T/json2.bpf
		fi
		farm_stop $MANY
	else
		check "sockfarm build ($(cat $T/many.err))" false
	fi
	farm_stop $SVC
else
	check "sockfarm services ($(cat $T/svc.err))" false
fi
