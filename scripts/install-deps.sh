#!/bin/sh
# Installs the Debian 12 packages sonde needs to build and test, and mounts
# tracefs when it is missing.  Idempotent; quiet when all is present.
set -eu

PACKAGES="llvm-19-dev clang-19 libbpf-dev libelf-dev libdw-dev flex bison cmake make gcc
pkg-config zlib1g-dev libzstd-dev libz3-dev libxml2-dev python3 time bpftool
libclang-rt-19-dev valgrind lld lld-19 liblzma-dev libbz2-dev libstdc++-12-dev
systemtap-sdt-dev prometheus"
# bpftrace is only for comparing output and benchmarks; sonde never needs it.
if [ "${SONDE_WITH_BPFTRACE:-1}" = 1 ]; then
	PACKAGES="$PACKAGES bpftrace"
fi

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: these packages are missing and need root:$missing" >&2
		exit 1
	fi
	echo "install-deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null
fi

# sonde mounts tracefs itself when it can; doing it here too keeps tools
# such as bpftrace working for the comparison tests.
if [ "$(id -u)" = 0 ] && [ ! -d /sys/kernel/tracing/events ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
fi
