#!/usr/bin/env bash
# Run the kernel's scripts/checkpatch.pl --strict (netdev's conventions,
# 100 columns at most) on every file of kmod/ and of the test modules, and
# fail on any report that is not justified in the source.
#
# A report is justified by a comment on its line or within the three lines
# above it: "checkpatch: TYPE [TYPE...] <reason>", naming checkpatch's type
# (shown with --show-types, e.g. COMPLEX_MACRO) and saying why. A
# justification that no report uses is an error too, so none goes stale.
#
# checkpatch.pl comes from Debian's kernel source (the linux-source package
# of TCPSTAT_CHECKPATCH_RELEASE, default trixie), downloaded into that
# release's build chroot and cached in $TCPSTAT_CACHE/checkpatch/.
#
# Usage: checkpatch.sh [files...]     (default: kmod/*.[ch] and the test modules)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

release=${TCPSTAT_CHECKPATCH_RELEASE:-trixie}
cache=$TCPSTAT_CACHE/checkpatch/$release

get_checkpatch() {
	local kdir kver series croot tarball
	[ -e "$cache/.tcpstat-ready" ] && return 0
	kdir=$("$TCPSTAT_ROOT/scripts/prepare-kernel.sh" "$release" amd64)
	kver=$(cat "$kdir/kver")
	series=$(echo "$kver" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
	croot=$(chroot_dir "$release")
	tarball=$croot/usr/src/linux-source-$series.tar.xz
	if [ ! -f "$tarball" ]; then
		log "installing linux-source-$series in the $release chroot (once, for checkpatch.pl)"
		in_chroot "$release" apt-get "${APT_OPTS[@]}" install "linux-source-$series" \
			>"$TCPSTAT_CACHE/checkpatch-$release.apt.log" 2>&1 || {
			tail -n 20 "$TCPSTAT_CACHE/checkpatch-$release.apt.log" >&2
			die "installing linux-source-$series in the $release chroot failed"
		}
	fi
	rm -rf "$cache"
	mkdir -p "$cache"
	tar -C "$cache" -xJf "$tarball" --strip-components=2 \
		"linux-source-$series/scripts/checkpatch.pl" \
		"linux-source-$series/scripts/spelling.txt" \
		"linux-source-$series/scripts/const_structs.checkpatch" ||
		die "cannot extract checkpatch.pl from $tarball"
	echo "$series" >"$cache/series"
	touch "$cache/.tcpstat-ready"
}

need_host_pkgs perl
with_lock "checkpatch-$release" get_checkpatch

cd "$TCPSTAT_ROOT"
if [ $# -eq 0 ]; then
	set -- kmod/*.c kmod/*.h tests/vm/pernetfail/*.c
fi

status=0 reports=0 justified=0
declare -A used=()
for f in "$@"; do
	# "FILE:LINE: LEVEL:TYPE: message" per report.
	out=$(perl "$cache/checkpatch.pl" --strict --no-tree --terse --show-types \
		--max-line-length=100 --no-summary -f "$f" 2>&1 || true)
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		if [[ $line =~ ^([^:]+):([0-9]+):\ ([A-Z]+):([A-Z0-9_]+):\ (.*)$ ]]; then
			n=${BASH_REMATCH[2]} type=${BASH_REMATCH[4]}
			reports=$((reports + 1))
			from=$((n > 3 ? n - 3 : 1))
			hit=$(sed -n "${from},${n}p" "$f" | grep -n "checkpatch: .*\b$type\b" | tail -n 1 | cut -d: -f1 || true)
			if [ -n "$hit" ]; then
				justified=$((justified + 1))
				used["$f:$((from + hit - 1)):$type"]=1
				continue
			fi
		fi
		echo "$line"
		status=1
	done <<<"$out"
done
# Every justification must still be needed.
for f in "$@"; do
	while IFS=: read -r n text; do
		for type in $(echo "$text" | sed -n 's/.*checkpatch: \(\([A-Z0-9_]\+ \)*\).*/\1/p'); do
			if [ -z "${used[$f:$n:$type]:-}" ]; then
				echo "$f:$n: a justification for $type that no checkpatch report needs"
				status=1
			fi
		done
	done < <(grep -n 'checkpatch: [A-Z]' "$f" || true)
done
echo "checkpatch $(cat "$cache/series") --strict: $# files, $reports reports, $justified justified in the source" \
	"($([ $status = 0 ] && echo clean || echo NOT CLEAN))"
exit $status
