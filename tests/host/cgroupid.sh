#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cgroupid.sh - user/cgroupid.c on live processes: a process in a network
# namespace of its own is moved into cgroups named exactly as each runtime
# names them (under a test directory of this host's cgroup v2 hierarchy,
# and of the v1 memory and name=systemd hierarchies where the host has
# them), and tests/host/cgidcat resolves its namespace from the kernel's
# own /proc/PID/cgroup.
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root, unshare, gcc,
# a writable cgroup file system.
set -u
# shellcheck source=tests/host/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
require_cmd gcc unshare

ID=3f1c9e2b7a4d5c6e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a
UID_DASH=0b7632a2-a56e-4278-987a-22de18008dbe
UID_US=${UID_DASH//-/_}

# The hierarchies and this shell's place in each.
V2='' V2_SELF='' MEM='' MEM_SELF='' SD='' SD_SELF=''
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	V2=/sys/fs/cgroup
elif [ -f /sys/fs/cgroup/unified/cgroup.controllers ]; then
	V2=/sys/fs/cgroup/unified
fi
[ -n "$V2" ] && V2_SELF=$(sed -n 's/^0:://p' /proc/self/cgroup)
if [ -f /sys/fs/cgroup/memory/cgroup.procs ]; then
	MEM=/sys/fs/cgroup/memory
	MEM_SELF=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup)
fi
if [ -f /sys/fs/cgroup/systemd/cgroup.procs ]; then
	SD=/sys/fs/cgroup/systemd
	SD_SELF=$(awk -F: '$2 == "name=systemd" { print $3 }' /proc/self/cgroup)
fi
[ -n "$V2$MEM" ] || skip_all "no cgroup v2 or v1 memory hierarchy mounted"
TOP=tcpstat-test.$$

