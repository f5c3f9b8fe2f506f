#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# packages.sh - the Debian packages, built from this tree with
# scripts/build-deb.sh (dpkg-buildpackage, debhelper):
#   - lintian: no error and no warning (-I --pedantic tags are listed);
#   - contents: tcpstat has the reporter, its man page, tcpstat.service,
#     tcpstat-listen.service and the textfile link; tcpstat-dkms has
#     exactly the files `make dkms-install` puts in
#     /usr/src/tcpstat-<version>, and modules-load.d;
#   - in a throw-away root on the cached test root (a copy of the release's
#     build chroot with dkms and systemd): apt installs both with their
#     dependencies, DKMS builds the module for the root's kernel headers,
#     tcpstat.service is enabled and tcpstat-listen.service is not,
#     `systemd-analyze verify` passes for both, and `systemd-analyze
#     security` rates tcpstat.service's sandbox SAFE and
#     tcpstat-listen.service's (which may use the network) OK or better;
#   - an upgrade to a newer version replaces the DKMS module;
#   - remove and purge leave the file system as it was before.
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root.
#   bash tests/integration/packages.sh

set -u
# shellcheck source=tests/integration/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
need_host_pkgs lintian dpkg-dev util-linux
private_mounts "$@"

tmp=$(mktemp -d /tmp/tcpstat-packages.XXXXXX) || exit "$KSFT_FAIL"
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
arch=$(dpkg --print-architecture)
debdir=$INTEG_TOP/build/deb

# ---- build ----
if changes=$("$INTEG_TOP/scripts/build-deb.sh" 2>"$tmp/build.err"); then
	ok "build-deb.sh builds tcpstat $version"
else
	not_ok "build-deb.sh builds tcpstat $version" "$(tail -n 20 "$tmp/build.err")"
	finish
fi
deb=$debdir/tcpstat_${version}_$arch.deb
dkmsdeb=$debdir/tcpstat-dkms_${version}_all.deb
check "it made tcpstat_${version}_$arch.deb and tcpstat-dkms_${version}_all.deb" \
	[ -f "$deb" -a -f "$dkmsdeb" ]

# ---- lintian ----
# lintian warns when run as root; the packages are world-readable.
lintian -I --pedantic --fail-on error,warning "$changes" >"$tmp/lintian" 2>"$tmp/lintian.err"
lrc=$?
grep -v 'running with root privileges' "$tmp/lintian.err" >>"$tmp/lintian"
sed 's/^/# lintian: /' "$tmp/lintian"
if [ "$lrc" -eq 0 ] && ! grep -q '^[EW]: ' "$tmp/lintian"; then
	ok "lintian: no errors, no warnings ($(grep -c '^[IP]: ' "$tmp/lintian") info/pedantic tags)"
else
	not_ok "lintian: no errors, no warnings (exit $lrc)"
fi

# ---- contents ----
dpkg-deb -c "$deb" | awk '{ p = $6; sub(/^\./, "", p); print p ($7 == "->" ? " -> " $8 : "") }' \
	>"$tmp/deb.files"
for f in /usr/bin/tcpstat /usr/share/man/man8/tcpstat.8.gz \
	"/var/lib/prometheus/node-exporter/tcpstat.prom -> /run/tcpstat/tcpstat.prom"; do
	check "tcpstat contains $f" grep -qxF "$f" "$tmp/deb.files"
done
for u in tcpstat.service tcpstat-listen.service; do
	check "tcpstat contains $u" grep -Eqx "(/usr)?/lib/systemd/system/$u" "$tmp/deb.files"
done
for d in "$deb" "$dkmsdeb"; do
	check "$(basename "$d"): Version is dkms.conf's ($version)" \
		[ "$(dpkg-deb -f "$d" Version)" = "$version" ]
done
make -s -C "$INTEG_TOP" dkms-install DESTDIR="$tmp/dkms-install" >/dev/null
(cd "$tmp/dkms-install" && find usr -type f | sed 's|^|/|' | sort) >"$tmp/want.src"
dpkg-deb -c "$dkmsdeb" | awk '$1 !~ /^d/ { p = $6; sub(/^\./, "", p); print p }' |
	grep '^/usr/src/' | sort >"$tmp/dkms.src"
if cmp -s "$tmp/dkms.src" "$tmp/want.src"; then
	ok "tcpstat-dkms /usr/src: exactly the files of make dkms-install ($(wc -l <"$tmp/want.src"))"
else
	not_ok "tcpstat-dkms /usr/src: exactly the files of make dkms-install" \
		"$(diff "$tmp/want.src" "$tmp/dkms.src" | grep '^[<>]')"
