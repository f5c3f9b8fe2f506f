#!/usr/bin/env bash
# Build a User-Mode Linux kernel (ARCH=um) from Debian's own kernel source
# (the linux-source-<series> package, Debian's patches applied), for the
# native-speed benchmark and the UML smoke test (scripts/uml-run.sh). UML
# runs the kernel's own code as an ordinary host process, at hardware
# speed, without KVM.
#
# The result is cached (default /var/cache/tcpstat/uml/<source version>/):
#   tree/       the built source tree: `make -C tree ARCH=um M=<dir> modules`
#               builds a module for it (scripts/build-module.sh uml <series>)
#   linux       the UML kernel executable (a link into tree/)
#   kver        its release string (uname -r inside UML)
#   version     the Debian source version and the configuration's checksum
#   .tcpstat-ready   written last; a ready entry is reused without a lock
#                    (its content is the configuration checksum: a change
#                    of the options below builds the kernel again)
#
# Configuration: the UML defconfig plus what tcpstat and its tests need
# (below), -O2, no debug information. About 10 minutes of CPU at -j2 on 2
# cores (17.5 minutes on this machine while it was shared).
#
# Usage: build-uml-kernel.sh [series]      (default 6.1, Debian bookworm's)
# Environment: TCPSTAT_UML_JOBS (default 2). Prints the cache directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:-6.1}
case $series in [0-9]*.[0-9]*) ;; *) die "bad kernel series '$series' (e.g. 6.1)" ;; esac
jobs=${TCPSTAT_UML_JOBS:-2}
pkg=linux-source-$series

# The options on top of the UML defconfig, each checked after olddefconfig.
# Modules (tcpstat.ko, walkprof.ko); the TCP stack with sock_diag built in
# (ss, the reporter's netlink backend, the INET_DIAG_INFO dump); network
# namespaces (unshare -n); procfs, sysfs, tmpfs (the scratch space) and
# hostfs (the host's root, read-only, and the results directory).
UML_ENABLE="MODULES MODULE_UNLOAD NET INET IPV6 INET_DIAG INET_TCP_DIAG NET_NS
	NAMESPACES UNIX PROC_FS PROC_SYSCTL SYSFS TMPFS DEVTMPFS HOSTFS EPOLL
	BINFMT_ELF BINFMT_SCRIPT FUTEX CC_OPTIMIZE_FOR_PERFORMANCE DEBUG_INFO_NONE"
UML_DISABLE="DEBUG_INFO DEBUG_INFO_DWARF4 DEBUG_INFO_DWARF5
	DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT CC_OPTIMIZE_FOR_SIZE GCOV_KERNEL"
UML_LOCALVERSION=-tcpstat-uml
config_sum=$(printf '%s\n' "$UML_ENABLE" "$UML_DISABLE" "$UML_LOCALVERSION" | md5sum | cut -c1-12)

[ "$(id -u)" -eq 0 ] || die "must run as root (installs $pkg and writes $TCPSTAT_CACHE)"
need_host_pkgs "$pkg" make gcc libc6-dev bc bison flex xz-utils
version=$(dpkg-query -W -f='${Version}' "$pkg")
tarball=/usr/src/$pkg.tar.xz
[ -r "$tarball" ] || die "$tarball: missing after installing $pkg"
dir=$TCPSTAT_CACHE/uml/$version

ready() { [ -e "$dir/.tcpstat-ready" ] && [ "$(cat "$dir/.tcpstat-ready")" = "$config_sum" ]; }

build() {
	ready && return 0
	local tree=$dir/tree opt c
	rm -rf "$dir"
	mkdir -p "$tree"
	log "unpacking $tarball into $dir"
	tar -C "$tree" --strip-components=1 -xf "$tarball" || die "$tarball: cannot unpack"
	c="$tree/scripts/config --file $tree/.config"
	log "configuring ARCH=um ($version)"
	make -C "$tree" ARCH=um defconfig >"$dir/config.log" 2>&1 ||
		{ tail -n 20 "$dir/config.log" >&2; die "make ARCH=um defconfig failed"; }
	for opt in $UML_ENABLE; do $c --enable "$opt"; done
	for opt in $UML_DISABLE; do $c --disable "$opt"; done
	$c --set-str LOCALVERSION "$UML_LOCALVERSION" --disable LOCALVERSION_AUTO
	make -C "$tree" ARCH=um olddefconfig >>"$dir/config.log" 2>&1 ||
		die "make ARCH=um olddefconfig failed (log: $dir/config.log)"
	for opt in $UML_ENABLE; do
		grep -q "^CONFIG_$opt=y" "$tree/.config" ||
			die "CONFIG_$opt did not stay on in the UML configuration ($tree/.config)"
	done
	for opt in $UML_DISABLE; do
		! grep -q "^CONFIG_$opt=y" "$tree/.config" ||
			die "CONFIG_$opt did not go off in the UML configuration ($tree/.config)"
	done
	log "building the UML kernel $version with -j$jobs (about 10-20 minutes at -j2, once)"
	if ! nice -n 10 make -C "$tree" ARCH=um -j"$jobs" linux modules >"$dir/build.log" 2>&1; then
		tail -n 40 "$dir/build.log" >&2
		die "the UML kernel build failed (log: $dir/build.log)"
	fi
	make -s -C "$tree" ARCH=um kernelrelease >"$dir/kver"
	ln -sfn tree/linux "$dir/linux"
	echo "$version (linux-source-$series), configuration $config_sum" >"$dir/version"
	echo "$config_sum" >"$dir/.tcpstat-ready"
	log "ready: UML kernel $(cat "$dir/kver") in $dir"
}

# A ready entry is only read: no lock (a build elsewhere may hold it long).
if ! ready; then
	mkdir -p "$TCPSTAT_CACHE/uml"
	with_lock "uml-$version" build
fi
echo "$dir"
