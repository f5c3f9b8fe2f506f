# tcpstat - the human entry point. Kbuild reads ./Kbuild and kmod/Kbuild;
# this file is never read by kbuild (DKMS appends KERNELRELEASE= to its
# own make call, which is why the two are kept apart).
#
#   make                  build the module (for KDIR) and the reporter
#   make module           build kmod/tcpstat.ko for KDIR
#   make user             build the reporter user/tcpstat
#   make check            checkpatch, unit tests, fuzz smoke, host tests, the
#                         UML smoke, VM tests on every supported kernel
#                         (installs what it needs)
#   make check-style      scripts/checkpatch.pl --strict on kmod/ (checkpatch.sh),
#                         and kmod/probe.sh against made-up headers
#   make check-uml        the module in User-Mode Linux (Debian's 6.1 source
#                         built for ARCH=um once, cached), exact against the
#                         kernel's own view
#   make demo             boot a Debian kernel under QEMU with the module
#                         and show /proc/tcpstat and the reporter's output
#   make bench            benchmarks under QEMU (docs/performance.md)
#   make bench-native     benchmarks at hardware speed, in User-Mode Linux
#                         and on the host's kernel (docs/performance.md)
#   make bench-host       the backends that run on this machine's own kernel
#                         (bpf, netlink, procfs), natively, up to 1M sockets
#   make stress           10 minutes of stress per kernel (docs/reliability.md)
#   make debug-check      functional and stress tests on a KASAN/lockdep kernel
#   make check-integration  NDJSON into jq, Debian's node_exporter and Prometheus,
#                         the Debian packages, tcpstat.service, DKMS (tests/integration/)
#   make deb              Debian packages tcpstat and tcpstat-dkms in build/deb/
#   make install          install the reporter and its man page
#   make install-systemd  install tcpstat.service, its textfile link,
#                         tcpstat-listen.service and the modules-load.d entry
#   make install-module   install the module for KDIR (modules_install)
#   make dkms-install     register the module source with DKMS
#   make clean

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
PREFIX ?= /usr/local
DESTDIR ?=
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' $(CURDIR)/dkms.conf)

# The kernels the VM tests run on ("<release>:<flavour>", see scripts/lib.sh).
TCPSTAT_KERNELS ?= bullseye:amd64 bookworm:amd64 trixie:amd64 trixie:rt-amd64 sid:amd64 sid:rt-amd64
export TCPSTAT_KERNELS

.PHONY: all module user sockfarm bench-tools stress debug-check check check-integration deb install-systemd check-user check-uml check-vm check-style demo bench bench-native bench-host install \
	install-module dkms-install deps clean

all: module user

