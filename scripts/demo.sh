#!/usr/bin/env bash
# make demo: on any Debian machine, even one whose own kernel cannot load
# modules, boot a Debian kernel under QEMU with tcpstat.ko loaded, open
# connections in every state, and show /proc/tcpstat and the reporter.
# TCPSTAT_DEMO_KERNEL picks the kernel (default bookworm:amd64, i.e. 6.1).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=${TCPSTAT_DEMO_KERNEL:-bookworm:amd64}
release=${kernel%%:*} flavour=amd64
[ "$kernel" = "$release" ] || flavour=${kernel#*:}
ko=$TCPSTAT_ROOT/build/ko/$release-$flavour/tcpstat.ko
log "preparing the $release kernel (cached in $TCPSTAT_CACHE; the first run downloads it)"
"$TCPSTAT_ROOT/scripts/build-module.sh" "$release" "$flavour" "$ko"
exec "$TCPSTAT_ROOT/scripts/vm-run.sh" --kernel "$kernel" --ko "$ko" --run demo.sh \
	--out "$TCPSTAT_ROOT/build/vm/demo"
