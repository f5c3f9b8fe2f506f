#!/usr/bin/env bash
# Install the Debian packages `make check`, `make demo` and `make bench`
# need on the host. Idempotent: installs only what is missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_host_pkgs \
	make gcc libc6-dev pkg-config libjson-c-dev libmnl-dev libmicrohttpd-dev libcurl4-openssl-dev libsystemd-dev libcmocka-dev clang libclang-rt-dev \
	libbpf-dev bpftool llvm \
	qemu-system-x86 debootstrap debian-archive-keyring busybox-static cpio \
	xz-utils zstd kmod util-linux iproute2 jq prometheus gnuplot-nox valgrind \
	curl victoria-metrics prometheus-pushgateway
