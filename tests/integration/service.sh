#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# service.sh - tcpstat.service as installed by the package, run by a real
# systemd: a throw-away root on the cached test root (systemd and Debian's
# prometheus-node-exporter installed, with their defaults) gets the tcpstat
# packages and boots in a container (systemd-nspawn -b, its own network
# namespace). Then:
#   - the boot reaches "running"; tcpstat.service is active under a
#     transient user (DynamicUser) with its sandbox, and writes
#     /run/tcpstat/tcpstat.prom (0644, its owner) every second (drop-in);
#   - sockfarm builds known sockets in the container's namespace: the file
#     equals them plus what was there before (node_exporter's listener);
#   - Debian's node_exporter service, as the prometheus user, serves the
#     same numbers through /var/lib/prometheus/node-exporter/tcpstat.prom;
#   - stopping the service removes the file, and node_exporter says so
#     (node_textfile_scrape_error 1) instead of serving stale counts;
#     starting it again brings the counts back;
#   - the bpf backend: the unit as shipped refuses it (one line, exit 3),
#     and with the package's example drop-in bpf.conf it runs and its file
#     equals the kernel's view (the container may hold CAP_BPF and
#     CAP_PERFMON and call bpf(2), as a host's systemd may);
#   - Type=notify: the unit is active once tcpstat said READY=1 (its status
#     text came through the notify socket, the first file was written
#     before the unit became active); stopping it is a clean exit 0;
#   - the watchdog (a drop-in: WatchdogSec=3s, a sample every 10 s): the
#     idle reporter is never taken for hung, since it pings between
#     samples whatever the interval; stopped (SIGSTOP), it is killed with
#     Result=watchdog within the bound and started again (NRestarts 1);
#   - tcpstat-listen.service, installed disabled (the package's postinst
#     start leaves it so): enabled and started, it runs next to
#     tcpstat.service, is active once listening (Type=notify), serves on
#     port 9977 (IPv4 and IPv6) exactly the kernel's view plus the
#     scrape's own connection with tcpstat_up 1, and stops with exit 0 and
#     no failed state.
#
# kselftest style: exit 0 pass, 1 fail, 4 skip. Needs root.
#   bash tests/integration/service.sh

set -u
# shellcheck source=tests/integration/lib.bash
. "$(dirname "$0")/lib.bash"

require_root
need_host_pkgs systemd-container curl iproute2 util-linux procps
[ -x "$SOCKFARM" ] || skip_all "no $SOCKFARM (make sockfarm)"
private_mounts "$@"

