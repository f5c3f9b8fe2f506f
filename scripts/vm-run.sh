#!/usr/bin/env bash
# Boot a Debian kernel under QEMU (software emulation) with an initramfs
# holding busybox, tcpstat.ko, the reporter, the test helpers and the
# tests, run one guest script, and turn its results into an exit status.
#
# Usage: vm-run.sh --kernel <release>[:<flavour>] --ko <tcpstat.ko>
#                  --run <guest script, relative to tests/vm/> [options]
# Options:
#   --append "ARGS"    extra kernel command line
#   --mem SIZE         guest memory (default 1G)
#   --smp N            guest CPUs (default 2)
#   --timeout SECONDS  hard limit for the whole boot (default 900)
#   --out DIR          where the logs go (default build/vm/<release>-<flavour>)
#   --env NAME=VALUE   passed to the guest script (repeatable)
#   --extra-ko FILE    another module for the guest, as /extra/<name> (repeatable)
#   --allow-alloc-failures
#                      the guest injects allocation failures on purpose
#                      (tests/vm/faults.sh): the kernel's report of a failed
#                      allocation ("page allocation failure", "vmalloc
#                      error", with its stack) is not a warning; every
#                      other report still is
#
# The guest's results come back on a second serial port (ttyS1), its kernel
# console on the first. The run fails if the results hold a "not ok" line,
# if the guest does not reach its final marker, or if the console shows a
# kernel warning of any kind (the kernel also runs with panic_on_warn=1).
# Exit: 0 pass, 1 fail, 4 skip (kselftest convention), 2 usage.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel="" ko="" run="" append="" mem=1G smp=2 timeout=900 out="" envs=() extras=()
allow_alloc_failures=0
while [ $# -gt 0 ]; do
	case $1 in
	--allow-alloc-failures) allow_alloc_failures=1; shift; continue ;;
	--kernel) kernel=$2 ;;
	--ko) ko=$2 ;;
	--run) run=$2 ;;
	--append) append=$2 ;;
	--mem) mem=$2 ;;
	--smp) smp=$2 ;;
	--timeout) timeout=$2 ;;
	--out) out=$2 ;;
	--env) envs+=("$2") ;;
	--extra-ko) extras+=("$2") ;;
	*) echo "vm-run.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift 2 || { echo "vm-run.sh: option '$1' needs a value" >&2; exit 2; }
done
[ -n "$kernel" ] && [ -n "$ko" ] && [ -n "$run" ] ||
	{ echo "usage: vm-run.sh --kernel <release>[:<flavour>] --ko FILE --run SCRIPT" >&2; exit 2; }
release=${kernel%%:*}
flavour=amd64
[ "$kernel" = "$release" ] || flavour=${kernel#*:}
[ -f "$ko" ] || die "no module at $ko"
[ -f "$TCPSTAT_ROOT/tests/vm/$run" ] || die "no guest script tests/vm/$run"

need_host_pkgs qemu-system-x86 busybox-static cpio xz-utils zstd kmod
kdir=$("$TCPSTAT_ROOT/scripts/prepare-kernel.sh" "$release" "$flavour")
kver=$(cat "$kdir/kver")
out=${out:-$TCPSTAT_ROOT/build/vm/$release-$flavour}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out/console.log" "$out/results.log"

stage=$(mktemp -d "${TMPDIR:-/tmp}/tcpstat-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,etc,proc,sys,dev,tmp,run,lib/modules,tests,usr/bin}

# busybox; the guest installs its applet links at boot.
cp /bin/busybox "$stage/bin/busybox"

# Copy a dynamically linked host program with the libraries it needs.
add_program() {
	local prog=$1 dest=$2 lib
	cp -L "$prog" "$stage$dest"
	ldd "$prog" | awk '/=>/ { print $3 } /^[[:space:]]*\/lib/ { print $1 }' |
		while read -r lib; do
			[ -n "$lib" ] && [ -e "$lib" ] || continue
			mkdir -p "$stage$(dirname "$lib")"
			cp -Ln "$lib" "$stage$lib"
		done
}

# Kernel modules the tests use (ss and the reporter's netlink backend need
# tcp_diag), decompressed, in load order after their dependencies.
modlist=()
add_module() {
	local name=$1 src dep f
	for f in "${modlist[@]}"; do [ "$f" = "$name.ko" ] && return 0; done
	src=$(find "$kdir/modules/kernel" -name "$name.ko" -o -name "$name.ko.xz" \
		-o -name "$name.ko.zst" -o -name "$name.ko.gz" | head -n 1)
	[ -n "$src" ] || return 0 # built in
	case $src in
	*.xz) xz -dc "$src" >"$stage/lib/modules/$name.ko" ;;
	*.zst) zstd -qdc "$src" >"$stage/lib/modules/$name.ko" ;;
	*.gz) gzip -dc "$src" >"$stage/lib/modules/$name.ko" ;;
	*) cp "$src" "$stage/lib/modules/$name.ko" ;;
	esac
	for dep in $(modinfo -F depends "$stage/lib/modules/$name.ko" | tr ',' ' '); do
		add_module "$dep"
	done
	modlist+=("$name.ko")
}
for m in inet_diag tcp_diag; do add_module "$m"; done
printf '%s\n' "${modlist[@]}" >"$stage/etc/tcpstat-modules"

