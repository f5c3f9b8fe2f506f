#!/usr/bin/env bash
# Build the Debian packages of this tree with dpkg-buildpackage and
# debhelper, from the packaging template in scripts/debian/:
#   tcpstat        the reporter, its man page, tcpstat.service (enabled) and
#                  tcpstat-listen.service (installed disabled)
#   tcpstat-dkms   the module's source for DKMS, and its modules-load.d entry
# The version is PACKAGE_VERSION of dkms.conf (a native package).
#
# The files a package needs are staged in build/deb/src/tcpstat-<version>/
# with the template as its debian/ (the repository has no debian/ of its
# own); the source package, the .deb files, .buildinfo and .changes land
# in build/deb/. A build whose staged inputs did not change since the last
# one is reused (build/deb/.inputs).
#
# Usage: build-deb.sh [--force] [--version V] [--out DIR]
#   --force      build even when nothing changed
#   --version V  package (and module) version V instead of dkms.conf's; the
#                staged dkms.conf says V (the upgrade test builds a newer one)
#   --out DIR    where the packages go (default build/deb)
# Prints the path of the .changes file on stdout.
# Maintainer field: $DEBFULLNAME <$DEBEMAIL> when set, else the author of
# the last git commit.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() { die "usage: build-deb.sh [--force] [--version V] [--out DIR]"; }
force=0 version="" out=""
while [ $# -gt 0 ]; do
	case $1 in
	--force) force=1 ;;
	--version) [ $# -ge 2 ] || usage; version=$2; shift ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift ;;
	*) usage ;;
	esac
	shift
done

# build-essential: dpkg-buildpackage checks for it (an implicit build dependency).
need_host_pkgs build-essential dpkg-dev debhelper dh-dkms libjson-c-dev libmnl-dev libmicrohttpd-dev libcurl4-openssl-dev libsystemd-dev pkg-config \
	clang llvm libbpf-dev bpftool

top=$TCPSTAT_ROOT
tree_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
[ -n "$tree_version" ] || die "$top/dkms.conf: no PACKAGE_VERSION=\"...\" line"
version=${version:-$tree_version}
case $version in
[0-9]*) ;;
*) die "version '$version' does not start with a digit" ;;
esac
[ "${version//[^A-Za-z0-9.+~]/}" = "$version" ] || die "version '$version': only A-Za-z0-9.+~ allowed"
out=${out:-$top/build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
# One build at a time per output directory.
exec 8>"$out/.lock"
flock 8 || die "cannot lock $out/.lock"
src=$out/src/tcpstat-$version

# ---- stage exactly what the packages are built from ----
rm -rf "$out/src"
mkdir -p "$src"/{kmod,user/bpf,user/systemd/modules-load.d,man,docs}
stage() { # stage FILE... (paths relative to the top of the tree)
	local f
	for f in "$@"; do
		[ -f "$top/$f" ] || die "$top/$f: missing (needed by the packages)"
		cp -p "$top/$f" "$src/$f"
	done
}
stage Makefile Kbuild dkms.conf README.md docs/install.md man/tcpstat.8 \
	kmod/Kbuild kmod/probe.sh user/Makefile \
	user/systemd/tcpstat.service user/systemd/tcpstat-listen.service user/systemd/bpf.conf \
	user/systemd/modules-load.d/tcpstat.conf
(cd "$top" && stage kmod/*.c kmod/*.h user/*.c user/*.h user/bpf/*.c user/bpf/*.h)
[ "$version" = "$tree_version" ] ||
	sed -i "s/^PACKAGE_VERSION=\".*\"/PACKAGE_VERSION=\"$version\"/" "$src/dkms.conf"
cp -a "$top/scripts/debian" "$src/debian"
# debhelper finds the units by their package and unit names
# (debian/rules: dh_installsystemd --name=...).
cp -p "$top/user/systemd/tcpstat.service" "$src/debian/tcpstat.service"
cp -p "$top/user/systemd/tcpstat-listen.service" "$src/debian/tcpstat.tcpstat-listen.service"

if [ -n "${DEBFULLNAME:-}" ] && [ -n "${DEBEMAIL:-}" ]; then
	maintainer="$DEBFULLNAME <$DEBEMAIL>"
elif maintainer=$(git -C "$top" log -1 --format='%an <%ae>' 2>/dev/null) && [ -n "$maintainer" ]; then
	:
else
	die "no maintainer: set DEBFULLNAME and DEBEMAIL (not a git checkout)"
fi
# The changelog date is the last commit's (reproducible builds); outside
# git, now.
date=$(git -C "$top" log -1 --format=%cD 2>/dev/null || true)
[ -n "$date" ] || date=$(date -R)
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo "no git")
dirty=""
[ -n "$(git -C "$top" status --porcelain 2>/dev/null)" ] && dirty=", with local changes"
# Copyright years: from the first to the last commit; outside git, this year.
first=$(git -C "$top" log --reverse --format=%cd --date=format:%Y 2>/dev/null | head -n 1 || true)
last=$(git -C "$top" log -1 --format=%cd --date=format:%Y 2>/dev/null || true)
[ -n "$last" ] || { first=$(date +%Y); last=$first; }
years=$first
[ "$first" = "$last" ] || years="$first-$last"
sed -i "s|@MAINTAINER@|$maintainer|" "$src/debian/control"
sed -i "s|@YEARS@|$years|" "$src/debian/copyright"
cat >"$src/debian/changelog" <<EOF
tcpstat ($version) unstable; urgency=medium

  * Built from the tcpstat source tree ($commit$dirty).

 -- $maintainer  $date
EOF

# ---- reuse the last build when nothing it is made from changed ----
inputs=$(cd "$out/src" && find . -type f -print0 | sort -z | xargs -0 sha256sum |
	sed "/debian\/changelog/s/.*/changelog/" | sha256sum | cut -d' ' -f1)
changes=$out/tcpstat_${version}_$(dpkg --print-architecture).changes
if [ "$force" = 0 ] && [ -f "$changes" ] && [ -f "$out/.inputs" ] &&
	[ "$(cat "$out/.inputs")" = "$inputs" ]; then
	log "packages are up to date ($changes)"
	echo "$changes"
	exit 0
fi

# ---- build ----
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo "$out"/*.dsc "$out"/*.tar.* "$out/.inputs"
buildlog=$out/build.log
log "dpkg-buildpackage tcpstat $version (log: $buildlog)"
if ! (cd "$src" && dpkg-buildpackage -us -uc) >"$buildlog" 2>&1; then
	tail -n 40 "$buildlog" >&2
	die "dpkg-buildpackage failed (log: $buildlog)"
fi
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/src/*.dsc \
	"$out"/src/*.tar.* "$out/"
[ -f "$changes" ] || die "dpkg-buildpackage made no $changes"
echo "$inputs" >"$out/.inputs"
for deb in "$out"/*.deb; do log "built $deb"; done
echo "$changes"