tmp=$(mktemp -d /tmp/tcpstat-service.XXXXXX) || exit "$KSFT_FAIL"
R=$tmp/root
NSPAWN=
leader=
cleanup() {
	# Power the container off (SIGTERM to nspawn), then make sure nothing
	# of it is left: killing the init of its PID namespace ends them all.
	if [ -n "$NSPAWN" ]; then
		kill -TERM "$NSPAWN" 2>/dev/null
		wait_for 30 sh -c "! kill -0 $NSPAWN 2>/dev/null"
	fi
	[ -n "$leader" ] && kill -KILL "$leader" 2>/dev/null
	stop_all
	umount -R "$R" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit "$KSFT_FAIL"' INT TERM

echo "TAP version 13"
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$INTEG_TOP/dkms.conf")
arch=$(dpkg --print-architecture)

if "$INTEG_TOP/scripts/build-deb.sh" >/dev/null 2>"$tmp/build.err" &&
	testroot_mount "$tmp" 2>"$tmp/mount.err"; then
	ok "packages built, throw-away root mounted"
else
	not_ok "packages built, throw-away root mounted" "$(tail -n 20 "$tmp/build.err" "$tmp/mount.err")"
	finish
fi
cp "$INTEG_TOP/build/deb/tcpstat_${version}_$arch.deb" \
	"$INTEG_TOP/build/deb/tcpstat-dkms_${version}_all.deb" "$R/tmp/"
if root_apt "$R" install "/tmp/tcpstat_${version}_$arch.deb" "/tmp/tcpstat-dkms_${version}_all.deb" \
	>"$tmp/install.log" 2>&1; then
	ok "apt-get install tcpstat tcpstat-dkms"
else
	not_ok "apt-get install tcpstat tcpstat-dkms" "$(tail -n 20 "$tmp/install.log")"
	finish
fi
# A sample every second instead of 15, the way an operator changes it.
mkdir -p "$R/etc/systemd/system/tcpstat.service.d"
printf '[Service]\nEnvironment=TCPSTAT_INTERVAL=1\n' >"$R/etc/systemd/system/tcpstat.service.d/interval.conf"
umount "$R/var/cache/apt/archives" "$R/proc"

# ---- boot ----
bg console systemd-nspawn --register=no --keep-unit --quiet --private-network \
	--capability=CAP_BPF,CAP_PERFMON --system-call-filter=bpf \
	--directory="$R" --boot
NSPAWN=$BG_LAST
find_leader() { leader=$(pgrep -P "$NSPAWN" | head -n 1) && [ -n "$leader" ]; }
if ! wait_for 30 find_leader; then
	not_ok "the container starts" "$(tail -n 20 "$tmp/console.log")"
	finish
fi
C() { nsenter -t "$leader" -m -u -i -n -p -- "$@"; }
booted() {
	state=$(C systemctl is-system-running 2>/dev/null)
	case $state in running | degraded) return 0 ;; esac
	return 1
}
wait_for 60 booted
if [ "${state:-}" = running ]; then
	ok "the container boots to \"running\""
else
	not_ok "the container boots to \"running\" (state: ${state:-none})" \
		"$(C systemctl --failed --no-pager 2>&1)" "$(tail -n 20 "$tmp/console.log")"
fi

active() { [ "$(C systemctl is-active "$1" 2>/dev/null)" = active ]; }
check "tcpstat.service is active" active tcpstat.service
# prop UNIT NAME: one property of a unit, as systemctl shows it
prop() { C systemctl show -p "$2" --value "$1" 2>/dev/null; }
# notify_unit UNIT: Type=notify, NotifyAccess=main, the packaged watchdog
notify_unit() {
	[ "$(prop "$1" Type) $(prop "$1" NotifyAccess) $(prop "$1" WatchdogUSec)" = "notify main 2min" ]
}
check "tcpstat.service: Type=notify, NotifyAccess=main, WatchdogSec=2min" notify_unit tcpstat.service
# With READY=1 tcpstat sends its status: only a notify socket brings it.
check "tcpstat.service: its status came through the notify socket (StatusText \"$(prop tcpstat.service StatusText)\")" \
	[ "$(prop tcpstat.service StatusText)" = sampling ]
