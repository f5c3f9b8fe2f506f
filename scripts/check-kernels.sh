#!/usr/bin/env bash
# Build tcpstat.ko for every kernel in TCPSTAT_KERNELS inside its release's
# chroot and run one guest script on each. Kernels are prepared (fetched
# and cached) in parallel, then tested one after the other.
#
# Usage: check-kernels.sh [guest script (default functional.sh)]
#                         [--test-module DIR]... [vm-run options...]
# --test-module builds a test-only module (e.g. tests/vm/pernetfail) for
# each kernel too and gives it to the guest as /extra/<name>.ko.
# The guest's "stress,<name>,<value>" lines are gathered into the summary.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

run=${1:-functional.sh}
[ $# -gt 0 ] && shift
testmods=()
while [ "${1:-}" = --test-module ]; do
	testmods+=("${2:?--test-module needs a directory}")
	shift 2
done
# A small established table (512 buckets, the smallest the kernel makes)
# so the tests can fill every bucket, the last one included.
append=${TCPSTAT_VM_APPEND:-thash_entries=512}

pids=()
for k in $TCPSTAT_KERNELS; do
	"$TCPSTAT_ROOT/scripts/prepare-kernel.sh" "${k%%:*}" "${k#*:}" >/dev/null &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || die "preparing a kernel failed (see above)"; done

results=()
status=0
for k in $TCPSTAT_KERNELS; do
	release=${k%%:*} flavour=${k#*:}
	ko=$TCPSTAT_ROOT/build/ko/$release-$flavour/tcpstat.ko
	out=$TCPSTAT_ROOT/build/vm/$release-$flavour-${run%.sh}
	start=$(date +%s)
	rc=0
	extra=()
	for m in "${testmods[@]}"; do
		mko=$TCPSTAT_ROOT/build/ko/$release-$flavour/$(basename "$m").ko
		"$TCPSTAT_ROOT/scripts/build-module.sh" "$release" "$flavour" "$mko" "$TCPSTAT_ROOT/$m" || rc=1
		extra+=(--extra-ko "$mko")
	done
	if [ $rc = 0 ] && "$TCPSTAT_ROOT/scripts/build-module.sh" "$release" "$flavour" "$ko"; then
		"$TCPSTAT_ROOT/scripts/vm-run.sh" --kernel "$k" --ko "$ko" --run "$run" \
			--append "$append" --out "$out" "${extra[@]}" "$@" || rc=$?
	else
		rc=1
	fi
	kver=$(cat "$(kernel_dir "$release" "$flavour")/kver")
	case $rc in
	0) verdict=pass ;;
	4) verdict=skip ;;
	*) verdict=FAIL status=1 ;;
	esac
	figures=$(sed -n 's/^stress,\([^,]*\),\(.*\)$/\1=\2/p' "$out/results.log" 2>/dev/null | tr -d '\r' | paste -sd' ' || true)
	results+=("$(printf '%-10s %-10s %-24s %-5s %5ss %s' "$release" "$flavour" "$kver" "$verdict" \
		$(($(date +%s) - start)) "$figures")")
done
echo "== VM tests ($run)"
printf '%s\n' "${results[@]}"
exit $status
