#!/usr/bin/env bash
# Build kmod/tcpstat.ko for one prepared Debian kernel inside that
# release's build chroot (its own compiler and headers), with the standard
# `make -C <headers> M=<tree> modules`. Any compiler warning fails the build.
#
# Usage: build-module.sh <release> <flavour> <output .ko path> [module dir]
# A module dir (e.g. tests/bench/walkprof) builds that module instead,
# with kmod/ beside it for the shared headers.
# Release "uml" with a kernel series as flavour (build-module.sh uml 6.1
# ...) builds for the User-Mode Linux kernel of scripts/build-uml-kernel.sh,
# on the host (its compiler built that kernel): make -C <tree> ARCH=um.
#
# A module already built from the same sources for the same kernel (the
# checksum of its sources and the kernel's identity, kept beside it in
# <out>.sum) is reused: make check builds each kernel's module once for
# its several guest runs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

release=${1:?usage: build-module.sh <release> <flavour> <out.ko>}
flavour=${2:?flavour}
out=${3:?output path}
moddir=${4:-}

# What the module is made of: its sources, and the kernel it is for.
sources_sum() {
	{
		cat "$TCPSTAT_ROOT/Kbuild" "$TCPSTAT_ROOT/dkms.conf" "$TCPSTAT_ROOT"/kmod/*.[ch] \
			"$TCPSTAT_ROOT/kmod/Kbuild" "$TCPSTAT_ROOT/kmod/probe.sh"
		[ -z "$moddir" ] || find "$moddir" -type f -not -name '*.o' -not -name '*.ko' \
			-not -name '.*' -print0 | sort -z | xargs -0 cat
		echo "$release $flavour $moddir"
		cat "$kdir/kver" "$kdir/version" "$kdir/.tcpstat-ready" "$kdir/features" 2>/dev/null || true
	} | sha256sum | cut -d' ' -f1
}

work=/tmp/tcpstat-build-$flavour-$$
if [ "$release" = uml ]; then
	kdir=$("$TCPSTAT_ROOT/scripts/build-uml-kernel.sh" "$flavour")
	croot=""
	kbuild=(make -C "$kdir/tree" ARCH=um M="$work" modules)
	in_build_root() { "$@"; }
else
	kdir=$("$TCPSTAT_ROOT/scripts/prepare-kernel.sh" "$release" "$flavour")
	croot=$(chroot_dir "$release")
	kbuild=(make -C "$(cat "$kdir/headers")" M="$work" modules)
	in_build_root() { in_chroot "$release" "$@"; }
fi
sum=$(sources_sum)
if [ -f "$out" ] && [ "$(cat "$out.sum" 2>/dev/null)" = "$sum" ]; then
	log "reusing $out, built from the same sources for $(cat "$kdir/kver")"
	exit 0
fi
rm -f "$out.sum"
trap 'rm -rf "$croot$work"' EXIT

rm -rf "$croot${work:?}"
mkdir -p "$croot$work"
cp -a "$TCPSTAT_ROOT/Kbuild" "$TCPSTAT_ROOT/dkms.conf" "$TCPSTAT_ROOT/kmod" "$croot$work/"
rm -f "$croot$work"/kmod/*.o "$croot$work"/kmod/*.ko "$croot$work"/kmod/.*.cmd
built=kmod/tcpstat.ko
if [ -n "$moddir" ]; then
	name=$(basename "$moddir")
	cp -a "$moddir" "$croot$work/$name"
	echo "obj-m += $name/" >"$croot$work/Kbuild"
	built=$name/$name.ko
fi

log="$croot$work/build.log"
if ! in_build_root "${kbuild[@]}" >"$log" 2>&1; then
	cat "$log" >&2
	die "module build failed for $release $flavour ($(cat "$kdir/kver"))"
fi
if grep -Ei 'warning:|error:' "$log" >&2; then
	die "module build for $release $flavour ($(cat "$kdir/kver")) has warnings (above)"
fi
mkdir -p "$(dirname "$out")"
cp "$croot$work/$built" "$out"
echo "$sum" >"$out.sum"
log "built $out for $(cat "$kdir/kver")"