tmp=$(mktemp -d /tmp/tcpstat-cgroupid.XXXXXX) || exit "$KSFT_FAIL"
sleeper=
cleanup() {
	local d
	if [ -n "$sleeper" ]; then
		kill -KILL "$sleeper" 2>/dev/null
		wait "$sleeper" 2>/dev/null
	fi
	for d in "$V2$V2_SELF/$TOP" "$MEM$MEM_SELF/$TOP" "$SD$SD_SELF/$TOP"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit "$KSFT_FAIL"' INT TERM

echo "TAP version 13"

U=$HOST_TOP/user
if ! gcc -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$U" -o "$tmp/cgidcat" \
	"$HOST_TOP/tests/host/cgidcat.c" "$U/cgroupid.c" "$U/readfile.c" "$U/err.c" \
	2>"$tmp/gcc.err"; then
	not_ok "build cgidcat" "$(head -n 20 "$tmp/gcc.err")"
	finish
fi

# A process alone in a new network namespace.
unshare -n sleep 600 &
sleeper=$!
wait_for 10 sh -c "[ \"\$(readlink /proc/$sleeper/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]" ||
	{ not_ok "a process in a network namespace of its own"; finish; }

# move HIERARCHY_ROOT SELF [SHAPE]: put the sleeper in SELF/TOP/SHAPE, or back in SELF
move() {
	local dir=$1$2
	[ $# -gt 2 ] && dir=$1$2/$TOP$3
	mkdir -p "$dir" && echo "$sleeper" >"$dir/cgroup.procs"
}

# expect DESC "runtime=... container_id=... pod_uid=... unit=..."
expect() {
	local got
	got=$("$tmp/cgidcat" "$sleeper" 2>"$tmp/err")
	got=${got#* }
	if [ "$got" = "$2" ]; then
		ok "$1"
	else
		not_ok "$1" "got:  $got" "want: $2" "$(cat "$tmp/err")" "$(cat "/proc/$sleeper/cgroup")"
	fi
}

# v2 shapes, each runtime's own
v2_case() { # DESC SHAPE WANT
	if ! move "$V2" "$V2_SELF" "$2" 2>"$tmp/err"; then
		not_ok "v2 $1: move into $2" "$(cat "$tmp/err")"
		return
	fi
	expect "v2 $1" "$3"
	move "$V2" "$V2_SELF"
}

if [ -n "$V2" ]; then
	v2_case "docker (systemd driver)" "/system.slice/docker-$ID.scope" \
		"runtime=docker container_id=$ID pod_uid= unit="
	v2_case "docker (cgroupfs driver)" "/docker/$ID" \
		"runtime=docker container_id=$ID pod_uid= unit="
	v2_case "kubernetes, containerd, systemd driver" \
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$UID_US.slice/cri-containerd-$ID.scope" \
		"runtime=containerd container_id=$ID pod_uid=$UID_DASH unit="
	v2_case "kubernetes, kubelet's cgroupfs driver" "/kubepods/besteffort/pod$UID_DASH/$ID" \
		"runtime=containerd container_id=$ID pod_uid=$UID_DASH unit="
	v2_case "cri-o (systemd driver, crun's container/)" \
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod$UID_US.slice/crio-$ID.scope/container" \
		"runtime=cri-o container_id=$ID pod_uid=$UID_DASH unit="
	v2_case "cri-o (cgroupfs driver)" "/kubepods/burstable/pod$UID_DASH/crio-$ID" \
		"runtime=cri-o container_id=$ID pod_uid=$UID_DASH unit="
	v2_case "podman, rootful" "/machine.slice/libpod-$ID.scope/container" \
		"runtime=podman container_id=$ID pod_uid= unit="
	v2_case "podman, rootless" \
		"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-$ID.scope" \
		"runtime=podman container_id=$ID pod_uid= unit="
	v2_case "systemd-nspawn (machinectl start)" \
		"/machine.slice/systemd-nspawn@web.service/payload/system.slice/nginx.service" \
		"runtime=systemd-nspawn container_id=web pod_uid= unit=nginx.service"
	v2_case "systemd-nspawn -M (machined's scope)" '/machine.slice/machine-my\x2dbox.scope/payload' \
		"runtime=systemd-nspawn container_id=my-box pod_uid= unit="
	v2_case "a systemd service (PrivateNetwork=)" "/system.slice/nginx.service" \
		"runtime=systemd container_id= pod_uid= unit=nginx.service"
	v2_case "conmon is not a container" "/machine.slice/libpod-conmon-$ID.scope" \
		"runtime= container_id= pod_uid= unit="
else
	skip "cgroup v2 shapes" "no cgroup v2 hierarchy"
fi

# v1: the memory and name=systemd hierarchies
if [ -n "$MEM" ]; then
	if move "$MEM" "$MEM_SELF" "/docker/$ID" 2>"$tmp/err"; then
		expect "v1 memory: docker (cgroupfs driver)" \
			"runtime=docker container_id=$ID pod_uid= unit="
		# a hybrid host: containerd's service in v2, the container in v1
		if [ -n "$V2" ] && move "$V2" "$V2_SELF" "/system.slice/containerd.service"; then
			expect "hybrid: the v1 container wins over the v2 service" \
				"runtime=docker container_id=$ID pod_uid= unit="
			move "$V2" "$V2_SELF"
		fi
		move "$MEM" "$MEM_SELF"
	else
		not_ok "v1 memory: move into /docker/$ID" "$(cat "$tmp/err")"
	fi
	if [ -n "$SD" ] && move "$SD" "$SD_SELF" "/system.slice/cron.service" 2>"$tmp/err"; then
		expect "v1 name=systemd: a service" "runtime=systemd container_id= pod_uid= unit=cron.service"
		move "$SD" "$SD_SELF"
	else
		skip "v1 name=systemd: a service" "no name=systemd hierarchy"
	fi
else
	skip "cgroup v1 shapes" "no v1 memory hierarchy"
fi

# back where it started: nothing (this host's own cgroups name no runtime)
expect "the process back in this shell's cgroups: as this shell" \
	"$("$tmp/cgidcat" $$ | cut -d' ' -f2-)"
finish
