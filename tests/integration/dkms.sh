#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms.sh - the DKMS life cycle of the module, with Debian's dkms, in a
# throw-away root on the cached test root (a copy of the release's build
# chroot: its compiler and the real headers of its kernel, plus dkms):
#   - `make dkms-install` (run in the root as on a server running the
#     root's kernel) puts only what DKMS needs in /usr/src/tcpstat-<version>
#     and runs dkms add, build and install against the real headers: the
#     module has the kernel's vermagic and the version of dkms.conf, and
#     DKMS signed it with its own key (/var/lib/dkms/mok.pub, the key to
#     enrol for Secure Boot);
#   - a kernel older than 5.10 is refused (exit 77, "BUILD_EXCLUSIVE"),
#     by dkms build and by dkms autoinstall, never tried and failed in the
#     compiler (bookworm's dkms 3.0.10 still ends autoinstall with exit 11
#     then; newer DKMS skips such a module quietly);
#   - headers of a second kernel installed afterwards (apt, as on a server)
#     get the module built and installed by DKMS's kernel hook;
#   - dkms remove --all takes it off every kernel;
#   - the DKMS-built module boots in QEMU with the kernel it was built for
#     and passes tests/vm/functional.sh (scripts/vm-run.sh).
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root.
#   bash tests/integration/dkms.sh
# TCPSTAT_DKMS_SECOND=cloud-amd64   flavour of the second kernel's headers
# TCPSTAT_DKMS_VM=0                 leave out the VM run

set -u
# shellcheck source=tests/integration/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
need_host_pkgs kmod util-linux
private_mounts "$@"

tmp=$(mktemp -d /tmp/tcpstat-dkms.XXXXXX) || exit "$KSFT_FAIL"
R=$tmp/root
cleanup() {
	stop_all
	umount -R "$R" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit "$KSFT_FAIL"' INT TERM

echo "TAP version 13"
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$INTEG_TOP/dkms.conf")
second=${TCPSTAT_DKMS_SECOND:-cloud-amd64}
M=tcpstat/$version

if testroot_mount "$tmp" 2>"$tmp/mount.err"; then
	ok "throw-away root on the $INTEG_RELEASE test root"
else
	not_ok "throw-away root on the $INTEG_RELEASE test root" "$(cat "$tmp/mount.err")"
	finish
fi
kdir=$(kernel_dir "$INTEG_RELEASE" amd64)
kver=$(cat "$kdir/kver")
echo "# kernel: $kver (headers $(cat "$kdir/headers"))"

# dkms_in CMD...: run dkms in the root; its output goes to $tmp/dkms.log.
dkms_in() {
	echo "\$ dkms $*" >>"$tmp/dkms.log"
	in_root "$R" dkms "$@" >>"$tmp/dkms.log" 2>&1
}

# ---- sudo make dkms-install, on a server running $kver ----
# The root shares the host's kernel, so a uname shim makes it "run" $kver
# (DKMS and the Makefile build for `uname -r`). The tree is copied as it
# is, build products included, to show they are not installed.
printf '#!/bin/sh\n# tcpstat test: this root runs %s.\n[ "$*" = -r ] && { echo %s; exit 0; }\nexec /usr/bin/uname "$@"\n' \
	"$kver" "$kver" >"$R/usr/local/bin/uname"
chmod 0755 "$R/usr/local/bin/uname"
mkdir -p "$R/tmp/tcpstat"
cp -a "$INTEG_TOP/Makefile" "$INTEG_TOP/Kbuild" "$INTEG_TOP/dkms.conf" "$INTEG_TOP/kmod" "$R/tmp/tcpstat/"
if in_root "$R" make -C /tmp/tcpstat dkms-install >"$tmp/make.log" 2>&1; then
	ok "make dkms-install: dkms add, build, install for $kver (the real headers)"
else
	not_ok "make dkms-install: dkms add, build, install for $kver (the real headers)" \
		"$(tail -n 20 "$tmp/make.log")" \
		"$(tail -n 30 "$R/var/lib/dkms/tcpstat/$version/build/make.log" 2>/dev/null)"
fi
grep -E '^(make -j|.*Installing to)' "$tmp/make.log" | sed 's/^/# make: /'

src=/usr/src/tcpstat-$version
(cd "$R$src" 2>/dev/null && find . -type f | sed 's|^\./||' | sort) >"$tmp/src.files"
extra=$(grep -Ev '^(Kbuild|dkms\.conf|kmod/Kbuild|kmod/probe\.sh|kmod/[^/]+\.[ch])$' "$tmp/src.files")
check "$src holds only Kbuild, dkms.conf, kmod/Kbuild, kmod/probe.sh, kmod/*.[ch] ($(wc -l <"$tmp/src.files") files)${extra:+: also $extra}" \
	[ -z "$extra" -a -s "$tmp/src.files" ]
absent=""
for f in "$INTEG_TOP"/kmod/*.c "$INTEG_TOP"/kmod/*.h "$INTEG_TOP/kmod/probe.sh" "$INTEG_TOP/kmod/Kbuild" \
	"$INTEG_TOP/Kbuild" "$INTEG_TOP/dkms.conf"; do
	rel=${f#"$INTEG_TOP"/}
	cmp -s "$f" "$R$src/$rel" || absent="$absent $rel"
done
check "every source file of the module is there, unchanged${absent:+ (not:$absent)}" [ -z "$absent" ]

in_root "$R" dkms status "$M" >"$tmp/status" 2>&1
check "dkms status: installed for $kver" grep -q "^$M, $kver, [^:]*: installed" "$tmp/status"
ko=$(ls "$R/lib/modules/$kver/updates/dkms/"tcpstat.ko* 2>/dev/null | head -n 1)
check "the module is in /lib/modules/$kver/updates/dkms/" [ -n "$ko" ]
ko=${ko:-/nonexistent}
check "its vermagic is $kver's" sh -c "modinfo -F vermagic '$ko' | grep -q '^$kver '"
check "its version is dkms.conf's ($version)" [ "$(modinfo -F version "$ko" 2>/dev/null)" = "$version" ]
# DKMS signs with /var/lib/dkms/mok.key (made on first use); the module's
# signature names that certificate's serial number.
signer=$(modinfo -F signer "$ko" 2>/dev/null)
sig_key=$(modinfo -F sig_key "$ko" 2>/dev/null | tr -d ':' | tr 'a-f' 'A-F')
serial=$(in_root "$R" openssl x509 -inform DER -in /var/lib/dkms/mok.pub -noout -serial 2>/dev/null |
	sed 's/^serial=//' | tr 'a-f' 'A-F')
check "DKMS signed it with its MOK key (signer '$signer', key $sig_key = /var/lib/dkms/mok.pub's serial)" \
	[ -n "$sig_key" -a "$sig_key" = "$serial" ]
cp "$ko" "$tmp/${ko##*/}"
case $ko in
*.xz) xz -d "$tmp/${ko##*/}" ;;
*.zst) zstd -q -d --rm "$tmp/${ko##*/}" ;;
esac

