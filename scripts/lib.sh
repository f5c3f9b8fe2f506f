# shellcheck shell=bash
# Common helpers for the tcpstat scripts. Source it; do not run it.

TCPSTAT_CACHE=${TCPSTAT_CACHE:-/var/cache/tcpstat}
TCPSTAT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The kernels every VM run covers: "<release> <flavour>" pairs. Override
# with TCPSTAT_KERNELS="bookworm:amd64 sid:amd64" (space separated).
TCPSTAT_DEFAULT_KERNELS="bullseye:amd64 bookworm:amd64 trixie:amd64 trixie:rt-amd64 sid:amd64 sid:rt-amd64"
TCPSTAT_KERNELS=${TCPSTAT_KERNELS:-$TCPSTAT_DEFAULT_KERNELS}

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Options every apt-get call in a build chroot uses. sid's Release file can
# be past its Valid-Until date in the archive this machine reaches.
APT_OPTS=(-y -q -o Acquire::Check-Valid-Until=false -o Acquire::Retries=5
	-o APT::Install-Recommends=false -o Dpkg::Use-Pty=0)

# Install host packages that are missing (Debian names). Runs apt-get
# update at most once per call.
need_host_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing host packages: ${missing[*]} (run as root to install them)"
	log "installing host packages: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null ||
		die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install "${APT_OPTS[@]}" "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
}

# Take an exclusive lock on a cache entry so concurrent runs do not build
# the same chroot twice. Usage: with_lock <name> <command...>
with_lock() {
	local name=$1
	shift
	mkdir -p "$TCPSTAT_CACHE/locks"
	(
		flock 9 || die "cannot lock $TCPSTAT_CACHE/locks/$name"
		"$@"
	) 9>"$TCPSTAT_CACHE/locks/$name"
}

# cpu_by_size_table <CSV or ->: the benchmark's rows (scripts/bench.sh:
# kernel,sockets,method,runs,wall_med_us,wall_p95_us,cpu_med_us,...) as a
# Markdown table of the CPU median, one row per method, one column per
# number of sockets, in the order they first appear (a | in a method's
# name escaped).
cpu_by_size_table() {
	awk -F, '
	NR > 1 { if (!($2 in seen)) { seen[$2] = 1; ns[++nn] = $2 }
		if (!($3 in mseen)) { mseen[$3] = 1; ms[++nm] = $3 }
		v[$3, $2] = $7 }
	END {
		printf "| method |"; for (j = 1; j <= nn; j++) printf " %s |", ns[j]; printf "\n|---|"
		for (j = 1; j <= nn; j++) printf "---:|"; printf "\n"
		for (i = 1; i <= nm; i++) { m = ms[i]; gsub(/\|/, "\\|", m); printf "| %s |", m
			for (j = 1; j <= nn; j++) printf " %s |", v[ms[i], ns[j]]; printf "\n" } }' "$1"
}

chroot_dir() { echo "$TCPSTAT_CACHE/chroot/$1"; }
kernel_dir() { echo "$TCPSTAT_CACHE/kernel/$1-$2"; }

# Run a command inside a release's build chroot, with /proc mounted (some
# tools, e.g. objtool on 7.x, read it) in a private mount namespace, so
# nothing stays mounted when the command ends, however it ends.
in_chroot() {
	local dir
	dir=$(chroot_dir "$1")
	shift
	LC_ALL=C DEBIAN_FRONTEND=noninteractive unshare --mount --propagation private \
		sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$dir" "$@"
}

# vm_verdict <out dir> <kernel> [console]: print a guest's results
# (<out>/results.log) and judge the run from them and its kernel console
# (default <out>/console.log):
# returns 0 pass, 4 skip (the guest script said so), 1 fail: a "not ok"
# line, no final marker "TCPSTAT_VM_DONE rc=N", a script that exited
# non-zero, or a kernel warning of any kind in the console (listed in
# <out>/warnings.log).
vm_verdict() {
	local out=$1 kver=$2 console=${3:-$1/console.log} status=0 grc
	cat "$out/results.log" 2>/dev/null | tr -d '\r'
	if grep -Eq '^not ok' "$out/results.log"; then
		log "FAIL: failed checks on $kver"
		status=1
	fi
	if ! grep -Eq '^TCPSTAT_VM_DONE rc=[0-9]+' "$out/results.log"; then
		log "FAIL: the guest never reached its final marker on $kver (console: $out/console.log)"
		status=1
	else
		grc=$(sed -n 's/^TCPSTAT_VM_DONE rc=\([0-9]*\).*/\1/p' "$out/results.log" | tail -n 1)
		if [ "$grc" = 4 ] && [ "$status" = 0 ]; then
			status=4
		elif [ "$grc" != 0 ]; then
			log "FAIL: guest script exited $grc on $kver"
			status=1
		fi
	fi
	# Kernel reports of any kind. The console also holds benign lines that
	# name the debuggers (kmemleak's start, "RCU lockdep checking is
	# enabled"), so the patterns are those of reports. A warning from the
	# module's own pr_warn (a refused parameter) is expected and not matched.
	if grep -En 'BUG:|WARNING:|Call Trace|Oops|Kernel panic|general protection|soft lockup|hard LOCKUP|blocked for more than|rcu.*(stall|detected)|UBSAN:|KASAN:|kmemleak: .*suspected|possible (recursive|circular) lock|inconsistent lock state|lock held when returning|sleeping function called from invalid context|list_add corruption|list_del corruption|refcount_t:|Unknown symbol|tainted: .*[DW]' \
		"$console" >"$out/warnings.log"; then
		log "FAIL: kernel warnings on $kver:"
		head -n 40 "$out/warnings.log" >&2
		status=1
	fi
	return $status
}
