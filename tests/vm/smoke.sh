#!/bin/sh
# Smallest guest test: load the module and read its files.
. /tests/lib.sh
insmod /tcpstat.ko
check "insmod tcpstat.ko" test $? -eq 0
cat /proc/tcpstat
cat /proc/net/tcpstat_data
done_testing