pid=$(C systemctl show -p MainPID --value tcpstat.service)
uid=$(C awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
dynamic_uid() { [ -n "$uid" ] && [ "$uid" -ge 61184 ] && [ "$uid" -le 65519 ]; }
check "it runs as a transient user (DynamicUser: uid ${uid:-?} in 61184-65519)" dynamic_uid
check "it has no capabilities (CapEff 0)" \
	[ "$(C awk '/^CapEff:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)" = 0000000000000000 ]
file_ok() { [ "$(C stat -c '%u %a' /run/tcpstat/tcpstat.prom 2>/dev/null)" = "$uid 644" ]; }
check "it writes /run/tcpstat/tcpstat.prom, its own, mode 0644" wait_for 10 file_ok
ne_as_prometheus() {
	active prometheus-node-exporter.service &&
		[ "$(C systemctl show -p User --value prometheus-node-exporter.service)" = prometheus ]
}
check "node_exporter runs as Debian's service, user prometheus" ne_as_prometheus
scrape() { nsenter -t "$leader" -n curl -fsS --max-time 5 http://127.0.0.1:9100/metrics; }
answers() { scrape >/dev/null 2>&1; }
check "node_exporter answers on the container's port 9100" wait_for 30 answers

# ---- known sockets in the container's network namespace ----
# What is there before: node_exporter's listener and the TIME_WAIT of the
# readiness scrape above (it lasts 60 s, longer than this test).
nsenter -t "$leader" -n bash -c "$(declare -f ss_rows); ss_rows" >"$tmp/base.view"
sed 's/^/# before: /' "$tmp/base.view"
bg farm nsenter -t "$leader" -n "$SOCKFARM" build
if wait_for 60 grep -qx ready "$tmp/farm.log"; then
	ok "sockfarm ready in the container's network namespace"
else
	not_ok "sockfarm ready in the container's network namespace" "$(cat "$tmp/farm.log")"
	finish
fi
grep -E '^ipv[46] ' "$tmp/farm.log" >"$tmp/farm.view"
sed 's/^/# built: /' "$tmp/farm.view"
paste -d' ' "$tmp/base.view" "$tmp/farm.view" |
	awk '{ l = $1; for (i = 2; i <= 12; i++) l = l " " ($i + $(i + 12)); print l }' >"$tmp/want.view"
file_rows() { C cat /run/tcpstat/tcpstat.prom 2>/dev/null | prom_to_rows; }
file_is_want() { file_rows >"$tmp/file.view" && cmp -s "$tmp/file.view" "$tmp/want.view"; }
if wait_for 15 file_is_want; then
	ok "the service's file equals the sockets built plus those before"
else
	not_ok "the service's file equals the sockets built plus those before" \
		"file: $(tr '\n' ' ' <"$tmp/file.view")" "want: $(tr '\n' ' ' <"$tmp/want.view")"
fi

# node_exporter serves the file as it is: compare a scrape with the file
# read just before and after it (a rewrite in between: try again; each
# scrape's own connection shows up in the next sample).
served=no
for _ in 1 2 3 4 5; do
	file_rows >"$tmp/a.view"
	scrape >"$tmp/scrape" 2>/dev/null
	file_rows >"$tmp/b.view"
	cmp -s "$tmp/a.view" "$tmp/b.view" || continue
	prom_to_rows <"$tmp/scrape" >"$tmp/s.view"
	cmp -s "$tmp/s.view" "$tmp/a.view" && served=yes
	break
done
if [ "$served" = yes ]; then
	ok "node_exporter serves the service's counts through the textfile link"
else
	not_ok "node_exporter serves the service's counts through the textfile link" \
		"scrape: $(tr '\n' ' ' <"$tmp/s.view" 2>/dev/null)" "file:   $(tr '\n' ' ' <"$tmp/a.view")"
fi
check "node_textfile_scrape_error 0" grep -qx 'node_textfile_scrape_error 0' "$tmp/scrape"

# ---- stop: no stale counts; start: back ----
C systemctl stop tcpstat.service
# stopped_clean DESC UNIT: inactive (not failed), its main process
# exited 0 (ExecMainCode 1 is CLD_EXITED)
stopped_clean() {
	local got
	got="$(prop "$2" ActiveState) $(prop "$2" Result) $(prop "$2" ExecMainCode) $(prop "$2" ExecMainStatus)"
	if [ "$got" = "inactive success 1 0" ]; then
		ok "$1"
	else
		not_ok "$1" "ActiveState Result ExecMainCode ExecMainStatus: $got" \
			"$(C journalctl -q -u "$2" -n 5 --no-pager 2>&1)"
	fi
}
stopped_clean "systemctl stop: inactive, Result=success, tcpstat exited 0" tcpstat.service
no_run_dir() { ! C test -e /run/tcpstat; }
check "systemctl stop: /run/tcpstat is gone" no_run_dir
scrape >"$tmp/stopped" 2>/dev/null
stale_free() {
	grep -qx 'node_textfile_scrape_error 1' "$tmp/stopped" && ! grep -q '^tcpstat_connections' "$tmp/stopped"
}
check "stopped: node_exporter reports node_textfile_scrape_error 1, no tcpstat_connections" stale_free
C systemctl start tcpstat.service
back() { scrape 2>/dev/null | grep -q '^tcpstat_connections{family="ipv4",state="listen"}'; }
check "systemctl start: the counts are back" wait_for 15 back

# ---- Type=notify and the watchdog ----
# A short watchdog for the test, a sample every 10 s, and a pause before
# a restart so that the failed state can be seen; no core file of the
# SIGABRT the watchdog sends.
C mkdir -p /run/systemd/system/tcpstat.service.d
printf '[Service]\nEnvironment=TCPSTAT_INTERVAL=10\nWatchdogSec=3s\nRestartSec=4s\nLimitCORE=0\n' |
	C tee /run/systemd/system/tcpstat.service.d/watchdog.conf >/dev/null
C systemctl daemon-reload
# systemctl waits for READY=1 (Type=notify), which tcpstat sends once the
# first sample is in the file: that file is older than the unit's start.
C systemctl restart tcpstat.service
# usec_of TIME: microseconds since the epoch of a date(1)-readable time
usec_of() { date -u -d "$1" +%s%6N; }
active_at=$(usec_of "$(C systemctl show -p ActiveEnterTimestamp --value --timestamp=us+utc tcpstat.service |
	cut -d' ' -f2-)")
written_at=$(usec_of "$(C stat -c %y /run/tcpstat/tcpstat.prom)")
if [ -n "$active_at" ] && [ -n "$written_at" ] && [ "$written_at" -le "$active_at" ]; then
	ok "Type=notify: the first file was written $((active_at - written_at)) us before the unit became active"
else
	not_ok "Type=notify: the first file was written before the unit became active" \
		"written ${written_at:-?} us, active ${active_at:-?} us"
fi
check "the drop-in's WatchdogSec=3s is in force" [ "$(prop tcpstat.service WatchdogUSec)" = 3s ]
pid=$(prop tcpstat.service MainPID)
restarted() { [ "$(prop tcpstat.service NRestarts)" != 0 ] || [ "$(prop tcpstat.service MainPID)" != "$pid" ]; }
# 8 s without a sample (the next one is due at 10 s): only the pings
# between samples keep it alive.
if ! wait_for 8 restarted && active tcpstat.service; then
	ok "watchdog: 8 s without a sample (interval 10 s), the same process, no restart: it pings between samples"
else
	not_ok "watchdog: the idle reporter is kept alive by its pings" \
		"NRestarts $(prop tcpstat.service NRestarts), MainPID $pid -> $(prop tcpstat.service MainPID)" \
		"$(C journalctl -q -u tcpstat.service -n 5 --no-pager 2>&1)"
fi
# A hung reporter: SIGSTOP. The last ping was at most 1.5 s ago.
t0=$(date +%s%N)
C sh -c "kill -STOP $pid"
by_watchdog() { [ "$(prop tcpstat.service Result)" = watchdog ]; }
if wait_for 10 by_watchdog; then
	t1=$(date +%s%N)
	ok "watchdog: SIGSTOP'ed, it is killed with Result=watchdog after $(((t1 - t0) / 1000000)) ms (WatchdogSec=3s)"
else
	not_ok "watchdog: SIGSTOP'ed, it is killed with Result=watchdog within 10 s" \
		"Result $(prop tcpstat.service Result), state $(prop tcpstat.service ActiveState)"
fi
check "the journal says so: \"Watchdog timeout\"" \
	sh -c "nsenter -t $leader -m -u -i -n -p -- journalctl -q -u tcpstat.service --no-pager | grep -q 'Watchdog timeout'"
again() {
	active tcpstat.service && [ "$(prop tcpstat.service NRestarts)" = 1 ] &&
		[ "$(prop tcpstat.service MainPID)" != "$pid" ]
}
if wait_for 20 again; then
	t2=$(date +%s%N)
	ok "watchdog: Restart= starts it again (NRestarts 1, a new process) after $(((t2 - t0) / 1000000)) ms (RestartSec=4s)"
else
	not_ok "watchdog: Restart= starts it again" "NRestarts $(prop tcpstat.service NRestarts)," \
		"state $(prop tcpstat.service ActiveState), MainPID $(prop tcpstat.service MainPID)"
fi
C rm -f /run/systemd/system/tcpstat.service.d/watchdog.conf
C systemctl daemon-reload
C systemctl restart tcpstat.service

# The sandbox lets the file backends read /proc/net too (the module's
# file lives there; this container cannot load a module, so procfs
# stands in): a runtime drop-in with TCPSTAT_OPTIONS, as an operator
# would add one, and the file must match the kernel's own view.
C mkdir -p /run/systemd/system/tcpstat.service.d
printf '[Service]\nEnvironment="TCPSTAT_OPTIONS=--backend procfs"\n' |
	C tee /run/systemd/system/tcpstat.service.d/backend.conf >/dev/null
C systemctl daemon-reload
C systemctl restart tcpstat.service
# active_with BACKEND: the service runs, with --backend BACKEND
active_with() {
	local p
	[ "$(C systemctl is-active tcpstat.service)" = active ] || return 1
	p=$(C systemctl show -p MainPID --value tcpstat.service)
	C cat "/proc/$p/cmdline" | tr '\0' ' ' | grep -q -- "--backend $1"
}
check "with TCPSTAT_OPTIONS=--backend procfs: active, reading /proc/net/tcp{,6}" wait_for 10 active_with procfs
procfs_is_kernel() {
	nsenter -t "$leader" -n bash -c "$(declare -f ss_rows); ss_rows" >"$tmp/kernel.view" &&
		file_rows >"$tmp/file.view" && cmp -s "$tmp/file.view" "$tmp/kernel.view"
}
if wait_for 15 procfs_is_kernel; then
	ok "its file equals the kernel's view (ss) of the container's namespace"
else
	not_ok "its file equals the kernel's view (ss) of the container's namespace" \
		"file:   $(tr '\n' ' ' <"$tmp/file.view")" "kernel: $(tr '\n' ' ' <"$tmp/kernel.view")"
fi

# The bpf backend. As shipped, the unit withholds what it needs: asked
# for it, the service fails with the one line that says why.
bpf_why=$("$INTEG_TOP/user/tcpstat" --backend bpf 2>&1 >/dev/null) || true
if [ -n "$bpf_why" ]; then
	skip "tcpstat.service with the bpf backend" "not on this kernel: $bpf_why"
else
	printf '[Service]\nEnvironment="TCPSTAT_OPTIONS=--backend bpf"\n' |
		C tee /run/systemd/system/tcpstat.service.d/backend.conf >/dev/null
	C systemctl daemon-reload
	C systemctl restart tcpstat.service
	refused() {
		[ "$(C systemctl show -p ExecMainStatus --value tcpstat.service)" = 3 ] &&
			C journalctl -q -u tcpstat.service -n 20 --no-pager 2>/dev/null |
				grep -q 'tcpstat: bpf: the bpf backend needs CAP_BPF and CAP_PERFMON, or root'
	}
	check "as shipped, --backend bpf is refused: exit 3, the reason in the journal" wait_for 15 refused
	C cp /usr/share/doc/tcpstat/examples/bpf.conf /run/systemd/system/tcpstat.service.d/bpf.conf
	C systemctl daemon-reload
	C systemctl restart tcpstat.service
	check "with the example drop-in bpf.conf: active with --backend bpf" wait_for 15 active_with bpf
	if wait_for 15 procfs_is_kernel; then
		ok "bpf: its file equals the kernel's view (ss) of the container's namespace"
	else
		not_ok "bpf: its file equals the kernel's view (ss)" \
			"file:   $(tr '\n' ' ' <"$tmp/file.view")" "kernel: $(tr '\n' ' ' <"$tmp/kernel.view")"
	fi
	pid=$(C systemctl show -p MainPID --value tcpstat.service)
	check "bpf: still a transient user, with CAP_BPF and CAP_PERFMON only" \
		[ "$(C awk '/^CapEff:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)" = 000000c000000000 ]
	C rm -f /run/systemd/system/tcpstat.service.d/bpf.conf /run/systemd/system/tcpstat.service.d/backend.conf
	C systemctl daemon-reload
fi

# ---- tcpstat-listen.service: the same counts on port 9977 ----
check "tcpstat-listen.service is installed disabled" \
	[ "$(C systemctl is-enabled tcpstat-listen.service 2>/dev/null)" = disabled ]
# What the package's postinst runs: it starts no disabled unit.
C deb-systemd-invoke start tcpstat-listen.service >/dev/null 2>&1
check "the postinst's deb-systemd-invoke start leaves it stopped" \
	[ "$(prop tcpstat-listen.service ActiveState)" = inactive ]
# Enabled as an operator would (here until the next boot only): a unit
# that nothing refers to is unloaded as soon as it stops, and systemctl
# show then knows nothing of how its process ended.
C systemctl enable --runtime --now tcpstat-listen.service 2>/dev/null
check "systemctl enable --now tcpstat-listen: active" active tcpstat-listen.service
check "tcpstat-listen.service: Type=notify, NotifyAccess=main, WatchdogSec=2min" \
	notify_unit tcpstat-listen.service
check "tcpstat-listen.service: its status came through the notify socket (\"$(prop tcpstat-listen.service StatusText)\")" \
	[ "$(prop tcpstat-listen.service StatusText)" = "serving /metrics on port 9977" ]
check "tcpstat.service runs next to it" active tcpstat.service
lscrape() { nsenter -t "$leader" -n curl -fsS --max-time 5 "$@"; }
# Dual stack: the scrape's own connection is there, an IPv4 client and
# (accepted by the [::] listener) an IPv6 server side, both ESTABLISHED.
served_listen=no
for _ in 1 2 3 4 5; do
	nsenter -t "$leader" -n bash -c "$(declare -f ss_rows); ss_rows" >"$tmp/lbase.view"
	lscrape http://127.0.0.1:9977/metrics >"$tmp/lscrape" 2>"$tmp/lscrape.err" || continue
	awk '{ $2 += 1; print }' "$tmp/lbase.view" >"$tmp/lwant.view"
	prom_to_rows <"$tmp/lscrape" >"$tmp/lgot.view"
	cmp -s "$tmp/lgot.view" "$tmp/lwant.view" && served_listen=yes && break
done
if [ "$served_listen" = yes ]; then
	ok "GET http://127.0.0.1:9977/metrics: the kernel's view plus the scrape's connection"
else
	not_ok "GET http://127.0.0.1:9977/metrics: the kernel's view plus the scrape's connection" \
		"got:  $(tr '\n' ' ' <"$tmp/lgot.view" 2>/dev/null)" "want: $(tr '\n' ' ' <"$tmp/lwant.view" 2>/dev/null)" \
		"$(cat "$tmp/lscrape.err" 2>/dev/null)"
fi
check "the scrape says tcpstat_up 1" grep -qx 'tcpstat_up 1' "$tmp/lscrape"
check "and answers on [::1]:9977 too" sh -c "nsenter -t $leader -n curl -fsS --max-time 5 'http://[::1]:9977/metrics' | grep -qx 'tcpstat_up 1'"
C systemctl stop tcpstat-listen.service
stopped_clean "systemctl stop tcpstat-listen: inactive, Result=success, tcpstat exited 0" tcpstat-listen.service
check "the port is closed" sh -c "! nsenter -t $leader -n curl -fsS --max-time 5 -o /dev/null http://127.0.0.1:9977/metrics 2>/dev/null"
check "tcpstat.service still runs" active tcpstat.service
C systemctl disable --runtime tcpstat-listen.service 2>/dev/null

for u in tcpstat.service tcpstat-listen.service; do
	C systemd-analyze security "$u" 2>/dev/null |
		sed -n 's/^.*Overall exposure level/# systemd-analyze security: overall exposure level/p'
done
finish
