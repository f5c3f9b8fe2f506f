#!/usr/bin/env bash
# Boot the User-Mode Linux kernel (scripts/build-uml-kernel.sh) with the
# host's root read-only, tcpstat.ko and the test helpers, run one guest
# script of tests/vm/, and turn its results into an exit status, as
# scripts/vm-run.sh does for QEMU. UML runs the kernel's own code natively
# as a host process: the benchmark's native figures come from here.
#
# Usage: uml-run.sh --ko <tcpstat.ko built for UML> --run <guest script> [options]
# Options:
#   --series S         kernel series of the UML kernel (default 6.1)
#   --append "ARGS"    extra kernel command line (e.g. thash_entries=N)
#   --mem SIZE         guest memory (default 1G)
#   --timeout SECONDS  hard limit for the whole boot (default 900)
#   --out DIR          where the logs go (default build/uml/<script>)
#   --env NAME=VALUE   passed to the guest script (repeatable)
#   --extra-ko FILE    another module for the guest, as /extra/<name> (repeatable)
#   --hugepages        back UML's memory with 2 MiB pages (a tmpfs mounted
#                      huge=always for UML's memory file, as TMPDIR): a
#                      native kernel maps its memory with large pages too,
#                      and without them every socket the walk touches
#                      costs a TLB miss (the benchmark uses it)
#
# The guest (tests/vm/uml-init) gets the layout of the QEMU guests in a
# tmpfs, the host's /usr read-only, and the host directory <out>/guest
# writable at /out; the script's output is <out>/results.log, the kernel
# console (UML's stdout) <out>/console.log. The kernel runs with
# panic_on_warn=1, and the run fails on a "not ok" line, a missing final
# marker or a kernel warning of any kind in the console (vm_verdict in
# lib.sh). Exit: 0 pass, 1 fail, 4 skip, 2 usage.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=6.1 ko="" run="" append="" mem=1G timeout=900 out="" envs=() extras=() huge=0
while [ $# -gt 0 ]; do
	case $1 in
	--hugepages) huge=1; shift; continue ;;
	--series) series=$2 ;;
	--ko) ko=$2 ;;
	--run) run=$2 ;;
	--append) append=$2 ;;
	--mem) mem=$2 ;;
	--timeout) timeout=$2 ;;
	--out) out=$2 ;;
	--env) envs+=("$2") ;;
	--extra-ko) extras+=("$2") ;;
	*) echo "uml-run.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift 2 || { echo "uml-run.sh: option '$1' needs a value" >&2; exit 2; }
done
[ -n "$ko" ] && [ -n "$run" ] ||
	{ echo "usage: uml-run.sh --ko FILE --run SCRIPT [options]" >&2; exit 2; }
[ -f "$ko" ] || die "no module at $ko"
[ -f "$TCPSTAT_ROOT/tests/vm/$run" ] || die "no guest script tests/vm/$run"

need_host_pkgs busybox-static iproute2
kdir=$("$TCPSTAT_ROOT/scripts/build-uml-kernel.sh" "$series")
kver=$(cat "$kdir/kver")
out=${out:-$TCPSTAT_ROOT/build/uml/${run%.sh}}
mkdir -p "$out"
out=$(cd "$out" && pwd)
mountpoint -q "$out/mem" 2>/dev/null && umount "$out/mem"
rm -rf "$out/stage" "$out/guest" "$out/uml" "$out/mem"
rm -f "$out/console.log" "$out/results.log"
# UML keeps its memory in an unlinked file in TMPDIR (or /dev/shm).
if [ $huge = 1 ]; then
	mkdir -p "$out/mem"
	mount -t tmpfs -o huge=always,size=90%,mode=0700 tmpfs "$out/mem" ||
		die "cannot mount a huge=always tmpfs on $out/mem"
	trap 'umount "$out/mem" 2>/dev/null || true' EXIT
	export TMPDIR=$out/mem
fi
# What the guest copies into its tmpfs (tests/vm/uml-init), and the
# directory it writes. Both are host paths the guest sees through its
# root, the host's own.
stage=$out/stage
mkdir -p "$stage/bin" "$stage/tests" "$stage/extra" "$out/guest" "$out/uml"
cp "$ko" "$stage/tcpstat.ko"
for f in "${extras[@]}"; do cp "$f" "$stage/extra/"; done
cp "$TCPSTAT_ROOT"/tests/vm/*.sh "$stage/tests/"
for f in tests/vm/sockfarm tests/bench/measure tests/bench/nldiag user/tcpstat; do
	[ -x "$TCPSTAT_ROOT/$f" ] && cp "$TCPSTAT_ROOT/$f" "$stage/bin/"
done
{
	echo "TCPSTAT_KVER='$kver'"
	echo "TCPSTAT_RELEASE='uml'"
	echo "TCPSTAT_FLAVOUR='$series'"
	echo "TCPSTAT_RUN='$run'"
	for e in "${envs[@]}"; do printf "export %q\n" "$e"; done
} >"$stage/env"

# The host's root, read-only, as the guest's root; init= is a host path.
# The consoles: kernel messages on stdout (con0), no input, no others.
# panic_on_warn turns any WARN into a panic, which ends UML.
cmdline="mem=$mem root=/dev/root rootfstype=hostfs rootflags=/ ro
	init=$TCPSTAT_ROOT/tests/vm/uml-init TCPSTAT_STAGE=$stage TCPSTAT_OUT=$out/guest
	uml_dir=$out/uml umid=tcpstat con=null ssl=null con0=null,fd:1
	panic_on_warn=1 oops=panic printk.time=1 $append"
log "booting UML $kver ($mem$([ $huge = 1 ] && echo ", 2 MiB pages")) with tests/vm/$run"
start=$(date +%s)
rc=0
# shellcheck disable=SC2086
timeout --kill-after=10 "$timeout" "$kdir/linux" $cmdline </dev/null >"$out/console.log" 2>&1 || rc=$?
elapsed=$(($(date +%s) - start))
[ "$rc" -eq 124 ] && log "UML timed out after ${timeout}s"
cp "$out/guest/results.log" "$out/results.log" 2>/dev/null || : >"$out/results.log"

status=0
vm_verdict "$out" "$kver" || status=$?
log "UML $kver: $( [ $status = 0 ] && echo pass || { [ $status = 4 ] && echo skip || echo FAIL; })" \
	"in ${elapsed}s (logs: $out)"
exit $status
