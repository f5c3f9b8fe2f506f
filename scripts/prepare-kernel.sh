#!/usr/bin/env bash
# Prepare, in the cache (default /var/cache/tcpstat), everything needed to
# build and boot tcpstat.ko for one Debian kernel:
#   chroot/<release>/          debootstrap of the release with its kernel
#                              headers and the compiler those headers want
#   kernel/<release>-<flavour>/
#       kver                   the kernel release string (uname -r)
#       headers                the headers directory inside the chroot
#       vmlinuz, modules/      the kernel image and its modules, extracted
#                              from the release's own linux-image package
#
# Usage: prepare-kernel.sh <release> [flavour]     (flavour: amd64, rt-amd64,
#        or debug: a kernel built with the debuggers, build-debug-kernel.sh)
# Idempotent: a finished entry is reused without touching the network.
# Prints the kernel directory on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

release=${1:?usage: prepare-kernel.sh <release> [flavour]}
flavour=${2:-amd64}
case $release in bullseye | bookworm | trixie | forky | sid) ;;
*) die "unknown Debian release '$release'" ;;
esac
case $flavour in amd64 | rt-amd64 | cloud-amd64) ;;
debug) exec "$TCPSTAT_ROOT/scripts/build-debug-kernel.sh" "$release" ;;
*) die "unknown kernel flavour '$flavour'" ;;
esac
[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap and chroot)"

make_chroot() {
	local dir
	dir=$(chroot_dir "$release")
	[ -e "$dir/.tcpstat-ready" ] && return 0
	need_host_pkgs debootstrap debian-archive-keyring
	rm -rf "$dir"
	mkdir -p "$dir"
	log "debootstrap $release into $dir (a few minutes, once)"
	# No mirror argument: debootstrap uses its default.
	if ! debootstrap --variant=minbase --include=make "$release" "$dir" \
		>"$dir.debootstrap.log" 2>&1; then
		tail -n 20 "$dir.debootstrap.log" >&2
		die "debootstrap $release failed (log: $dir.debootstrap.log)"
	fi
	in_chroot "$release" apt-get "${APT_OPTS[@]}" update >/dev/null ||
		die "apt-get update in the $release chroot failed"
	touch "$dir/.tcpstat-ready"
}

# Download a package (pinned to an exact version when given) into the
# chroot's /tmp/tcpstat-dl and print the path of the .deb inside the chroot.
download_pkg() {
	local spec=$1
	in_chroot "$release" sh -c "mkdir -p /tmp/tcpstat-dl && cd /tmp/tcpstat-dl &&
		apt-get ${APT_OPTS[*]} -o APT::Sandbox::User=root download '$spec' >/dev/null" ||
		die "apt-get download $spec failed in the $release chroot"
}

make_kernel() {
	local dir kdir kver hver deps deb name ver root vmlinuz moddir
	dir=$(chroot_dir "$release")
	kdir=$(kernel_dir "$release" "$flavour")
	[ -e "$kdir/.tcpstat-ready" ] && return 0
	rm -rf "$kdir"
	mkdir -p "$kdir"

	log "installing linux-headers-$flavour in the $release chroot"
	in_chroot "$release" apt-get "${APT_OPTS[@]}" install "linux-headers-$flavour" \
		>"$kdir/apt.log" 2>&1 || {
		tail -n 20 "$kdir/apt.log" >&2
		die "installing linux-headers-$flavour in the $release chroot failed"
	}
	# The metapackage depends on exactly one versioned headers package.
	deps=$(in_chroot "$release" dpkg-query -W -f='${Depends}' "linux-headers-$flavour")
	name=$(echo "$deps" | tr ',' '\n' | sed -n 's/^ *\(linux-headers-[^ ]*\).*/\1/p' | head -n 1)
	[ -n "$name" ] || die "cannot find the versioned headers package in '$deps'"
	kver=${name#linux-headers-}
	hver=$(in_chroot "$release" dpkg-query -W -f='${Version}' "$name")
	[ -d "$dir/usr/src/linux-headers-$kver" ] || die "headers of $kver not installed in the chroot"

	log "fetching the $kver kernel image ($hver)"
	in_chroot "$release" rm -rf /tmp/tcpstat-dl
	# Names can hold '+', which apt reads as a regular expression unless
	# the version is pinned.
	download_pkg "linux-image-$kver=$hver"
	# Since 7.x linux-image-<kver> is a small package depending on the
	# linux-binary-*/linux-modules-* packages that hold the files.
	for deb in "$dir"/tmp/tcpstat-dl/linux-image-*.deb; do
		dpkg-deb -f "$deb" Depends | tr ',|' '\n\n' |
			sed -n "s/^ *\(linux-[a-z-]*-$kver\) *(= *\([^)]*\)).*/\1 \2/p"
	done | sort -u | while read -r name ver; do
		download_pkg "$name=$ver"
	done
	root=$kdir/root
	mkdir -p "$root"
	for deb in "$dir"/tmp/tcpstat-dl/*.deb; do
		dpkg-deb -x "$deb" "$root"
	done
	in_chroot "$release" rm -rf /tmp/tcpstat-dl
	in_chroot "$release" apt-get clean

	vmlinuz=""
	for f in "$root/boot/vmlinuz-$kver" "$root/usr/lib/modules/$kver/vmlinuz" \
		"$root/lib/modules/$kver/vmlinuz"; do
		[ -f "$f" ] && vmlinuz=$f && break
	done
	[ -n "$vmlinuz" ] || die "no vmlinuz found in the $kver packages"
	moddir=""
	for d in "$root/lib/modules/$kver" "$root/usr/lib/modules/$kver"; do
		[ -d "$d/kernel" ] && moddir=$d && break
	done
	[ -n "$moddir" ] || die "no modules directory found in the $kver packages"

	ln -sfn "${vmlinuz#"$kdir"/}" "$kdir/vmlinuz"
	ln -sfn "${moddir#"$kdir"/}" "$kdir/modules"
	echo "$kver" >"$kdir/kver"
	echo "/usr/src/linux-headers-$kver" >"$kdir/headers"
	echo "$hver" >"$kdir/version"
	touch "$kdir/.tcpstat-ready"
	log "ready: $release $flavour kernel $kver"
}

mkdir -p "$TCPSTAT_CACHE/chroot" "$TCPSTAT_CACHE/kernel"
# Ready entries are only read: no lock (another run may hold it for long).
if [ ! -e "$(chroot_dir "$release")/.tcpstat-ready" ] ||
	[ ! -e "$(kernel_dir "$release" "$flavour")/.tcpstat-ready" ]; then
	with_lock "chroot-$release" make_chroot
	with_lock "chroot-$release" make_kernel
fi
kernel_dir "$release" "$flavour"
