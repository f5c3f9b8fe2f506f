#!/usr/bin/env bash
# Prepare, in the cache (default /var/cache/tcpstat), the root file system
# the integration tests install Debian packages into and boot:
#   testroot/<release>/root/      a copy of the release's build chroot
#                                 (prepare-kernel.sh: its kernel headers
#                                 and compiler) with fresh package lists and
#                                 dkms openssl          DKMS, module signing
#                                 systemd man-db        systemd-analyze verify,
#                                                       booting it in a container
#                                 prometheus-node-exporter  the service test
#   testroot/<release>/archives/  .deb files the tests download, kept so a
#                                 second run needs no network
# The base is never changed after it is made: every test mounts a
# throw-away overlay on it (tests/integration/lib.bash, testroot_mount).
# The build chroot itself is only read (copied under its lock).
#
# Usage: prepare-testroot.sh [release]      (default bookworm)
# Idempotent: a finished base is reused without touching the network.
# Prints the base directory (the one holding root/) on stdout.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

release=${1:-bookworm}
[ "$(id -u)" -eq 0 ] || die "must run as root (chroot)"

# Packages the tests need inside the root, beyond the build chroot's.
TESTROOT_PKGS=(dkms openssl systemd man-db prometheus-node-exporter)

base=$TCPSTAT_CACHE/testroot/$release

# Run a command chrooted into DIR with /proc mounted, in a private mount
# namespace (nothing stays mounted, however it ends).
in_root() {
	local dir=$1
	shift
	LC_ALL=C DEBIAN_FRONTEND=noninteractive unshare --mount --propagation private \
		sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$dir" "$@"
}

make_base() {
	local croot log kdir kver
	# The build chroot with the kernel headers of the release's default
	# flavour (the DKMS test builds against them and boots that kernel).
	kdir=$("$TCPSTAT_ROOT/scripts/prepare-kernel.sh" "$release" amd64) ||
		die "prepare-kernel.sh $release amd64 failed"
	kver=$(cat "$kdir/kver")
	# A base made with other headers (the kernel cache was renewed) is
	# made again.
	[ -e "$base/.tcpstat-ready" ] && [ "$(cat "$base/kver" 2>/dev/null)" = "$kver" ] && return 0
	croot=$(chroot_dir "$release")
	[ -d "$croot/usr/src/linux-headers-$kver" ] ||
		die "$croot has no headers of $kver (prepare-kernel.sh $release amd64)"
	rm -rf "$base"
	mkdir -p "$base/archives"
	log "copying the $release build chroot to $base/root (once)"
	with_lock "chroot-$release" cp -a "$croot" "$base/root" ||
		die "cannot copy $croot to $base/root"
	rm -f "$base/root/.tcpstat-ready"
	# Package scripts must never start a daemon in this root when it is
	# used as a chroot (invoke-rc.d and deb-systemd-invoke obey this). A
	# container booted from it starts its services from systemd itself.
	printf '#!/bin/sh\n# tcpstat test root: never start services from package scripts.\nexit 101\n' \
		>"$base/root/usr/sbin/policy-rc.d"
	chmod 0755 "$base/root/usr/sbin/policy-rc.d"
	log="$base/apt.log"
	log "installing ${TESTROOT_PKGS[*]} in $base/root"
	if ! { in_root "$base/root" apt-get "${APT_OPTS[@]}" update &&
		in_root "$base/root" apt-get "${APT_OPTS[@]}" install "${TESTROOT_PKGS[@]}" &&
		in_root "$base/root" apt-get clean; } >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		die "preparing the $release test root failed (log: $log)"
	fi
	echo "$kver" >"$base/kver"
	touch "$base/.tcpstat-ready"
	log "ready: $base"
}

mkdir -p "$TCPSTAT_CACHE/testroot"
with_lock "testroot-$release" make_base
echo "$base"