# ---- the 5.10 floor: an older kernel is refused before any build ----
# A fake 4.19 kernel whose build directory is real headers: only the
# BUILD_EXCLUSIVE rules of dkms.conf can stop DKMS from building.
old=4.19.0-99-amd64
mkdir -p "$R/lib/modules/$old"
ln -s "$(cat "$kdir/headers")" "$R/lib/modules/$old/build"
: >"$tmp/dkms.log"
dkms_in build "$M" -k "$old"
rc=$?
check "dkms build -k $old: refused with exit 77 (BUILD_EXCLUSIVE), nothing compiled" \
	[ "$rc" -eq 77 -a ! -e "$R/var/lib/dkms/tcpstat/$version/$old/x86_64/log/make.log" ]
: >"$tmp/dkms.log"
dkms_in autoinstall -k "$old"
rc=$?
echo "# dkms autoinstall -k $old: exit $rc"
no_old_module() {
	grep -q 'BUILD_EXCLUSIVE' "$tmp/dkms.log" &&
		! ls "$R/lib/modules/$old/updates/dkms/"tcpstat.ko* >/dev/null 2>&1
}
check "dkms autoinstall -k $old: skipped by BUILD_EXCLUSIVE, no module" no_old_module
rm -rf "${R:?}/lib/modules/$old"

# ---- a second kernel's headers, installed afterwards ----
if root_apt "$R" install "linux-headers-$second" >"$tmp/second.log" 2>&1; then
	ok "apt-get install linux-headers-$second"
else
	not_ok "apt-get install linux-headers-$second" "$(tail -n 20 "$tmp/second.log")"
fi
kver2=$(in_root "$R" dpkg-query -W -f '${Depends}' "linux-headers-$second" 2>/dev/null |
	tr ',' '\n' | sed -n 's/^ *linux-headers-\([^ ]*\).*/\1/p' | head -n 1)
echo "# second kernel: ${kver2:-?}"
grep -E '^dkms: |Installing to' "$tmp/second.log" | sed 's/^/# /'
in_root "$R" dkms status "$M" >"$tmp/status2" 2>&1
check "DKMS built and installed it for ${kver2:-?} by itself" \
	grep -q "^$M, ${kver2:-none}, [^:]*: installed" "$tmp/status2"
check "with ${kver2:-?}'s vermagic" sh -c "modinfo -F vermagic '$R'/lib/modules/${kver2:-none}/updates/dkms/tcpstat.ko* 2>/dev/null |
	grep -q '^${kver2:-none} '"
check "the first kernel's module is still installed" grep -q "^$M, $kver, [^:]*: installed" "$tmp/status2"

# ---- remove from every kernel ----
check "dkms remove $M --all" dkms_in remove "$M" --all
check "dkms status is empty" sh -c "[ -z \"\$(chroot '$R' dkms status tcpstat)\" ]"
check "no tcpstat.ko left under /lib/modules" \
	sh -c "! ls '$R'/lib/modules/*/updates/dkms/tcpstat.ko* >/dev/null 2>&1"

# ---- the DKMS-built module in a VM ----
if [ "${TCPSTAT_DKMS_VM:-1}" = 0 ]; then
	skip "the DKMS-built module passes functional.sh on $kver in QEMU" "TCPSTAT_DKMS_VM=0"
elif [ ! -x "$INTEG_TOP/user/tcpstat" ] || [ ! -x "$SOCKFARM" ]; then
	skip "the DKMS-built module passes functional.sh on $kver in QEMU" "needs make user sockfarm"
else
	out=$INTEG_TOP/build/vm/dkms-$INTEG_RELEASE-amd64
	"$INTEG_TOP/scripts/vm-run.sh" --kernel "$INTEG_RELEASE" --ko "$tmp/tcpstat.ko" \
		--run functional.sh --append thash_entries=512 --out "$out" >"$tmp/vm.log" 2>&1
	vrc=$?
	checks=$(grep -c '^ok ' "$out/results.log" 2>/dev/null)
	if [ "$vrc" -eq 0 ]; then
		ok "the DKMS-built module passes functional.sh on $kver in QEMU ($checks checks; logs: $out)"
	else
		not_ok "the DKMS-built module passes functional.sh on $kver in QEMU (exit $vrc; logs: $out)" \
			"$(grep -E '^not ok|FAIL' "$tmp/vm.log" | head -n 20)"
	fi
fi

finish