module:
	@test -d "$(KDIR)" || { echo "make: no kernel build directory at $(KDIR); set KDIR= (or install linux-headers-$(KERNELRELEASE))" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user:
	$(MAKE) -C user

sockfarm: tests/vm/sockfarm tests/vm/harden

bench-tools: tests/bench/measure tests/bench/nldiag tests/bench/memfloor

tests/bench/measure: tests/bench/measure.c tests/bench/bench.h
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

tests/bench/nldiag: tests/bench/nldiag.c tests/bench/bench.h
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $< $(shell pkg-config --cflags --libs libmnl)

tests/bench/memfloor: tests/bench/memfloor.c
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $<

tests/vm/sockfarm: tests/vm/sockfarm.c
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

tests/vm/harden: tests/vm/harden.c
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

deps:
	scripts/deps.sh

check: deps
	$(MAKE) check-style
	$(MAKE) check-user
	$(MAKE) check-uml
	$(MAKE) check-integration
	$(MAKE) check-vm

check-style:
	scripts/checkpatch.sh
	tests/unit/probe.sh

check-user: user sockfarm
	$(MAKE) -C user unit
	$(MAKE) -C user fuzz-smoke
	$(MAKE) -C user host-test

check-integration: user sockfarm
	tests/integration/run.sh

deb:
	scripts/build-deb.sh

# The UML smoke: tcpstat.ko and walkprof.ko built for User-Mode Linux,
# exact against /proc/net/tcp{,6}, ss and the reporter's backends with a
# few thousand sockets (tests/vm/uml-smoke.sh). The first run builds the
# UML kernel (scripts/build-uml-kernel.sh, about 10-20 minutes at -j2).
UML_SERIES ?= 6.1
UML_KO = build/ko/uml-$(UML_SERIES)
check-uml: user sockfarm
	scripts/build-module.sh uml $(UML_SERIES) $(UML_KO)/tcpstat.ko
	scripts/build-module.sh uml $(UML_SERIES) $(UML_KO)/walkprof.ko tests/bench/walkprof
	scripts/uml-run.sh --series $(UML_SERIES) --ko $(UML_KO)/tcpstat.ko \
		--extra-ko $(UML_KO)/walkprof.ko --run uml-smoke.sh --append thash_entries=1024 \
		--timeout 600

# The hardening tests boot with slub_debug (a double free or a write to
# freed memory shows in the console) and a test-only module.
HARDENING_VM = TCPSTAT_VM_APPEND="thash_entries=512 slub_debug=FZP"
check-vm: user sockfarm bench-tools
	scripts/check-kernels.sh functional.sh
	$(HARDENING_VM) scripts/check-kernels.sh hardening.sh --test-module tests/vm/pernetfail
	TCPSTAT_VM_APPEND="thash_entries=512 lockdown=integrity" scripts/check-kernels.sh lockdown.sh
	scripts/check-kernels.sh stress.sh --env TCPSTAT_STRESS_SECONDS=$(CHECK_STRESS_SECONDS) --timeout 900
	scripts/bench.sh --smoke

# make debug-check: systematic fault injection (faults.sh), the hardening,
# functional and stress tests on a kernel built from Debian's source with
# KASAN, lockdep, UBSAN, kmemleak and fault injection (long to build,
# cached; not part of make check).
# The debug kernel is many times slower under emulation: time limits x10;
# 4-level paging (an early-boot KASAN report came with la57 once).
DEBUG_VM = TCPSTAT_KERNELS=trixie:debug TCPSTAT_QEMU_CPU=max,la57=off
debug-check: deps user sockfarm
	scripts/build-debug-kernel.sh trixie
	$(DEBUG_VM) scripts/check-kernels.sh faults.sh --mem 3G --timeout 14400 \
		--env TCPSTAT_TIME_SCALE=10 --allow-alloc-failures
	$(DEBUG_VM) $(HARDENING_VM) scripts/check-kernels.sh hardening.sh \
		--test-module tests/vm/pernetfail --mem 3G --timeout 7200 --env TCPSTAT_TIME_SCALE=10
	$(DEBUG_VM) scripts/check-kernels.sh functional.sh --mem 3G --timeout 7200 \
		--env TCPSTAT_TIME_SCALE=10
	$(DEBUG_VM) scripts/check-kernels.sh stress.sh --mem 3G --timeout 7200 \
		--env TCPSTAT_TIME_SCALE=10 --env TCPSTAT_STRESS_SECONDS=$(STRESS_SECONDS)

# make stress: the long stress run (10 minutes per kernel by default).
STRESS_SECONDS ?= 600
CHECK_STRESS_SECONDS ?= 60
stress: deps user sockfarm
	scripts/check-kernels.sh stress.sh --env TCPSTAT_STRESS_SECONDS=$(STRESS_SECONDS) \
		--timeout $$(($(STRESS_SECONDS) + 900))

demo: deps user sockfarm
	scripts/demo.sh

bench: deps user sockfarm bench-tools
	scripts/bench.sh

bench-native: deps user sockfarm bench-tools
	TCPSTAT_UML_SERIES=$(UML_SERIES) scripts/bench-native.sh

bench-host: deps user sockfarm bench-tools
	scripts/bench-host.sh

install:
	$(MAKE) -C user install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

install-systemd:
	$(MAKE) -C user install-systemd install-modules-load DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

install-module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install

dkms-install:
	@if [ -z "$(DESTDIR)" ] && dkms status tcpstat/$(VERSION) 2>/dev/null | grep -q .; then \
		dkms remove tcpstat/$(VERSION) --all; fi
	rm -rf $(DESTDIR)/usr/src/tcpstat-$(VERSION)
	install -d $(DESTDIR)/usr/src/tcpstat-$(VERSION)/kmod
	install -m 0644 Kbuild dkms.conf $(DESTDIR)/usr/src/tcpstat-$(VERSION)/
	install -m 0644 kmod/Kbuild kmod/*.c kmod/*.h $(DESTDIR)/usr/src/tcpstat-$(VERSION)/kmod/
	install -m 0755 kmod/probe.sh $(DESTDIR)/usr/src/tcpstat-$(VERSION)/kmod/
	@if [ -z "$(DESTDIR)" ]; then \
		dkms add tcpstat/$(VERSION) && dkms build tcpstat/$(VERSION) && dkms install tcpstat/$(VERSION); \
	fi

clean:
	rm -f kmod/*.o kmod/*.ko kmod/*.mod kmod/*.mod.c kmod/.*.cmd kmod/modules.order \
		modules.order Module.symvers kmod/Module.symvers .*.cmd
	rm -rf build tests/vm/sockfarm tests/bench/measure tests/bench/nldiag tests/bench/memfloor
	$(MAKE) -C user clean