fi
check "tcpstat-dkms contains /usr/lib/modules-load.d/tcpstat.conf" \
	sh -c "dpkg-deb -c '$dkmsdeb' | grep -q ' \./usr/lib/modules-load.d/tcpstat.conf$'"

# ---- install into a throw-away root ----
if testroot_mount "$tmp" 2>"$tmp/mount.err"; then
	ok "throw-away root on the $INTEG_RELEASE test root"
else
	not_ok "throw-away root on the $INTEG_RELEASE test root" "$(cat "$tmp/mount.err")"
	finish
fi
kver=$(cat "$(kernel_dir "$INTEG_RELEASE" amd64)/kver")

# What the root holds: every path with its type and link target, minus
# the package manager's own state and caches, /run (systemd-analyze
# leaves a marker there) and depmod's index files (modules.dep...), which
# a kernel's own package makes; this root has only the kernel's headers.
# After install + purge it must be the same.
snapshot() {
	(cd "$R" && find . -xdev \( -path ./proc -o -path ./tmp -o -path ./run \
		-o -path ./var/lib/dpkg -o -path ./var/lib/apt -o -path ./var/cache \
		-o -path ./var/log -o -path ./etc/ld.so.cache \
		-o -path './usr/lib/modules/*/modules.*' -o -path './lib/modules/*/modules.*' \) \
		-prune -o -printf '%y %p %l\n') | sort
}
pkgs() { in_root "$R" dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" { print $2 }' | sort; }
snapshot >"$tmp/before.fs"
pkgs >"$tmp/before.pkgs"

cp "$deb" "$dkmsdeb" "$R/tmp/"
if root_apt "$R" install "/tmp/${deb##*/}" "/tmp/${dkmsdeb##*/}" >"$tmp/install.log" 2>&1; then
	ok "apt-get install tcpstat tcpstat-dkms (with their dependencies)"
else
	not_ok "apt-get install tcpstat tcpstat-dkms (with their dependencies)" "$(tail -n 20 "$tmp/install.log")"
fi
sed -n 's/^\(Building for\|Installing to\|Setting up\)/# install: &/p' "$tmp/install.log"
check "tcpstat --version in the root says $version" \
	sh -c "chroot '$R' tcpstat --version | grep -qF '$version'"
check "tcpstat in the root counts (JSON from the procfs backend)" \
	sh -c "chroot '$R' tcpstat --backend procfs | grep -q '^{\"ESTABLISHED\":'"
check "man -w tcpstat finds the man page" sh -c "chroot '$R' man -w tcpstat >/dev/null"
check "DKMS built and installed the module for $kver" \
	sh -c "chroot '$R' dkms status tcpstat/$version -k $kver | grep -q ': installed'"
check "the installed module has vermagic $kver and version $version" \
	sh -c "f=\$(ls '$R'/lib/modules/$kver/updates/dkms/tcpstat.ko*) &&
		modinfo -F vermagic \$f | grep -q '^$kver ' && [ \"\$(modinfo -F version \$f)\" = '$version' ]"
check "tcpstat.service is enabled (multi-user.target.wants)" \
	test -L "$R/etc/systemd/system/multi-user.target.wants/tcpstat.service"
check "tcpstat-listen.service is installed, not enabled (it opens a port)" \
	test -f "$R/lib/systemd/system/tcpstat-listen.service" -a \
	! -e "$R/etc/systemd/system/multi-user.target.wants/tcpstat-listen.service"
check "the textfile link points at /run/tcpstat/tcpstat.prom" \
	[ "$(readlink "$R/var/lib/prometheus/node-exporter/tcpstat.prom")" = /run/tcpstat/tcpstat.prom ]
for u in tcpstat.service tcpstat-listen.service; do
	in_root "$R" systemd-analyze verify "$u" >"$tmp/verify" 2>&1
	vrc=$?
	if [ "$vrc" -eq 0 ] && [ ! -s "$tmp/verify" ]; then
		ok "systemd-analyze verify $u: clean"
	else
		not_ok "systemd-analyze verify $u: clean (exit $vrc)" "$(cat "$tmp/verify")"
	fi
done
# security_level UNIT WANT...: its exposure's word is one of WANT
security_level() {
	local u=$1 level
	shift
	in_root "$R" systemd-analyze security --offline=true "$u" >"$tmp/security" 2>&1
	level=$(sed -n "s/.*Overall exposure level for $u: \([0-9.]* [A-Z]*\).*/\1/p" "$tmp/security")
	case " $* " in
	*" ${level#* } "*) ok "systemd-analyze security $u: exposure $level" ;;
	*) not_ok "systemd-analyze security $u: exposure $* (got '$level')" \
		"$(grep -E '^✗|^- ' "$tmp/security" | head -n 20)" ;;
	esac
}
security_level tcpstat.service SAFE
security_level tcpstat-listen.service SAFE OK

