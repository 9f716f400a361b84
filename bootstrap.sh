#!/bin/sh
# bootstrap.sh - install what sandrun needs on Debian 12, build it, and run
# the seed case in the sandbox.
#
#   ./bootstrap.sh            install packages (apt-get, as root or via sudo),
#                             build, run the seed case
#   ./bootstrap.sh --deps     only install the packages
#   ./bootstrap.sh --build    only build (no packages, no seed case)
#   ./bootstrap.sh --vm-deps  install what `make check-vm` needs (qemu,
#                             debootstrap) to build and boot its guest
set -eu
cd "$(dirname "$0")"

# Build and runtime dependencies, and what the test suite uses.
PACKAGES="build-essential autoconf automake pkg-config
	libseccomp-dev libcjson-dev libbsd-dev libmd-dev
	python3 python3-numpy python3-pandas python3-matplotlib python3-pil
	bats bats-assert bats-support jq mandoc shellcheck python3-jsonschema
	bash-completion zsh fish procps iproute2 time uidmap"
# Node.js and npm for the MCP tests, from Debian unless the host already has
# an npm (NodeSource's nodejs bundles it and conflicts with Debian's npm).
command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES nodejs npm"

# The MCP tests' client (tests/mcp/package-lock.json), from the npm registry.
mcp_sdk() {
	(cd tests/mcp && npm ci --no-audit --no-fund --silent)
}

# `make check-vm` only (tests/vm/): a Debian 12 guest under qemu.
VM_PACKAGES="qemu-system-x86 qemu-utils debootstrap e2fsprogs"

deps() {
	if [ "$(id -u)" = 0 ]; then
		SUDO=
	elif command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "bootstrap.sh: run as root or install sudo to install packages" >&2
		exit 1
	fi
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $1 >/dev/null ||
		{ $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $1; }
}

build() {
	./autogen.sh >/dev/null 2>&1 || ./autogen.sh
	[ -f Makefile ] || ./configure -q
	make -j"$(nproc)" -s
}

seed() {
	./src/sandrun -p python \
		--file examples/seed-case/dataset.csv:/code/dataset.csv \
		examples/seed-case/analysis.py
}

case "${1:-all}" in
--deps) deps "$PACKAGES" && mcp_sdk ;;
--vm-deps) deps "$VM_PACKAGES" ;;
--build) build ;;
all) deps "$PACKAGES" && mcp_sdk && build && seed ;;
*) echo "usage: $0 [--deps | --build | --vm-deps]" >&2; exit 1 ;;
esac
