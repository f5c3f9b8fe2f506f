#!/usr/bin/env bash
# Build a debug kernel from Debian's own kernel source (the linux-source
# package of the release, Debian's patches applied) with KASAN, lockdep
# (PROVE_LOCKING, which brings PROVE_RCU), DEBUG_ATOMIC_SLEEP,
# DEBUG_SPINLOCK, UBSAN, kmemleak and fault injection (failslab,
# fail_page_alloc, /proc/thread-self/fail-nth), for the VM tests. It starts from
# Debian's own configuration of that release's kernel, keeps only the
# modules the tests load (localmodconfig), and turns the debug options on.
#
# The result is cached like a downloaded kernel (kernel/<release>-debug/:
# vmlinuz, modules/, kver, headers = the built tree inside the release's
# chroot), so `vm-run.sh --kernel <release>:debug` and build-module.sh use
# it like any other. Building takes long (about an hour on 2 cores); it is
# done once.
#
# Usage: build-debug-kernel.sh [release]      (default trixie)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

release=${1:-trixie}
[ "$(id -u)" -eq 0 ] || die "must run as root (chroot)"
kdir=$(kernel_dir "$release" debug)
# What a cached debug kernel must have; one built with an older list of
# options is built again.
DEBUG_FEATURES="kasan lockdep ubsan kmemleak fault-injection"
[ -e "$kdir/.tcpstat-ready" ] && [ "$(cat "$kdir/features" 2>/dev/null)" = "$DEBUG_FEATURES" ] &&
	{ echo "$kdir"; exit 0; }

# Debian's configuration and version of the release's kernel.
base=$("$TCPSTAT_ROOT/scripts/prepare-kernel.sh" "$release" amd64)
basever=$(cat "$base/kver")
config=""
for f in "$base/root/boot/config-$basever" "$base/modules/config"; do
	[ -f "$f" ] && config=$f && break
done
[ -n "$config" ] || die "no Debian config found for $basever"
series=$(echo "$basever" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
croot=$(chroot_dir "$release")
tree=/usr/src/tcpstat-debug/linux-source-$series

install_source() {
	log "installing linux-source-$series and the build tools in the $release chroot"
	in_chroot "$release" apt-get "${APT_OPTS[@]}" install "linux-source-$series" \
		build-essential bc bison flex libssl-dev libelf-dev python3 rsync cpio kmod \
		xz-utils zstd >"$kdir.apt.log" 2>&1 || {
		tail -n 20 "$kdir.apt.log" >&2
		die "installing linux-source-$series failed"
	}
}

# The long build runs under its own lock, not the chroot's: module builds
# for the release's other kernels go on meanwhile.
build() {	# An unpacked tree is kept: a build that stopped resumes where it was.
	if [ ! -e "$croot$tree/.tcpstat-unpacked" ]; then
		rm -rf "$croot/usr/src/tcpstat-debug"
		mkdir -p "$croot/usr/src/tcpstat-debug"
		log "unpacking the source"
		tar -C "$croot/usr/src/tcpstat-debug" -xf "$croot/usr/src/linux-source-$series.tar.xz"
		cp "$config" "$croot$tree/.config"
		touch "$croot$tree/.tcpstat-unpacked"
	fi
	# Only the modules the guest loads (busybox initramfs, no disks).
	printf 'Module Size Used by\ntcp_diag 16384 0\ninet_diag 32768 1 tcp_diag\n' \
		>"$croot$tree/lsmod.txt"
	cat >"$croot$tree/debug.sh" <<'EOF'
set -e
cd "$(dirname "$0")"
yes '' | make LSMOD=lsmod.txt localmodconfig >/dev/null
c=scripts/config
# The debuggers.
$c --enable KASAN --enable KASAN_GENERIC --enable KASAN_INLINE
$c --enable PROVE_LOCKING --enable PROVE_RCU --enable DEBUG_LOCKDEP
$c --enable DEBUG_ATOMIC_SLEEP --enable DEBUG_SPINLOCK --enable DEBUG_MUTEXES
$c --enable UBSAN --enable UBSAN_BOUNDS --enable UBSAN_SHIFT
$c --enable DEBUG_KMEMLEAK --disable DEBUG_KMEMLEAK_DEFAULT_OFF
$c --set-val DEBUG_KMEMLEAK_MEM_POOL_SIZE 16000
$c --enable DEBUG_LIST --enable DEBUG_OBJECTS --enable DEBUG_OBJECTS_FREE
$c --enable DEBUG_FS
# Fault injection: fail the Nth allocation of a syscall on purpose
# (/proc/thread-self/fail-nth), through slab and the page allocator.
$c --enable FAULT_INJECTION --enable FAILSLAB --enable FAIL_PAGE_ALLOC
$c --enable FAULT_INJECTION_DEBUG_FS
# What the build here cannot or need not do.
$c --disable DEBUG_INFO_BTF --disable DEBUG_INFO_DWARF5 --disable DEBUG_INFO_DWARF4
$c --disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT --enable DEBUG_INFO_NONE
$c --disable MODULE_SIG_ALL --set-str MODULE_SIG_KEY ""
$c --set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS ""
$c --set-str LOCALVERSION "-tcpstat-debug"
make olddefconfig >/dev/null
for opt in KASAN PROVE_LOCKING PROVE_RCU DEBUG_ATOMIC_SLEEP DEBUG_SPINLOCK UBSAN DEBUG_KMEMLEAK \
	FAULT_INJECTION FAILSLAB FAIL_PAGE_ALLOC FAULT_INJECTION_DEBUG_FS; do
	grep -q "^CONFIG_$opt=y" .config || { echo "CONFIG_$opt did not stay on" >&2; exit 1; }
done
nice -n 10 make -j"$(nproc)" bzImage modules >build.log 2>&1 || { tail -n 40 build.log >&2; exit 1; }
rm -rf ../root
make INSTALL_MOD_PATH=../root modules_install >/dev/null
make -s kernelrelease >kernelrelease
EOF
	log "configuring and building (once; about an hour on 2 cores)"
	in_chroot "$release" sh "$tree/debug.sh" || die "the debug kernel build failed"
	local kver
	kver=$(cat "$croot$tree/kernelrelease")
	rm -rf "$kdir"
	mkdir -p "$kdir"
	cp "$croot$tree/arch/x86/boot/bzImage" "$kdir/vmlinuz"
	ln -sfn "$croot/usr/src/tcpstat-debug/root/lib/modules/$kver" "$kdir/modules"
	echo "$kver" >"$kdir/kver"
	echo "$tree" >"$kdir/headers"
	echo "$(cat "$base/version") + debug options" >"$kdir/version"
	echo "$DEBUG_FEATURES" >"$kdir/features"
	touch "$kdir/.tcpstat-ready"
	log "ready: $release debug kernel $kver"
}

mkdir -p "$(dirname "$kdir")"
with_lock "chroot-$release" install_source
with_lock "debug-$release" build
echo "$kdir"