cp "$ko" "$stage/tcpstat.ko"
mkdir -p "$stage/extra"
for f in "${extras[@]}"; do cp "$f" "$stage/extra/"; done
cp "$TCPSTAT_ROOT"/tests/vm/*.sh "$stage/tests/"
[ -x "$TCPSTAT_ROOT/tests/vm/sockfarm" ] && cp "$TCPSTAT_ROOT/tests/vm/sockfarm" "$stage/usr/bin/"
[ -x "$TCPSTAT_ROOT/tests/vm/harden" ] && cp "$TCPSTAT_ROOT/tests/vm/harden" "$stage/usr/bin/"
[ -x "$TCPSTAT_ROOT/tests/bench/measure" ] && cp "$TCPSTAT_ROOT/tests/bench/measure" "$stage/usr/bin/"
[ -x "$TCPSTAT_ROOT/tests/bench/nldiag" ] && add_program "$TCPSTAT_ROOT/tests/bench/nldiag" /usr/bin/nldiag
[ -x "$TCPSTAT_ROOT/user/tcpstat" ] && add_program "$TCPSTAT_ROOT/user/tcpstat" /usr/bin/tcpstat
command -v ss >/dev/null && add_program "$(command -v ss)" /usr/bin/ss
# capabilities without root, for the reporter's bpf backend
command -v setpriv >/dev/null && add_program "$(command -v setpriv)" /usr/bin/setpriv

{
	echo "TCPSTAT_KVER='$kver'"
	echo "TCPSTAT_RELEASE='$release'"
	echo "TCPSTAT_FLAVOUR='$flavour'"
	echo "TCPSTAT_RUN='$run'"
	for e in "${envs[@]}"; do printf "export %q\n" "$e"; done
} >"$stage/etc/tcpstat-env"
cp "$TCPSTAT_ROOT/tests/vm/init" "$stage/init"
chmod +x "$stage/init"
chmod 755 "$stage" # mktemp made it 0700: it becomes the guest's /
(cd "$stage" && find . | cpio -o -H newc --quiet) >"$out/initramfs.cpio"

# Single-threaded TCG: with one host thread per vCPU (thread=multi), QEMU
# can let a vCPU run stale code while the kernel patches its text with
# int3 (text_poke_bp), an Oops in a kernel that is fine (seen on 7.2 right
# after the TSC clocksource switch). The guest still has $smp CPUs that
# interleave; TCPSTAT_TCG_THREAD=multi trades that safety for speed.
tcg_thread=${TCPSTAT_TCG_THREAD:-single}
# The emulated CPU (TCPSTAT_QEMU_CPU), e.g. "max,la57=off" for 4-level paging.
qemu_cpu=${TCPSTAT_QEMU_CPU:-max}
# panic_on_warn turns any WARN into a panic, panic=-1 reboots at once and
# -no-reboot ends QEMU: a warning can never pass unseen.
cmdline="console=ttyS0 panic_on_warn=1 panic=-1 oops=panic printk.time=1 $append"
log "booting $kver ($release $flavour) with tests/vm/$run"
start=$(date +%s)
rc=0
timeout --kill-after=10 "$timeout" qemu-system-x86_64 \
	-machine pc -accel "tcg,thread=$tcg_thread" -cpu "$qemu_cpu" -m "$mem" -smp "$smp" \
	-kernel "$kdir/vmlinuz" -initrd "$out/initramfs.cpio" -append "$cmdline" \
	-display none -monitor none -no-reboot -nic none \
	-serial "file:$out/console.log" -serial "file:$out/results.log" || rc=$?
elapsed=$(($(date +%s) - start))
[ "$rc" -eq 124 ] && log "QEMU timed out after ${timeout}s"

status=0
# The verdict (lib.sh's vm_verdict), on the console as it is or, with
# --allow-alloc-failures, with the stack dump that follows a failed
# allocation's report (within 8 lines, as warn_alloc() prints it) taken
# out first; the rest is matched as always.
console=$out/console.log
if [ "$allow_alloc_failures" = 1 ]; then
	awk '/page allocation failure:|vmalloc error:/ { alloc = NR }
		/Call Trace/ && alloc && NR - alloc <= 8 { allowed++; next }
		{ print }
		END { printf "%d\n", allowed > "/dev/stderr" }' "$out/console.log" \
		>"$out/console.filtered" 2>"$out/alloc-failures.count"
	log "$(cat "$out/alloc-failures.count") allocation-failure reports on the console (allowed)"
	console=$out/console.filtered
fi
vm_verdict "$out" "$kver" "$console" || status=$?
log "$kver: $( [ $status = 0 ] && echo pass || { [ $status = 4 ] && echo skip || echo FAIL; })" \
	"in ${elapsed}s (logs: $out)"
exit $status
