#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - run the integration tests (tests/integration/*.sh) one after
# the other and sum them up; exit 1 if any failed, else 0.
#
#   ndjson.sh          tcpstat --interval | jq, line by line as they come
#   node-exporter.sh   Debian's node_exporter, textfile collector
#   prometheus.sh      ... and Debian's prometheus, PromQL over its API,
#                      scraping the textfile and tcpstat --listen
#   push.sh            tcpstat --push into Debian's victoria-metrics,
#                      prometheus-pushgateway and influxdb, each killed
#                      and started again in the middle of a stream
#   packages.sh        build-deb.sh, lintian, install/upgrade/remove/purge
#   service.sh         tcpstat.service under systemd in a container
#   dkms.sh            DKMS add/build/install, a second kernel, the
#                      DKMS-built module in a QEMU VM
#
# They need no kernel module on the host: the host tests count other
# network namespaces over netlink, the module runs in the VM only.
# Installs the Debian packages they need when missing, and builds the
# reporter and sockfarm (make user sockfarm) when they are not there.
#
# Usage: tests/integration/run.sh [NAME...]      (default: all, in the order above)
# Each test's output is kept in build/integration/<name>.log.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, chroot, mounts)"
# Everything the tests use, installed once here (each test also checks
# its own part, so it runs alone too).
need_host_pkgs make gcc libc6-dev pkg-config libjson-c-dev libmnl-dev \
	libmicrohttpd-dev libcurl4-openssl-dev libsystemd-dev \
	clang llvm libbpf-dev bpftool \
	iproute2 util-linux procps kmod curl jq \
	prometheus prometheus-node-exporter victoria-metrics prometheus-pushgateway \
	dpkg-dev debhelper dh-dkms lintian \
	systemd systemd-container debootstrap debian-archive-keyring \
	qemu-system-x86 busybox-static cpio xz-utils zstd

ALL="ndjson node-exporter prometheus push packages service dkms"
tests=${*:-$ALL}
for t in $tests; do
	[ -f "$here/$t.sh" ] || die "no test tests/integration/$t.sh (have: $ALL)"
done

if [ ! -x "$top/user/tcpstat" ] || [ ! -x "$top/tests/vm/sockfarm" ]; then
	make -s -C "$top" user sockfarm >/dev/null || die "make user sockfarm failed"
fi
export TCPSTAT=$top/user/tcpstat

logs=$top/build/integration
mkdir -p "$logs"
pass=0 fail=0 skip=0 failed=""
start=$(date +%s)
for t in $tests; do
	t0=$(date +%s)
	echo "== $t"
	bash "$here/$t.sh" >"$logs/$t.log" 2>&1
	rc=$?
	# The TAP lines and diagnostics; the full output stays in the log.
	grep -E '^(not ok|#)|^[a-z-]+: [0-9]+ passed' "$logs/$t.log"
	case $rc in
	0) pass=$((pass + 1)) ;;
	4) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)) failed="$failed $t" ;;
	esac
	echo "== $t: $(case $rc in 0) echo pass ;; 4) echo skip ;; *) echo "FAIL (exit $rc)" ;; esac)" \
		"in $(($(date +%s) - t0)) s (log: $logs/$t.log)"
done
echo "integration: $pass passed, $fail failed, $skip skipped in $(($(date +%s) - start)) s${failed:+ (failed:$failed)}"
[ "$fail" -eq 0 ]