# ---- upgrade to a newer version ----
new=$version+test1
if "$INTEG_TOP/scripts/build-deb.sh" --version "$new" --out "$INTEG_TOP/build/deb-upgrade" \
	>/dev/null 2>"$tmp/build2.err"; then
	cp "$INTEG_TOP/build/deb-upgrade/tcpstat_${new}_$arch.deb" \
		"$INTEG_TOP/build/deb-upgrade/tcpstat-dkms_${new}_all.deb" "$R/tmp/"
	if root_apt "$R" install "/tmp/tcpstat_${new}_$arch.deb" "/tmp/tcpstat-dkms_${new}_all.deb" \
		>"$tmp/upgrade.log" 2>&1; then
		ok "apt-get upgrades both to $new"
	else
		not_ok "apt-get upgrades both to $new" "$(tail -n 20 "$tmp/upgrade.log")"
	fi
	in_root "$R" dkms status tcpstat >"$tmp/status" 2>&1
	check "dkms status: only $new, installed for $kver ($(tr '\n' ';' <"$tmp/status"))" \
		[ "$(grep -c . "$tmp/status")" -eq 1 -a "$(grep -c "^tcpstat/$new, $kver, .*: installed" "$tmp/status")" -eq 1 ]
	check "the old source /usr/src/tcpstat-$version is gone" test ! -e "$R/usr/src/tcpstat-$version"
	check "the installed module is the new one (version $new)" \
		sh -c "[ \"\$(modinfo -F version '$R'/lib/modules/$kver/updates/dkms/tcpstat.ko*)\" = '$new' ]"
else
	not_ok "build-deb.sh --version $new" "$(tail -n 20 "$tmp/build2.err")"
fi

# ---- remove, purge: the root is as before ----
if root_apt "$R" remove tcpstat tcpstat-dkms >"$tmp/remove.log" 2>&1; then
	ok "apt-get remove tcpstat tcpstat-dkms"
else
	not_ok "apt-get remove tcpstat tcpstat-dkms" "$(tail -n 20 "$tmp/remove.log")"
fi
check "remove: dkms knows no tcpstat" sh -c "[ -z \"\$(chroot '$R' dkms status tcpstat)\" ]"
check "remove: no module left in /lib/modules" \
	sh -c "! ls '$R'/lib/modules/*/updates/dkms/tcpstat.ko* >/dev/null 2>&1"
check "remove: no /usr/bin/tcpstat, no unit" \
	test ! -e "$R/usr/bin/tcpstat" -a ! -e "$R/lib/systemd/system/tcpstat.service" \
	-a ! -e "$R/lib/systemd/system/tcpstat-listen.service"
if root_apt "$R" purge tcpstat tcpstat-dkms >"$tmp/purge.log" 2>&1; then
	ok "apt-get purge tcpstat tcpstat-dkms"
else
	not_ok "apt-get purge tcpstat tcpstat-dkms" "$(tail -n 20 "$tmp/purge.log")"
fi
# The dependencies apt pulled in go too (they were not there before).
pkgs | comm -13 "$tmp/before.pkgs" - >"$tmp/new.pkgs"
if [ -s "$tmp/new.pkgs" ]; then
	# shellcheck disable=SC2046 # one package name per line
	root_apt "$R" purge $(cat "$tmp/new.pkgs") >>"$tmp/purge.log" 2>&1
fi
pkgs >"$tmp/after.pkgs"
if cmp -s "$tmp/before.pkgs" "$tmp/after.pkgs"; then
	ok "the package set is as before ($(wc -l <"$tmp/new.pkgs") dependencies purged too)"
else
	not_ok "the package set is as before" "$(diff "$tmp/before.pkgs" "$tmp/after.pkgs" | grep '^[<>]')"
fi
# DKMS keeps the signing key it made for the first module it built
# (/var/lib/dkms/mok.key, mok.pub: Secure Boot), which is DKMS's state,
# not the package's.
snapshot | grep -Ev ' \./var/lib/dkms/mok\.(key|pub) ' >"$tmp/after.fs"
if cmp -s "$tmp/before.fs" "$tmp/after.fs"; then
	ok "after purge the root holds exactly the files it held before install"
else
	not_ok "after purge the root holds exactly the files it held before install" \
		"$(diff "$tmp/before.fs" "$tmp/after.fs" | grep '^[<>]' | head -n 20)"
fi

finish
